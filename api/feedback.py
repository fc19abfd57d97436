"""Feedback on answers: a rating (up/down) and an optional comment, stored with the question, answer and citations.

The feedback row copies what was rated, so it outlives the answer and its conversation (which expire).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from api.conversations import AnswerRecord, ConversationRepository
from api.errors import ErrorCode, VraagbaakError
from api.storage import as_utc, feedback, utcnow
from api.tenancy import visibility_clause


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    answer_id: str
    conversation_id: str | None
    created_at: datetime
    rating: str
    comment: str | None
    question: str
    standalone_question: str
    region: str | None
    answer: str
    citations: list[dict[str, Any]]
    owner: str | None = None
    scope: str | None = None


class FeedbackRepository:
    """Stores a rating for an answer that exists (and has not expired)."""

    def __init__(self, engine: Engine, conversations: ConversationRepository) -> None:
        self.engine = engine
        self.conversations = conversations

    def add(self, answer_id: str, rating: str, comment: str | None, owner: str | None = None) -> FeedbackRecord:
        """Feedback by `owner` on its own answer; another user's answer is as unknown as a missing one (404)."""
        answer: AnswerRecord | None = self.conversations.get_answer(answer_id)
        if answer is None or answer.owner != owner:
            raise VraagbaakError(ErrorCode.NOT_FOUND,
                                 f"Onbekend antwoord '{answer_id}': het bestaat niet of is verlopen.")
        record = FeedbackRecord(
            id=str(uuid.uuid4()), answer_id=answer.id, conversation_id=answer.conversation_id, created_at=utcnow(),
            rating=rating, comment=comment or None, question=answer.question,
            standalone_question=answer.standalone_question, region=answer.region, answer=answer.answer,
            citations=answer.citations, owner=answer.owner, scope=answer.scope,
        )
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(feedback).values(**record.__dict__))
        except SQLAlchemyError as exc:
            raise VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE,
                                 "De feedback kon niet worden opgeslagen. Probeer het opnieuw.") from exc
        return record

    def list(self, answer_id: str | None = None, limit: int = 50, regions: tuple[str, ...] | None = None,
             own_only: bool = False, owner: str | None = None) -> list[FeedbackRecord]:
        """The newest feedback first, optionally for one answer; only what a viewer bound to `regions` may see
        (api.tenancy), and with `own_only` only the feedback `owner` gave."""
        query = select(feedback).order_by(feedback.c.created_at.desc()).limit(limit)
        if answer_id:
            query = query.where(feedback.c.answer_id == answer_id)
        visible = visibility_clause(feedback.c.region, feedback.c.scope, regions)
        if visible is not None:
            query = query.where(visible)
        if own_only:
            query = query.where(feedback.c.owner == owner if owner is not None else feedback.c.owner.is_(None))
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE, "De feedback is nu niet beschikbaar.") from exc
        return [FeedbackRecord(**{**row._asdict(), "created_at": as_utc(row.created_at),
                                  "citations": list(row.citations or [])}) for row in rows]
