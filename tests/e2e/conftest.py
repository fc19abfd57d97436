"""A `vraagbaak serve` subprocess for the chat tests (stream and browser): real index, real model, loopback port."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import SessionIndex
from tests.helpers import cli_env, copy_data_dir, free_port, run_cli, serving

# Slow enough pieces that a client can leave mid-answer; fast enough for the browser test.
STREAM_DELAY_MS = 40
STREAM_PIECE_WORDS = 2


@dataclass
class ChatServer:
    proc: subprocess.Popen
    url: str
    data_dir: Path
    log: Path

    def health(self) -> dict:
        return httpx.get(f"{self.url}/health", timeout=10).json()


@pytest.fixture(scope="session")
def chat_server(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    root = tmp_path_factory.mktemp("chat-serve")
    data_dir = copy_data_dir(session_index.data_dir, root / "data")
    port = free_port()
    env = cli_env(data_dir, VRAAGBAAK_CHAT__STREAM_DELAY_MS=str(STREAM_DELAY_MS),
                  VRAAGBAAK_CHAT__STREAM_PIECE_WORDS=str(STREAM_PIECE_WORDS))
    log = root / "serve.log"
    with serving(env, port, log) as proc:
        yield ChatServer(proc, f"http://127.0.0.1:{port}", data_dir, log)


@pytest.fixture(scope="module")
def trained_chat_server(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatServer]:
    """`vraagbaak serve` after `vraagbaak train` on a copy of the index: answers cite whole sources."""
    root = tmp_path_factory.mktemp("chat-serve-trained")
    data_dir = copy_data_dir(session_index.data_dir, root / "data")
    env = cli_env(data_dir)
    trained = run_cli(["train"], env)
    assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]
    port = free_port()
    log = root / "serve.log"
    with serving(env, port, log) as proc:
        server = ChatServer(proc, f"http://127.0.0.1:{port}", data_dir, log)
        assert server.health()["ranker"]["ranking"] == "geleerd"
        yield server
