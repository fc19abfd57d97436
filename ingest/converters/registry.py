"""Format name -> converter function. A new format adds one line here and one in `sniff.EXTENSIONS` if needed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.converters.base import Limits, Page
from ingest.converters.docx import convert_docx
from ingest.converters.html import convert_html
from ingest.converters.pdf import convert_pdf
from ingest.converters.spreadsheet import convert_csv, convert_xlsx
from ingest.converters.text import convert_markdown, convert_text

Converter = Callable[[Path, Limits], list[Page]]

CONVERTERS: dict[str, Converter] = {
    "text": convert_text,
    "markdown": convert_markdown,
    "docx": convert_docx,
    "html": convert_html,
    "pdf": convert_pdf,
    "xlsx": convert_xlsx,
    "csv": convert_csv,
}

# Extensions picked up from a folder without manifest.
SUPPORTED_SUFFIXES: tuple[str, ...] = (
    ".txt", ".text", ".md", ".markdown", ".docx", ".html", ".htm", ".pdf", ".xlsx", ".csv", ".tsv",
)
