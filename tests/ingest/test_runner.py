"""Incremental ingestion with the real model and embedded store: idempotent, replaces, removes, repairs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from api.service import open_store
from index.embedding_model import EmbeddingModel
from index.settings import Settings
from index.store import VraagbaakDocumentStore
from ingest.runner import IngestReport, run_ingest
from tests.helpers import expected_chunks, settings_for, small_corpus_documents, stored_ids, write_corpus

pytestmark = pytest.mark.slow


@dataclass
class Ingested:
    settings: Settings
    store: VraagbaakDocumentStore
    model: EmbeddingModel
    corpus: Path
    first: IngestReport

    def run(self) -> IngestReport:
        return run_ingest(self.settings, self.store, self.model)

    def expected_ids(self) -> dict[str, set[str]]:
        return {k: {c.id for c in v} for k, v in expected_chunks(self.corpus, self.settings).items()}


@pytest.fixture
def ingested(tmp_path: Path, data_dir: Path, embedding_model: EmbeddingModel) -> Iterator[Ingested]:
    corpus = write_corpus(tmp_path / "corpus", small_corpus_documents())
    settings = settings_for(data_dir, corpus)
    store = open_store(settings, embedding_model, purpose="ingest")
    try:
        first = run_ingest(settings, store, embedding_model)
        yield Ingested(settings, store, embedding_model, corpus, first)
    finally:
        store.close()


def _edit_manifest(corpus: Path, edit) -> None:  # noqa: ANN001 - a small callback
    path = corpus / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data["documents"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_first_run_indexes_every_chunk_with_its_metadata(ingested: Ingested) -> None:
    report, store = ingested.first, ingested.store
    expected = ingested.expected_ids()

    assert (report.documents, report.indexed, report.unchanged, report.failed) == (3, 3, 0, 0)
    assert (
        report.chunks_total
        == report.chunks_embedded
        == store.count_documents()
        == sum(map(len, expected.values()))
    )
    assert stored_ids(store) == expected
    (passage,) = [
        d
        for d in store.filter_documents(
            {"field": "meta.document_id", "operator": "==", "value": "achterhoek-berichten-faq"}
        )
        if "305" in (d.content or "")
    ]
    meta = passage.meta
    assert meta["title"] == "Berichtenverkeer Achterhoek: veelgestelde vragen"
    assert (meta["scope"], meta["doc_type"], meta["date"], meta["publisher"]) == (
        "achterhoek",
        "faq",
        "2022-09",
        "Sociaal Domein Achterhoek",
    )
    assert meta["heading_path"] == [
        "Berichtenverkeer bij de start van zorg",
        "Welk bericht stuur ik als de zorg start?",
    ]
    assert passage.content.startswith("Welk bericht stuur ik als de zorg start?\n")
    dense, sparse, _, body = store.vectors_of([passage.id])[passage.id]
    assert len(dense) == 384 and len(sparse.indices) > 5
    # The passage alone has a vector of its own, apart from the one with its context header.
    assert len(body) == 384 and float(np.dot(dense, body)) < 0.999


def test_rerun_with_nothing_changed_embeds_nothing(ingested: Ingested) -> None:
    before = stored_ids(ingested.store)

    report = ingested.run()

    assert (report.unchanged, report.indexed, report.removed_documents) == (3, 0, 0)
    assert (report.chunks_embedded, report.chunks_reused, report.chunks_removed) == (0, 0, 0)
    assert report.chunks_total == ingested.first.chunks_total
    assert stored_ids(ingested.store) == before


def test_changed_document_replaces_only_its_chunks(ingested: Ingested) -> None:
    before = stored_ids(ingested.store)
    notulen = ingested.corpus / "notulen.txt"
    notulen.write_text(
        notulen.read_text(encoding="utf-8").replace(
            "tot 1 november een onderbouwd bezwaar", "tot 15 oktober een schriftelijk bezwaar"
        ),
        encoding="utf-8",
    )

    report = ingested.run()

    after = stored_ids(ingested.store)
    expected = ingested.expected_ids()
    assert (report.indexed, report.unchanged) == (1, 2)
    assert after == expected
    assert after["achterhoek-berichten-faq"] == before["achterhoek-berichten-faq"]
    assert after["landelijk-referentiegroep"] == before["landelijk-referentiegroep"]
    gone = before["drechtsteden-notulen"] - after["drechtsteden-notulen"]
    assert gone and report.chunks_removed == len(gone)
    assert 1 <= report.chunks_embedded <= len(after["drechtsteden-notulen"])
    texts = [
        d.content
        for d in ingested.store.filter_documents(
            {"field": "meta.document_id", "operator": "==", "value": "drechtsteden-notulen"}
        )
    ]
    assert any("15 oktober" in t for t in texts) and not any("1 november" in t for t in texts)
    assert ingested.store.count_documents() == sum(map(len, expected.values()))
    # Unchanged passages carry the document's new source hash too: the next run has nothing to do.
    again = ingested.run()
    assert (again.unchanged, again.indexed, again.chunks_embedded) == (3, 0, 0)


def test_passages_that_only_moved_reuse_their_stored_vectors(ingested: Ingested) -> None:
    store = ingested.store
    old = {
        d.meta["content_hash"]: d.id
        for d in store.filter_documents(
            {"field": "meta.document_id", "operator": "==", "value": "landelijk-referentiegroep"}
        )
    }
    old_vectors = store.vectors_of(list(old.values()))
    verslag = ingested.corpus / "verslag.txt"
    verslag.write_text(
        "Aanwezigen\n\nVertegenwoordigers van gemeenten, aanbieders en softwareleveranciers waren "
        "aanwezig bij deze bijeenkomst van de referentiegroep.\n\n" + verslag.read_text(encoding="utf-8"),
        encoding="utf-8",
    )

    report = ingested.run()

    assert report.chunks_embedded == 1  # only the new passage
    assert report.chunks_reused == len(old)
    moved = {
        d.meta["content_hash"]: d.id
        for d in store.filter_documents(
            {"field": "meta.document_id", "operator": "==", "value": "landelijk-referentiegroep"}
        )
    }
    new_vectors = store.vectors_of(list(moved.values()))
    for content_hash, old_id in old.items():
        new_id = moved[content_hash]
        assert new_id != old_id  # the position is part of the id
        assert new_vectors[new_id][0] == pytest.approx(old_vectors[old_id][0])
        assert new_vectors[new_id][3] == pytest.approx(old_vectors[old_id][3])
    assert stored_ids(store) == ingested.expected_ids()


def test_metadata_change_reindexes_the_document(ingested: Ingested) -> None:
    before = stored_ids(ingested.store)
    _edit_manifest(
        ingested.corpus, lambda docs: docs[2].update(title="Verslag referentiegroep iWmo/iJw 2024")
    )

    report = ingested.run()

    after = stored_ids(ingested.store)
    assert report.indexed == 1
    assert not (
        after["landelijk-referentiegroep"] & before["landelijk-referentiegroep"]
    )  # context is in the id
    assert after["achterhoek-berichten-faq"] == before["achterhoek-berichten-faq"]
    titles = {
        d.meta["title"]
        for d in ingested.store.filter_documents(
            {"field": "meta.document_id", "operator": "==", "value": "landelijk-referentiegroep"}
        )
    }
    assert titles == {"Verslag referentiegroep iWmo/iJw 2024"}


def test_metadata_only_change_updates_the_payload_of_every_passage(ingested: Ingested) -> None:
    """Scope, date and publisher are not part of a passage id; a change must still reach the index."""
    before = stored_ids(ingested.store)

    def edit(docs: list[dict]) -> None:
        docs[0].update(scope="landelijk", date="2023-01", publisher="Sociaal Domein Achterhoek (8 gemeenten)")

    _edit_manifest(ingested.corpus, edit)

    report = ingested.run()

    assert stored_ids(ingested.store) == before  # same content, same ids
    assert (report.indexed, report.chunks_embedded) == (1, 0)
    faq = ingested.store.filter_documents(
        {"field": "meta.document_id", "operator": "==", "value": "achterhoek-berichten-faq"}
    )
    assert {(d.meta["scope"], d.meta["date"], d.meta["publisher"]) for d in faq} == {
        ("landelijk", "2023-01", "Sociaal Domein Achterhoek (8 gemeenten)")
    }
    assert (
        ingested.store.filter_documents({"field": "meta.scope", "operator": "==", "value": "achterhoek"})
        == []
    )
    again = ingested.run()
    assert (again.unchanged, again.indexed) == (3, 0)


def test_document_removed_from_manifest_disappears(ingested: Ingested) -> None:
    before = stored_ids(ingested.store)
    _edit_manifest(ingested.corpus, lambda docs: docs.pop(1))

    report = ingested.run()

    after = stored_ids(ingested.store)
    assert report.removed_documents == 1
    assert report.chunks_removed == len(before["drechtsteden-notulen"])
    assert "drechtsteden-notulen" not in after
    assert after == ingested.expected_ids()
    assert ingested.store.count_documents() == sum(map(len, after.values()))


def test_incomplete_document_and_orphans_are_repaired(ingested: Ingested) -> None:
    """What a killed run can leave behind: a document with passages missing, and passages it no longer has."""
    store = ingested.store
    faq_ids = sorted(stored_ids(store)["achterhoek-berichten-faq"])
    store.delete_documents(faq_ids[:1])
    some = store.filter_documents(
        {"field": "meta.document_id", "operator": "==", "value": "drechtsteden-notulen"}
    )[0]
    dense, sparse, _, _ = store.vectors_of([some.id])[some.id]
    orphan = replace(
        some,
        id="00000000-0000-4000-8000-000000000001",
        embedding=dense,
        sparse_embedding=sparse,
        meta={**some.meta, "position": 99, "content": None},
    )
    store.write_documents([orphan])
    assert store.count_documents() == ingested.first.chunks_total

    report = ingested.run()

    assert report.indexed == 2 and report.unchanged == 1
    assert stored_ids(store) == ingested.expected_ids()
    assert store.count_documents() == ingested.first.chunks_total
    assert report.chunks_embedded == 1  # only the missing passage; the orphan was deleted, not embedded


def test_bad_files_are_reported_and_the_good_ones_indexed(
    tmp_path: Path, data_dir: Path, embedding_model: EmbeddingModel
) -> None:
    docs = small_corpus_documents()
    docs += [
        {"id": "leeg", "title": "Leeg", "file": "leeg.txt", "text": ""},
        {"id": "binair", "title": "Binair", "file": "binair.txt", "text": b"\x00\x01\x02PK\x03\x04" * 50},
        {"id": "scan", "title": "Scan", "file": "scan.pdf", "text": b"%PDF-1.4\n"},
        {"id": "ontbreekt", "title": "Ontbreekt", "file": "ontbreekt.txt"},
    ]
    corpus = write_corpus(tmp_path / "corpus", docs)
    settings = settings_for(data_dir, corpus)
    store = open_store(settings, embedding_model, purpose="ingest")
    try:
        report = run_ingest(settings, store, embedding_model)
        ids = stored_ids(store)
    finally:
        store.close()

    reasons = {f.file: f.reason for f in report.failures}
    assert set(reasons) == {"leeg.txt", "binair.txt", "scan.pdf", "ontbreekt.txt"}
    assert reasons["leeg.txt"] == "leeg bestand"
    assert reasons["binair.txt"].startswith("binair bestand")
    assert reasons["scan.pdf"].startswith("PDF is beschadigd of afgebroken")  # only a header
    assert reasons["ontbreekt.txt"].startswith("kan bestand niet lezen")
    assert (report.documents, report.indexed, report.failed) == (7, 3, 4)
    assert set(ids) == {"achterhoek-berichten-faq", "drechtsteden-notulen", "landelijk-referentiegroep"}
    assert ids == {k: {c.id for c in v} for k, v in expected_chunks(corpus, settings).items()}


def test_corpus_folder_without_manifest_is_ingestible(
    tmp_path: Path, data_dir: Path, embedding_model: EmbeddingModel
) -> None:
    corpus = tmp_path / "eigen-documenten"
    corpus.mkdir()
    for item in small_corpus_documents()[:2]:
        (corpus / item["file"]).write_text(item["text"], encoding="utf-8")
    settings = settings_for(data_dir, corpus)
    store = open_store(settings, embedding_model, purpose="ingest")
    try:
        report = run_ingest(settings, store, embedding_model)
        again = run_ingest(settings, store, embedding_model)
        titles = {d.meta["title"] for d in store.filter_documents()}
    finally:
        store.close()

    assert (report.indexed, report.failed) == (2, 0)
    assert again.chunks_embedded == 0 and again.unchanged == 2
    assert "Berichtenverkeer bij de start van zorg" in titles  # the first Markdown heading


def test_index_survives_close_and_reopen(ingested: Ingested) -> None:
    before = stored_ids(ingested.store)
    ingested.store.close()
    data_copy = ingested.settings.data_dir.parent / "reopened"
    shutil.copytree(ingested.settings.data_dir, data_copy, symlinks=True)
    settings = settings_for(data_copy, ingested.corpus)
    store = open_store(settings, ingested.model, purpose="ingest")
    try:
        assert stored_ids(store) == before
        assert run_ingest(settings, store, ingested.model).chunks_embedded == 0
    finally:
        store.close()
