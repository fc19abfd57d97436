"""Converters: read one file into page-level Haystack Documents; a bad file is reported, never fatal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from haystack import Document, component

from ingest.manifest import DocumentEntry

logger = logging.getLogger(__name__)


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


# A page: its text and its 1-based page number (None for formats without pages).
Page = tuple[str, int | None]


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise ConversionError("binair bestand, geen tekst (verkeerde extensie?)")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ConversionError("onbekende tekencodering")  # pragma: no cover - cp1252 decodes almost anything


def convert_text(path: Path) -> list[Page]:
    """Plain text and Markdown: one page, structure is parsed by the chunker."""
    text = _decode(path.read_bytes(), path.name).replace("\r\n", "\n").replace("\r", "\n")
    return [(text, None)]


CONVERTERS: dict[str, Callable[[Path], list[Page]]] = {
    ".txt": convert_text,
    ".md": convert_text,
    ".markdown": convert_text,
}
MARKUP = {".md": "markdown", ".markdown": "markdown", ".txt": "text"}


@component
class FileConverter:
    """Reads each source file with the converter for its format and returns one Document per page."""

    def __init__(self, max_bytes: int = 50_000_000) -> None:
        self.max_bytes = max_bytes

    @component.output_types(documents=list[Document], failures=list[Failure])
    def run(self, sources: list[SourceFile]) -> dict[str, Any]:
        documents: list[Document] = []
        failures: list[Failure] = []
        for source in sources:
            try:
                pages = self._convert(source.path)
            except ConversionError as exc:
                failures.append(Failure(source.entry.id, source.entry.file, str(exc)))
                logger.warning("Overgeslagen: %s: %s", source.entry.file, exc)
                continue
            except OSError as exc:
                reason = f"kan bestand niet lezen ({exc.strerror or exc})"
                failures.append(Failure(source.entry.id, source.entry.file, reason))
                continue
            meta = {
                **source.entry.model_dump(exclude={"derived_fields"}),
                "document_id": source.entry.id,
                "source_hash": source.source_hash,
                "markup": MARKUP.get(source.path.suffix.lower(), "text"),
            }
            meta.pop("id")
            for text, page in pages:
                documents.append(Document(content=text, meta={**meta, "page": page}))
        return {"documents": documents, "failures": failures}

    def _convert(self, path: Path) -> list[Page]:
        converter = CONVERTERS.get(path.suffix.lower())
        if converter is None:
            known = ", ".join(sorted(CONVERTERS))
            raise ConversionError(f"bestandstype '{path.suffix or '(geen)'}' wordt niet ondersteund ({known})")
        size = path.stat().st_size
        if size == 0:
            raise ConversionError("leeg bestand")
        if size > self.max_bytes:
            raise ConversionError(f"bestand te groot ({size // 1_000_000} MB, maximum {self.max_bytes // 1_000_000} MB)")
        pages = converter(path)
        if not any(text.strip() for text, _ in pages):
            raise ConversionError("geen tekst gevonden in het bestand")
        return pages
