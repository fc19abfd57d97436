"""Server-Sent Events for a chat answer: first the citations, then the answer text in pieces, then the whole response.

A client that goes away stops the stream at the next piece: the generator checks for a disconnect before
every piece and is closed (not left suspended) when sending fails; `StreamStats` counts what happened.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import StreamingResponse
from starlette.types import Send

from api.chat_schemas import ChatResponse

logger = logging.getLogger(__name__)


@dataclass
class StreamStats:
    """Counters for /health: streams started, finished, aborted by the client, and pieces sent."""

    started: int = 0
    completed: int = 0
    aborted: int = 0
    pieces_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def active(self) -> int:
        return self.started - self.completed - self.aborted

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return {"active": self.active, "started": self.started, "completed": self.completed,
                    "aborted": self.aborted, "pieces_sent": self.pieces_sent}

    def count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)


def sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def split_pieces(text: str, words: int) -> list[str]:
    """The text in pieces of `words` words with their whitespace; joined they are the text again."""
    tokens = re.findall(r"\s*\S+\s*", text) or ([text] if text else [])
    return ["".join(tokens[i:i + words]) for i in range(0, len(tokens), words)]


async def answer_events(response: ChatResponse, stats: StreamStats, piece_words: int, delay_s: float,
                        is_disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[bytes]:
    """citations -> answer (pieces) -> done; stops when the client is gone."""
    pieces = split_pieces(response.answer, piece_words)
    stats.count(started=1)
    sent, finished = 0, False
    try:
        yield sse("citations", {
            "conversation_id": response.conversation_id, "answer_id": response.answer_id, "turn": response.turn,
            "question": response.question, "standalone_question": response.standalone_question,
            "followup": response.followup, "rewrite_note": response.rewrite_note, "region": response.region,
            "answered": response.answered, "citations": [c.model_dump(mode="json") for c in response.citations],
        })
        for piece in pieces:
            if await is_disconnected():
                return
            yield sse("answer", {"text": piece})
            sent += 1
            stats.count(pieces_sent=1)
            if delay_s:
                await asyncio.sleep(delay_s)
        if await is_disconnected():
            return
        yield sse("done", response.model_dump(mode="json"))
        finished = True
    finally:
        if finished:
            stats.count(completed=1)
        else:
            stats.count(aborted=1)
            logger.info("Antwoordstroom afgebroken: de client is weg na %d van %d stukken (antwoord %s)",
                        sent, len(pieces), response.answer_id)


class EventStreamResponse(StreamingResponse):
    """text/event-stream that always closes its generator, also when sending to a vanished client fails."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], status_code: int = 200) -> None:
        super().__init__(content, status_code, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        self._events = content

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            await self._events.aclose()  # type: ignore[attr-defined]
