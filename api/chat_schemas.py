"""The chat contract: conversation turns, streamed answers, feedback and regions (JSON field names are the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from api.schemas import AskResponse, Citation, clean_question, clean_region, clean_text

MAX_COMMENT_CHARS = 2000


class ChatRequest(BaseModel):
    """A message in a conversation; without conversation_id a new conversation starts."""

    message: str = Field(..., description="De vraag of vervolgvraag.", examples=["En als de zorg stopt?"])
    conversation_id: str | None = Field(None, description="Het gesprek om in verder te vragen.")
    region: str | None = Field(None, description="Regio-slug, bijvoorbeeld 'achterhoek'.", examples=["achterhoek"])

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        return clean_question(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return clean_region(value)

    @field_validator("conversation_id")
    @classmethod
    def _conversation(cls, value: str | None) -> str | None:
        return clean_text(value or "").strip() or None


class ChatResponse(AskResponse):
    """The /v1/ask answer plus where it sits in the conversation and what was searched."""

    conversation_id: str | None = Field(None, description="Het gesprek; stuur het mee met de volgende vraag.")
    turn: int | None = Field(None, description="Het volgnummer van deze vraag in het gesprek.")
    standalone_question: str = Field(..., description="Wat er gezocht is: een vervolgvraag aangevuld uit het gesprek.")
    followup: bool = Field(False, description="Of de vraag als vervolgvraag is aangevuld uit het gesprek.")
    rewrite_note: str = Field("", description="Uitleg van de aanvulling, voor de gebruiker.")
    region_source: Literal["vraag", "gesprek", "keuze"] | None = Field(
        None, description="Waar de regio vandaan komt: genoemd in de vraag, uit het gesprek of gekozen.")


class ConversationTurn(BaseModel):
    turn: int
    answer_id: str
    created_at: datetime
    question: str
    standalone_question: str
    region: str | None
    answered: bool
    answer: str
    relevance: float
    citations: list[Citation]


class ConversationResponse(BaseModel):
    conversation_id: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    region: str | None
    turns: list[ConversationTurn]


class FeedbackRequest(BaseModel):
    answer_id: str = Field(..., min_length=1, max_length=64, description="Het answer_id uit het antwoord.")
    rating: Literal["up", "down"] = Field(..., description="Duim omhoog (up) of omlaag (down).")
    comment: str | None = Field(None, description="Optionele toelichting.")

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str | None) -> str | None:
        value = clean_text(value or "").strip()
        if len(value) > MAX_COMMENT_CHARS:
            raise ValueError(f"De toelichting is te lang ({len(value)} tekens, maximaal {MAX_COMMENT_CHARS}).")
        return value or None

    @field_validator("answer_id")
    @classmethod
    def _answer_id(cls, value: str) -> str:
        return clean_text(value).strip()


class FeedbackResponse(BaseModel):
    feedback_id: str
    answer_id: str
    conversation_id: str | None
    created_at: datetime
    rating: Literal["up", "down"]
    comment: str | None
    question: str
    standalone_question: str
    answer: str
    citations: list[Citation]


class FeedbackList(BaseModel):
    feedback: list[FeedbackResponse]


class Region(BaseModel):
    slug: str
    name: str


class RegionsResponse(BaseModel):
    regions: list[Region]
