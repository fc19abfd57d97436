"""HTML tables: layout tables told apart from data tables; data rows with row and column spans resolved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from bs4 import Tag

_HEADINGS = [f"h{n}" for n in range(1, 7)]


def is_layout_table(table: Tag) -> bool:
    """A table used for page layout (or a one-column box): its cells are read as blocks, not as a table."""
    if table.get("role") in ("presentation", "none") or table.find(["table", *_HEADINGS, "details"]) is not None:
        return True
    return all(len(tr.find_all(["td", "th"], recursive=False)) <= 1 for tr in table.find_all("tr"))


def table_rows(table: Tag, cell_text: Callable[[Tag], str]) -> Iterator[list[str]]:
    """Cell texts per row. A cell spanning columns is written once; a cell spanning rows repeats in each row,
    so that every row stands alone as a passage."""
    carried: dict[int, tuple[int, str]] = {}  # column -> (rows left, text) of a cell that spans rows
    for tr in table.find_all("tr"):
        row: list[str] = []
        cells = iter(tr.find_all(["td", "th"], recursive=False))
        while True:
            while len(row) in carried:
                left, text = carried.pop(len(row))
                if left > 1:
                    carried[len(row)] = (left - 1, text)
                row.append(text)
            cell = next(cells, None)
            if cell is None:
                break
            text = cell_text(cell)
            colspan, rowspan = _span(cell.get("colspan"), 50), _span(cell.get("rowspan"), 1000)
            if rowspan > 1:
                carried.update({len(row) + i: (rowspan - 1, text if i == 0 else "") for i in range(colspan)})
            row.extend([text] + [""] * (colspan - 1))
        yield row


def _span(value: Any, limit: int) -> int:
    text = str(value or "1").strip()
    return min(max(int(text), 1), limit) if text.isdigit() else 1
