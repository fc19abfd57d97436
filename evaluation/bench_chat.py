"""Chat latency over HTTP for `vraagbaak bench`: time to the first streamed event and to the full answer.

Measured against the same `vraagbaak serve` subprocess as the /v1/ask latency: first questions of a new
conversation (the seed questions) and follow-ups asked in their conversation (the follow-up set).
"""

from __future__ import annotations

import json
import time
from typing import Any

from evaluation.bench_util import latency
from evaluation.dataset import FOLLOWUP_SET, load_items


def _stream(client: Any, message: str, conversation_id: str | None,
            region: str | None) -> tuple[float, float, str | None]:
    """Seconds to the first event and to the `done` event, and the conversation id."""
    started = time.perf_counter()
    first = full = None
    conversation = None
    body = {"message": message, "conversation_id": conversation_id, "region": region}
    with client.stream("POST", "/v1/chat/stream", json=body) as response:
        response.raise_for_status()
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
                if first is None:
                    first = time.perf_counter() - started
            elif line.startswith("data: ") and event == "citations" and conversation is None:
                conversation = json.loads(line[6:])["conversation_id"]
            elif line.startswith("data: ") and event == "done":
                full = time.perf_counter() - started
    if first is None or full is None:
        raise RuntimeError(f"onvolledige stroom voor {message!r}")
    return first, full, conversation


def bench_stream(client: Any, questions: list[tuple[str, str | None]], regions: set[str],
                 warmup: int = 3) -> dict[str, Any]:
    """POST /v1/chat/stream: new conversations (seed questions) and follow-ups in their conversation."""
    for question, region in questions[:warmup]:
        _stream(client, question, None, region)
    first_s, full_s = [], []
    for question, region in questions:
        first, full, _ = _stream(client, question, None, region)
        first_s.append(first)
        full_s.append(full)
    follow_first, follow_full = [], []
    for item in load_items(FOLLOWUP_SET):
        region = item.region if item.region in regions else None
        conversation = None
        for earlier in item.history:
            conversation = _stream(client, earlier, conversation, region)[2]
        first, full, _ = _stream(client, item.question, conversation, region)
        follow_first.append(first)
        follow_full.append(full)
    return {"first_event": latency(first_s), "full": latency(full_s),
            "followup_first_event": latency(follow_first), "followup_full": latency(follow_full)}
