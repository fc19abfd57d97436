"""Conversations and answers in the chat database: create, read, add a turn, expire."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from api.errors import ErrorCode, VraagbaakError
from api.storage import answers, as_utc, conversations, utcnow


@dataclass(frozen=True)
class AnswerRecord:
    """One answer as stored: what was asked, what was searched, what was answered with which citations."""

    question: str
    standalone_question: str
    region: str | None
    answered: bool
    answer: str
    relevance: float
    citations: list[dict[str, Any]]
    codes: list[str] = field(default_factory=list)
    region_source: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    conversation_id: str | None = None
    turn: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    owner: str | None = None  # the asking user's id (None: open mode)
    scope: str | None = None  # the asker's regions (api.tenancy.encode_scope), None = all


@dataclass(frozen=True)
class Conversation:
    id: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    region: str | None
    turns: list[AnswerRecord]
    owner: str | None = None


def _storage_error(exc: SQLAlchemyError) -> VraagbaakError:
    return VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE,
                          f"De gespreksdatabase is niet beschikbaar ({exc.__class__.__name__}). Probeer het opnieuw.")


class ConversationRepository:
    """Conversations expire `conversation_ttl` after their last turn; loose answers `answer_ttl` after creation."""

    def __init__(self, engine: Engine, conversation_ttl: timedelta, answer_ttl: timedelta) -> None:
        self.engine = engine
        self.conversation_ttl = conversation_ttl
        self.answer_ttl = answer_ttl

    def create(self, region: str | None, now: datetime | None = None, owner: str | None = None) -> Conversation:
        now = now or utcnow()
        row = {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now,
               "expires_at": now + self.conversation_ttl, "region": region, "owner": owner}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(conversations).values(**row))
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        return Conversation(**row, turns=[])

    def get(self, conversation_id: str, now: datetime | None = None) -> Conversation | None:
        """The conversation with its turns in order; None when unknown or expired."""
        now = now or utcnow()
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
                if row is None or as_utc(row.expires_at) <= now:
                    return None
                turns = conn.execute(select(answers).where(answers.c.conversation_id == conversation_id)
                                     .order_by(answers.c.turn, answers.c.created_at)).all()
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        return Conversation(id=row.id, created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),
                            expires_at=as_utc(row.expires_at), region=row.region,
                            turns=[_record(t) for t in turns], owner=row.owner)

    def add_turn(self, conversation_id: str, record: AnswerRecord, selected_region: str | None,
                 now: datetime | None = None) -> AnswerRecord:
        """Append an answer as the next turn and extend the conversation's lifetime."""
        now = now or utcnow()
        try:
            with self.engine.begin() as conn:
                count = conn.execute(select(func.count()).select_from(answers)
                                     .where(answers.c.conversation_id == conversation_id)).scalar_one()
                stored = replace(record, conversation_id=conversation_id, turn=count + 1, created_at=now)
                conn.execute(insert(answers).values(**_row(stored), expires_at=None))
                conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(
                    updated_at=now, expires_at=now + self.conversation_ttl, region=selected_region))
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        return stored

    def record_answer(self, record: AnswerRecord, now: datetime | None = None) -> AnswerRecord:
        """Keep an answer given outside a conversation (for feedback on it)."""
        now = now or utcnow()
        stored = replace(record, conversation_id=None, turn=None, created_at=now)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(answers).values(**_row(stored), expires_at=now + self.answer_ttl))
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        return stored

    def get_answer(self, answer_id: str, now: datetime | None = None) -> AnswerRecord | None:
        now = now or utcnow()
        query = (select(answers, conversations.c.expires_at.label("conversation_expires_at"))
                 .outerjoin(conversations, answers.c.conversation_id == conversations.c.id)
                 .where(answers.c.id == answer_id))
        try:
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        if row is None:
            return None
        expires = row.expires_at if row.conversation_id is None else row.conversation_expires_at
        if expires is not None and as_utc(expires) <= now:
            return None
        return _record(row)

    def purge_expired(self, now: datetime | None = None) -> int:
        """Delete expired conversations (with their turns) and expired loose answers; returns how many rows."""
        now = now or utcnow()
        try:
            with self.engine.begin() as conn:
                expired = select(conversations.c.id).where(conversations.c.expires_at <= now)
                removed = conn.execute(delete(answers).where(or_(
                    answers.c.conversation_id.in_(expired),
                    (answers.c.conversation_id.is_(None)) & (answers.c.expires_at <= now),
                ))).rowcount
                removed += conn.execute(delete(conversations).where(conversations.c.expires_at <= now)).rowcount
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        return int(removed or 0)


_FIELDS = ("id", "conversation_id", "turn", "created_at", "question", "standalone_question", "region",
           "region_source", "answered", "answer", "relevance", "citations", "codes", "owner", "scope")


def _row(record: AnswerRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _FIELDS}


def _record(row: Any) -> AnswerRecord:
    values = {name: getattr(row, name) for name in _FIELDS}
    values["created_at"] = as_utc(values["created_at"])
    values["citations"] = list(values["citations"] or [])
    values["codes"] = list(values["codes"] or [])
    return AnswerRecord(**values)
