"""Which converter reads a file: decided by its content (magic bytes), the extension only as a hint."""

from __future__ import annotations

import zipfile
from pathlib import Path

# Extension -> format name, for files whose content does not identify them (text formats).
EXTENSIONS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown", ".csv": "csv", ".tsv": "csv"}
# A broken zip with one of these extensions still goes to its converter, which says that it is damaged.
_ZIP_EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx"}


def sniff(path: Path) -> str | None:
    """The format name of a file ("pdf", "xlsx", "docx", "html", "markdown", "text", ...), or None if unknown."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(path) or _ZIP_EXTENSIONS.get(suffix)
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or (suffix in (".html", ".htm") and lowered.startswith(b"<")):
        return "html"
    return EXTENSIONS.get(suffix)


def _office_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None
