"""The SSE stream of a chat answer: event order, pieces that add up, and no work left when the client leaves."""

from __future__ import annotations

import asyncio
import json

import pytest

from api.chat_schemas import ChatResponse
from api.streaming import EventStreamResponse, StreamStats, answer_events, split_pieces

ANSWER = "De zorgaanbieder verzendt een 'Start zorg' bericht (305) binnen 5 werkdagen. [1]\n\nBronnen:\n[1] FAQ"


def _response() -> ChatResponse:
    return ChatResponse(
        answered=True, answer=ANSWER, citations=[], question="Welk bericht?", relevance=0.9, answer_id="a1",
        conversation_id="c1", turn=1, standalone_question="Welk bericht?",
    )


def _parse(chunks: list[bytes]) -> list[tuple[str, dict]]:
    events = []
    for block in b"".join(chunks).decode().split("\n\n"):
        if block.strip():
            lines = dict(line.split(": ", 1) for line in block.split("\n"))
            events.append((lines["event"], json.loads(lines["data"])))
    return events


async def _never() -> bool:
    return False


@pytest.mark.parametrize("words", [1, 3, 100])
def test_pieces_add_up_to_the_text(words: int) -> None:
    pieces = split_pieces(ANSWER, words)
    assert "".join(pieces) == ANSWER
    assert all(len(p.split()) <= words for p in pieces)
    assert split_pieces("", 4) == []


def test_events_come_in_order_citations_answer_done() -> None:
    stats = StreamStats()

    async def collect() -> list[bytes]:
        return [chunk async for chunk in answer_events(_response(), stats, 4, 0.0, _never)]

    events = _parse(asyncio.run(collect()))

    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "done" and set(names[1:-1]) == {"answer"}
    assert events[0][1]["conversation_id"] == "c1" and events[0][1]["answer_id"] == "a1"
    assert "".join(data["text"] for name, data in events if name == "answer") == ANSWER
    assert ChatResponse.model_validate(events[-1][1]) == _response()
    assert stats.as_dict() == {"active": 0, "started": 1, "completed": 1, "aborted": 0,
                               "pieces_sent": len(names) - 2}


def test_a_disconnected_client_stops_the_stream_at_the_next_piece(caplog: pytest.LogCaptureFixture) -> None:
    stats = StreamStats()
    checks = 0

    async def gone_after_two_pieces() -> bool:
        nonlocal checks
        checks += 1
        return checks > 2

    async def collect() -> list[bytes]:
        return [chunk async for chunk in answer_events(_response(), stats, 1, 0.0, gone_after_two_pieces)]

    with caplog.at_level("INFO", logger="api.streaming"):
        events = _parse(asyncio.run(collect()))

    assert [name for name, _ in events] == ["citations", "answer", "answer"]
    assert stats.as_dict() == {"active": 0, "started": 1, "completed": 0, "aborted": 1, "pieces_sent": 2}
    assert "Antwoordstroom afgebroken: de client is weg na 2 van" in caplog.text


def test_the_response_closes_the_generator_when_sending_fails() -> None:
    stats = StreamStats()
    sent: list[dict] = []

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body" and len(sent) >= 2:
            raise OSError("client went away")
        sent.append(message)

    async def run() -> None:
        response = EventStreamResponse(answer_events(_response(), stats, 1, 0.0, _never))
        with pytest.raises(OSError):
            await response.stream_response(send)

    asyncio.run(run())

    assert stats.as_dict()["aborted"] == 1 and stats.as_dict()["active"] == 0
    assert stats.pieces_sent <= 1  # nothing is generated after the failed send
