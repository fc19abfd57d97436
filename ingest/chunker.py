"""Cuts converted documents into passages that keep their structure and context.

Paragraphs stay whole and keep their heading path; a FAQ question stays with its answer; a
lead-in ("Conclusie:") joins what follows; a paragraph split in the middle of a sentence is
re-joined; a tiny answer whose question was lost ("Ja.") is merged with its neighbour instead
of becoming a passage of its own; a long paragraph is cut at sentence boundaries only.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from haystack import Document, component

from index.sentences import split_sentences
from ingest.structure import Block, parse
from ingest.tables import markdown_table, property_table_text

# 5: multi-line paragraphs are no headings; 6: records (table rows) are passages as is;
# 7: Markdown table rows are passages of their own ("Header: cell; ...", meta row and codes), cells may span lines
# Small tables are cut row-wise too: kept whole (<= 10 rows) they answered fewer table questions (measured).
# 9: a section whose sub-sections fit in target_words is one passage (a rule file's rule with its "Regel",
# "Technisch pad" and FAQ items); consecutive tiny sections (a timeline of dates) form one passage.
# 10: paragraphs under a Q&A heading are answers to (lost) questions of their own and are not packed together.
# 11: a table of properties (Eigenschap | Waarde) is one passage, not a passage per property.
CHUNKER_VERSION = "11"
_NAMESPACE = uuid.UUID("6f1c1f0e-58a7-4c39-9a52-3c6d2b7f0a11")
_CLOSING = tuple(".!?;:)\"”’")


def chunk_id(document_id: str, position: int, content_hash: str) -> str:
    """Derived, never random: the same passage at the same place always gets the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{document_id}:{position}:{content_hash}"))


@dataclass
class _Unit:
    text: str
    path: tuple[str, ...]
    page: int | None
    row: int | None = None  # a record (table row): a passage of its own, never merged or packed
    extra: dict[str, Any] = field(default_factory=dict)
    words: int = field(init=False)

    def __post_init__(self) -> None:
        self.words = len(self.text.split())


def _table_units(block: Block, path: tuple[str, ...], page: int | None) -> list[_Unit]:
    """A Markdown table row by row: "Header: cell; ..." with its data-row number (1-based) and codes; a table of
    properties (Regelcode, Titel, Type, Bron ...) is one unit, a line per property."""
    properties = property_table_text(block.text)
    if properties is not None:
        return [_Unit(properties, path, page)]
    return [_Unit(r.text, path, page, r.row, r.meta()) for r in markdown_table(block.text)]


def _common_path(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    common = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(common), len(path)) and common[n] == path[n]:
            n += 1
        common = common[:n]
    return common


def _headed_line(headings: tuple[str, ...], text: str) -> str:
    """'Veelgestelde vragen > Wat zegt regel RS002? Maximale waarde 99'; 'Start gunningsfase: volgt'."""
    if not headings:
        return text
    lead = " > ".join(headings)
    if text.startswith(("- ", "* ", "|")):
        return f"{lead.rstrip(':')}:\n{text}"  # a list or table keeps its lines
    return f"{lead} {text}" if lead.endswith(("?", ":")) else f"{lead}: {text}"


def _is_question(unit: _Unit) -> bool:
    """A unit under a question heading: with its question it is a complete Q&A of its own."""
    return bool(unit.path) and unit.path[-1].rstrip().endswith("?")


_QA_HEADING = re.compile(r"\b(?:q\s?&\s?a'?s?|faq|veelgestelde vragen|vragen en antwoorden|vraag (?:&|en) antwoord)\b",
                         re.IGNORECASE)


def _answers_section(unit: _Unit) -> bool:
    """A unit in a Q&A section ("Q&A's Administratieve werkwijze"): every paragraph there answers a question of
    its own (often lost in conversion), so answers are not packed together into one passage about nothing."""
    return any(_QA_HEADING.search(h) for h in unit.path)


def _is_record(*units: _Unit) -> bool:
    return any(u.row is not None for u in units)


@component
class StructuredChunker:
    """Turns page Documents of whole files into passage Documents with heading path and position."""

    def __init__(self, target_words: int = 120, max_words: int = 220, min_words: int = 12,
                 context: str = "title+section") -> None:
        if not 0 < min_words < target_words <= max_words:
            raise ValueError("chunking: need 0 < min_words < target_words <= max_words")
        self.target_words = target_words
        self.max_words = max_words
        self.min_words = min_words
        self.context = context

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, Any]:
        by_doc: dict[str, list[Document]] = {}
        for doc in documents:
            by_doc.setdefault(doc.meta["document_id"], []).append(doc)
        chunks: list[Document] = []
        for pages in by_doc.values():
            chunks.extend(self._chunk_document(pages))
        return {"documents": chunks}

    def _chunk_document(self, pages: list[Document]) -> list[Document]:
        units: list[_Unit] = []
        stack: list[tuple[int, str]] = []
        for page in pages:
            if page.meta.get("markup") == "records":
                units.extend(_Unit(r["text"], tuple(r["section"]), page.meta.get("page"), r["row"], r["meta"])
                             for r in page.meta.get("records", []) if r["text"].strip())
                continue
            for block in parse(page.content or "", page.meta.get("markup", "text")):
                if block.kind == "heading":
                    stack = [(lvl, txt) for lvl, txt in stack if lvl < block.level] + [(block.level, block.text)]
                    continue
                path = tuple(txt for _, txt in stack)
                if block.kind == "table":
                    units.extend(_table_units(block, path, page.meta.get("page")))
                else:
                    units.append(_Unit(block.text, path, page.meta.get("page")))
        passages = self._pack(self._group_small_sections(self._group_subtrees(self._merge(units))))
        meta = {k: v for k, v in pages[0].meta.items() if k not in ("markup", "page", "records")}
        out: list[Document] = []
        for position, unit in enumerate(passages):
            section = " > ".join(unit.path)
            question = unit.path[-1] if unit.path and unit.path[-1].endswith("?") else None
            content = f"{question}\n{unit.text}" if question and question not in unit.text else unit.text
            header = {"title+section": (meta.get("title"), section), "section": (section,), "none": ()}[self.context]
            context = " | ".join(p for p in header if p)
            digest = hashlib.sha256(f"{context}\n{content}".encode()).hexdigest()[:16]
            chunk_meta = {
                **meta,
                "section": section,
                "heading_path": list(unit.path),
                "page": unit.page,
                "row": unit.row,
                **unit.extra,
                "position": position,
                "chunk_count": len(passages),
                "context": context,
                "content_hash": digest,
            }
            out.append(Document(id=chunk_id(meta["document_id"], position, digest), content=content, meta=chunk_meta))
        return out

    def _merge(self, units: list[_Unit]) -> list[_Unit]:
        """Join sentence continuations, lead-ins and questions to what follows; absorb tiny units."""
        merged: list[_Unit] = []
        for unit in units:
            prev = merged[-1] if merged else None
            if (prev and prev.path == unit.path and prev.page == unit.page and not _is_record(prev, unit)
                    and self._joins(prev, unit)):
                merged[-1] = _Unit(f"{prev.text}\n{unit.text}", prev.path, prev.page)
            else:
                merged.append(unit)
        # A unit still below min_words is merged into the next one of its section, else the previous.
        result: list[_Unit] = []
        carry: _Unit | None = None
        for unit in merged:
            if unit.row is not None:
                if carry is not None:
                    result = self._attach_to_previous(result, carry)
                    carry = None
                result.append(unit)
                continue
            if carry is not None and carry.path == unit.path:
                unit = _Unit(f"{carry.text}\n{unit.text}", unit.path, carry.page)
            elif carry is not None:
                result = self._attach_to_previous(result, carry)
            carry = None
            if unit.words < self.min_words:
                carry = unit
            else:
                result.append(unit)
        if carry is not None:
            result = self._attach_to_previous(result, carry)
        return result

    def _group_subtrees(self, units: list[_Unit]) -> list[_Unit]:
        """A section whose sub-sections together stay within target_words is one passage, the highest such
        section first: a rule with its "Regel", "Technisch pad" and FAQ items is read as one, not as four
        fragments that each lack the rest."""
        result: list[_Unit] = []
        i = 0
        while i < len(units):
            unit, grouped = units[i], False
            for depth in range(1, len(unit.path) + 1) if unit.row is None else ():
                prefix = unit.path[:depth]
                if i and units[i - 1].path[:depth] == prefix:
                    continue  # the section started before this unit: not whole from here
                j, total = i, 0
                while (j < len(units) and units[j].row is None and units[j].path[:depth] == prefix
                       and units[j].page == unit.page and total <= self.target_words):
                    total, j = total + units[j].words + len(units[j].path) - depth, j + 1  # stop once too long
                whole = j == len(units) or units[j].path[:depth] != prefix
                # Only sections with sub-sections of their own kind ("Regel", "Technisch pad"); on an FAQ page
                # every sub-section is a question, and each Q&A stays a passage of its own.
                topical = any(len(u.path) > depth and not _is_question(u) for u in units[i:j])
                if whole and j - i > 1 and total <= self.target_words and topical:
                    lines, last = [], None
                    for u in units[i:j]:
                        lines.append(u.text if u.path == last else _headed_line(u.path[depth:], u.text))
                        last = u.path
                    result.append(_Unit("\n".join(lines), prefix, unit.page))
                    i, grouped = j, True
                    break
            if not grouped:
                result.append(unit)
                i += 1
        return result

    def _group_small_sections(self, units: list[_Unit]) -> list[_Unit]:
        """Consecutive sections that each hold only a line or two (a rule file's "Regel", "Technisch pad" and
        FAQ items; a timeline of dates) become one passage under their common heading, each line led by its
        own heading ("Technisch pad: ..."). Alone, "Maximale lengte 2 posities" or "volgt" answers nothing
        and crowds out passages that do."""
        result: list[_Unit] = []
        run: list[_Unit] = []

        def flush() -> None:
            if len(run) < 2:
                result.extend(run)
            else:
                common = _common_path([u.path for u in run])
                lines = [_headed_line(u.path[len(common):], u.text) for u in run]
                result.append(_Unit("\n".join(lines), common, run[0].page))
            run.clear()

        for unit in units:
            small = unit.row is None and unit.words < self.min_words and bool(unit.path) and not _is_question(unit)
            if small and run:
                common = _common_path([*(u.path for u in run), unit.path])
                fits = sum(u.words + len(u.path) for u in run) + unit.words <= self.target_words
                if not common or not fits or unit.page != run[0].page:
                    flush()
            if small:
                run.append(unit)
            else:
                flush()
                result.append(unit)
        flush()
        return result

    @staticmethod
    def _attach_to_previous(result: list[_Unit], unit: _Unit) -> list[_Unit]:
        if result and result[-1].path == unit.path and result[-1].row is None:
            last = result[-1]
            return [*result[:-1], _Unit(f"{last.text}\n{unit.text}", last.path, last.page)]
        return [*result, unit]

    def _joins(self, prev: _Unit, unit: _Unit) -> bool:
        tail = prev.text.rstrip()
        if prev.words + unit.words > self.max_words:
            return False
        continues = not tail.endswith(_CLOSING) and unit.text[:1].islower()
        lead_in = tail.endswith(":") and prev.words <= 15
        question = tail.endswith("?") and prev.words <= 40 and "\n" not in tail
        return continues or lead_in or question

    def _pack(self, units: list[_Unit]) -> list[_Unit]:
        """Greedy packing of consecutive units of one section up to target_words; long ones split."""
        packed: list[_Unit] = []
        for unit in units:
            if unit.row is not None:
                packed.extend(self._split_long(unit))  # a row stays apart; only a very long one is cut
                continue
            for piece in self._split_long(unit):
                last = packed[-1] if packed else None
                if (last and last.path == piece.path and last.page == piece.page and last.row is None
                        and last.words + piece.words <= self.target_words and not _answers_section(piece)):
                    packed[-1] = _Unit(f"{last.text}\n{piece.text}", last.path, last.page)
                else:
                    packed.append(piece)
        return packed

    def _split_long(self, unit: _Unit) -> list[_Unit]:
        if unit.words <= self.max_words:
            return [unit]
        pieces: list[_Unit] = []
        current: list[str] = []
        count = 0
        for sentence in (s for line in unit.text.split("\n") for s in split_sentences(line)):
            n = len(sentence.split())
            if current and count + n > self.target_words:
                pieces.append(_Unit(" ".join(current), unit.path, unit.page, unit.row, unit.extra))
                current, count = [], 0
            current.append(sentence)
            count += n
        if current:
            pieces.append(_Unit(" ".join(current), unit.path, unit.page, unit.row, unit.extra))
        return pieces
