"""The streamed chat answer over real HTTP: events arrive in pieces, and a client that leaves stops the work."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.e2e.conftest import ChatServer
from tests.helpers import wait_until

pytestmark = pytest.mark.slow

QUESTION = "Vanaf wanneer geldt het bandbreedtemodel voor huishoudelijke ondersteuning in de Drechtsteden?"


def _events(lines: list[str]) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events


def test_the_answer_streams_in_pieces_over_http(chat_server: ChatServer) -> None:
    arrivals: list[tuple[float, str]] = []
    started = time.perf_counter()
    with httpx.Client(timeout=60) as client, client.stream(
            "POST", f"{chat_server.url}/v1/chat/stream", json={"message": QUESTION}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line.startswith("event: "):
                arrivals.append((time.perf_counter() - started, line[7:]))
    events = _events(lines)

    assert [n for n, _ in events][0] == "citations" and events[-1][0] == "done"
    assert "".join(d["text"] for n, d in events if n == "answer") == events[-1][1]["answer"]
    # the pieces really arrive over time, not in one buffer at the end
    assert arrivals[-1][0] - arrivals[0][0] > 0.5 * (len(arrivals) - 2) * 0.04


def test_a_client_that_disconnects_mid_stream_stops_the_generation(chat_server: ChatServer) -> None:
    before = chat_server.health()["streams"]
    seen = 0
    with httpx.Client(timeout=60) as client, client.stream(
            "POST", f"{chat_server.url}/v1/chat/stream",
            json={"message": "Hoe kijken aanbieders aan tegen populatiebekostiging?"}) as response:
        for line in response.iter_lines():
            if line.startswith("event: answer"):
                seen += 1
                if seen == 2:
                    break  # leave: closing the stream closes the connection
    total_pieces = None

    def stopped() -> dict | None:
        streams = chat_server.health()["streams"]
        done = streams["aborted"] == before["aborted"] + 1 and streams["active"] == 0
        return streams if done else None

    after = wait_until(stopped, "the server to notice the client left", timeout=30, interval=0.1)
    sent = after["pieces_sent"] - before["pieces_sent"]
    time.sleep(1.0)  # nothing keeps generating in the background
    assert chat_server.health()["streams"]["pieces_sent"] == after["pieces_sent"]
    assert after["completed"] == before["completed"]
    log = chat_server.log.read_text()
    line = next(line for line in reversed(log.splitlines()) if "Antwoordstroom afgebroken" in line)
    sent_logged, total_pieces = (int(x) for x in line.split("weg na ")[1].split(" stukken")[0].split(" van "))
    assert sent_logged == sent and 2 <= sent < total_pieces, line
