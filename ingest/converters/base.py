"""Types shared by the format converters: what a converter returns, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ingest.manifest import DocumentEntry

Markup = Literal["text", "markdown", "records"]


class ConversionError(Exception):
    """A file could not be read; the message is the reason shown to the user (Dutch)."""


@dataclass(frozen=True)
class SourceFile:
    """A file to ingest together with its manifest entry and content hash."""

    path: Path
    entry: DocumentEntry
    source_hash: str


@dataclass(frozen=True)
class Failure:
    """A file that was skipped, and why."""

    document_id: str
    file: str
    reason: str


@dataclass(frozen=True)
class Record:
    """A unit that is already structured (a table row with its headers): becomes one passage as is."""

    text: str
    section: tuple[str, ...] = ()
    row: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """What a converter returns for one page (or the whole file for formats without pages).

    `markup` tells the chunker how to read `text`: "text" (paragraphs, headings by shape), "markdown"
    ('#' headings, tables row-wise), or "records" (no text; `records` are passages already).
    """

    text: str
    page: int | None = None
    markup: Markup = "text"
    records: tuple[Record, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def has_content(self) -> bool:
        return bool(self.text.strip()) or any(r.text.strip() for r in self.records)


@dataclass(frozen=True)
class Limits:
    """Guards against hostile or broken files; every converter honours the ones that apply to it."""

    max_bytes: int = 50_000_000
    max_pages: int = 2_000
    seconds_per_file: float = 60.0
    memory_mb: int = 1_024
    max_rows: int = 200_000
    max_unpacked_bytes: int = 200_000_000


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: UTF-8 (with or without BOM), else cp1252; binary data is refused."""
    if b"\x00" in data[:4096]:
        raise ConversionError("binair bestand, geen tekst (verkeerde extensie?)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConversionError("onbekende tekencodering")  # pragma: no cover - cp1252 decodes almost anything
