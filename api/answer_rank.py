"""Ranks passages that hold the kind of value a question asks for above those that do not."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component

from api.answer_check import AnswerRequirement
from index.code_lookup import EXACT
from index.sentences import split_sentences


@component
class AnswerTypeRanker:
    """A question asking for a value ("Binnen hoeveel dagen ...?", "Op welke datum ...?", "Tot wanneer ...?") is
    answered by a passage that holds one: among the first `window` passages, those without such a value lose part
    of their score."""

    def __init__(self, window: int = 10, penalty: float = 0.85) -> None:
        self.window = window
        self.penalty = penalty

    @component.output_types(documents=list[Document])
    def run(self, query: str, documents: list[Document]) -> dict[str, Any]:
        requirement = AnswerRequirement(query, when_asks_date=True)
        if not requirement or self.penalty >= 1.0:
            return {"documents": documents}
        head, tail = documents[: self.window], documents[self.window :]
        scored = [d if d.meta.get("match") == EXACT or _holds(d, requirement)
                  else replace(d, score=(d.score or 0.0) * self.penalty) for d in head]
        scored.sort(key=lambda d: d.score or 0.0, reverse=True)
        return {"documents": scored + tail}


def _holds(doc: Document, requirement: AnswerRequirement) -> bool:
    return any(requirement.satisfied_by(s) for line in (doc.content or "").split("\n") for s in split_sentences(line))
