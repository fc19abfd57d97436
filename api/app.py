"""The FastAPI app: thin routes over the service layer; errors as {"error_code", "detail"}, never a trace."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.accounts import Accounts
from api.admin_routes import install_admin
from api.auth import OptionalPrincipalDep, Vrager
from api.chat import ChatService
from api.chat_routes import ChatServiceDep, install_chat
from api.coverage_routes import install_coverage
from api.document_routes import install_documents
from api.errors import HTTP_STATUS, ErrorCode, VraagbaakError
from api.hardening import PAGE_CSP, SECURITY_HEADERS, RateLimiter, install_hardening
from api.schemas import MAX_QUESTION_CHARS, AskRequest, AskResponse, ErrorResponse, SearchResponse
from api.service import QAService
from api.streaming import StreamStats
from index.settings import Settings, get_settings

logger = logging.getLogger(__name__)
_ERRORS = {401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 422: {"model": ErrorResponse},
           429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
_DUTCH = {
    "missing": "ontbreekt",
    "string_too_short": "mag niet leeg zijn",
    "string_too_long": "is te lang",
    "int_parsing": "moet een geheel getal zijn",
    "greater_than_equal": "is te klein",
    "less_than_equal": "is te groot",
    "json_invalid": "geen geldige JSON",
    "model_attributes_type": "verwacht een JSON-object",
    "string_type": "moet tekst zijn",
}


def get_service(request: Request) -> QAService:
    return request.app.state.service


QAServiceDep = Annotated[QAService, Depends(get_service)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the lifespan loads the model and opens (or first builds) the index once."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = QAService(settings, purpose="serve", public_url=f"http://{settings.host}:{settings.port}")
        try:
            await run_in_threadpool(service.start)
            app.state.service = service
            app.state.chat = await run_in_threadpool(ChatService, service, settings)
            app.state.accounts = Accounts(app.state.chat.engine, settings.auth.key_cache_seconds)
            app.state.streams = StreamStats()
        except BaseException:
            service.close()
            raise
        try:
            yield
        finally:
            app.state.chat.close()
            service.close()

    app = FastAPI(
        title="Vraagbaak",
        version="0.1.0",
        description="Vragen over Wmo 2015 en Jeugdwet beantwoorden met controleerbare bronvermelding.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.limiter = RateLimiter(settings.auth.rate_per_minute, settings.auth.rate_burst)
    install_hardening(app, settings)

    @app.exception_handler(VraagbaakError)
    async def _domain_error(_: Request, exc: VraagbaakError) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.code is ErrorCode.UNAUTHENTICATED:
            headers.setdefault("WWW-Authenticate", "Bearer")
        return JSONResponse({"error_code": exc.code.value, "detail": exc.detail}, status_code=HTTP_STATUS[exc.code],
                            headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
            msg = _DUTCH.get(err.get("type", ""), str(err.get("msg", "")).removeprefix("Value error, "))
            parts.append(f"{field}: {msg}" if field else msg)
        return JSONResponse({"error_code": ErrorCode.VALIDATION.value, "detail": "; ".join(parts)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Unknown paths and methods get the same {"error_code", "detail"} shape as every other error.
        if exc.status_code == 404:
            body = {"error_code": ErrorCode.NOT_FOUND.value, "detail": f"Onbekend adres: {request.url.path}"}
        elif exc.status_code == 405:
            body = {"error_code": "method_not_allowed",
                    "detail": f"{request.method} is niet toegestaan op {request.url.path}"}
        elif exc.status_code == 413:
            body = {"error_code": ErrorCode.TOO_LARGE.value, "detail": str(exc.detail)}
        else:
            body = {"error_code": f"http_{exc.status_code}", "detail": str(exc.detail)}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("Onverwachte fout", exc_info=exc)
        # Sent by the outermost (server error) middleware, outside the one that adds the security headers.
        return JSONResponse({"error_code": ErrorCode.INTERNAL.value,
                             "detail": "Er ging iets mis in Vraagbaak. Probeer het later opnieuw."}, status_code=500,
                            headers={**SECURITY_HEADERS, "Content-Security-Policy": PAGE_CSP})

    @app.get("/health")
    def health(service: QAServiceDep, request: Request, principal: OptionalPrincipalDep) -> dict[str, object]:
        """Up or not; with auth on, the details (regions, passages) only for a caller with a valid key."""
        auth = {"enabled": settings.auth.enabled}
        if principal is None:
            return {"status": "ok", "auth": auth}
        store = service.store
        return {"status": "ok", "auth": {**auth, "role": principal.role, "regions": principal.regions},
                "passages": store.count_documents() if store else 0,
                "regions": service.visible_regions(principal.regions), "embedding_model": service.model.name,
                "index": "embedded" if settings.embedded else "server",
                "streams": request.app.state.streams.as_dict(), "ranker": service.ranker_status(),
                "abstention": service.abstention_status()}

    @app.post("/v1/ask", response_model=AskResponse, responses=_ERRORS)
    def ask(body: AskRequest, chat: ChatServiceDep, principal: Vrager) -> AskResponse:
        return chat.ask(body.question, body.region, owner=principal.user_id, regions=principal.regions)

    @app.get("/v1/search", response_model=SearchResponse, responses=_ERRORS)
    def search(
        service: QAServiceDep,
        principal: Vrager,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUESTION_CHARS, description="Zoekvraag")],
        region: Annotated[str | None, Query(description="Regio-slug")] = None,
        top_k: Annotated[int, Query(ge=1, le=50)] = 5,
        doc_type: Annotated[list[str] | None, Query(description="Alleen deze documenttypen (herhaalbaar)")] = None,
        since: Annotated[str | None, Query(description="Alleen documenten van deze datum of later (JJJJ[-MM[-DD]])")]
        = None,
    ) -> SearchResponse:
        try:
            request = AskRequest(question=q, region=region)
        except ValidationError as exc:  # e.g. only spaces: a 422 like the body validation, not a 500
            detail = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise VraagbaakError(ErrorCode.VALIDATION, f"q: {detail}") from exc
        return service.search(request.question, request.region, top_k, doc_type, since, allowed=principal.regions)

    install_chat(app)
    install_coverage(app)
    install_admin(app)
    install_documents(app)
    return app
