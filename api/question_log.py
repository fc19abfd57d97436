"""The question log: every question asked through the API or the chat page, without personal data.

Stored next to conversations and feedback (same database, same URL setting): the question and the searched
query (both scrubbed by `api.privacy`), region, answered or not, top relevance, cited documents, latency and
the answer id that feedback refers to. Entries older than the retention are removed; logging can be off.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Engine, Float, String, Table, Text, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from api.errors import ErrorCode, VraagbaakError
from api.privacy import scrub
from api.schemas import AskResponse
from api.storage import add_missing_columns, as_utc, feedback, metadata, utcnow
from api.tenancy import visibility_clause

question_log = Table(
    "question_log", metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("source", String(10), nullable=False),  # ask | chat
    Column("question", Text, nullable=False),
    Column("standalone_question", Text, nullable=False),
    Column("region", String(100)),
    Column("answered", Boolean, nullable=False),
    Column("relevance", Float, nullable=False),
    Column("cited", JSON, nullable=False),  # [{"document_id", "title"}]
    Column("latency_ms", Float, nullable=False),
    Column("answer_id", String(36), index=True),
    Column("conversation_id", String(36)),
    Column("scope", String(400)),  # the asker's regions (api.tenancy), None = all
)


@dataclass(frozen=True)
class LoggedQuestion:
    id: str
    created_at: datetime
    source: str
    question: str
    standalone_question: str
    region: str | None
    answered: bool
    relevance: float
    cited: list[dict[str, Any]]
    latency_ms: float
    answer_id: str | None
    conversation_id: str | None
    feedback: str | None = None  # the latest rating of the answer, if any
    scope: str | None = None


class QuestionLog:
    """Writes scrubbed entries (when enabled) and reads them back with their feedback."""

    def __init__(self, engine: Engine, enabled: bool = True, retention: timedelta = timedelta(days=90)) -> None:
        self.engine = engine
        self.enabled = enabled
        self.retention = retention
        metadata.create_all(engine, tables=[question_log])
        add_missing_columns(engine)

    def record(self, source: str, question: str, standalone: str, region: str | None, response: AskResponse,
               latency_ms: float, answer_id: str | None, conversation_id: str | None = None,
               scope: str | None = None) -> str | None:
        if not self.enabled:
            return None
        entry_id = str(uuid.uuid4())
        cited = [{"document_id": c.document_id, "title": c.title} for c in response.citations]
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(question_log).values(
                    id=entry_id, created_at=utcnow(), source=source, question=scrub(question),
                    standalone_question=scrub(standalone), region=region, answered=response.answered,
                    relevance=float(response.relevance), cited=cited, latency_ms=round(latency_ms, 1),
                    answer_id=answer_id, conversation_id=conversation_id, scope=scope))
        except SQLAlchemyError as exc:
            raise VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE,
                                 f"Het vragenlogboek is niet beschikbaar ({exc.__class__.__name__}).") from exc
        return entry_id

    def purge_expired(self, now: datetime | None = None) -> int:
        cutoff = (now or utcnow()) - self.retention
        with self.engine.begin() as conn:
            return conn.execute(delete(question_log).where(question_log.c.created_at < cutoff)).rowcount or 0

    def entries(self, since: datetime | None = None, limit: int = 10_000,
                regions: tuple[str, ...] | None = None) -> list[LoggedQuestion]:
        """Newest first, each with the latest feedback rating on its answer; only the rows a viewer bound to
        `regions` may see (api.tenancy)."""
        query = select(question_log).order_by(question_log.c.created_at.desc()).limit(limit)
        visible = visibility_clause(question_log.c.region, question_log.c.scope, regions)
        if visible is not None:
            query = query.where(visible)
        if since is not None:
            query = query.where(question_log.c.created_at >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [r["answer_id"] for r in rows if r["answer_id"]]
            ratings: dict[str, str] = {}
            if ids:
                for fb in conn.execute(select(feedback.c.answer_id, feedback.c.rating, feedback.c.created_at)
                                       .where(feedback.c.answer_id.in_(ids)).order_by(feedback.c.created_at)):
                    ratings[fb.answer_id] = fb.rating
        return [LoggedQuestion(**{**dict(r), "created_at": as_utc(r["created_at"])},
                               feedback=ratings.get(r["answer_id"] or "")) for r in rows]
