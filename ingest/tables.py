"""Table rows as passages: each row becomes "Header: cell; Header: cell" with its row number and codes.

Shared by the spreadsheet converters (XLSX, CSV) and the chunker (Markdown tables), so a row reads the
same wherever it came from and its codes are found the same way (`index.codes.row_codes`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from index.codes import normalise_code, row_codes

# A header row is the first row with at least two cells, most of them text, among the first rows.
HEADER_SEARCH_ROWS = 20
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:[.,]\d+)*|[.,]\d+)%?$")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|`([^`]*)`")
_MD_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Two-column tables of properties ("Eigenschap | Waarde") read as "Naam: Productcategorie".
_KEY_HEADER = re.compile(r"^(eigenschap|kenmerk|veld|gegeven|attribuut|item|onderdeel)$", re.IGNORECASE)
_VALUE_HEADER = re.compile(r"^(waarde|inhoud)$", re.IGNORECASE)
# A two-column table without header whose first line is already a property ("| Type | Technische regel |").
_PROPERTY_NAMES = frozenset({
    "type", "documenttype", "document type", "bestandstype", "afkorting", "domein", "bron", "status", "versie",
    "versie volledig", "auteur", "categorie", "standaard", "standaardversie", "controleniveau", "regelcode", "titel",
    "naam", "berichttype", "berichttypen", "onderwerp", "laatst bijgewerkt",
})
PROPERTY_HEADERS = ("Eigenschap", "Waarde")


@dataclass(frozen=True)
class TableRow:
    """One data row: its text, its 1-based row number, the codes in its cells and the one in its first column.

    The first column is the table's key ("Code | Omschrijving"): a row whose key is the code defines it; other
    rows only use it (a rule table with a column "Retourcode").
    """

    text: str
    row: int
    codes: list[str] = field(default_factory=list)
    key_code: str | None = None

    def meta(self) -> dict[str, Any]:
        return {"codes": self.codes, "key_code": self.key_code}


def cell_text(value: Any) -> str:
    """A spreadsheet cell as clean text: dates ISO, whole floats without '.0', booleans ja/nee, one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return " ".join(str(value).split())


def markdown_cell(text: str) -> str:
    """A Markdown table cell without emphasis markers and line-break tags."""
    text = _MD_BREAK.sub(" ", text)
    text = _MD_EMPHASIS.sub(lambda m: next(g for g in m.groups()[1:] if g is not None), text)
    return " ".join(text.replace("\\|", "|").split())


def split_markdown_row(line: str) -> list[str]:
    """The cells of one Markdown table line ('| a | b |'); escaped pipes stay in the cell."""
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    return [markdown_cell(c) for c in re.split(r"(?<!\\)\|", line)]


def is_separator(line: str) -> bool:
    """The '|---|:---:|' line under a Markdown table header."""
    stripped = line.strip()
    return bool(stripped) and set(stripped) <= set("|-: ") and "-" in stripped


def _is_texty(cell: str) -> bool:
    return bool(cell) and not _NUMBER.match(cell) and not re.match(r"^\d{4}-\d{2}-\d{2}", cell)


def find_header(rows: Sequence[Sequence[str]]) -> int | None:
    """Index of the header row: the first row with >= 2 non-empty cells, if they are mostly text and distinct.

    Single-cell rows above it are titles or notes; when the first row with several cells is mostly numbers, the
    table has no header. Only one header per sheet: a second table further down is read with the first's.
    """
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        filled = [c for c in cells if c]
        if len(filled) < 2:
            continue
        texty = sum(_is_texty(c) for c in filled)
        if texty / len(filled) >= 0.75 and len(set(filled)) == len(filled):
            return i
        return None  # the first row with several cells is data: the table has no header
    return None


def is_property_table(headers: Sequence[str]) -> bool:
    """'Eigenschap | Waarde': each row is one property of the document, read as 'Naam: Productcategorie'."""
    return len(headers) == 2 and bool(_KEY_HEADER.match(headers[0]) and _VALUE_HEADER.match(headers[1]))


def row_text(headers: Sequence[str], cells: Sequence[str]) -> str:
    """'Header: cell; Header: cell' without empty cells; a cell without header stands alone."""
    if is_property_table(headers) and len(cells) >= 2 and cells[0] and cells[1]:
        rest = [c for c in cells[2:] if c]
        return "; ".join([f"{cells[0]}: {cells[1]}", *rest])
    parts = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        header = headers[i] if i < len(headers) else ""
        parts.append(f"{header}: {cell}" if header and header != cell else cell)
    return "; ".join(parts)


def table_rows(rows: Iterable[tuple[int, list[str]]], headers: Sequence[str] | None = None) -> list[TableRow]:
    """Rows (number, cells) as TableRows. Without `headers` the header row is detected among the rows.

    Rows before a detected header (titles) are kept as rows of their own; empty rows are skipped.
    """
    numbered = [(n, cells) for n, cells in rows if any(cells)]
    if headers is None:
        index = find_header([cells for _, cells in numbered])
        if index is not None:
            headers = numbered[index][1]
            preamble = [TableRow(" ".join(c for c in cells if c), n) for n, cells in numbered[:index]]
            return preamble + table_rows(numbered[index + 1:], headers)
        headers = []
    # A code in a property table ("Codelijst ID: JZ020") names the whole document, not this row: no exact match.
    coded = not is_property_table(headers)
    out = []
    for number, cells in numbered:
        text = row_text(headers, cells)
        if text:
            codes = row_codes(headers, cells) if coded else []
            key = normalise_code(cells[0]) if cells else ""
            out.append(TableRow(text, number, codes, key if key in codes else None))
    return out


def markdown_table(text: str) -> list[TableRow]:
    """A Markdown table block as TableRows numbered 1.. from the first data row (the header is row 0)."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) >= 2 and is_separator(lines[1]):
        headers: list[str] | None = split_markdown_row(lines[0])
        body = lines[2:]
        if not any(headers or []):
            headers = None  # an empty header row: the real header, if any, is the first data row
    else:
        headers, body = None, [ln for ln in lines if not is_separator(ln)]
    cells = [split_markdown_row(ln) for ln in body if not is_separator(ln)]
    if headers is None:
        index = find_header(cells)
        if index is not None:
            headers, cells = cells[index], cells[index + 1:]
    if headers and len(headers) == 2 and headers[0].lower() in _PROPERTY_NAMES:
        headers, cells = list(PROPERTY_HEADERS), [headers, *cells]  # its first line is a property, no header
    return table_rows(enumerate(cells, start=1), headers or [])


def property_table_text(text: str) -> str | None:
    """A Markdown table of properties ("Eigenschap | Waarde": Regelcode, Titel, Type, Bron ...) as one text, a
    line per property; None for any other table. Row by row, "Afkorting: OP" and "Bron: https://..." would be
    passages of their own that answer nothing and push answering passages out of the ranking."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 2 or not is_separator(lines[1]):
        return None
    headers = split_markdown_row(lines[0])
    if not (is_property_table(headers) or (len(headers) == 2 and headers[0].lower() in _PROPERTY_NAMES)):
        return None
    return "\n".join(r.text for r in markdown_table(text)) or None
