"""Spreadsheets (XLSX, CSV): every data row becomes a record "Header: cell; Header: cell" with its row number.

XLSX is read with openpyxl in read-only mode; its XML goes through defusedxml (openpyxl uses it when it is
installed, and we refuse to read without it). Before openpyxl opens the file, the zip directory is checked
against `Limits.max_unpacked_bytes` and a compression-ratio bound: Python's zipfile never inflates a member
beyond its declared size, so declared sizes are a safe bound on what openpyxl can unpack.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ingest.converters.base import ConversionError, Limits, Page, Record, decode_text
from ingest.tables import cell_text, table_rows

# Real workbooks compress 5-20x; a sheet of repeated cells up to ~60x. Zeros or a crafted member: thousands.
MAX_COMPRESSION_RATIO = 100
# Below this many unpacked bytes the ratio is not checked (tiny files compress oddly and cannot hurt).
_RATIO_FLOOR = 10_000_000
_DELIMITERS = (";", ",", "\t", "|")
_SNIFF_CHARS = 64_000


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.0f}" if n >= 10_000_000 else f"{n / 1_000_000:.1f}".replace(".", ",")


def _rows(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def check_archive(path: Path, limits: Limits) -> None:
    """Refuse a zip that is broken or would unpack to too much, before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ConversionError(f"XLSX is beschadigd of geen geldig zip-bestand ({exc})") from exc
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise ConversionError(f"XLSX lijkt een zip-bom (uitgepakt {_mb(unpacked)} MB, maximum "
                              f"{_mb(limits.max_unpacked_bytes)} MB)")
    ratio = unpacked / max(packed, 1)
    if unpacked > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
        raise ConversionError(f"XLSX lijkt een zip-bom (uitgepakt {_mb(unpacked)} MB uit {_mb(packed)} MB, "
                              f"verhouding {ratio:.0f}:1, maximum {MAX_COMPRESSION_RATIO}:1)")


def _too_many_rows(limits: Limits) -> ConversionError:
    return ConversionError(f"te veel rijen: meer dan {_rows(limits.max_rows)} (limiet max_rows); splits het "
                           "bestand of verhoog de limiet")


def _records(rows: list[tuple[int, list[str]]], section: str, meta: dict[str, Any]) -> tuple[Record, ...]:
    return tuple(Record(r.text, (section,), r.row, {**meta, **r.meta()}) for r in table_rows(rows))


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def convert_xlsx(path: Path, limits: Limits) -> list[Page]:
    """One records page per sheet that has data; row numbers are the sheet's own (1-based, as Excel shows)."""
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency; OPENPYXL_DEFUSEDXML=False disables
        raise ConversionError("XLSX wordt niet gelezen zonder defusedxml (beveiliging tegen XML-aanvallen)")
    check_archive(path, limits)
    with path.open("rb") as handle:  # a handle, not the name: openpyxl would refuse a content-sniffed '.bin'
        try:
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises anything from KeyError to XML parse errors
            raise ConversionError(f"XLSX kan niet worden gelezen: {type(exc).__name__}: {exc}") from exc
        try:
            return _workbook_pages(workbook, limits)
        except ConversionError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken sheet part surfaces only while reading rows
            raise ConversionError(f"XLSX kan niet worden gelezen: {type(exc).__name__}: {exc}") from exc
        finally:
            workbook.close()


def _workbook_pages(workbook: Any, limits: Limits) -> list[Page]:
    """The records pages of an opened workbook; the row limit counts non-empty rows over all sheets."""
    pages: list[Page] = []
    total = 0
    for sheet in workbook.worksheets:
        sheet.reset_dimensions()  # a wrong <dimension> tag would otherwise cut rows or columns off silently
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = _trimmed([cell_text(v) for v in values])
            if not cells:
                continue
            total += 1
            if total > limits.max_rows:
                raise _too_many_rows(limits)
            rows.append((number, cells))
        records = _records(rows, sheet.title, {"sheet": sheet.title})
        if records:
            pages.append(Page("", markup="records", records=records))
    return pages


def sniff_delimiter(sample: str, preferred: str = ";") -> str:
    """The delimiter that splits the first rows into the same number (>= 2) of fields most consistently.

    Quotes are respected; on a tie `preferred` wins, then ';' (Dutch CSV, where ',' is the decimal sign).
    """
    lines = sample.splitlines(keepends=True)
    if len(sample) >= _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be incomplete
    order = [preferred, *(d for d in _DELIMITERS if d != preferred)]
    best, best_score = preferred, (0.0, 0)
    for delimiter in order:
        widths = [len(r) for r in islice(csv.reader(lines, delimiter=delimiter), 50) if any(f.strip() for f in r)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(1-based line where the row starts, cells); a quoted field may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for fields in reader:
            yield start, _trimmed([cell_text(f) for f in fields])
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ConversionError(f"CSV kan niet worden gelezen (regel {reader.line_num}): {exc}") from exc


def convert_csv(path: Path, limits: Limits) -> list[Page]:
    """One records page; the section is the file name, row numbers are the line numbers in the file."""
    text = decode_text(path.read_bytes())
    delimiter = sniff_delimiter(text[:_SNIFF_CHARS], "\t" if path.suffix.lower() == ".tsv" else ";")
    rows: list[tuple[int, list[str]]] = []
    for number, cells in _csv_rows(text, delimiter):
        if not cells:
            continue
        if len(rows) >= limits.max_rows:
            raise _too_many_rows(limits)
        rows.append((number, cells))
    records = _records(rows, path.stem, {})
    return [Page("", markup="records", records=records)] if records else []
