"""`vraagbaak serve` as a subprocess on a free loopback port: real HTTP, a competing ingest, a clean stop."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.schemas import AskResponse
from index.store import VraagbaakDocumentStore
from tests.conftest import SessionIndex
from tests.helpers import cli_env, copy_data_dir, free_port, run_cli, serving

pytestmark = pytest.mark.slow


@dataclass
class Server:
    proc: subprocess.Popen
    url: str
    port: int
    data_dir: Path
    log: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def server(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    data_dir = copy_data_dir(session_index.data_dir, root / "data")
    port = free_port()
    env = cli_env(data_dir)
    log = root / "serve.log"
    with serving(env, port, log) as proc:
        yield Server(proc, f"http://127.0.0.1:{port}", port, data_dir, log, env)


def test_health_over_http(server: Server, session_index: SessionIndex) -> None:
    body = httpx.get(f"{server.url}/health", timeout=30).json()
    assert body["status"] == "ok" and body["passages"] == session_index.passages


def test_open_mode_is_announced_and_needs_no_key(server: Server) -> None:
    assert "open modus: iedereen op deze computer" in server.log.read_text()
    assert httpx.get(f"{server.url}/health", timeout=30).json()["auth"] == {"enabled": False, "role": "beheer",
                                                                            "regions": None}


def test_ask_over_http(server: Server) -> None:
    response = httpx.post(
        f"{server.url}/v1/ask", json={"question": "Welk bericht stuur ik als de zorg start?"}, timeout=60
    )
    assert response.status_code == 200, response.text
    answer = AskResponse.model_validate(response.json())
    assert answer.answered and "[1]" in answer.answer
    assert any("305" in c.text for c in answer.citations)


def test_validation_error_over_http(server: Server) -> None:
    response = httpx.post(f"{server.url}/v1/ask", json={"question": ""}, timeout=30)
    assert response.status_code == 422
    assert response.json()["error_code"] == "validation_error"


def test_docs_page_over_http(server: Server) -> None:
    response = httpx.get(f"{server.url}/docs", timeout=30)
    assert response.status_code == 200 and "swagger-ui" in response.text.lower()


def test_ingest_while_serving_is_refused_and_leaves_the_index_intact(server: Server) -> None:
    before = httpx.get(f"{server.url}/health", timeout=30).json()["passages"]

    result = run_cli(["ingest"], server.env, timeout=180)

    assert result.returncode != 0
    assert (
        f"is in gebruik door 'vraagbaak serve' (pid {server.proc.pid}) op http://127.0.0.1:{server.port}"
        in result.stderr
    ), result.stderr[-2000:]
    assert "Stop de server (Ctrl+C)" in result.stderr
    assert "Traceback" not in result.stderr
    assert httpx.get(f"{server.url}/health", timeout=30).json()["passages"] == before
    answer = httpx.post(
        f"{server.url}/v1/ask",
        json={"question": "Wanneer wordt er geïndexeerd?", "region": "drechtsteden"},
        timeout=60,
    ).json()
    assert answer["answered"] is True


def test_serve_stops_cleanly_and_releases_the_index(server: Server, session_index: SessionIndex) -> None:
    server.proc.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught, so either code is a clean stop.
    assert server.proc.wait(timeout=60) in (0, -signal.SIGTERM)
    log = server.log.read_text()
    assert "Application shutdown complete" in log and "Finished server process" in log
    assert "Traceback" not in log

    store = VraagbaakDocumentStore(str(server.data_dir), model_name="multilingual-e5-small").open(384)
    try:
        assert store.count_documents() == session_index.passages
    finally:
        store.close()
