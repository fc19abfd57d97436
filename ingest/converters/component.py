"""FileConverter: reads each source file with the converter for its format; a bad file is reported, never fatal."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from haystack import Document, component

from ingest.converters.base import ConversionError, Failure, Limits, Page, SourceFile
from ingest.converters.docx import check_package
from ingest.converters.registry import CONVERTERS, SUPPORTED_SUFFIXES
from ingest.converters.sniff import sniff
from ingest.converters.spreadsheet import check_archive

logger = logging.getLogger(__name__)


@component
class FileConverter:
    """Returns one Document per page; table rows travel as `records` in the page's meta."""

    def __init__(self, max_bytes: int = 50_000_000, limits: dict[str, Any] | None = None) -> None:
        self.max_bytes = max_bytes
        self.limits = limits
        self._limits = Limits(**{**(limits or {}), "max_bytes": max_bytes})

    @component.output_types(documents=list[Document], failures=list[Failure])
    def run(self, sources: list[SourceFile]) -> dict[str, Any]:
        documents: list[Document] = []
        failures: list[Failure] = []
        for source in sources:
            try:
                pages = self._convert(source)
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
            }
            meta.pop("id")
            for page in pages:
                page_meta = {**meta, **page.meta, "page": page.page, "markup": page.markup}
                if page.records:
                    page_meta["records"] = [asdict(r) for r in page.records]
                documents.append(Document(content=page.text, meta=page_meta))
        return {"documents": documents, "failures": failures}

    def _convert(self, source: SourceFile) -> list[Page]:
        path = source.path
        kind = check_file(path, self._limits)
        pages = CONVERTERS[kind](path, self._limits)
        if not any(page.has_content() for page in pages):
            raise ConversionError("geen tekst gevonden in het bestand")
        return pages


def check_file(path: Path, limits: Limits) -> str:
    """The checks before a file is parsed (size, format by content, zip bombs); returns the format name.

    Cheap enough to run while a user waits (an upload); the converter itself applies the time, memory, page
    and row limits."""
    size = path.stat().st_size
    if size == 0:
        raise ConversionError("leeg bestand")
    if size > limits.max_bytes:
        limit = limits.max_bytes // 1_000_000
        raise ConversionError(f"bestand te groot ({size // 1_000_000} MB, maximum {limit} MB)")
    kind = sniff(path)
    if kind is None or kind not in CONVERTERS:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        what = f"'{kind}'" if kind else f"'{path.suffix or '(geen)'}'"
        raise ConversionError(f"bestandstype {what} wordt niet ondersteund ({known})")
    if kind in ("text", "markdown", "csv"):
        with path.open("rb") as handle:
            if b"\x00" in handle.read(4096):
                raise ConversionError("binair bestand, geen tekst (verkeerde extensie?)")
    elif kind == "docx":
        check_package(path, limits)
    elif kind == "xlsx":
        check_archive(path, limits)
    return kind
