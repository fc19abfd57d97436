"""The HTTP contract of document upload: uploaded documents and their indexing jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.upload_records import Job, UploadedDocument


class FileError(BaseModel):
    file: str
    reason: str


class JobResponse(BaseModel):
    id: str
    document_id: str
    status: Literal["queued", "running", "done", "failed"]
    message: str = Field(description="Wat er gebeurt of gebeurd is, in het Nederlands.")
    passages: int = Field(description="Passages geïndexeerd (bij 'done').")
    errors: list[FileError] = Field(description="Per bestand de reden dat het niet is opgenomen.")
    attempts: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def of(cls, job: Job) -> JobResponse:
        return cls(id=job.id, document_id=job.document_id, status=job.status, message=job.message,  # type: ignore[arg-type]
                   passages=job.passages, errors=[FileError(**e) for e in job.errors], attempts=job.attempts,
                   created_at=job.created_at or datetime.min, started_at=job.started_at, finished_at=job.finished_at)


class DocumentResponse(BaseModel):
    id: str
    title: str
    publisher: str
    scope: str
    doc_type: str
    date: str | None
    supersedes: str | None
    file_name: str
    file_format: str
    size_bytes: int
    uploaded_by: str | None
    created_at: datetime
    passages: int = Field(description="Passages in de index (0 zolang het nog niet geïndexeerd is).")
    indexed_at: datetime | None
    job: JobResponse | None = Field(None, description="De nieuwste indexeerjob van dit document.")

    @classmethod
    def of(cls, doc: UploadedDocument, job: Job | None) -> DocumentResponse:
        fields = {k: v for k, v in vars(doc).items() if k not in ("stored_file", "sha256")}
        return cls(**fields, job=JobResponse.of(job) if job else None)


class UploadResponse(BaseModel):
    document: DocumentResponse
    job: JobResponse


class DocumentList(BaseModel):
    documents: list[DocumentResponse]


class DeleteResponse(BaseModel):
    document_id: str
    passages_removed: int


class UploadOptions(BaseModel):
    scopes: list[str] = Field(description="Regio's (en 'landelijk') waarvoor u documenten mag plaatsen.")
    doc_types: list[str]
    max_megabytes: int
