"""The HTTP and CLI contract: request and response models (JSON field names are part of the API)."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

MAX_QUESTION_CHARS = 1000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Any text a user sends: control characters (NUL, ESC ...) become spaces; a lone surrogate is refused.

    A lone surrogate (``\\ud800`` in JSON) is not a character: no tokenizer, database or UTF-8
    response can hold it, so it is a 422 in Dutch rather than a failure deeper down.
    """
    if _SURROGATE.search(value):
        raise ValueError("De tekst bevat ongeldige tekens (een losse surrogaat-code). Typ de tekst opnieuw.")
    return _CONTROL.sub(" ", value)


def clean_question(value: str) -> str:
    """A question or chat message as typed: trimmed; empty or too long is refused with a Dutch message."""
    value = clean_text(value).strip()
    if not value:
        raise ValueError("De vraag is leeg. Typ een vraag.")
    if len(value) > MAX_QUESTION_CHARS:
        raise ValueError(f"De vraag is te lang ({len(value)} tekens, maximaal {MAX_QUESTION_CHARS}).")
    return value


def clean_region(value: str | None) -> str | None:
    """A region slug in lower case; blank means no region."""
    return clean_text(value or "").strip().lower() or None


class AskRequest(BaseModel):
    """A question, optionally limited to one region (its passages plus national ones)."""

    question: str = Field(
        ..., description="De vraag, in gewone taal.", examples=["Welk bericht stuur ik als de zorg start?"]
    )
    region: str | None = Field(None, description="Regio-slug, bijvoorbeeld 'achterhoek'.", examples=["achterhoek"])

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return clean_question(value)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return clean_region(value)


class Citation(BaseModel):
    """A passage that the answer relies on, with everything needed to check it."""

    n: int
    passage_id: str | None = Field(None, description="Id van de passage in de index (verandert bij her-indexeren).")
    document_id: str
    title: str
    publisher: str
    scope: str
    date: str | None
    date_label: str | None = Field(None, description="De datum in woorden, met 'ongeveer' als die geschat is.")
    doc_type: str
    section: str | None
    page: int | None
    text: str = Field(..., description="De hele passage; bij een bron van meer passages (de onderdelen van één regel, "
                                       "een paragraaf met zijn subparagrafen) die passages in documentvolgorde, "
                                       "elk onderdeel onder de kop van zijn sectie.")
    passage_ids: list[str] = Field(default_factory=list, description="Ids van de passages in `text`.")
    quote: str = Field(..., description="De zin(nen) uit de passage die in het antwoord staan; bij een bron van meer "
                       "passages ook de best passende zin van een tweede onderdeel (gemarkeerd in de bron).")
    score: float
    file: str | None = None
    url: str | None = None
    version: str | None = None
    superseded_by: str | None = Field(None, description="Id van de nieuwste versie als deze passage verouderd is.")
    sheet: str | None = Field(None, description="Werkblad van een spreadsheet (alleen bij tabelrijen uit XLSX).")
    row: int | None = Field(None, description="Rijnummer van een tabelrij: in het werkblad, het CSV-bestand of "
                                              "de Markdown-tabel (1 = eerste rij onder de kop).")


class AskResponse(BaseModel):
    answered: bool
    answer: str
    citations: list[Citation]
    question: str
    region: str | None = Field(None, description="De regio waarin gezocht is (met de landelijke documenten): de "
                                                 "gekozen regio, of anders de regio die de vraag noemt.")
    searched_for: str | None = Field(
        None, description="Extra zoektermen: verbeterde tikfouten en termen uit de domeinwoordenlijst.")
    corrected_question: str | None = Field(
        None, description="De vraag zoals gezocht, als er tikfouten in zijn verbeterd ('stratbericht' -> "
                          "'startbericht'); anders leeg.")
    relevance: float = Field(..., description="Hoe goed de beste passage bij de vraag past (0-1).")
    answer_id: str | None = Field(None, description="Kenmerk van dit antwoord, voor feedback (POST /v1/feedback).")


class Passage(BaseModel):
    rank: int
    id: str
    document_id: str
    title: str
    publisher: str
    scope: str
    date: str | None
    doc_type: str
    section: str | None
    page: int | None
    text: str
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    sheet: str | None = None
    row: int | None = None
    match: str | None = Field(None, description="'exact' als de passage de gevraagde code bevat.")


class SearchResponse(BaseModel):
    query: str
    region: str | None
    passages: list[Passage]


class ErrorResponse(BaseModel):
    error_code: str
    detail: str
