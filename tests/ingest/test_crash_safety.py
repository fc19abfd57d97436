"""Crash safety: `vraagbaak ingest` SIGKILLed half-way; the next run leaves exactly the corpus's chunks."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from index.embedding_model import EmbeddingModel
from index.settings import Settings
from index.store import VraagbaakDocumentStore
from ingest.runner import run_ingest
from tests.helpers import (
    REPO,
    cli_env,
    expected_chunks,
    run_cli,
    settings_for,
    stored_ids,
    vraagbaak_command,
    wait_until,
    write_corpus,
)

pytestmark = pytest.mark.slow

DOCUMENTS = 60
_TOPICS = (
    "toewijzing",
    "declaratie",
    "indexering",
    "wachttijd",
    "evaluatie",
    "overgangsregeling",
    "productcode",
    "beschikking",
    "retourbericht",
    "verantwoording",
)


def _paragraph(doc: int, par: int) -> str:
    topic = _TOPICS[(doc + par) % len(_TOPICS)]
    return " ".join(
        f"In document {doc} gaat alinea {par} over de {topic}; "
        f"regel {s} zegt wat de aanbieder binnen {s + 2} "
        f"werkdagen doet."
        for s in range(3)
    )


def _document(doc: int, sections: int = 2) -> str:
    parts = [f"Werkinstructie {doc}"]
    for par in range(sections):
        parts += [f"Onderdeel {par} van instructie {doc}", _paragraph(doc, par)]
    return "\n\n".join(parts) + "\n"


def _corpus(folder: Path) -> Path:
    return write_corpus(
        folder,
        [
            {
                "id": f"instructie-{doc:03d}",
                "title": f"Werkinstructie {doc}",
                "publisher": "Testregio",
                "scope": "achterhoek" if doc % 2 else "landelijk",
                "doc_type": "instructie",
                "date": "2024-01",
                "file": f"instructie_{doc:03d}.txt",
                "text": _document(doc, sections=2 if doc % 3 else 3),
            }
            for doc in range(DOCUMENTS)
        ],
    )


def _progress(stderr_file: Path) -> tuple[int, int] | None:
    """The last 'done/total' the ingest progress bar printed."""
    text = stderr_file.read_text(encoding="utf-8", errors="replace")
    found = re.findall(r"Documenten:[^\r\n]*?\|\s*(\d+)/(\d+)", text)
    return (int(found[-1][0]), int(found[-1][1])) if found else None


def _open(settings: Settings) -> VraagbaakDocumentStore:
    return VraagbaakDocumentStore(
        str(settings.data_dir), model_name=settings.embedding_model, purpose="test"
    ).open(384)


def test_ingest_killed_mid_run_is_repaired_by_the_next_run(
    tmp_path: Path, data_dir: Path, embedding_model: EmbeddingModel
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    settings = settings_for(data_dir, corpus)
    total = sum(len(v) for v in expected_chunks(corpus, settings).values())
    stderr_file = tmp_path / "ingest-1.err"

    # 1. Start a full ingest and SIGKILL it once the first batch of documents has been written.
    with stderr_file.open("w") as err:
        proc = subprocess.Popen(
            [*vraagbaak_command(), "ingest", "--corpus", str(corpus)],
            env=cli_env(data_dir, corpus),
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=REPO,
        )
        try:

            def first_batch_done() -> tuple[int, int] | None:
                assert proc.poll() is None, (
                    f"ingest finished (rc {proc.returncode}) before it could be interrupted: "
                    f"{stderr_file.read_text()[-2000:]}"
                )
                progress = _progress(stderr_file)
                return progress if progress and progress[0] > 0 else None

            done, todo = wait_until(first_batch_done, "the first ingest batch", timeout=300, interval=0.05)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert 0 < done < todo == DOCUMENTS

    # 2. The killed run left a readable, partial index.
    store = _open(settings)
    try:
        partial = store.count_documents()
        partial_ids = stored_ids(store)
    finally:
        store.close()
    assert 0 < partial < total, (partial, total)
    indexed_docs = sorted(partial_ids)
    assert len(indexed_docs) >= done

    # 3. Meanwhile the corpus changes: one indexed document edited, one shrunk, one removed, one added.
    changed, shrunk = corpus / f"instructie_{int(indexed_docs[0][-3:]):03d}.txt", indexed_docs[1]
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("alinea 1 over", "alinea 1 (herzien) over"),
        encoding="utf-8",
    )
    shrunk_file = corpus / f"instructie_{int(shrunk[-3:]):03d}.txt"
    shrunk_file.write_text(_document(int(shrunk[-3:]), sections=1), encoding="utf-8")
    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text(encoding="utf-8"))
    removed = manifest["documents"].pop(2)["id"]
    manifest["documents"].append(
        {"id": "instructie-nieuw", "title": "Nieuwe werkinstructie", "file": "nieuw.txt"}
    )
    (corpus / "nieuw.txt").write_text(_document(999), encoding="utf-8")
    (corpus / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    assert len(partial_ids[shrunk]) > len(expected_chunks(corpus, settings)[shrunk])

    # 4. Run ingest again, to completion.
    result = run_cli(["ingest", "--corpus", str(corpus), "--json"], env=cli_env(data_dir, corpus))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["failed"] == 0 and report["documents"] == DOCUMENTS

    # 5. Exactly the chunks of the corpus: none missing, none duplicated, no orphans.
    expected = expected_chunks(corpus, settings)
    store = _open(settings)
    try:
        stored = store.filter_documents()
        assert stored_ids(store) == {k: {c.id for c in v} for k, v in expected.items()}
        assert store.count_documents() == sum(len(v) for v in expected.values())
        rerun = run_ingest(settings, store, embedding_model)
    finally:
        store.close()
    assert removed not in {d.meta["document_id"] for d in stored}
    by_doc: dict[str, list] = {}
    for doc in stored:
        by_doc.setdefault(doc.meta["document_id"], []).append(doc)
    for doc_id, chunks in expected.items():
        got = by_doc[doc_id]
        assert sorted(d.meta["position"] for d in got) == list(range(len(chunks))), doc_id
        assert {d.meta["source_hash"] for d in got} == {chunks[0].meta["source_hash"]}, doc_id
        assert {d.meta["chunk_count"] for d in got} == {len(chunks)}, doc_id
        assert sorted(d.content for d in got) == sorted(c.content for c in chunks), doc_id
    # And the repaired index is consistent: another run has nothing to do.
    assert (rerun.chunks_embedded, rerun.chunks_removed, rerun.unchanged) == (0, 0, DOCUMENTS)
