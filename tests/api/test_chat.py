"""Chat over HTTP on a copy of the real index: conversations, follow-ups, streaming, feedback, the web page."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.chat_schemas import ChatResponse, ConversationResponse, FeedbackResponse
from api.schemas import AskResponse
from index.settings import Settings

pytestmark = pytest.mark.slow

START = "Welk bericht stuur ik als de zorg start?"


def _chat(client: TestClient, message: str, conversation_id: str | None = None,
          region: str | None = None) -> ChatResponse:
    response = client.post("/v1/chat", json={"message": message, "conversation_id": conversation_id,
                                             "region": region})
    assert response.status_code == 200, response.text
    return ChatResponse.model_validate(response.json())


def _error(response, status: int, code: str, fragment: str = "") -> None:  # noqa: ANN001
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "detail"} and body["error_code"] == code
    assert fragment in body["detail"]


def _events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        if block.strip():
            lines = dict(line.split(": ", 1) for line in block.split("\n"))
            events.append((lines["event"], json.loads(lines["data"])))
    return events


# -- conversations -------------------------------------------------------------------------------------


def test_a_chat_answers_like_ask_and_starts_a_conversation(client: TestClient) -> None:
    first = _chat(client, START, region="achterhoek")
    ask = AskResponse.model_validate(client.post("/v1/ask", json={"question": START, "region": "achterhoek"}).json())

    assert first.conversation_id and first.turn == 1 and first.answer_id
    assert first.answer == ask.answer and first.citations == ask.citations
    assert first.standalone_question == START and not first.followup
    assert (first.region, first.region_source) == ("achterhoek", "keuze")
    assert ask.answer_id and ask.answer_id != first.answer_id


def test_a_follow_up_is_rewritten_and_the_searched_question_returned(client: TestClient) -> None:
    first = _chat(client, "Tot wanneer loopt de overgangsperiode in de Achterhoek?")
    follow = _chat(client, "Mogen we de oude productcodes in die periode nog gebruiken?", first.conversation_id)

    assert follow.conversation_id == first.conversation_id and follow.turn == 2
    assert follow.followup and follow.question == "Mogen we de oude productcodes in die periode nog gebruiken?"
    assert "overgangsperiode" in follow.standalone_question and follow.rewrite_note.startswith("Vervolgvraag")
    assert (follow.region, follow.region_source) == ("achterhoek", "gesprek")
    assert follow.answered
    assert any("oude codes blijven bestaan tijdens de overgangsperiode" in c.text for c in follow.citations)


def test_a_question_in_a_message_with_greeting_and_signature_is_answered(client: TestClient) -> None:
    """Helpdesk mail: the name in the signature used to be a term no passage holds, and the question was refused."""
    mail = f"Goedemiddag,\n{START} Alvast bedankt!\n\nMet vriendelijke groet,\nMarieke de Vries\nZorggroep Oost"
    ask = AskResponse.model_validate(client.post("/v1/ask", json={"question": mail, "region": "achterhoek"}).json())
    plain = AskResponse.model_validate(client.post("/v1/ask", json={"question": START, "region": "achterhoek"}).json())
    assert ask.answered and ask.corrected_question == START
    assert ask.answer == plain.answer and ask.citations == plain.citations
    assert "marieke" not in ask.answer.lower()

    first = _chat(client, START, region="achterhoek")
    follow = _chat(client, "Hoi, en als de zorg stopt? Groet, Marieke", first.conversation_id)
    bare = _chat(client, "En als de zorg stopt?", _chat(client, START, region="achterhoek").conversation_id)
    assert follow.followup and follow.standalone_question == bare.standalone_question
    assert follow.answered and follow.citations == bare.citations


def test_the_conversation_lists_its_turns_with_citations(client: TestClient) -> None:
    first = _chat(client, START, region="achterhoek")
    second = _chat(client, "En als de zorg stopt?", first.conversation_id, region="achterhoek")

    body = client.get(f"/v1/conversations/{first.conversation_id}")

    assert body.status_code == 200
    conversation = ConversationResponse.model_validate(body.json())
    assert [t.turn for t in conversation.turns] == [1, 2]
    assert [t.answer_id for t in conversation.turns] == [first.answer_id, second.answer_id]
    assert conversation.turns[1].question == "En als de zorg stopt?"
    assert conversation.turns[1].standalone_question == "Welk bericht stuur ik als de zorg stopt?"
    assert conversation.turns[0].citations == first.citations and conversation.turns[0].citations
    assert conversation.region == "achterhoek" and conversation.expires_at > conversation.updated_at


def test_unknown_conversations_and_bad_input_are_clear_errors(client: TestClient) -> None:
    _error(client.get("/v1/conversations/onbekend"), 404, "not_found", "bestaat niet of is verlopen")
    _error(client.post("/v1/chat", json={"message": "En de termijn?", "conversation_id": "onbekend"}), 404,
           "not_found", "Begin een nieuw gesprek")
    _error(client.post("/v1/chat", json={"message": "   "}), 422, "validation_error", "De vraag is leeg")
    _error(client.post("/v1/chat", json={"message": START, "region": "twente"}), 422, "unknown_region", "twente")
    _error(client.post("/v1/chat", json={}), 422, "validation_error", "message: ontbreekt")


# -- streaming ---------------------------------------------------------------------------------------


def test_the_stream_sends_citations_then_pieces_then_the_whole_answer(client: TestClient) -> None:
    first = _chat(client, "Vanaf wanneer werkt De Fryske Marren resultaatgericht in de Wmo?")
    with client.stream("POST", "/v1/chat/stream", json={"message": "Valt huishoudelijke hulp daar ook onder?",
                                                        "conversation_id": first.conversation_id}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.read().decode())

    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "done" and names.count("answer") >= 2
    head, done = events[0][1], ChatResponse.model_validate(events[-1][1])
    assert head["conversation_id"] == first.conversation_id and head["answer_id"] == done.answer_id
    assert head["citations"] == [c.model_dump(mode="json") for c in done.citations] and head["followup"]
    assert "".join(data["text"] for name, data in events if name == "answer") == done.answer
    assert done.turn == 2 and "Huishoudelijke hulp is al resultaatgericht ingekocht" in done.answer
    stored = client.get(f"/v1/conversations/{first.conversation_id}").json()["turns"]
    assert stored[-1]["answer_id"] == done.answer_id
    assert client.get("/health").json()["streams"]["completed"] >= 1


def test_stream_errors_come_before_the_stream_as_json(client: TestClient) -> None:
    _error(client.post("/v1/chat/stream", json={"message": "x", "conversation_id": "weg"}), 404, "not_found")


# -- feedback ----------------------------------------------------------------------------------------


def test_feedback_is_stored_with_question_answer_and_citations(client: TestClient, settings: Settings) -> None:
    answer = _chat(client, START, region="achterhoek")

    response = client.post("/v1/feedback", json={"answer_id": answer.answer_id, "rating": "down",
                                                 "comment": "Ik zocht het stopbericht"})

    assert response.status_code == 201, response.text
    saved = FeedbackResponse.model_validate(response.json())
    assert (saved.rating, saved.comment, saved.conversation_id) == ("down", "Ik zocht het stopbericht",
                                                                      answer.conversation_id)
    assert saved.question == START and saved.answer == answer.answer and saved.citations == answer.citations
    listed = client.get("/v1/feedback", params={"answer_id": answer.answer_id}).json()["feedback"]
    assert [f["feedback_id"] for f in listed] == [saved.feedback_id]
    with sqlite3.connect(settings.data_dir / "chat.sqlite3") as db:
        row = db.execute("SELECT rating, comment, question, citations FROM feedback WHERE answer_id = ?",
                         (answer.answer_id,)).fetchone()
    assert row[:3] == ("down", "Ik zocht het stopbericht", START) and json.loads(row[3])[0]["quote"]


def test_feedback_on_an_ask_answer(client: TestClient) -> None:
    ask = client.post("/v1/ask", json={"question": "Wat verstaan ze in de Achterhoek onder de sociale basis?"}).json()
    response = client.post("/v1/feedback", json={"answer_id": ask["answer_id"], "rating": "up"})
    assert response.status_code == 201 and response.json()["comment"] is None
    assert response.json()["conversation_id"] is None


def test_bad_feedback_gets_a_clear_4xx(client: TestClient) -> None:
    answer_id = _chat(client, START).answer_id
    _error(client.post("/v1/feedback", json={"answer_id": "onbekend", "rating": "up"}), 404, "not_found",
           "Onbekend antwoord 'onbekend'")
    _error(client.post("/v1/feedback", json={"answer_id": answer_id}), 422, "validation_error", "rating: ontbreekt")
    _error(client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "goed"}), 422, "validation_error",
           "rating")
    _error(client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up", "comment": "x" * 2001}), 422,
           "validation_error", "te lang")
    _error(client.post("/v1/feedback", json={"rating": "up"}), 422, "validation_error", "answer_id: ontbreekt")


# -- regions and the page ----------------------------------------------------------------------------


def test_regions_for_the_selector(client: TestClient) -> None:
    regions = client.get("/v1/regions").json()["regions"]
    assert [r["slug"] for r in regions] == ["achterhoek", "de-fryske-marren", "drechtsteden", "landelijk"]
    assert regions[1]["name"] == "De Fryske Marren"


def test_the_web_page_and_its_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text and "Vraagbaak" in page.text
    for path, kind in (("/static/app.js", "javascript"), ("/static/style.css", "text/css")):
        response = client.get(path)
        assert response.status_code == 200 and kind in response.headers["content-type"], path
    schema = client.get("/openapi.json").json()["paths"]
    assert {"/v1/chat", "/v1/chat/stream", "/v1/conversations/{conversation_id}", "/v1/feedback",
            "/v1/regions"} <= set(schema)


# -- persistence and expiry --------------------------------------------------------------------------


def test_conversations_survive_a_restart_and_expire(index_copy: Settings) -> None:
    with TestClient(create_app(index_copy)) as client:
        first = _chat(client, START)
    with TestClient(create_app(index_copy)) as client:  # a new process would see the same SQLite file
        turns = client.get(f"/v1/conversations/{first.conversation_id}").json()["turns"]
        assert [t["answer_id"] for t in turns] == [first.answer_id]
        assert _chat(client, "En als de zorg stopt?", first.conversation_id).turn == 2

    short = index_copy.model_copy(update={"chat": index_copy.chat.model_copy(
        update={"conversation_ttl_hours": 1.5 / 3600})})
    with TestClient(create_app(short)) as client:
        fresh = _chat(client, START)
        assert client.get(f"/v1/conversations/{fresh.conversation_id}").status_code == 200
        time.sleep(2.0)
        _error(client.get(f"/v1/conversations/{fresh.conversation_id}"), 404, "not_found", "verlopen")
        _error(client.post("/v1/chat", json={"message": "En als de zorg stopt?",
                                             "conversation_id": fresh.conversation_id}), 404, "not_found")


def test_the_database_can_live_elsewhere_by_url(index_copy: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elders' / 'gesprekken.db'}"
    settings = index_copy.model_copy(update={"chat": index_copy.chat.model_copy(update={"database_url": url})})
    with TestClient(create_app(settings)) as client:
        _chat(client, START)
    assert (tmp_path / "elders" / "gesprekken.db").is_file()
    assert not (index_copy.data_dir / "chat.sqlite3").exists()
