"""Documents uploaded by documentation teams: stored, checked, and indexed in the background. No HTTP here.

An upload is written under `<data dir>/uploads/<document id>/`, checked at once with the ingest pre-checks (size,
format by content, zip bombs) and queued as a job in the chat database. One worker thread in the server process
indexes the jobs one at a time with the service's open store and model (the embedded index allows one process per
data directory), through the same converters and limits as `vraagbaak ingest` (a PDF in its limited worker).
A document's passages are written in one upsert and the job is marked done after it, so a search sees all of
them or none; a job found `running` at start-up (the server was killed) has its passages removed and runs again.

The same worker runs a re-index of the corpus directory for the `beheer` role (`vraagbaak ingest` inside the
server, which holds the index): a job whose target is `REINDEX_TARGET`, one at a time, progress in its message.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from api.auth import Principal
from api.errors import ErrorCode, VraagbaakError
from api.service import QAService
from api.storage import utcnow
from api.upload_records import Job, UploadedDocument, UploadRepository
from index.settings import Settings
from ingest.converters import ConversionError, Limits, check_file
from ingest.manifest import DocumentEntry, ManifestError
from ingest.runner import IngestReport, run_ingest
from ingest.single import (
    document_filter,
    mark_superseded,
    prepare_passages,
    remove_document,
    stored_passage_ids,
    write_passages,
)

logger = logging.getLogger(__name__)

NATIONAL = "landelijk"
# Document types a team may choose; types already in the index are accepted too.
DOC_TYPES = ("beleidsregel", "besluit", "codelijst", "contract", "document", "faq", "handreiking", "informatiebrief",
             "nieuwsbrief", "notulen", "presentatie", "regeling", "specificatie", "verordening", "verslag",
             "webpagina", "werkinstructie", "wet")
REINDEX_TARGET = "(corpus)"  # the document_id of a re-index job: the whole corpus directory, no upload
MAX_ATTEMPTS = 3  # a job whose runs keep being cut off (killed server) fails instead of looping
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class UploadMeta:
    """What the team says about the document; the same fields the manifest gives ingested documents."""

    title: str
    scope: str
    doc_type: str = "document"
    date: str | None = None
    supersedes: str | None = None
    publisher: str | None = None


class DocumentService:
    """Upload, list, delete and the indexing worker, over a started QAService and the chat database."""

    def __init__(self, qa: QAService, settings: Settings, engine: Engine, limits: Limits | None = None) -> None:
        self.qa = qa
        self.settings = settings
        self.limits = limits or Limits()
        self.records = UploadRepository(engine)
        self.root = Path(settings.data_dir) / "uploads"
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._write_lock = threading.Lock()  # one document changes at a time: indexing's write, a delete
        self._worker: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Repair what a killed server left, queue the open jobs, and start the worker thread."""
        self.recover()
        self.reapply_supersedes()
        for job in self.records.jobs(("queued",)):
            self._queue.put(job.id)
        self._worker = threading.Thread(target=self._work, name="vraagbaak-upload-worker", daemon=True)
        self._worker.start()

    def close(self, timeout: float = 30.0) -> None:
        """Stop the worker after its current job; a job cut off here is repaired at the next start."""
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)
            self._worker = None

    def recover(self) -> list[str]:
        """Jobs left `running` by a killed server: remove whatever passages they wrote and queue them again;
        documents recorded as indexed whose passages are gone from the index (a rebuilt index): index them again."""
        store = self._store()
        repaired = []
        for job in self.records.jobs(("running",)):
            # A cut-off re-index leaves whole documents (ingest writes per batch and is repaired by running again).
            removed = 0 if job.document_id == REINDEX_TARGET else remove_document(store, job.document_id)
            if job.attempts >= MAX_ATTEMPTS:
                if job.document_id == REINDEX_TARGET:
                    self._fail(job, f"Herindexering {job.attempts} keer afgebroken; start haar opnieuw.", [])
                    continue
                self._fail(job, f"Indexeren {job.attempts} keer afgebroken; het document is niet opgenomen.", [])
                self._forget(job.document_id)
                continue
            logger.warning("Upload-job %s was onderbroken (%d passages verwijderd): opnieuw in de wachtrij",
                           job.id, removed)
            self.records.requeue_job(job.id, "Onderbroken (server gestopt); opnieuw in de wachtrij.")
            repaired.append(job.id)
        open_docs = {j.document_id for j in self.records.jobs(("queued", "running"))}
        for doc in self.records.documents():
            if doc.id not in open_docs and doc.indexed_at and not stored_passage_ids(store, doc.id):
                logger.warning("Geüpload document %s ontbreekt in de index: opnieuw in de wachtrij", doc.id)
                self.records.add_job(doc.id, str(uuid.uuid4()), doc.uploaded_by,
                                     "Ontbrak in de index; opnieuw in de wachtrij.")
        return repaired

    def reapply_supersedes(self) -> int:
        """Uploaded documents that replace an older one: mark it again where a re-index of the corpus rewrote its
        passages without the mark. Returns the documents marked."""
        store, marked = self._store(), 0
        for doc in self.records.documents():
            if not (doc.supersedes and doc.indexed_at):
                continue
            old = store.filter_documents(document_filter(doc.supersedes))
            if old and any(p.meta.get("superseded_by") != doc.id for p in old):
                with self._write_lock:
                    mark_superseded(store, doc.supersedes, _entry(doc))
                marked += 1
        return marked

    def _store(self):  # noqa: ANN202 - the QAService's open store
        if self.qa.store is None:
            raise VraagbaakError(ErrorCode.INDEX_UNAVAILABLE, "De service is nog niet gestart.")
        return self.qa.store

    # -- upload ------------------------------------------------------------------------------------------
    def upload(self, principal: Principal, file_name: str, stream: BinaryIO,
               meta: UploadMeta) -> tuple[UploadedDocument, Job]:
        """Store and check the file, record the document and queue its indexing job."""
        self.check_meta(principal, meta)
        safe_name = _safe_file_name(file_name)
        doc_id = f"upload-{_slug(meta.title)}-{uuid.uuid4().hex[:8]}"
        folder = self.root / doc_id
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / safe_name
        try:
            size, digest = self._save(stream, target)
            try:
                kind = check_file(target, self.limits)
            except ConversionError as exc:
                raise VraagbaakError(ErrorCode.VALIDATION, f"{file_name}: {exc}") from exc
            doc = UploadedDocument(
                id=doc_id, title=meta.title, publisher=meta.publisher or principal.name, scope=meta.scope,
                doc_type=meta.doc_type, date=meta.date, supersedes=meta.supersedes, file_name=file_name[:255],
                stored_file=f"{doc_id}/{safe_name}", file_format=kind, size_bytes=size, sha256=digest,
                uploaded_by=principal.name, created_at=utcnow())
            job = self.records.add_document(doc, str(uuid.uuid4()))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._queue.put(job.id)
        return doc, job

    def _save(self, stream: BinaryIO, target: Path) -> tuple[int, str]:
        """Copy the upload to disk, refusing it as soon as it passes the size limit."""
        digest, size = hashlib.sha256(), 0
        with target.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise VraagbaakError(ErrorCode.TOO_LARGE, f"Het bestand is groter dan "
                                         f"{self.limits.max_bytes // 1_000_000} MB (maximum).")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise VraagbaakError(ErrorCode.VALIDATION, "Het bestand is leeg.")
        return size, digest.hexdigest()

    def check_meta(self, principal: Principal, meta: UploadMeta) -> None:
        """Title, scope, type, date and supersedes as ingestion would accept them, and the scope the caller's."""
        if not meta.title.strip():
            raise VraagbaakError(ErrorCode.VALIDATION, "Geef het document een titel.")
        if len(meta.title) > 300:
            raise VraagbaakError(ErrorCode.VALIDATION, "De titel is te lang (maximaal 300 tekens).")
        known_scopes = set(self.qa.regions) | set(principal.regions or ()) | {NATIONAL}
        if meta.scope not in known_scopes:
            raise VraagbaakError(ErrorCode.UNKNOWN_REGION, f"Onbekende regio '{meta.scope}'. Kies uit: "
                                 f"{', '.join(sorted(known_scopes))}.")
        if not may_use_scope(principal, meta.scope):
            raise VraagbaakError(ErrorCode.FORBIDDEN, f"U mag geen documenten voor '{meta.scope}' plaatsen.")
        if meta.doc_type not in self.doc_types():
            raise VraagbaakError(ErrorCode.VALIDATION, f"Onbekend documenttype '{meta.doc_type}'. Kies uit: "
                                 f"{', '.join(self.doc_types())}.")
        if meta.date is not None:
            try:
                DocumentEntry(id="x", title="x", file="x", date=meta.date)
            except ValueError:
                raise VraagbaakError(ErrorCode.VALIDATION, f"Datum '{meta.date}' moet een bestaande datum zijn in "
                                     "de vorm JJJJ, JJJJ-MM of JJJJ-MM-DD.") from None
        if meta.supersedes is not None:
            older = self._store().filter_documents(
                {"field": "meta.document_id", "operator": "==", "value": meta.supersedes})
            if not older or not may_use_scope(principal, older[0].meta.get("scope", "")):
                raise VraagbaakError(ErrorCode.VALIDATION, f"'supersedes': onbekend document '{meta.supersedes}'.")

    def doc_types(self) -> list[str]:
        indexed = {p.get("doc_type") for _, p, _ in self._store().backend.scroll(fields=["doc_type"])}
        return sorted(set(DOC_TYPES) | {t for t in indexed if t})

    # -- re-index (beheer) ------------------------------------------------------------------------------
    def reindex(self, principal: Principal) -> tuple[Job, bool]:
        """Queue a re-index of the corpus directory; (job, False) when one is already queued or running."""
        for job in self.records.jobs(("queued", "running")):
            if job.document_id == REINDEX_TARGET:
                return job, False
        job = self.records.add_job(REINDEX_TARGET, str(uuid.uuid4()), principal.name,
                                   "Herindexering van het corpus staat in de wachtrij.")
        self._queue.put(job.id)
        return job, True

    def _run_reindex(self, job: Job) -> None:
        """`vraagbaak ingest` of the corpus directory on the open index: only what changed is processed."""
        self.records.start_job(job.id)

        def progress(done: int, total: int, _file: str) -> None:
            self.records.set_message(job.id, f"Bezig: {done} van {total} gewijzigde documenten verwerkt.")

        try:
            with self._write_lock:
                report = run_ingest(self.settings, self._store(), self.qa.model, progress=progress)
        except ManifestError as exc:
            self._fail(job, f"Herindexering niet gestart: {exc}", [])
            return
        self.records.complete_job(job.id, reindex_message(report), report.chunks_total,
                                  [{"file": f.file, "reason": f.reason} for f in report.failures])
        self.reapply_supersedes()
        self._refresh_regions()

    # -- list, job, delete -------------------------------------------------------------------------------
    def documents(self, principal: Principal) -> list[tuple[UploadedDocument, Job | None]]:
        docs = [d for d in self.records.documents() if may_use_scope(principal, d.scope)]
        latest = self.records.latest_jobs([d.id for d in docs])
        return [(d, latest.get(d.id)) for d in docs]

    def job(self, principal: Principal, job_id: str) -> Job:
        job = self.records.job(job_id)
        doc = self.records.document(job.document_id) if job else None
        if job is None or (doc is not None and not may_use_scope(principal, doc.scope)) or (
                doc is None and job.requested_by != principal.name and principal.regions is not None):
            raise VraagbaakError(ErrorCode.NOT_FOUND, f"Onbekende job '{job_id}'.")
        return job

    def delete(self, principal: Principal, document_id: str) -> int:
        """Remove the document's passages, its stored file and its record; returns the passages removed."""
        doc = self.records.document(document_id)
        if doc is None or not may_use_scope(principal, doc.scope):
            raise VraagbaakError(ErrorCode.NOT_FOUND, f"Onbekend geüpload document '{document_id}'.")
        with self._write_lock:
            store = self._store()
            removed = remove_document(store, document_id)
            if doc.supersedes:
                mark_superseded(store, doc.supersedes, None)
            self.records.delete_document(document_id)
            for job in self.records.jobs(("queued", "running")):
                if job.document_id == document_id:
                    self._fail(job, "Het document is verwijderd voordat het geïndexeerd was.", [])
        shutil.rmtree(self.root / document_id, ignore_errors=True)
        self._refresh_regions()
        return removed

    # -- the worker --------------------------------------------------------------------------------------
    def _work(self) -> None:
        for job_id in self._jobs():
            try:
                self.run_job(job_id)
            except Exception:  # noqa: BLE001 - one bad job must not stop the worker
                logger.exception("Upload-job %s mislukt", job_id)
                self._abandon(job_id)

    def _jobs(self) -> Iterator[str]:
        while (job_id := self._queue.get()) is not None:
            yield job_id

    def run_job(self, job_id: str) -> Job | None:
        """Index one queued job's document (the worker calls this; tests may too)."""
        job = self.records.job(job_id)
        if job is None or job.status != "queued":
            return job
        if job.document_id == REINDEX_TARGET:
            self._run_reindex(job)
            return self.records.job(job_id)
        doc = self.records.document(job.document_id)
        if doc is None:
            self._fail(job, "Het document is verwijderd voordat het geïndexeerd was.", [])
            return self.records.job(job_id)
        self.records.start_job(job_id)
        entry = _entry(doc)
        try:
            passages = prepare_passages(self.settings, self.qa.model, self.root / doc.stored_file, entry)
        except ConversionError as exc:
            self._fail(job, f"Niet opgenomen: {exc}.", [{"file": doc.file_name, "reason": str(exc)}])
            self._forget(doc.id)
            return self.records.job(job_id)
        with self._write_lock:
            if self.records.document(doc.id) is None:  # deleted while it was being converted
                return self.records.job(job_id)
            store = self._store()
            count = write_passages(store, doc.id, passages)
            if doc.supersedes:
                mark_superseded(store, doc.supersedes, entry)
            self.records.finish_job(job_id, doc.id, count)
        self._refresh_regions()
        return self.records.job(job_id)

    def _abandon(self, job_id: str) -> None:
        """After an unexpected error: none of the document's passages stay, the job says it failed."""
        job = self.records.job(job_id)
        if job is None or job.status != "running":
            return
        if job.document_id == REINDEX_TARGET:
            self._fail(job, "Herindexering mislukt door een interne fout; start haar opnieuw.", [])
            return
        with self._write_lock:
            try:
                remove_document(self._store(), job.document_id)
            except Exception:  # noqa: BLE001 - the next start repairs it (the job would still be running)
                logger.exception("Passages van %s niet verwijderd", job.document_id)
                return
            self._fail(job, "Indexeren mislukt door een interne fout; het document is niet opgenomen.", [])
            self._forget(job.document_id)

    def _fail(self, job: Job, message: str, errors: list[dict[str, str]]) -> None:
        self.records.fail_job(job.id, message, errors)

    def _forget(self, document_id: str) -> None:
        """A document whose file was refused: not kept (the job keeps the reason)."""
        self.records.delete_document(document_id)
        shutil.rmtree(self.root / document_id, ignore_errors=True)

    def _refresh_regions(self) -> None:
        """The query side learns the changed index: its regions, and its words for the speller and short forms."""
        if self.qa.store is not None:
            self.qa.start_pipeline()


def reindex_message(report: IngestReport) -> str:
    return (f"Klaar: {report.indexed} document(en) (opnieuw) geïndexeerd, {report.unchanged} ongewijzigd, "
            f"{report.removed_documents} verwijderd, {report.failed} mislukt; {report.chunks_total} passages.")


def may_use_scope(principal: Principal, scope: str) -> bool:
    """Upload or delete: one of the caller's regions; national documents only for an all-regions principal."""
    return principal.regions is None or (scope != NATIONAL and scope in principal.regions)


def _entry(doc: UploadedDocument) -> DocumentEntry:
    return DocumentEntry(id=doc.id, title=doc.title, publisher=doc.publisher, scope=doc.scope, doc_type=doc.doc_type,
                         date=doc.date, file=doc.stored_file, supersedes=doc.supersedes)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].strip("-") or "document"


def _safe_file_name(name: str) -> str:
    """The base name only, without path parts or odd characters; the extension is kept (a hint for text files)."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:100] or "document"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix)[:10].lower()
    return f"{stem}.{suffix}" if suffix else stem
