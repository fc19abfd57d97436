"""Reads the structure of a text: headings with their level, body paragraphs, list runs and tables."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["heading", "body", "table"]

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_NUMBERED_HEADING = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
_DASH_ITEM = re.compile(r"^[-•*]\s+(.*)$")
_TERMINAL = ".!?;,"
_KEY_VALUE = re.compile(r"^[^:]{1,30}:\s+\S")
_RULE = re.compile(r"^\s*(-{3,}|\*{3,}|_{3,})\s*$")
_MAX_ROW_CHARS = 20_000  # a row that never closes stops swallowing lines here


@dataclass
class Block:
    """A paragraph-level piece of a document."""

    kind: Kind
    text: str
    level: int = 0


def _words(text: str) -> int:
    return len(text.split())


def _heading_candidate(line: str) -> bool:
    """A short single line without closing punctuation, e.g. "Q&A's Administratieve werkwijze"."""
    if "\n" in line or _words(line) > 12 or not line:
        return False
    if line[-1] in _TERMINAL or line.endswith(":") or _KEY_VALUE.match(line):
        return False
    first = line.lstrip("-•* ")[:1]
    return bool(first) and (first.isupper() or first.isdigit() or first in "‘'\"(")


def _pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def _open_row(table: list[str]) -> bool:
    """Whether the last table line is a row cut inside a cell: no closing '|' and fewer '|' than the header."""
    last = table[-1]
    return len(table) > 1 and not last.endswith("|") and _pipes(last) < _pipes(table[0]) and len(last) < _MAX_ROW_CHARS


# A line that is bold and nothing else ("**Artikel 7.3.15**", "**2.1. Jeugdige**"): a heading in Markdown
# converted from Word, one level below the '#' headings. A bold lead-in ("**Belangrijk:**") is not.
_BOLD_LINE = re.compile(r"^(\*\*|__)(?P<text>[^*_].{0,118}?)\1$")
BOLD_LEVEL = 7


def _bold_heading(line: str) -> str | None:
    match = _BOLD_LINE.match(line)
    if not match:
        return None
    title = match.group("text").strip()
    if not title or title.endswith((":", ";", ",")) or _words(title) > 12 or "**" in title:
        return None
    return title


def parse_markdown(text: str) -> list[Block]:
    """Markdown: '#' headings (levels), tables kept as one block (cells may span lines), rules dropped."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    table: list[str] = []

    def flush() -> None:
        if paragraph:
            # List items were added with a leading newline: keep them on their own line.
            lines = " ".join(paragraph).split("\n")
            blocks.append(Block("body", "\n".join(" ".join(line.split()) for line in lines)))
            paragraph.clear()
        if table:
            blocks.append(Block("table", "\n".join(table)))
            table.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if table and _open_row(table) and not _MD_HEADING.match(line):
            # A cell that spans lines ("| **Artikel 1.8**\nBibob-bepaling | ... |"): the row goes on.
            table[-1] = f"{table[-1]} {line}" if line else table[-1]
            continue
        heading = _MD_HEADING.match(line)
        bold = None if heading or table else _bold_heading(line)
        if not line or _RULE.match(line):
            flush()
        elif bold:
            flush()
            blocks.append(Block("heading", bold, BOLD_LEVEL))
        elif heading:
            flush()
            title = heading.group(2).strip().strip("*_ ").strip()
            if title:
                blocks.append(Block("heading", title, len(heading.group(1))))
        elif line.startswith("|"):
            if paragraph:
                flush()
            table.append(line)
        else:
            if table:
                flush()
            if _DASH_ITEM.match(line) and paragraph:
                paragraph.append("\n" + line)
            else:
                paragraph.append(line)
    flush()
    return blocks


def parse_plain(text: str) -> list[Block]:
    """Plain text: paragraphs split on blank lines; headings recognised by shape and position.

    Numbered agenda items ("4. Werkwijze indexering") are level 1, short title lines level 2,
    short dash lines ("- Aanleiding") level 3. In a run of short lines (a download list) only the
    first and the last line can be headings; a short line is a heading only when body text follows.
    """
    raw = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    paragraphs = [" ".join(p.split()) for p in raw]
    # A heading is one line: a paragraph of several lines ("- Bsn blijft sleutel\n- Toewijzing ...") is body.
    candidate = [_heading_candidate(r) or bool(_NUMBERED_HEADING.match(p) and _words(p) <= 12
                 and p[-1] not in _TERMINAL) for r, p in zip(raw, paragraphs, strict=True)]
    blocks: list[Block] = []
    i = 0
    while i < len(paragraphs):
        if not candidate[i]:
            blocks.append(Block("body", paragraphs[i]))
            i += 1
            continue
        j = i
        while j < len(paragraphs) and candidate[j]:
            j += 1
        run = paragraphs[i:j]
        body_follows = j < len(paragraphs)
        for k, line in enumerate(run):
            is_first, is_last = k == 0, k == len(run) - 1
            numbered = _NUMBERED_HEADING.match(line)
            if numbered:
                blocks.append(Block("heading", line, 1))
            elif (is_last and body_follows) or (is_first and len(run) >= 3):
                level = 3 if _DASH_ITEM.match(line) else 2
                blocks.append(Block("heading", line.lstrip("-•* ").strip(), level))
            else:
                blocks.append(Block("body", line))
        i = j
    return blocks


def parse(text: str, markup: str) -> list[Block]:
    """Blocks of a text in the given markup ('markdown' or 'text')."""
    return parse_markdown(text) if markup == "markdown" else parse_plain(text)
