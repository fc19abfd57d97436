"""Document upload, service level: real index copy, real model, real SQLite file, the real worker thread."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from api.auth import Principal
from api.documents import DocumentService, UploadMeta
from api.errors import ErrorCode, VraagbaakError
from api.service import QAService
from api.storage import open_database
from api.upload_records import Job
from index.settings import Settings
from ingest.converters import Limits
from ingest.runner import run_ingest
from ingest.single import document_filter, prepare_passages, stored_passage_ids
from tests.conftest import SessionIndex
from tests.helpers import copy_data_dir, settings_for, wait_until
from tests.ingest.pdf_fixtures import image_only_pdf, text_pdf

pytestmark = pytest.mark.slow

TEAM = Principal(name="team-achterhoek", role="documentatie", regions=("achterhoek",))
ALL = Principal(name="landelijk-team", role="documentatie", regions=None)

WERKINSTRUCTIE = (
    "# Werkinstructie wachtlijstbemiddeling\n\n"
    "## Wanneer meld ik een cliënt aan bij de wachtlijstbemiddelaar?\n\n"
    "Een zorgaanbieder meldt een cliënt aan bij de wachtlijstbemiddelaar zodra de wachttijd langer is dan "
    "zeven weken. De bemiddelaar zoekt binnen tien werkdagen een andere aanbieder met plek.\n"
)


def _long_text(sections: int = 6) -> bytes:
    """A document of several sections, so that it has several passages."""
    words = ("aanvraag toewijzing beschikking zorgaanbieder gemeente cliënt declaratie termijn werkdagen "
             "retourbericht indicatie product budget").split()
    parts = ["# Handboek wachtlijsten"]
    for n in range(sections):
        body = " ".join(words[(n + i) % len(words)] for i in range(150))
        parts.append(f"## Onderdeel {n + 1}: regel {n * 7 + 3}\n\n{body}.")
    return "\n\n".join(parts).encode()


class Running:
    """A started QAService + DocumentService on a private index copy and a SQLite file, closed like a server."""

    def __init__(self, settings: Settings, limits: Limits | None = None) -> None:
        self.settings = settings
        self.qa = QAService(settings)
        self.qa.start()
        self.engine = open_database(settings.chat_database_url)
        self.docs = DocumentService(self.qa, settings, self.engine, limits)
        self.docs.start()

    def close(self) -> None:
        self.docs.close()
        self.engine.dispose()
        self.qa.close()


def _settings(session_index: SessionIndex, folder: Path) -> Settings:
    return settings_for(copy_data_dir(session_index.data_dir, folder / "data"))


@pytest.fixture(scope="module")
def running(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    server = Running(_settings(session_index, tmp_path_factory.mktemp("documents")))
    try:
        yield server
    finally:
        server.close()


def _upload(running: Running, name: str, data: bytes, principal: Principal = ALL, **meta: str) -> Job:
    fields = {"title": "Werkinstructie wachtlijstbemiddeling", "scope": "achterhoek", "doc_type": "werkinstructie",
              "date": "2025-03-01"} | meta
    _, job = running.docs.upload(principal, name, io.BytesIO(data), UploadMeta(**fields))
    return job


def _finished(running: Running, job: Job, principal: Principal = ALL) -> Job:
    return wait_until(lambda: (j := running.docs.job(principal, job.id)).status in ("done", "failed") and j,
                      f"job {job.id}", timeout=120)


def _docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_heading("Afspraken over de declaratie", level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_uploaded_text_becomes_searchable_with_its_metadata(running: Running) -> None:
    job = _finished(running, _upload(running, "werkinstructie.md", WERKINSTRUCTIE.encode()))
    assert job.status == "done", job.message
    assert job.passages >= 1 and "geïndexeerd" in job.message

    hits = running.qa.search("wachtlijstbemiddelaar wachttijd zeven weken", region="achterhoek", top_k=3).passages
    top = hits[0]
    assert top.document_id == job.document_id and "zeven weken" in top.text
    assert (top.title, top.scope, top.doc_type, top.date) == (
        "Werkinstructie wachtlijstbemiddeling", "achterhoek", "werkinstructie", "2025-03-01")
    answer = running.qa.ask("Wanneer meld ik een cliënt aan bij de wachtlijstbemiddelaar?", "achterhoek")
    assert answer.answered and answer.citations[0].title == "Werkinstructie wachtlijstbemiddeling"

    listed = {d.id: (d, j) for d, j in running.docs.documents(ALL)}
    doc, latest = listed[job.document_id]
    assert doc.passages == job.passages and latest is not None and latest.status == "done"
    assert (running.docs.root / doc.stored_file).is_file()


@pytest.mark.parametrize(("name", "data", "phrase"), [
    ("vergoeding.pdf", text_pdf([["Reiskostenvergoeding begeleiding", "",
                                  "De gemeente vergoedt reiskosten voor begeleiding boven de vijftien kilometer",
                                  "per enkele reis, tegen negentien cent per kilometer."]]), "negentien cent"),
    ("declaratie.docx", _docx_bytes("Een declaratie van dagbesteding wordt binnen dertig dagen na ontvangst "
                                    "betaald als de toewijzing klopt en het retourbericht goed is."), "dertig dagen"),
    ("klachten.html", ("<!doctype html><html><head><title>Klachten</title></head><body><nav>menu</nav><main>"
                       "<h1>Klachtenregeling Wmo</h1><p>Een klacht over de onafhankelijke cliëntondersteuner "
                       "behandelt de klachtencommissie binnen zes weken na ontvangst van de klacht.</p></main>"
                       "</body></html>").encode(), "zes weken"),
])
def test_pdf_docx_and_html_are_converted_like_ingest(running: Running, name: str, data: bytes, phrase: str) -> None:
    job = _finished(running, _upload(running, name, data, title=f"Geüpload {name}", scope="drechtsteden",
                                     doc_type="document"))
    assert job.status == "done", job.message
    ids = stored_passage_ids(running.qa.store, job.document_id)
    docs = running.qa.store.filter_documents({"field": "id", "operator": "in", "value": ids})
    assert any(phrase in (d.content or "") for d in docs)
    assert {d.meta["scope"] for d in docs} == {"drechtsteden"} and {d.meta["origin"] for d in docs} == {"upload"}
    if name.endswith(".pdf"):
        assert {d.meta["page"] for d in docs} == {1}


def test_bad_files_are_refused_with_a_dutch_reason(running: Running, tmp_path: Path) -> None:
    before = len(running.docs.documents(ALL))
    with pytest.raises(VraagbaakError) as binary:
        _upload(running, "programma.txt", b"MZ\x90\x00\x03\x00\x00\x00" * 100)
    assert binary.value.code == ErrorCode.VALIDATION and "binair" in binary.value.detail
    with pytest.raises(VraagbaakError) as unknown:
        _upload(running, "foto.jpg", b"\xff\xd8\xff\xe0 JFIF" * 20)
    assert "wordt niet ondersteund" in unknown.value.detail
    with pytest.raises(VraagbaakError) as empty:
        _upload(running, "leeg.txt", b"")
    assert empty.value.detail == "Het bestand is leeg."

    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("word/document.xml", "w", force_zip64=True) as member:
        for _ in range(210):  # 210 MB of spaces, about 200 KB packed
            member.write(b" " * 1_000_000)
    with pytest.raises(VraagbaakError) as zip_bomb:
        _upload(running, "bom.docx", bomb.getvalue())
    assert "zip-bom" in zip_bomb.value.detail

    # A scanned PDF passes the pre-checks; the PDF worker refuses it and the job says why.
    job = _finished(running, _upload(running, "scan.pdf", image_only_pdf()))
    assert job.status == "failed" and job.passages == 0
    assert job.errors == [{"file": "scan.pdf", "reason": job.errors[0]["reason"]}]
    assert "geen tekst" in job.errors[0]["reason"] and "gescand" in job.message
    assert len(running.docs.documents(ALL)) == before  # nothing refused is kept
    assert not stored_passage_ids(running.qa.store, job.document_id)
    assert sorted(p.name for p in running.docs.root.iterdir()) == sorted(
        d.id for d, _ in running.docs.documents(ALL))


def test_size_limit_is_a_413(session_index: SessionIndex, tmp_path: Path) -> None:
    small = Running(_settings(session_index, tmp_path), Limits(max_bytes=1_000_000))
    try:
        with pytest.raises(VraagbaakError) as too_big:
            _upload(small, "groot.txt", b"woord " * 200_000)
        assert too_big.value.code == ErrorCode.TOO_LARGE and "1 MB" in too_big.value.detail
        assert not any(small.docs.root.iterdir())
    finally:
        small.close()


@pytest.mark.parametrize(("meta", "code", "words"), [
    ({"scope": "atlantis"}, ErrorCode.UNKNOWN_REGION, "Onbekende regio 'atlantis'"),
    ({"doc_type": "roman"}, ErrorCode.VALIDATION, "Onbekend documenttype 'roman'"),
    ({"date": "2025-02-30"}, ErrorCode.VALIDATION, "Datum '2025-02-30'"),
    ({"date": "maart 2025"}, ErrorCode.VALIDATION, "JJJJ-MM-DD"),
    ({"supersedes": "bestaat-niet"}, ErrorCode.VALIDATION, "onbekend document 'bestaat-niet'"),
    ({"title": "  "}, ErrorCode.VALIDATION, "titel"),
])
def test_metadata_is_checked(running: Running, meta: dict[str, str], code: ErrorCode, words: str) -> None:
    with pytest.raises(VraagbaakError) as refused:
        _upload(running, "werkinstructie.md", WERKINSTRUCTIE.encode(), **meta)
    assert refused.value.code == code and words in refused.value.detail


def test_region_rules_for_upload_list_job_and_delete(running: Running) -> None:
    with pytest.raises(VraagbaakError) as other:
        _upload(running, "w.md", WERKINSTRUCTIE.encode(), TEAM, scope="drechtsteden")
    assert other.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(VraagbaakError) as national:
        _upload(running, "w.md", WERKINSTRUCTIE.encode(), TEAM, scope="landelijk")
    assert national.value.code == ErrorCode.FORBIDDEN

    own = _finished(running, _upload(running, "w.md", WERKINSTRUCTIE.encode(), TEAM, title="Eigen instructie"),
                    TEAM)
    foreign = _finished(running, _upload(running, "w.md", WERKINSTRUCTIE.encode(), ALL, title="Drechtsteden",
                                         scope="drechtsteden"))
    assert own.status == foreign.status == "done"
    seen = {d.id for d, _ in running.docs.documents(TEAM)}
    assert own.document_id in seen and foreign.document_id not in seen
    assert {d.scope for d, _ in running.docs.documents(TEAM)} == {"achterhoek"}
    with pytest.raises(VraagbaakError) as hidden_job:
        running.docs.job(TEAM, foreign.id)
    assert hidden_job.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(VraagbaakError) as hidden_doc:
        running.docs.delete(TEAM, foreign.document_id)
    assert hidden_doc.value.code == ErrorCode.NOT_FOUND

    removed = running.docs.delete(TEAM, own.document_id)
    assert removed == own.passages > 0
    assert not stored_passage_ids(running.qa.store, own.document_id)
    assert not (running.docs.root / own.document_id).exists()
    assert own.document_id not in {d.id for d, _ in running.docs.documents(ALL)}
    assert stored_passage_ids(running.qa.store, foreign.document_id)


def test_supersedes_marks_the_older_version_and_delete_undoes_it(running: Running) -> None:
    old_id = "sda-inkoop-2022-vraag-antwoord"
    job = _finished(running, _upload(running, "inkoop.md", WERKINSTRUCTIE.encode(), title="Inkoop 2025",
                                     supersedes=old_id))
    assert job.status == "done", job.message
    older = running.qa.store.filter_documents({"field": "meta.document_id", "operator": "==", "value": old_id})
    assert {d.meta.get("superseded_by") for d in older} == {job.document_id}
    assert {d.meta.get("superseded_by_title") for d in older} == {"Inkoop 2025"}
    running.docs.delete(ALL, job.document_id)
    older = running.qa.store.filter_documents({"field": "meta.document_id", "operator": "==", "value": old_id})
    assert {d.meta.get("superseded_by") for d in older} == {None}


def test_a_job_cut_off_by_a_kill_is_cleaned_up_and_run_again(session_index: SessionIndex, tmp_path: Path) -> None:
    settings = _settings(session_index, tmp_path)
    first = Running(settings)
    first.docs.close()  # no worker: the job stays queued, as if the server died before reaching it
    try:
        doc, job = first.docs.upload(ALL, "w.md", io.BytesIO(_long_text()),
                                     UploadMeta(title="Half", scope="achterhoek", doc_type="werkinstructie"))
        # What a kill in the middle of a write would leave: the job running and some of the passages stored.
        first.docs.records.start_job(job.id)
        from api.documents import _entry

        passages = prepare_passages(settings, first.qa.model, first.docs.root / doc.stored_file, _entry(doc))
        assert len(passages) >= 2
        first.qa.store.write_documents(passages[:1])
    finally:
        first.close()

    second = Running(settings)
    try:
        done = _finished(second, job)
        assert done.status == "done" and done.attempts == 2
        stored = stored_passage_ids(second.qa.store, doc.id)
        assert len(stored) == done.passages == len(passages)
    finally:
        second.close()


def test_a_reindex_job_cut_off_by_a_kill_runs_again_at_the_next_start(session_index: SessionIndex,
                                                                        tmp_path: Path) -> None:
    settings = _settings(session_index, tmp_path)
    first = Running(settings)
    first.docs.close()  # no worker: the job stays where the kill left it
    try:
        job, new = first.docs.reindex(Principal(name="beheerder", role="beheer", regions=None))
        assert new and first.docs.reindex(ALL) == (job, False)  # one re-index at a time
        first.docs.records.start_job(job.id)
    finally:
        first.close()

    second = Running(settings)
    try:
        done = _finished(second, job)
        assert done.status == "done" and done.attempts == 2, done
        assert done.message.startswith("Klaar: 0 document(en) (opnieuw) geïndexeerd, 5 ongewijzigd")
        assert done.passages == second.qa.store.count_documents()
    finally:
        second.close()


def test_corpus_ingest_keeps_uploads_and_does_not_index_them_again(session_index: SessionIndex,
                                                                   tmp_path: Path) -> None:
    settings = _settings(session_index, tmp_path)
    server = Running(settings)
    try:
        job = _finished(server, _upload(server, "w.md", WERKINSTRUCTIE.encode()))
        assert job.status == "done"
        report = run_ingest(settings, server.qa.store, server.qa.model)
        assert report.removed_documents == 0 and report.chunks_embedded == 0
        assert len(stored_passage_ids(server.qa.store, job.document_id)) == job.passages
    finally:
        server.close()
    restarted = Running(settings)  # an indexed upload survives a restart without being indexed again
    try:
        assert restarted.docs.records.jobs(("queued", "running")) == []
        assert [d.id for d, _ in restarted.docs.documents(ALL)] == [job.document_id]
        hits = restarted.qa.search("wachtlijstbemiddelaar zeven weken", region="achterhoek", top_k=1).passages
        assert hits[0].document_id == job.document_id
    finally:
        restarted.close()


def test_searches_keep_working_while_a_document_is_indexed_and_see_all_or_nothing(running: Running) -> None:
    job = _upload(running, "handboek.md", _long_text(sections=30), title="Handboek wachtlijsten",
                  doc_type="handreiking")
    seen: set[int] = set()
    answered = 0
    while (current := running.docs.job(ALL, job.id)).status in ("queued", "running"):
        seen.add(running.qa.store.backend.count(document_filter(job.document_id)))
        answered += bool(running.qa.search("declaratie termijn werkdagen", region="achterhoek", top_k=3).passages)
        time.sleep(0.05)
    assert current.status == "done" and current.passages >= 20
    seen.add(running.qa.store.backend.count(document_filter(job.document_id)))
    assert seen <= {0, current.passages} and current.passages in seen
    assert answered >= 1
