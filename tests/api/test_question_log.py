"""The question log: scrubbed entries from /v1/ask and /v1/chat, feedback joined, retention, off switch,
and the coverage report over it (GET /v1/coverage, /coverage)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.question_log import QuestionLog
from api.schemas import AskResponse
from api.storage import open_database, utcnow
from index.settings import Settings

PERSONAL = "Cliënt 111222333 (j.jansen@example.nl, 06-12345678): welk bericht stuur ik als de zorg start?"


def _response(answered: bool = True) -> AskResponse:
    return AskResponse(answered=answered, answer="Een 305 [1].", citations=[], question="q", relevance=0.8)


def test_entries_are_scrubbed_and_carry_feedback_and_expire(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'log.sqlite3'}")
    log = QuestionLog(engine, retention=timedelta(days=30))
    log.record("ask", PERSONAL, PERSONAL, "achterhoek", _response(), 12.5, "a1")
    (entry,) = log.entries()
    assert entry.question == "Cliënt [BSN] ([E-MAIL], [TELEFOON]): welk bericht stuur ik als de zorg start?"
    assert "111222333" not in entry.standalone_question and entry.region == "achterhoek"
    assert entry.latency_ms == 12.5 and entry.answered and entry.feedback is None
    raw = sqlite3.connect(tmp_path / "log.sqlite3").execute("select question from question_log").fetchone()[0]
    assert "111222333" not in raw and "example.nl" not in raw
    assert log.purge_expired(now=utcnow() + timedelta(days=10)) == 0
    assert log.purge_expired(now=utcnow() + timedelta(days=31)) == 1 and log.entries() == []


def test_logging_can_be_switched_off(tmp_path: Path) -> None:
    log = QuestionLog(open_database(f"sqlite:///{tmp_path / 'log.sqlite3'}"), enabled=False)
    assert log.record("ask", "Vraag?", "Vraag?", None, _response(), 1.0, None) is None
    assert log.entries() == []


@pytest.mark.slow
def test_api_questions_are_logged_scrubbed_with_feedback_and_reported(client: TestClient, settings: Settings) -> None:
    ask = client.post("/v1/ask", json={"question": PERSONAL}).json()
    chat = client.post("/v1/chat", json={"message": "Binnen hoeveel werkdagen?"}).json()
    client.post("/v1/chat", json={"message": "Wat kost een parkeervergunning in Zwolle?"})
    assert client.post("/v1/feedback", json={"answer_id": ask["answer_id"], "rating": "down"}).status_code == 201

    with sqlite3.connect(settings.data_dir / "chat.sqlite3") as db:
        rows = db.execute("select source, question, answered, latency_ms, cited, answer_id from question_log "
                          "order by created_at").fetchall()
        stored = " ".join(str(r) for r in db.execute("select question, standalone_question from answers"))
    assert [r[0] for r in rows] == ["ask", "chat", "chat"]
    assert "[BSN]" in rows[0][1] and "111222333" not in rows[0][1] and "06-12345678" not in rows[0][1]
    assert "111222333" not in stored  # the stored answers for feedback are scrubbed as well
    assert rows[0][3] > 0 and rows[0][5] == ask["answer_id"] and rows[1][5] == chat["answer_id"]
    assert ask["answered"] and ("sda-" in rows[0][4] or "zin-" in rows[0][4])  # personal data did not hurt it

    report = client.get("/v1/coverage").json()
    assert report["questions"] == 3 and sum(report["totals"].values()) == 3
    down = next(r for r in report["results"] if "[BSN]" in r["question"])
    assert down["status"] in ("zwak", "niet beantwoord")  # a down-voted answer is weak at best
    page = client.get("/coverage")
    assert page.status_code == 200 and "Dekkingsrapport" in page.text and "<svg" in page.text


def test_coverage_with_an_absurd_number_of_days_is_a_422_not_a_500(client: TestClient) -> None:
    """Found by `vraagbaak fuzz`: days=1e218 overflowed the date arithmetic."""
    for path in ("/v1/coverage?days=1.5e308", "/coverage?days=1e218"):
        response = client.get(path)
        assert response.status_code == 422 and response.json()["error_code"] == "validation_error"
    assert client.get("/v1/coverage?days=36500").status_code == 200
