"""HTTP routes for the chat: conversations, the streamed answer, feedback, regions and the web page (thin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from api.auth import Vrager
from api.chat import ChatService
from api.chat_schemas import (
    ChatRequest,
    ChatResponse,
    ConversationResponse,
    FeedbackList,
    FeedbackRequest,
    FeedbackResponse,
    RegionsResponse,
)
from api.schemas import ErrorResponse
from api.streaming import EventStreamResponse, StreamStats, answer_events

STATIC = Path(__file__).parent / "static"
_ERRORS = {401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 404: {"model": ErrorResponse},
           422: {"model": ErrorResponse}, 429: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
_STREAM_DOC = {200: {"description": "Server-Sent Events: `citations`, dan `answer` (stukken tekst), dan `done` "
                                    "(het hele antwoord, als bij /v1/chat).",
                     "content": {"text/event-stream": {}}}}


def get_chat(request: Request) -> ChatService:
    return request.app.state.chat


def get_streams(request: Request) -> StreamStats:
    return request.app.state.streams


ChatServiceDep = Annotated[ChatService, Depends(get_chat)]
router = APIRouter()


@router.post("/v1/chat", response_model=ChatResponse, responses=_ERRORS)
def chat(body: ChatRequest, service: ChatServiceDep, principal: Vrager) -> ChatResponse:
    """Een vraag in een gesprek; een vervolgvraag wordt aangevuld uit de eerdere vragen."""
    return service.chat(body.message, body.conversation_id, body.region, owner=principal.user_id,
                        regions=principal.regions)


@router.post("/v1/chat/stream", response_class=EventStreamResponse, responses={**_STREAM_DOC, **_ERRORS})
async def chat_stream(body: ChatRequest, request: Request, service: ChatServiceDep, principal: Vrager,
                      streams: Annotated[StreamStats, Depends(get_streams)]) -> EventStreamResponse:
    """Als /v1/chat, maar gestreamd: eerst de bronnen, dan de antwoordtekst in stukken, dan het hele antwoord."""
    response = await run_in_threadpool(lambda: service.chat(body.message, body.conversation_id, body.region,
                                                            owner=principal.user_id, regions=principal.regions))
    chat_settings = service.settings.chat
    return EventStreamResponse(answer_events(response, streams, chat_settings.stream_piece_words,
                                             chat_settings.stream_delay_ms / 1000, request.is_disconnected))


@router.get("/v1/conversations/{conversation_id}", response_model=ConversationResponse, responses=_ERRORS)
def conversation(conversation_id: str, service: ChatServiceDep, principal: Vrager) -> ConversationResponse:
    """Het gesprek met alle vragen, antwoorden en bronnen (tot het verloopt); alleen een eigen gesprek."""
    return service.conversation(conversation_id, principal.user_id)


@router.post("/v1/feedback", response_model=FeedbackResponse, status_code=201, responses=_ERRORS)
def feedback(body: FeedbackRequest, service: ChatServiceDep, principal: Vrager) -> FeedbackResponse:
    """Duim omhoog of omlaag voor een eigen antwoord, met optionele toelichting."""
    return service.add_feedback(body.answer_id, body.rating, body.comment, principal.user_id)


@router.get("/v1/feedback", response_model=FeedbackList, responses=_ERRORS)
def feedback_list(service: ChatServiceDep, principal: Vrager, answer_id: Annotated[str | None, Query()] = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> FeedbackList:
    """De nieuwste feedback, eventueel voor één antwoord: voor 'documentatie' en 'beheer' die van hun regio's
    (de helpdesk), voor een 'vrager' alleen de eigen feedback."""
    own_only = not principal.has_role("documentatie")
    return FeedbackList(feedback=service.list_feedback(answer_id, limit, regions=principal.regions,
                                                       own_only=own_only, owner=principal.user_id))


@router.get("/v1/regions", response_model=RegionsResponse)
def regions(service: ChatServiceDep, principal: Vrager) -> RegionsResponse:
    """De regio's in de index die de gebruiker mag kiezen, voor de regiokeuze."""
    return RegionsResponse(regions=service.regions(principal.regions))


@router.get("/", include_in_schema=False)
def index_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def install_chat(app: FastAPI) -> None:
    """The chat routes and the web page's static files (CSS, JS) on the app."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
