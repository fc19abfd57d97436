"""Which passages make one source: the citations of an answer are sources, not fragments.

A rule file (OP272, TR306 ...) is indexed as 6-10 small passages (Samenvatting, Definitie, Regel, Toelichting,
Zoektermen ...) that all say part of the same rule. Cited one by one they fill the answer's five places with one
rule, and the passage that says it best (the Definitie) often ranks below its file's summary. Here the ranked
candidates are walked in order and every candidate joins the source of a better-ranked one it belongs to: any
passage of a short document, or in a long one a section with its own sub-sections. A source holds its best-ranked
passages up to `max_words` words together (a rule of 260 words whole: a cap of 3 passages left out the Regeltekst
of rules cut in 7-8 small parts); its place is that of its best passage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from haystack import Document, component

# A document of at most this many passages is one source (a rule, a short note); a longer one (a process
# description, a FAQ page) is cited per section.
SHORT_DOCUMENT = 15

# Parts of one section cut in passages this far apart (in passages) are one source.
_NEIGHBOURS = 2

# Sections that list search terms: they help finding a passage but say nothing when read as a source.
KEYWORD_SECTION = re.compile(
    r"^\s*(?:zoektermen|trefwoorden|kernwoorden|kernbegrippen|keywords|tags|\w* ?synoniemen|verwante concepten)"
    r"(?: voor \w+)?\s*:?\s*$", re.IGNORECASE)


def is_keyword_list(doc: Document) -> bool:
    path = doc.meta.get("heading_path") or []
    return bool(path) and bool(KEYWORD_SECTION.match(path[-1]))


# Sections that describe a document or point to others (its metadata table, related rules): nothing to read.
_REFERENCE_SECTION = re.compile(r"^\s*(?:metadata|gerelateerde\b|bronnen\s*$|bron\s*$)", re.IGNORECASE)


def _says_something(doc: Document) -> bool:
    """A passage a reader learns from: not a table row, a search-term list, metadata or a list of related rules."""
    path = doc.meta.get("heading_path") or []
    return (doc.meta.get("row") is None and not is_keyword_list(doc)
            and not (path and _REFERENCE_SECTION.match(path[-1])) and bool((doc.content or "").strip()))


def is_short(doc: Document) -> bool:
    """A passage of a short document (a rule, a short note): the whole document is one source."""
    return int(doc.meta.get("chunk_count") or SHORT_DOCUMENT + 1) <= SHORT_DOCUMENT


_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)+)\.?\s")


def _number(path: Sequence[str]) -> list[str]:
    """The section number of a heading path's last heading ("4.4.1 Berichtenverkeer" -> ["4", "4", "1"])."""
    match = _NUMBER.match(path[-1]) if path else None
    return match.group(1).split(".") if match else []


def _within(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether one section holds the other: a heading path below a section of its own (not the document root), or
    a numbered sub-section of a numbered section (4.4.1 in 4.4; headings of converted PDFs are often flat)."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 2 and list(long[: len(short)]) == list(short):
        return True
    x, y = _number(a), _number(b)
    short_number, long_number = (x, y) if len(x) <= len(y) else (y, x)
    return len(short_number) >= 2 and long_number[: len(short_number)] == short_number


def same_source(a: Document, b: Document) -> bool:
    """Two passages of one source: the same short document, or a section and its sub-section. Table rows are
    sources of their own (one code per citation)."""
    if a.meta.get("document_id") != b.meta.get("document_id"):
        return False
    if a.meta.get("row") is not None or b.meta.get("row") is not None:
        return False
    if is_short(a):
        return True
    path_a, path_b = a.meta.get("heading_path") or [], b.meta.get("heading_path") or []
    if path_a and path_a == path_b:  # one section cut in parts: its neighbouring parts
        return abs(int(a.meta.get("position") or 0) - int(b.meta.get("position") or 0)) <= _NEIGHBOURS
    return _within(path_a, path_b)


def group_sources(ranked: Sequence[Document], limit: int, max_words: int = 300) -> list[list[Document]]:
    """The first `limit` sources of `ranked`, each its passages in rank order (the first is the best-ranked).
    A keyword list joins only a source that has nothing else to show; a source's other passages replace it."""
    groups: list[list[Document]] = []
    for doc in ranked:
        group = next((g for g in groups if same_source(g[0], doc)), None)
        if group is None:
            if len(groups) < limit:
                groups.append([doc])
            continue
        if is_keyword_list(doc):
            continue
        if len(group) == 1 and is_keyword_list(group[0]):
            group[0] = doc
            continue
        words = sum(len((d.content or "").split()) for d in group)
        if words + len((doc.content or "").split()) <= max_words:
            group.append(doc)
    return groups


def source_text(group: Sequence[Document]) -> str:
    """The source as the user reads it: its passages in document order, each part of another section under that
    section's heading ("Definitie", "Toepassing" ...) unless the passage opens with it (a FAQ question)."""
    ordered = sorted(group, key=lambda d: int(d.meta.get("position") or 0))
    paths = [list(d.meta.get("heading_path") or []) for d in ordered]
    labelled = len({tuple(p) for p in paths}) > 1
    parts, previous = [], None
    for doc, path in zip(ordered, paths, strict=True):
        content = (doc.content or "").strip()
        heading = path[-1].strip() if path else ""
        if labelled and heading and path != previous and not _opens_with(content, heading):
            content = f"{heading}\n{content}"
        parts.append(content)
        previous = path
    return "\n\n".join(parts)


def _opens_with(content: str, heading: str) -> bool:
    return " ".join(content.split()).casefold().startswith(" ".join(heading.split()).casefold())


@component
class SourceLeads:
    """A short document is cited with its lead: the first passage in document order that says something (a rule's
    Definitie or Kernregel, a note's opening), also when retrieval did not find it.

    A rule's sections are passages of their own, and a question worded like its summary ("met terugwerkende kracht
    beëindigen") finds the Samenvatting and Toepassing of OP186 but not the Definitie that states the rule ("... met
    een einddatum in het verleden is uitsluitend toegestaan wanneer ..."): the user was shown the rule without its
    text. A short document among the first `sources` documents of the candidates (no later one can be cited: each
    source is of one document) gets its lead placed right after its best-ranked passage, with that passage's
    score, so group_sources cites it within the source's word limit. Ranking, what is shown and whether to answer
    are unchanged: only the cited source holds more.
    """

    def __init__(self, passages_of: Callable[[str], list[Document]], sources: int = 5) -> None:
        self.passages_of = passages_of  # a document's passages (any order), e.g. from the document store
        self.sources = sources  # the citations an answer has (answer.max_citations)

    @component.output_types(candidates=list[Document])
    def run(self, candidates: list[Document]) -> dict[str, Any]:
        present = {d.id for d in candidates}
        leads: dict[str, Document] = {}  # id of a document's best-ranked candidate -> its document's lead
        seen: set[str] = set()
        for doc in candidates:
            doc_id = doc.meta.get("document_id")
            if not doc_id or doc_id in seen:
                continue
            seen.add(doc_id)
            if len(seen) > self.sources:
                break
            if doc.meta.get("row") is not None or not is_short(doc):
                continue
            passages = sorted(self.passages_of(doc_id), key=lambda d: int(d.meta.get("position") or 0))
            lead = next((p for p in passages if _says_something(p)), None)
            if lead is not None and lead.id not in present:
                leads[doc.id] = Document(id=lead.id, content=lead.content, meta=dict(lead.meta), score=doc.score)
        if not leads:
            return {"candidates": candidates}
        out: list[Document] = []
        for doc in candidates:
            out.append(doc)
            if doc.id in leads:
                out.append(leads[doc.id])
        return {"candidates": out}
