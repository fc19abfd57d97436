"""Plain text and Markdown: one page; the chunker reads the structure."""

from __future__ import annotations

from pathlib import Path

from ingest.converters.base import Limits, Page, decode_text


def _read(path: Path) -> str:
    return decode_text(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")


def convert_text(path: Path, limits: Limits) -> list[Page]:
    return [Page(_read(path), markup="text")]


def convert_markdown(path: Path, limits: Limits) -> list[Page]:
    return [Page(_read(path), markup="markdown")]
