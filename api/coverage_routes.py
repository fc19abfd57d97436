"""Coverage report over the question log: GET /v1/coverage (JSON) and /coverage (the HTML page)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.chat_routes import ChatServiceDep
from api.coverage import build_report, metric_history, questions_from_log
from api.coverage_html import render

router = APIRouter()
DaysQuery = Annotated[float | None, Query(gt=0, le=36500,  # more days overflows the date arithmetic (a 500)
                                          description="Alleen vragen van de laatste N dagen.")]
LimitQuery = Annotated[int, Query(ge=1, le=5000, description="Hoogstens zoveel (nieuwste) vragen.")]


def _report(service: Any, days: float | None, limit: int) -> dict[str, Any]:
    questions = questions_from_log(service.log, days, limit)
    return build_report(service.qa, questions, f"het vragenlogboek ({len(questions)} vragen)")


@router.get("/v1/coverage")
async def coverage_json(service: ChatServiceDep, days: DaysQuery = None, limit: LimitQuery = 1000) -> dict[str, Any]:
    """Dekkingsrapport (JSON) over de gestelde vragen: onderwerpen, (niet) beantwoord, ongebruikte documenten."""
    return await run_in_threadpool(_report, service, days, limit)


@router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
async def coverage_html(service: ChatServiceDep, days: DaysQuery = None, limit: LimitQuery = 1000) -> HTMLResponse:
    report = await run_in_threadpool(_report, service, days, limit)
    return HTMLResponse(render(report, metric_history(Path("evaluation/results"))))


def install_coverage(app: FastAPI) -> None:
    app.include_router(router)
