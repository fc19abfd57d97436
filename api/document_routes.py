"""HTTP routes for document upload (role `documentatie`): upload, list, delete, job status and the upload page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response

from api.auth import Principal, require_role
from api.chat_routes import STATIC
from api.document_schemas import (
    DeleteResponse,
    DocumentList,
    DocumentResponse,
    JobResponse,
    UploadOptions,
    UploadResponse,
)
from api.documents import NATIONAL, DocumentService, UploadMeta, may_use_scope
from api.errors import HTTP_STATUS, ErrorCode, VraagbaakError
from api.schemas import ErrorResponse, clean_text

_ERRORS = {code: {"model": ErrorResponse} for code in (401, 403, 404, 413, 422, 503)}
TeamDep = Annotated[Principal, Depends(require_role("documentatie"))]
router = APIRouter()
_FORM_OVERHEAD = 64_000  # the metadata fields and multipart boundaries around the file


def get_documents(request: Request) -> DocumentService:
    return request.app.state.documents


DocumentsDep = Annotated[DocumentService, Depends(get_documents)]


def _text(value: str | None) -> str | None:
    try:
        return clean_text(value or "").strip() or None
    except ValueError as exc:
        raise VraagbaakError(ErrorCode.VALIDATION, str(exc)) from exc


@router.post("/v1/documents", response_model=UploadResponse, status_code=202, responses=_ERRORS)
def upload(
    request: Request,
    principal: TeamDep,
    documents: DocumentsDep,
    file: Annotated[UploadFile, File(description="PDF, Word (.docx), HTML, tekst, Markdown, XLSX of CSV.")],
    title: Annotated[str, Form(description="Titel zoals bronnen hem tonen.")],
    scope: Annotated[str, Form(description="Regio-slug of 'landelijk'.")],
    doc_type: Annotated[str, Form(description="Documenttype, bv. faq, werkinstructie.")] = "document",
    date: Annotated[str | None, Form(description="JJJJ, JJJJ-MM of JJJJ-MM-DD.")] = None,
    supersedes: Annotated[str | None, Form(description="Id van het document dat dit vervangt.")] = None,
    publisher: Annotated[str | None, Form(description="Uitgever (standaard: uw naam).")] = None,
) -> UploadResponse:
    """Plaats een document: het wordt gecontroleerd en op de achtergrond geïndexeerd (volg de job)."""
    meta = UploadMeta(title=_text(title) or "", scope=(_text(scope) or "").lower(),
                      doc_type=(_text(doc_type) or "document").lower(), date=_text(date),
                      supersedes=_text(supersedes), publisher=_text(publisher))
    doc, job = documents.upload(principal, file.filename or "document", file.file, meta)
    request.app.state.accounts.audit(principal.actor, "upload", doc.id)
    return UploadResponse(document=DocumentResponse.of(doc, job), job=JobResponse.of(job))


@router.get("/v1/documents", response_model=DocumentList, responses=_ERRORS)
def list_documents(principal: TeamDep, documents: DocumentsDep) -> DocumentList:
    """De geüploade documenten van uw regio's, met metadata, passages en de laatste job."""
    return DocumentList(documents=[DocumentResponse.of(d, j) for d, j in documents.documents(principal)])


@router.get("/v1/documents/{document_id}", response_model=DocumentResponse, responses=_ERRORS)
def get_document(document_id: str, principal: TeamDep, documents: DocumentsDep) -> DocumentResponse:
    """Eén geüpload document."""
    found = [(d, j) for d, j in documents.documents(principal) if d.id == document_id]
    if not found:
        raise VraagbaakError(ErrorCode.NOT_FOUND, f"Onbekend geüpload document '{document_id}'.")
    return DocumentResponse.of(*found[0])


@router.delete("/v1/documents/{document_id}", response_model=DeleteResponse, responses=_ERRORS)
def delete_document(document_id: str, principal: TeamDep, documents: DocumentsDep, request: Request
                    ) -> DeleteResponse:
    """Verwijder een geüpload document: zijn passages uit de index en het opgeslagen bestand."""
    removed = documents.delete(principal, document_id)
    request.app.state.accounts.audit(principal.actor, "delete_document", document_id)
    return DeleteResponse(document_id=document_id, passages_removed=removed)


@router.get("/v1/jobs/{job_id}", response_model=JobResponse, responses=_ERRORS)
def job_status(job_id: str, principal: TeamDep, documents: DocumentsDep) -> JobResponse:
    """De stand van een indexeerjob: queued, running, done of failed, met een bericht en fouten per bestand."""
    return JobResponse.of(documents.job(principal, job_id))


@router.get("/v1/upload-options", response_model=UploadOptions, responses=_ERRORS)
def upload_options(principal: TeamDep, documents: DocumentsDep) -> UploadOptions:
    """Waarvoor u mag plaatsen en welke documenttypen er zijn (voor het uploadformulier)."""
    scopes = sorted({*documents.qa.regions, *(principal.regions or ()), NATIONAL})
    return UploadOptions(scopes=[s for s in scopes if may_use_scope(principal, s)], doc_types=documents.doc_types(),
                         max_megabytes=documents.limits.max_bytes // 1_000_000)


@router.get("/upload", include_in_schema=False)
def upload_page() -> FileResponse:
    return FileResponse(STATIC / "upload.html", headers={"Cache-Control": "no-cache"})


def _too_large(max_bytes: int) -> JSONResponse:
    return JSONResponse({"error_code": ErrorCode.TOO_LARGE.value,
                         "detail": f"Het bestand is groter dan {max_bytes // 1_000_000} MB (maximum)."},
                        status_code=HTTP_STATUS[ErrorCode.TOO_LARGE])


def install_documents(app: FastAPI) -> None:
    """The upload routes, and the worker started after (and stopped before) the app's own lifespan."""
    app.include_router(router)

    @app.middleware("http")
    async def refuse_large_uploads(request: Request, call_next: Callable) -> Response:
        # The form is read before a route runs: a declared length over the limit is refused before it is received
        # (a body without a length is counted while it is stored, see DocumentService.upload).
        service = getattr(request.app.state, "documents", None)
        length = request.headers.get("content-length", "")
        if (service is not None and request.method == "POST" and request.url.path == "/v1/documents"
                and length.isdigit() and int(length) > service.limits.max_bytes + _FORM_OVERHEAD):
            return _too_large(service.limits.max_bytes)
        return await call_next(request)
    inner: Callable[[FastAPI], AsyncIterator[None]] = app.router.lifespan_context  # type: ignore[assignment]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with inner(app):
            service = DocumentService(app.state.service, app.state.service.settings, app.state.chat.engine)
            await run_in_threadpool(service.start)
            app.state.documents = service
            try:
                yield
            finally:
                await run_in_threadpool(service.close)

    app.router.lifespan_context = lifespan
