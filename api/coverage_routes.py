"""Coverage report over the question log: GET /v1/coverage (JSON) and /coverage (the HTML page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.auth import Documentatie
from api.chat_routes import ChatServiceDep
from api.coverage import build_report, metric_history, questions_from_log
from api.coverage_html import render

router = APIRouter()
DaysQuery = Annotated[float | None, Query(gt=0, le=36500,  # more days overflows the date arithmetic (a 500)
                                          description="Alleen vragen van de laatste N dagen.")]
LimitQuery = Annotated[int, Query(ge=1, le=5000, description="Hoogstens zoveel (nieuwste) vragen.")]


def _report(service: Any, days: float | None, limit: int, regions: tuple[str, ...] | None) -> dict[str, Any]:
    questions = questions_from_log(service.log, days, limit, regions)
    return build_report(service.qa, questions, f"het vragenlogboek ({len(questions)} vragen)", regions)


@router.get("/v1/coverage")
async def coverage_json(service: ChatServiceDep, principal: Documentatie, days: DaysQuery = None,
                        limit: LimitQuery = 1000) -> dict[str, Any]:
    """Dekkingsrapport (JSON) over de gestelde vragen van de eigen regio's: onderwerpen, (niet) beantwoord,
    ongebruikte documenten."""
    return await run_in_threadpool(_report, service, days, limit, principal.regions)


@router.get("/v1/question-log")
async def question_log(service: ChatServiceDep, principal: Documentatie, days: DaysQuery = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Het vragenlogboek (zonder persoonsgegevens), nieuwste eerst: alleen vragen uit de eigen regio's."""
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    entries = await run_in_threadpool(lambda: service.log.entries(since, limit, principal.regions))
    return {"questions": [{"created_at": e.created_at.isoformat(timespec="seconds"), "source": e.source,
                           "question": e.question, "standalone_question": e.standalone_question,
                           "region": e.region, "answered": e.answered, "relevance": e.relevance,
                           "cited": e.cited, "answer_id": e.answer_id, "feedback": e.feedback}
                          for e in entries]}


@router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
async def coverage_html(service: ChatServiceDep, principal: Documentatie, days: DaysQuery = None,
                        limit: LimitQuery = 1000) -> HTMLResponse:
    report = await run_in_threadpool(_report, service, days, limit, principal.regions)
    return HTMLResponse(render(report, metric_history(Path("evaluation/results"))))


def install_coverage(app: FastAPI) -> None:
    app.include_router(router)
