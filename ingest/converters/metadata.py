"""Title and date read from a file itself (document properties, `<title>`, first heading), for folders without
manifest. Never raises: a file that cannot be read gives {} and the converter reports it later."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from ingest.converters.base import Limits
from ingest.converters.sniff import sniff

logger = logging.getLogger(__name__)


def _docx(path: Path, limits: Limits) -> dict[str, str | None]:
    from ingest.converters.docx import docx_metadata

    return dict(docx_metadata(path, limits))


def _html(path: Path, limits: Limits) -> dict[str, str | None]:
    from ingest.converters.html import html_metadata

    return dict(html_metadata(path))


def _pdf(path: Path, limits: Limits) -> dict[str, str | None]:
    try:
        from ingest.converters.pdf import pdf_metadata
    except ImportError:  # PDF support not installed
        return {}
    return dict(pdf_metadata(path, limits))


READERS: dict[str, Callable[[Path, Limits], dict[str, str | None]]] = {"docx": _docx, "html": _html, "pdf": _pdf}


def file_metadata(path: Path, limits: Limits | None = None) -> dict[str, str | None]:
    """{"title": ..., "date": "YYYY-MM-DD"} where the file says so; missing keys when it does not."""
    try:
        reader = READERS.get(sniff(path) or "")
        if reader is None:
            return {}
        found = reader(path, limits or Limits())
    except Exception as exc:  # noqa: BLE001 - metadata is a best guess; the conversion reports real problems
        logger.info("Geen metadata uit %s: %s", path.name, exc)
        return {}
    return {k: v for k, v in found.items() if k in ("title", "date") and v}
