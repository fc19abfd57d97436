"""Incremental, idempotent ingestion of a corpus directory into the index.

Content hashes decide what changed: a document whose stored passages all carry its current
source hash (file bytes + metadata + chunking + model) and are complete is skipped without
reading it again; anything else is re-cut and reconciled passage by passage, so a run that was
killed half-way is repaired by the next one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.embedding_model import EmbeddingModel
from index.settings import Settings
from index.store import VraagbaakDocumentStore
from ingest.chunker import CHUNKER_VERSION
from ingest.converters import Failure, SourceFile
from ingest.manifest import DocumentEntry, load_manifest
from ingest.pipeline import build_indexing_pipeline

# Documents per pipeline run: big enough for efficient embedding batches, small enough to make progress.
BATCH_DOCUMENTS = 16
ANALYZER_VERSION = "2"  # 2: data elements ("GeleverdVolume") also as their parts
UPLOAD_ORIGIN = "upload"  # payload `origin` of passages of documents uploaded through the API (api/documents.py)


@dataclass
class IngestReport:
    """What a run did; printed as a summary and returned as JSON."""

    corpus: str
    documents: int = 0
    unchanged: int = 0
    indexed: int = 0
    removed_documents: int = 0
    chunks_total: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    chunks_removed: int = 0
    words_embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # folder without manifest: files of unknown type

    @property
    def failed(self) -> int:
        return len(self.failures)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["failed"] = self.failed
        return out


def source_hash(path: Path, entry: DocumentEntry, settings: Settings) -> str:
    """Everything that determines a document's passages and vectors, hashed."""
    digest = hashlib.sha256(path.read_bytes())
    config = {
        "meta": entry.fingerprint(),
        "chunker": CHUNKER_VERSION,
        "analyzer": ANALYZER_VERSION,
        "chunking": settings.chunking.model_dump(),
        "stemmer": settings.stemmer,
        "model": settings.embedding_model,
    }
    digest.update(json.dumps(config, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _consistent(state: dict[str, Any], expected_hash: str) -> bool:
    counts = state["counts"]
    if state["hashes"] != {expected_hash} or len(counts) != 1:
        return False
    count = next(iter(counts))
    return len(state["ids"]) == count and sorted(state["positions"]) == list(range(count))


def run_ingest(
    settings: Settings,
    store: VraagbaakDocumentStore,
    model: EmbeddingModel,
    corpus_dir: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    progress_bar: bool = False,
) -> IngestReport:
    """Bring the (opened) store in line with the corpus; returns what was done."""
    started = time.perf_counter()
    corpus = Path(corpus_dir or settings.corpus_dir)
    manifest = load_manifest(corpus)
    report = IngestReport(corpus=str(corpus), documents=len(manifest.documents), unsupported=manifest.unsupported)
    state = store.index_state()

    todo: list[SourceFile] = []
    for entry in manifest.documents:
        path = manifest.path_of(entry)
        try:
            digest = source_hash(path, entry, settings)
        except OSError as exc:
            report.failures.append(Failure(entry.id, entry.file, f"kan bestand niet lezen ({exc.strerror or exc})"))
            continue
        if entry.id in state and _consistent(state[entry.id], digest):
            report.unchanged += 1
            report.chunks_total += len(state[entry.id]["ids"])
            continue
        todo.append(SourceFile(path, entry, digest))

    known = {e.id for e in manifest.documents}
    # Documents uploaded through the API are not in the corpus directory; they are the API's to keep or delete.
    gone = [doc_id for doc_id in state if doc_id not in known and state[doc_id]["origin"] != UPLOAD_ORIGIN]
    for doc_id in gone:
        store.delete_documents(sorted(state[doc_id]["ids"]))
        report.chunks_removed += len(state[doc_id]["ids"])
    report.removed_documents = len(gone)

    if todo:
        pipeline = build_indexing_pipeline(settings, store, model, progress_bar=progress_bar)
        done = 0
        for start in range(0, len(todo), BATCH_DOCUMENTS):
            batch = todo[start : start + BATCH_DOCUMENTS]
            stored = {s.entry.id: state.get(s.entry.id, {}).get("ids", set()) for s in batch}
            t0 = time.perf_counter()
            result = pipeline.run(
                {"converter": {"sources": batch}, "reconciler": {"stored": stored}},
                include_outputs_from={"chunker", "reconciler"},
            )
            _account(report, result, batch, time.perf_counter() - t0, model)
            done += len(batch)
            if progress:
                progress(done, len(todo), batch[-1].entry.file)
    store.flush()
    report.seconds = time.perf_counter() - started
    return report


def _account(report: IngestReport, result: dict[str, Any], batch: list[SourceFile], seconds: float,
             model: EmbeddingModel) -> None:
    failures: list[Failure] = result.get("converter", {}).get("failures", [])
    report.failures.extend(failures)
    failed_ids = {f.document_id for f in failures}
    chunks = result.get("chunker", {}).get("documents", [])
    reconciled = result.get("reconciler", {})
    report.indexed += len([s for s in batch if s.entry.id not in failed_ids])
    report.chunks_total += len(chunks)
    embedded = reconciled.get("to_embed", [])
    report.chunks_embedded += len(embedded)
    report.chunks_reused += len(reconciled.get("reused", []))
    report.chunks_removed += len(reconciled.get("stale_ids", []))
    report.words_embedded += sum(len((d.content or "").split()) for d in embedded)
    if embedded:
        report.embed_seconds += seconds
