"""FairSlots: at most N inside at once, and freed slots go to the waiters in the order they arrived."""

from __future__ import annotations

import threading
import time

import pytest

from api.slots import FairSlots


def _wait_until(condition, timeout: float = 5.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_freed_slots_go_to_the_waiters_in_arrival_order() -> None:
    slots = FairSlots(1)
    entered: list[int] = []

    def worker(n: int) -> None:
        with slots:
            entered.append(n)

    slots.__enter__()
    threads = []
    for n in range(8):
        thread = threading.Thread(target=worker, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_until(lambda n=n: slots.waiting == n + 1)  # n+1 threads queued, in this order
    # a newcomer arriving while others wait queues behind them instead of taking the freed slot
    slots.__exit__(None, None, None)
    with slots:
        entered.append(99)
    for thread in threads:
        thread.join(5)
    assert entered == [*range(8), 99]


def test_no_more_than_the_slots_run_at_once() -> None:
    slots = FairSlots(2)
    inside, most = 0, 0
    lock = threading.Lock()

    def worker() -> None:
        nonlocal inside, most
        with slots:
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.005)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert most == 2 and inside == 0 and slots.waiting == 0


def test_a_slot_is_given_back_when_the_work_fails() -> None:
    slots = FairSlots(1)
    with pytest.raises(RuntimeError), slots:
        raise RuntimeError("kapot")
    acquired = threading.Event()
    thread = threading.Thread(target=lambda: (slots.__enter__(), acquired.set()))
    thread.start()
    assert acquired.wait(5)
    with pytest.raises(ValueError):
        FairSlots(0)
