"""Uploaded documents and their indexing jobs in the chat database (SQLAlchemy Core), so both survive a restart.

A document row exists from the moment its file is stored until it is deleted (or its indexing failed); a job row
records one indexing attempt's state: queued -> running -> done | failed, with a Dutch message and errors per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Engine, Integer, String, Table, Text, delete, insert, select, update

from api.storage import as_utc, metadata, utcnow

JOB_STATES = ("queued", "running", "done", "failed")

uploaded_documents = Table(
    "uploaded_documents", metadata,
    Column("id", String(120), primary_key=True),  # the document id in the index ("upload-<slug>-<hex>")
    Column("title", Text, nullable=False),
    Column("publisher", String(200), nullable=False),
    Column("scope", String(100), nullable=False, index=True),
    Column("doc_type", String(60), nullable=False),
    Column("date", String(10)),
    Column("supersedes", String(200)),
    Column("file_name", String(255), nullable=False),  # as the user named it
    Column("stored_file", String(400), nullable=False),  # relative to <data dir>/uploads
    Column("file_format", String(20), nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_by", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("passages", Integer, nullable=False, default=0),
    Column("indexed_at", DateTime(timezone=True)),
)

upload_jobs = Table(
    "upload_jobs", metadata,
    Column("id", String(36), primary_key=True),
    Column("document_id", String(120), nullable=False, index=True),  # no foreign key: a job outlives its document
    Column("status", String(10), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("passages", Integer, nullable=False, default=0),
    Column("errors", JSON, nullable=False),  # [{"file", "reason"}]
    Column("attempts", Integer, nullable=False, default=0),
    Column("requested_by", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)


@dataclass
class UploadedDocument:
    id: str
    title: str
    publisher: str
    scope: str
    doc_type: str
    date: str | None
    supersedes: str | None
    file_name: str
    stored_file: str
    file_format: str
    size_bytes: int
    sha256: str
    uploaded_by: str | None
    created_at: datetime
    passages: int = 0
    indexed_at: datetime | None = None


@dataclass
class Job:
    id: str
    document_id: str
    status: str
    message: str
    passages: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    requested_by: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _document(row: Any) -> UploadedDocument:
    values = dict(row._mapping)
    values["created_at"] = as_utc(values["created_at"])
    values["indexed_at"] = as_utc(values["indexed_at"]) if values["indexed_at"] else None
    return UploadedDocument(**values)


def _job(row: Any) -> Job:
    values = dict(row._mapping)
    for key in ("created_at", "started_at", "finished_at"):
        values[key] = as_utc(values[key]) if values[key] else None
    return Job(**values)


class UploadRepository:
    """Reads and writes the two tables; every method is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine, tables=[uploaded_documents, upload_jobs])

    # -- documents ---------------------------------------------------------------------------------------
    def add_document(self, doc: UploadedDocument, job_id: str) -> Job:
        """The document and its first job, in one transaction."""
        now = utcnow()
        job = Job(job_id, doc.id, "queued", "In de wachtrij.", requested_by=doc.uploaded_by, created_at=now)
        with self.engine.begin() as conn:
            conn.execute(insert(uploaded_documents).values(**vars(doc)))
            conn.execute(insert(upload_jobs).values(**vars(job)))
        return job

    def document(self, document_id: str) -> UploadedDocument | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(uploaded_documents).where(uploaded_documents.c.id == document_id)).first()
        return _document(row) if row else None

    def documents(self) -> list[UploadedDocument]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(uploaded_documents).order_by(uploaded_documents.c.created_at.desc()))
            return [_document(r) for r in rows]

    def delete_document(self, document_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(uploaded_documents).where(uploaded_documents.c.id == document_id))

    # -- jobs --------------------------------------------------------------------------------------------
    def add_job(self, document_id: str, job_id: str, requested_by: str | None, message: str) -> Job:
        job = Job(job_id, document_id, "queued", message, requested_by=requested_by, created_at=utcnow())
        with self.engine.begin() as conn:
            conn.execute(insert(upload_jobs).values(**vars(job)))
        return job

    def job(self, job_id: str) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(upload_jobs).where(upload_jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def jobs(self, statuses: tuple[str, ...]) -> list[Job]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(upload_jobs).where(upload_jobs.c.status.in_(statuses))
                                .order_by(upload_jobs.c.created_at))
            return [_job(r) for r in rows]

    def latest_jobs(self, document_ids: list[str]) -> dict[str, Job]:
        """The newest job of each document."""
        if not document_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(upload_jobs).where(upload_jobs.c.document_id.in_(document_ids))
                                .order_by(upload_jobs.c.created_at))
            return {job.document_id: job for job in map(_job, rows)}

    def start_job(self, job_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(upload_jobs).where(upload_jobs.c.id == job_id).values(
                status="running", message="Bezig met indexeren.", started_at=utcnow(),
                attempts=upload_jobs.c.attempts + 1))

    def requeue_job(self, job_id: str, message: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(upload_jobs).where(upload_jobs.c.id == job_id).values(
                status="queued", message=message, started_at=None))

    def finish_job(self, job_id: str, document_id: str, passages: int) -> None:
        """Done: the job and the document's passage count in one transaction."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(update(upload_jobs).where(upload_jobs.c.id == job_id).values(
                status="done", message=f"Klaar: {passages} passage{'' if passages == 1 else 's'} geïndexeerd.",
                passages=passages,
                finished_at=now))
            conn.execute(update(uploaded_documents).where(uploaded_documents.c.id == document_id).values(
                passages=passages, indexed_at=now))

    def set_message(self, job_id: str, message: str) -> None:
        """A running job's progress ("Bezig: 120 van 455 documenten")."""
        with self.engine.begin() as conn:
            conn.execute(update(upload_jobs).where(upload_jobs.c.id == job_id).values(message=message))

    def complete_job(self, job_id: str, message: str, passages: int, errors: list[dict[str, str]]) -> None:
        """Done, for a job without a document of its own (a re-index of the corpus)."""
        with self.engine.begin() as conn:
            conn.execute(update(upload_jobs).where(upload_jobs.c.id == job_id).values(
                status="done", message=message, passages=passages, errors=errors, finished_at=utcnow()))

    def fail_job(self, job_id: str, message: str, errors: list[dict[str, str]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(upload_jobs).where(upload_jobs.c.id == job_id).values(
                status="failed", message=message, errors=errors, finished_at=utcnow()))
