"""One process at a time per embedded data directory; a second opener is told in Dutch who holds it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from index.lock import DataDirLock, IndexBusyError
from index.store import VraagbaakDocumentStore
from tests.helpers import REPO, wait_until


def test_second_opener_in_the_same_process_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    first = VraagbaakDocumentStore(str(tmp_path), model_name="m", purpose="ingest").open(3)
    try:
        with pytest.raises(IndexBusyError) as info:
            VraagbaakDocumentStore(str(tmp_path), model_name="m", purpose="ask").open(3)
    finally:
        first.close()
    message = str(info.value)
    assert f"De index in '{tmp_path}' is in gebruik door 'vraagbaak ingest' (pid {os.getpid()})" in message
    assert "Wacht tot dat klaar is" in message and "VRAAGBAAK_DATA_DIR" in message
    assert info.value.holder["pid"] == os.getpid()


def test_lock_is_free_again_after_close(tmp_path: Path) -> None:
    store = VraagbaakDocumentStore(str(tmp_path), model_name="m").open(3)
    store.close()
    again = VraagbaakDocumentStore(str(tmp_path), model_name="m").open(3)
    again.close()


def test_server_holder_is_named_with_its_url_and_advice(tmp_path: Path) -> None:
    with DataDirLock(tmp_path, "serve", "http://127.0.0.1:8123"):
        assert json.loads((tmp_path / "vraagbaak.lock").read_text())["url"] == "http://127.0.0.1:8123"
        with pytest.raises(IndexBusyError) as info:
            DataDirLock(tmp_path, "ingest").acquire()
    message = str(info.value)
    assert "in gebruik door 'vraagbaak serve'" in message
    assert "op http://127.0.0.1:8123" in message
    assert "Stop de server (Ctrl+C)" in message


def test_lock_of_a_killed_process_is_released(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from index.lock import DataDirLock; "
            f"DataDirLock(Path({str(tmp_path)!r}), 'ingest').acquire(); "
            "print('locked', flush=True); time.sleep(600)",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexBusyError, match=f"pid {holder.pid}"):
            DataDirLock(tmp_path, "ask").acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)

        def acquired() -> bool:
            lock = DataDirLock(tmp_path, "ask")
            try:
                lock.acquire()
            except IndexBusyError:
                return False
            lock.release()
            return True

        wait_until(acquired, "the lock of the killed process to be released", timeout=30)
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_unopened_lock_file_says_nothing(tmp_path: Path) -> None:
    assert DataDirLock(tmp_path, "ask").holder() == {}
