"""PDF files: text per page, read in a separate worker process with time, memory and page limits.

pypdf runs only in the worker (`pdf_worker.py`): a hostile or broken PDF can hang it or exhaust its memory,
and catching exceptions stops neither, so the parent kills the worker and reports which limit was hit.
A PDF with more pages than `limits.max_pages` is refused rather than cut: a silently truncated document
would give incomplete answers that look complete. One worker is reused for consecutive files (starting
one costs about as much as reading a 10-page PDF); it is replaced after a kill and exits when idle.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from ingest.converters.base import ConversionError, Limits, Page

WORKER_SCRIPT = Path(__file__).with_name("pdf_worker.py")
_IDLE_SECONDS = 50.0  # below the worker's own idle exit (60 s), so a request never meets a worker that is leaving
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")
_FILENAME_TITLE = re.compile(r"^(?:microsoft (?:word|powerpoint|excel) - )?(.*?)(?:\.(?:docx?|pdf|pptx?|xlsx?|odt))?$",
                             re.IGNORECASE)


@dataclass
class PdfResult:
    """The Markdown text of each page (1-based numbers) and what the cleanup found and removed."""

    pages: list[tuple[int, str]]
    stats: dict[str, Any] = field(default_factory=dict)


class PdfWorker:
    """One worker process, reused for consecutive files and restarted after it was killed or died."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize | None = None
        self._last_used = 0.0
        self.started = 0  # how many worker processes were started (a benchmark reports it)

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def convert(self, path: Path, limits: Limits) -> PdfResult:
        answer = self._ask("convert", path, limits)
        return PdfResult([(n, text) for n, text in enumerate(answer["pages"], start=1)], answer["stats"])

    def metadata(self, path: Path, limits: Limits) -> dict[str, str]:
        answer = self._ask("metadata", path, limits)
        return {key: answer[key] for key in ("title", "creationdate", "moddate")}

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
            self._process = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None

    @property
    def pid(self) -> int | None:
        """The process id of the running worker, if any."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    def _ask(self, op: str, path: Path, limits: Limits) -> dict[str, Any]:
        request = {
            "op": op,
            "path": str(Path(path).resolve()),
            "max_pages": limits.max_pages,
            "max_chars": limits.max_unpacked_bytes,
            "memory_mb": limits.memory_mb,
            "seconds": limits.seconds_per_file,
        }
        process = self._running()
        deadline = time.monotonic() + limits.seconds_per_file
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            process.stdin.flush()
            answer: dict[str, Any] = json.loads(self._read_line(process, deadline))
            ok, kind = bool(answer["ok"]), str(answer.get("kind", ""))
        except TimeoutError:
            self.close()
            raise ConversionError(f"PDF-verwerking afgebroken na {limits.seconds_per_file:g} s (tijdslimiet)") from None
        except (BrokenPipeError, EOFError):
            raise ConversionError(self._died(limits)) from None
        except (ValueError, KeyError, TypeError):  # a garbled answer: the worker is not to be trusted any more
            self.close()
            raise ConversionError("PDF-verwerking mislukt: onleesbaar antwoord van het werkproces") from None
        finally:
            self._last_used = time.monotonic()
        if ok:
            return answer
        if kind == "memory":
            self.close()
            raise ConversionError(f"PDF-verwerking afgebroken: geheugenlimiet van {limits.memory_mb} MB overschreden")
        raise ConversionError(str(answer.get("reason") or "PDF-verwerking mislukt"))

    def _running(self) -> subprocess.Popen[bytes]:
        idle = time.monotonic() - self._last_used > _IDLE_SECONDS
        if self._process is None or self._process.poll() is not None or idle:
            self.close()
            self._process = subprocess.Popen(
                [sys.executable, str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
                close_fds=True,
            )
            self._finalizer = weakref.finalize(self, self._process.kill)  # no worker outlives its parent
            self.started += 1
        self._last_used = time.monotonic()
        return self._process

    @staticmethod
    def _read_line(process: subprocess.Popen[bytes], deadline: float) -> bytes:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        buffer = bytearray()
        while not buffer.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            buffer += chunk
        return bytes(buffer)

    def _died(self, limits: Limits) -> str:
        assert self._process is not None
        code = self._process.wait()
        self.close()
        if code == -signal.SIGXCPU:
            return f"PDF-verwerking afgebroken na {limits.seconds_per_file:g} s rekentijd (tijdslimiet)"
        what = f"signaal {signal.Signals(-code).name}" if code < 0 else f"code {code}"
        return f"PDF-verwerking afgebroken: werkproces onverwacht gestopt ({what})"


class PdfConverter:
    """The registry's PDF converter: one reused worker for this process, one file at a time."""

    def __init__(self) -> None:
        self._worker = PdfWorker()
        self._lock = threading.Lock()

    def __call__(self, path: Path, limits: Limits) -> list[Page]:
        """One Markdown page per PDF page that has text; page numbers are 1-based, as printed in citations."""
        with self._lock:
            result = self._worker.convert(path, limits)
        return [Page(text, page=number, markup="markdown") for number, text in result.pages if text.strip()]

    def metadata(self, path: Path, limits: Limits) -> dict[str, str | None]:
        """Title and date ("YYYY-MM-DD") from the PDF's document information, for a folder without manifest."""
        with self._lock:
            info = self._worker.metadata(path, limits)
        title = _FILENAME_TITLE.fullmatch(" ".join(info["title"].split())).group(1).strip()  # type: ignore[union-attr]
        return {"title": title or None, "date": _pdf_date(info["creationdate"]) or _pdf_date(info["moddate"])}


convert_pdf = PdfConverter()  # no state to reset: a dead or idle worker is replaced on the next file


def pdf_metadata(path: Path, limits: Limits) -> dict[str, str | None]:
    """Title and date ("YYYY-MM-DD" or None) of a PDF, read in the shared worker."""
    return convert_pdf.metadata(path, limits)


def _pdf_date(value: str) -> str | None:
    """ "D:20170420122939+00'00'" -> "2017-04-20"; None when absent or not a real date."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None

