"""Turns for questions: at most N answered at once, the others wait in the order they arrived."""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class FairSlots:
    """A semaphore that hands a freed slot to the longest-waiting thread. `threading.Semaphore` lets a thread that
    just arrived take a freed slot before the ones already waiting, so under load some questions wait for several
    turns while others pass: the tail latency grows, not the throughput."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self._lock = threading.Lock()
        self._free = slots
        self._waiting: deque[threading.Lock] = deque()

    def __enter__(self) -> FairSlots:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return self
            gate = threading.Lock()
            gate.acquire()
            self._waiting.append(gate)
        gate.acquire()  # released by the thread that hands its slot over in __exit__
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # the slot passes directly, never counted free in between
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        """Threads waiting for a slot now."""
        return len(self._waiting)
