"""(question, answering passages) pairs mined from the corpus's own structure, to train the reranker on.

Never from evaluation questions. Every corpus carries natural pairs: an FAQ question heading and its answer, a rule's
title and its text, a specific section heading and its body, a code list's row description and the row, and (for
passages without any of these) one of its sentences with words left out. Each query is then varied the way users
type (no accents, lower case, a typing error, a word left out, a leading code dropped), so the ranker learns from
imperfect wording rather than from exact headings.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from haystack import Document

from index.analyzer import fold
from index.sentences import split_sentences

_LEADING_CODE = re.compile(r"^\s*[A-Z]{1,4}\d{2,4}[a-z0-9]*\s*[—–:-]\s*")
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]{3,}")
# Headings that name a part of every document ("Toelichting", "Definitie"): they say nothing about the content.
_MAX_HEADING_DOCUMENTS = 3
_MAX_TITLE_PASSAGES = 8
_CAPS = {"faq": 500, "title": 400, "heading": 500, "row": 350, "sentence": 450}


@dataclass(frozen=True)
class Pair:
    query: str
    kind: str  # faq, title, heading, row, sentence
    positives: frozenset[str]  # the normalised texts of the answering passages (copies in other documents too)


def text_key(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _row_description(doc: Document) -> str:
    """The non-code cells of a table row ("Code: 02; Omschrijving: Overlijden" -> "Overlijden")."""
    cells = [c.split(":", 1)[-1].strip() for c in (doc.content or "").replace("\n", "; ").split(";")]
    return " ".join(c for c in cells if c and not re.fullmatch(r"[\w.-]{1,6}", c))


def mine_pairs(passages: Iterable[Document], seed: int = 13) -> list[Pair]:
    """Pairs of every kind, capped per kind (sampled with `seed`), each query varied once."""
    docs = [d for d in passages if (d.content or "").strip()]
    rng = random.Random(seed)
    by_document: dict[str, list[Document]] = {}
    heading_documents: Counter[str] = Counter()
    for d in docs:
        by_document.setdefault(str(d.meta.get("document_id")), []).append(d)
    for members in by_document.values():
        for heading in {str(d.meta["heading_path"][-1]) for d in members if d.meta.get("heading_path")}:
            heading_documents[fold(heading)] += 1
    groups: dict[tuple[str, str], set[str]] = {}

    def add(kind: str, query: str, doc: Document) -> None:
        query = " ".join(query.split())
        if _words(query) >= 2:
            groups.setdefault((kind, query), set()).add(text_key(doc.content))

    for _document_id, members in by_document.items():
        title = str(members[0].meta.get("title") or "")
        if len(members) <= _MAX_TITLE_PASSAGES and _words(_LEADING_CODE.sub("", title)) >= 3:
            for d in members:
                add("title", title, d)
        for d in members:
            path = [str(h) for h in d.meta.get("heading_path") or []]
            last = path[-1] if path else ""
            if last.rstrip().endswith("?"):
                add("faq", last, d)
            elif last and heading_documents[fold(last)] <= _MAX_HEADING_DOCUMENTS and _words(last) >= 2 \
                    and fold(last) != fold(title):
                add("heading", last, d)
            if d.meta.get("row") is not None:
                description = _row_description(d)
                if _words(description) >= 1:
                    add("row", f"{_LEADING_CODE.sub('', title)} {description}", d)
            elif not last.rstrip().endswith("?"):
                sentences = [s for s in split_sentences(d.content or "") if _words(s) >= 8]
                if sentences:
                    add("sentence", _drop_words(rng.choice(sentences), rng, 0.35), d)
    # Positives are texts: the same text in two documents (the iJw and iWmo copy) answers too.
    pairs: list[Pair] = []
    for kind, cap in _CAPS.items():
        chosen = [(q, pos) for (k, q), pos in groups.items() if k == kind]
        rng.shuffle(chosen)
        pairs.extend(Pair(vary(q, rng), kind, frozenset(pos)) for q, pos in chosen[:cap])
    return pairs


def _drop_words(text: str, rng: random.Random, share: float) -> str:
    words = text.split()
    kept = [w for w in words if rng.random() > share]
    return " ".join(kept if len(kept) >= 3 else words[:6])


def _typo(text: str, rng: random.Random) -> str:
    words = [m for m in re.finditer(r"[A-Za-zÀ-ÿ]{7,}", text)]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group()
    i = rng.randrange(1, len(w) - 2)
    return text[: m.start()] + w[:i] + w[i + 1] + w[i] + w[i + 2:] + text[m.end():]


def vary(query: str, rng: random.Random) -> str:
    """A user-like variant: a leading rule code dropped, a word left out, no accents, lower case, a typing error."""
    if rng.random() < 0.7:
        query = _LEADING_CODE.sub("", query)
    if rng.random() < 0.4 and len(query.split()) > 4:
        query = _drop_words(query, rng, 0.2)
    if rng.random() < 0.3:
        query = fold(query)
    elif rng.random() < 0.4:
        query = query.lower()
    if rng.random() < 0.15:
        query = _typo(query, rng)
    return query
