"""Markdown as the chunker reads it: '#' headings, paragraphs, "- " list items and pipe tables (row by row)."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
_INLINE_SPACE = re.compile(r"[^\S\n]+")
# A body line that the Markdown reader would take for a heading, a table row or a rule.
_MARKUP_LINE = re.compile(r"^(#{1,6}\s|\||(-{3,}|\*{3,}|_{3,})\s*$)")
_INVISIBLE = str.maketrans({"\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None})


def one_line(text: str) -> str:
    """Whitespace (newlines too) collapsed to single spaces; soft hyphens and zero-width characters removed."""
    return _SPACE.sub(" ", text.translate(_INVISIBLE)).strip()


def heading(level: int, text: str) -> str:
    """A '#' heading; levels beyond Markdown's six are clamped."""
    return f"{'#' * min(max(level, 1), 6)} {one_line(text)}"


def paragraph(text: str) -> str:
    """Body text with its line breaks kept; a line that looks like Markdown markup is escaped."""
    lines = (_INLINE_SPACE.sub(" ", line.translate(_INVISIBLE)).strip() for line in text.split("\n"))
    return "\n".join("\\" + line if _MARKUP_LINE.match(line) else line for line in lines if line)


def clean_cell(text: str) -> str:
    """One line per cell, '|' escaped so it does not split the cell."""
    return one_line(text).replace("|", "\\|")


def pipe_table(rows: list[list[str]]) -> str:
    """Rows of cell texts as a pipe table; the first non-empty row is the header.

    Empty rows and columns that are empty in every row (spacers) are dropped; short rows are padded.
    """
    cleaned = [[clean_cell(c) for c in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return ""
    width = max(len(row) for row in cleaned)
    cleaned = [row + [""] * (width - len(row)) for row in cleaned]
    keep = [i for i in range(width) if any(row[i] for row in cleaned)]
    cleaned = [[row[i] for i in keep] for row in cleaned]
    lines = [_line(cleaned[0]), _line(["---"] * len(keep))]
    lines.extend(_line(row) for row in cleaned[1:])
    return "\n".join(lines)


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
