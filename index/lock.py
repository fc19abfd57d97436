"""One process at a time per embedded data directory, with a clear message for the second one."""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any


class IndexBusyError(RuntimeError):
    """Another process holds the data directory; the message says who and what to do (Dutch)."""

    def __init__(self, message: str, holder: dict[str, Any]) -> None:
        super().__init__(message)
        self.holder = holder


class DataDirLock:
    """An exclusive advisory lock (flock) on `<data_dir>/vraagbaak.lock`, released when the process dies.

    The embedded engine allows one process per shard; this lock turns a low-level WAL error into a
    message that names the holder ("vraagbaak serve, pid 123, http://127.0.0.1:8000").
    """

    def __init__(self, data_dir: Path, purpose: str, url: str | None = None) -> None:
        self.data_dir = data_dir
        self.purpose = purpose
        self.url = url
        self._fd: int | None = None

    @property
    def path(self) -> Path:
        return self.data_dir / "vraagbaak.lock"

    def holder(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = self.holder()
            raise IndexBusyError(self._busy_message(holder), holder) from None
        info = {"pid": os.getpid(), "purpose": self.purpose, "url": self.url, "since": time.time()}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode("utf-8"))
        self._fd = fd

    def _busy_message(self, holder: dict[str, Any]) -> str:
        who = holder.get("purpose", "een ander proces")
        pid = holder.get("pid", "?")
        where = f" op {holder['url']}" if holder.get("url") else ""
        advice = (
            "Stop de server (Ctrl+C) en probeer het opnieuw, of gebruik een andere VRAAGBAAK_DATA_DIR."
            if who == "serve"
            else "Wacht tot dat klaar is en probeer het opnieuw, of gebruik een andere VRAAGBAAK_DATA_DIR."
        )
        return f"De index in '{self.data_dir}' is in gebruik door 'vraagbaak {who}' (pid {pid}){where}. {advice}"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
