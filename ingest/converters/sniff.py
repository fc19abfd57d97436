"""Which converter reads a file: decided by its content (magic bytes), the extension only as a hint."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

# Extension -> format name, for files whose content does not identify them (text formats), or that claim a
# format their content does not show (a ".docx" that is no zip: its converter explains what is wrong).
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".docx": "docx", ".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".tsv": "csv",
}
# Leading BOMs, whitespace, comments and an XML declaration that may precede an HTML document's first tag.
_HTML_PREAMBLE = re.compile(rb"^(?:\xef\xbb\xbf|\s+|<!--.*?-->|<\?xml[^>]*\?>)*", re.DOTALL)
_HTML_TAGS = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title)[\s>/]")


def sniff(path: Path) -> str | None:
    """The format name of a file ("pdf", "xlsx", "docx", "html", "markdown", "text", ...), or None if unknown."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(path) or EXTENSIONS.get(suffix)
    if _is_html(head):
        return "html"
    return EXTENSIONS.get(suffix)


def _is_html(head: bytes) -> bool:
    """A document that starts with an HTML tag (after BOM, comments, XML declaration); UTF-16 too."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    start = head[_HTML_PREAMBLE.match(head).end():].lower()  # type: ignore[union-attr]  # always matches
    return start.startswith(b"<") and bool(_HTML_TAGS.match(start) or _HTML_TAGS.search(start[:1024]))


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
