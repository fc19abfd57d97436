"""Ranks passages that hold the kind of answer a question asks for above those that do not: a value for a value
question, a row of the list the question names."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from haystack import Document, component

from api.answering.abstention import AnswerRequirement
from index.analyzer import FUNCTION_WORDS, DutchAnalyzer
from index.code_lookup import EXACT
from index.sentences import split_sentences


@component
class AnswerTypeRanker:
    """A question asking for a value ("Binnen hoeveel dagen ...?", "Op welke datum ...?", "Tot wanneer ...?") is
    answered by a passage that holds one: among the first `window` passages, those without such a value lose part
    of their score. A question that names a list ("Welke reden van beëindiging ...?") is answered by a row of that
    list ("JZ588 - Reden beëindiging"): rows of other lists lose the same part, and so do rules that hold under a
    condition the question does not mention. Exact code rows are never demoted."""

    def __init__(self, window: int = 10, penalty: float = 0.7, stemmer: str = "dutch") -> None:
        self.window = window
        self.penalty = penalty
        self.stemmer = stemmer
        self._analyzer = DutchAnalyzer(stemmer)

    @component.output_types(documents=list[Document])
    def run(self, query: str, documents: list[Document]) -> dict[str, Any]:
        if self.penalty >= 1.0:
            return {"documents": documents}
        head, tail = documents[: self.window], documents[self.window :]
        requirement = AnswerRequirement(query, when_asks_date=True)
        query_terms = set(self._analyzer.terms(query))
        named = {d.meta.get("document_id") for d in head if d.meta.get("row") is not None
                 and _names(self._title_terms(d), query_terms)}
        scored = [replace(d, score=(d.score or 0.0) * self.penalty) if self._demoted(d, requirement, named, query_terms)
                  else d for d in head]
        scored.sort(key=lambda d: d.score or 0.0, reverse=True)
        return {"documents": scored + tail}

    def _demoted(self, doc: Document, requirement: AnswerRequirement, named: set[str | None],
                 query_terms: set[str]) -> bool:
        if doc.meta.get("match") == EXACT:
            return False
        if named and doc.meta.get("row") is not None and doc.meta.get("document_id") not in named:
            return True
        return (bool(requirement) and not _holds(doc, requirement)) or self._unasked_condition(doc, query_terms)

    def _unasked_condition(self, doc: Document, query_terms: set[str]) -> bool:
        """A rule that holds under a condition the question does not mention: "OP359 — Indien een verzoek om
        toewijzing wordt afgewezen op basis van het woonplaatsbeginsel, ..." for "Binnen welke termijn reageert de
        gemeente op een verzoek om toewijzing?" (the general rule is OP274)."""
        match = _CONDITIONAL.match(doc.meta.get("title") or "")
        if not match:
            return False
        terms = {t for t in self._analyzer.terms(match.group(1)) if t not in FUNCTION_WORDS}
        return len(terms - query_terms) * 2 > len(terms)

    def _title_terms(self, doc: Document) -> set[str]:
        """The words of a document title, without its codes ("JZ588") and function words."""
        terms = self._analyzer.terms(doc.meta.get("title") or "")
        return {t for t in terms if not any(c.isdigit() for c in t) and t not in FUNCTION_WORDS}


# A rule title that opens with its condition, after its code: "OP359 — Indien ..., dient de gemeente ...".
_CONDITIONAL = re.compile(r"^(?:\w+\s+[—–-]\s+)?(?:indien|als|wanneer)\s+([^,]+),", re.IGNORECASE)


def _names(title_terms: set[str], query_terms: set[str]) -> bool:
    return len(title_terms) >= 2 and title_terms <= query_terms


def _holds(doc: Document, requirement: AnswerRequirement) -> bool:
    return any(requirement.satisfied_by(s) for line in (doc.content or "").split("\n") for s in split_sentences(line))
