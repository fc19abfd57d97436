"""The PDF worker process: reads PDFs with pypdf under a memory and CPU limit; one JSON line in, one out.

Started by `pdf.PdfWorker` as `python pdf_worker.py`. It imports pypdf and `pdf_text` only (not the ingest
package), so it starts fast; untrusted PDF bytes are parsed here and never in the parent process.
"""

from __future__ import annotations

import json
import logging
import resource
import select
import sys
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pdf_text  # noqa: E402  (a sibling file: this script runs outside the package)
from pypdf import PdfReader  # noqa: E402
from pypdf.errors import DependencyError, LimitReachedError, PyPdfError  # noqa: E402

NO_TEXT = "PDF bevat geen tekst (gescand document?); OCR wordt niet ondersteund"
ENCRYPTED = "PDF is versleuteld met een wachtwoord"
IDLE_SECONDS = 60.0  # the parent starts a new worker after this (see pdf.PdfWorker)


class Refused(Exception):
    """The file cannot be used; `kind` is for the caller, the message (Dutch) for the user."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _apply_limits(request: dict[str, Any]) -> None:
    """Address space for this file, and CPU seconds as a backstop should the parent be gone."""
    memory = int(request["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, resource.RLIM_INFINITY))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime + 2 * float(request["seconds"]) + 5)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))


def _open(path: str) -> PdfReader:
    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        try:
            decrypted = reader.decrypt("")  # an empty user password: "protected" against editing only
        except DependencyError as exc:
            raise Refused("encrypted", f"PDF is versleuteld op een manier die niet ondersteund wordt ({exc})") from exc
        if not decrypted:
            raise Refused("encrypted", ENCRYPTED)
    return reader


def convert(request: dict[str, Any]) -> dict[str, Any]:
    """Raw text of every page with pypdf, then cleaned into Markdown (see `pdf_text`)."""
    reader = _open(request["path"])
    count = len(reader.pages)
    if count == 0:
        raise Refused("empty", "PDF bevat geen pagina's")
    if count > request["max_pages"]:
        raise Refused("pages", f"PDF heeft {count} pagina's; de limiet is {request['max_pages']} (paginalimiet)")
    raw: list[str] = []
    total = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        total += len(text)
        if total > request["max_chars"]:
            limit = request["max_chars"] // 1_000_000
            raise Refused("size", f"PDF bevat meer dan {limit} miljoen tekens tekst (limiet)")
        raw.append(text)
    if not any(text.strip() for text in raw):
        raise Refused("no_text", NO_TEXT)
    pages, stats = pdf_text.clean_pages(raw)
    return {"pages": pages, "stats": asdict(stats)}


def metadata(request: dict[str, Any]) -> dict[str, Any]:
    """The document information dictionary: title, creation and modification date (raw PDF strings)."""
    info = _open(request["path"]).metadata or {}
    return {key.strip("/").lower(): str(info.get(key) or "") for key in ("/Title", "/CreationDate", "/ModDate")}


HANDLERS = {"convert": convert, "metadata": metadata}


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    try:
        _apply_limits(request)
        return {"ok": True, **HANDLERS[request["op"]](request)}
    except Refused as exc:
        return {"ok": False, "kind": exc.kind, "reason": str(exc)}
    except LimitReachedError as exc:
        return {"ok": False, "kind": "unpacked", "reason": f"PDF bevat een onderdeel dat uitgepakt te groot is ({exc})"}
    except OSError as exc:
        return {"ok": False, "kind": "io", "reason": f"kan bestand niet lezen ({exc.strerror or exc})"}
    except (PyPdfError, zlib.error, ValueError, LookupError, TypeError, AttributeError, ArithmeticError,
            AssertionError, RecursionError, UnicodeError) as exc:
        if "memory" in str(exc).lower():
            raise MemoryError from exc
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        return {"ok": False, "kind": "damaged", "reason": f"PDF is beschadigd of afgebroken ({detail})"}


def serve(idle_seconds: float = IDLE_SECONDS) -> None:
    """Answer requests until stdin closes or none came for `idle_seconds`; after running out of memory, stop."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may reach the parent's pipe
    logging.disable(logging.WARNING)  # pypdf warns about every repaired object
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    while select.select([sys.stdin], [], [], idle_seconds)[0]:
        line = sys.stdin.buffer.readline()
        if not line:
            return
        try:
            response = _handle(json.loads(line))
        except MemoryError:
            response = None
        if response is None:
            out.write(b'{"ok": false, "kind": "memory", "reason": ""}\n')
            out.flush()
            sys.exit(3)
        out.write(json.dumps(response).encode("utf-8") + b"\n")
        out.flush()


if __name__ == "__main__":
    serve()
