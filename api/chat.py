"""The chat service: conversations with follow-up questions, answers kept for feedback. No HTTP here.

A turn: load the conversation, rewrite the message into a standalone query from the earlier turns
(`api.answering.followups`), answer it with the same QAService as /v1/ask, and store the turn. Every answer, also
from /v1/ask, gets an `answer_id` that feedback refers to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine

from api.answering.followup_terms import codes_in, region_name
from api.answering.followups import FollowUpRewriter, PriorTurn, Rewrite
from api.chat_schemas import (
    ChatResponse,
    ConversationResponse,
    ConversationTurn,
    FeedbackResponse,
    Region,
)
from api.conversations import AnswerRecord, Conversation, ConversationRepository
from api.errors import ErrorCode, VraagbaakError
from api.feedback import FeedbackRecord, FeedbackRepository
from api.privacy import scrub, without_personal_data
from api.question_log import QuestionLog
from api.schemas import AskResponse, Citation
from api.service import QAService
from api.storage import open_database
from api.tenancy import encode_scope
from index.settings import Settings

logger = logging.getLogger(__name__)


def build_rewriter(qa: QAService) -> FollowUpRewriter:
    abbreviations = qa.abbreviations.primary() if qa.abbreviations is not None else None
    return FollowUpRewriter(qa.place_scope.aliases, abbreviations)


def rewrite_in_context(qa: QAService, rewriter: FollowUpRewriter, history: Sequence[str], message: str,
                       region: str | None = None, history_turns: int = 4) -> Rewrite:
    """The rewrite of `message` after the earlier questions were asked (and answered) in order; nothing stored."""
    prior: list[PriorTurn] = []
    for question in history:
        rewrite = rewriter.rewrite(question, prior[-history_turns:], region, region)
        answer = qa.run(rewrite.query, rewrite.region, context=rewrite.context)[0]
        prior.append(_prior(_record(answer, question, rewrite.query, rewrite.region, rewrite.region_source)))
    return rewriter.rewrite(message, prior[-history_turns:], region, region)


class ChatService:
    """Conversations, follow-up rewriting and feedback over a started QAService."""

    def __init__(self, qa: QAService, settings: Settings, engine: Engine | None = None) -> None:
        self.qa = qa
        self.settings = settings
        self.engine = engine or open_database(settings.chat_database_url)
        chat = settings.chat
        self.conversations = ConversationRepository(self.engine, timedelta(hours=chat.conversation_ttl_hours),
                                                    timedelta(hours=chat.answer_ttl_hours))
        self.feedback = FeedbackRepository(self.engine, self.conversations)
        self.log = QuestionLog(self.engine, settings.log.enabled, timedelta(days=settings.log.retention_days))
        self.rewriter = build_rewriter(qa)
        removed = self.conversations.purge_expired() + self.log.purge_expired()
        if removed:
            logger.info("Verlopen gesprekken en antwoorden opgeruimd: %d rijen", removed)

    def close(self) -> None:
        self.engine.dispose()

    # -- answers -------------------------------------------------------------------------------------
    def ask(self, question: str, region: str | None = None, *, owner: str | None = None,
            regions: tuple[str, ...] | None = None) -> AskResponse:
        """/v1/ask: a single answer, stored so that it can receive feedback. `owner` is the asking user (None in
        open mode), `regions` the regions it is bound to (None: all), enforced in the store query."""
        started = time.perf_counter()
        response = self.qa.ask(without_personal_data(question), region, allowed=regions)
        scope = encode_scope(regions)
        record = self.conversations.record_answer(
            replace(_record(response, question, question, response.region, "keuze" if region else
                            "vraag" if response.region else None),
                    owner=owner, scope=scope))
        self.log.record("ask", question, question, region, response, 1000 * (time.perf_counter() - started),
                        record.id, scope=scope)
        return response.model_copy(update={"answer_id": record.id})

    def chat(self, message: str, conversation_id: str | None = None, region: str | None = None, *,
             owner: str | None = None, regions: tuple[str, ...] | None = None) -> ChatResponse:
        """One turn: rewrite a follow-up from the conversation, answer it, store it. Only `owner`'s own
        conversations can be continued; a region named in the question must be one of `regions` too."""
        started = time.perf_counter()
        conversation = self._conversation(conversation_id, owner) if conversation_id else None
        turns = conversation.turns if conversation else []
        history = [_prior(t) for t in turns[-self.settings.chat.history_turns:]]
        rewrite = self.rewriter.rewrite(message, history, region,
                                        conversation.region if conversation else None)
        response = self._answer(rewrite, regions)
        if conversation is None:
            self.conversations.purge_expired()
            conversation = self.conversations.create(region, owner=owner)
        scope = encode_scope(regions)
        record = self.conversations.add_turn(
            conversation.id, replace(_record(response, message, rewrite.query, rewrite.region, rewrite.region_source),
                                     owner=owner, scope=scope),
            selected_region=region)
        self.log.record("chat", message, rewrite.query, rewrite.region, response,
                        1000 * (time.perf_counter() - started), record.id, conversation.id, scope=scope)
        return _chat_response(response, message, rewrite, record)

    def _answer(self, rewrite: Rewrite, regions: tuple[str, ...] | None = None) -> AskResponse:
        return self.qa.run(rewrite.query, rewrite.region, context=rewrite.context, allowed=regions)[0]

    def _conversation(self, conversation_id: str, owner: str | None = None) -> Conversation:
        conversation = self.conversations.get(conversation_id)
        if conversation is None or conversation.owner != owner:  # another user's: as unknown as a missing one
            raise VraagbaakError(ErrorCode.NOT_FOUND,
                                 f"Gesprek '{conversation_id}' bestaat niet of is verlopen. Begin een nieuw gesprek.")
        return conversation

    # -- reading -------------------------------------------------------------------------------------
    def conversation(self, conversation_id: str, owner: str | None = None) -> ConversationResponse:
        conversation = self._conversation(conversation_id, owner)
        return ConversationResponse(
            conversation_id=conversation.id, created_at=conversation.created_at, updated_at=conversation.updated_at,
            expires_at=conversation.expires_at, region=conversation.region,
            turns=[ConversationTurn(
                turn=t.turn or 0, answer_id=t.id, created_at=t.created_at, question=t.question,
                standalone_question=t.standalone_question, region=t.region, answered=t.answered, answer=t.answer,
                relevance=t.relevance, citations=[Citation(**c) for c in t.citations],
            ) for t in conversation.turns],
        )

    def regions(self, allowed: tuple[str, ...] | None = None) -> list[Region]:
        return [Region(slug=slug, name=region_name(slug)) for slug in self.qa.visible_regions(allowed)]

    # -- feedback ------------------------------------------------------------------------------------
    def add_feedback(self, answer_id: str, rating: str, comment: str | None,
                     owner: str | None = None) -> FeedbackResponse:
        return _feedback_response(self.feedback.add(answer_id, rating, comment, owner))

    def list_feedback(self, answer_id: str | None = None, limit: int = 50, *, regions: tuple[str, ...] | None = None,
                      own_only: bool = False, owner: str | None = None) -> list[FeedbackResponse]:
        return [_feedback_response(f) for f in self.feedback.list(answer_id, limit, regions, own_only, owner)]


def replay(qa: QAService, rewriter: FollowUpRewriter, history: Sequence[str], message: str,
           region: str | None = None, history_turns: int = 4) -> ChatResponse:
    """A conversation that is not stored: the earlier questions, then `message` (batch mode)."""
    rewrite = rewrite_in_context(qa, rewriter, history, message, region, history_turns)
    answer = qa.run(rewrite.query, rewrite.region, context=rewrite.context)[0]
    record = _record(answer, message, rewrite.query, rewrite.region, rewrite.region_source)
    return _chat_response(answer, message, rewrite, record).model_copy(
        update={"turn": len(history) + 1, "answer_id": None})


def _record(response: AskResponse, question: str, standalone: str, region: str | None,
            region_source: str | None) -> AnswerRecord:
    citations = [c.model_dump(mode="json") for c in response.citations]
    return AnswerRecord(  # personal data never reaches the database
        question=scrub(question), standalone_question=scrub(standalone), region=region, region_source=region_source,
        answered=response.answered, answer=response.answer, relevance=response.relevance, citations=citations,
        codes=codes_in(c.quote for c in response.citations),
    )


def _prior(record: AnswerRecord) -> PriorTurn:
    cited = tuple(" | ".join(p for p in (c.get("title"), c.get("section")) if p) for c in record.citations)
    ids = tuple(c.get("passage_id") or "" for c in record.citations)
    return PriorTurn(question=record.question, query=record.standalone_question, region=record.region,
                     region_source=record.region_source, codes=tuple(record.codes), cited=cited,
                     cited_ids=ids if all(ids) else ())


def _chat_response(response: AskResponse, message: str, rewrite: Rewrite, record: AnswerRecord) -> ChatResponse:
    return ChatResponse(
        **response.model_dump(exclude={"question", "region", "answer_id"}), question=message,
        region=rewrite.region, answer_id=record.id, conversation_id=record.conversation_id, turn=record.turn,
        standalone_question=rewrite.query, followup=rewrite.is_followup, rewrite_note=rewrite.explanation,
        region_source=rewrite.region_source,
    )


def _feedback_response(record: FeedbackRecord) -> FeedbackResponse:
    return FeedbackResponse(
        feedback_id=record.id, answer_id=record.answer_id, conversation_id=record.conversation_id,
        created_at=record.created_at, rating=record.rating, comment=record.comment,  # type: ignore[arg-type]
        question=record.question, standalone_question=record.standalone_question, answer=record.answer,
        citations=[Citation(**c) for c in record.citations],
    )
