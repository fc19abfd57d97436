"""The chat database on a real SQLite file: conversations, turns, expiry, answers and feedback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.conversations import AnswerRecord, ConversationRepository
from api.errors import ErrorCode, VraagbaakError
from api.feedback import FeedbackRepository
from api.storage import feedback, open_database, utcnow
from index.settings import Settings

HOUR = timedelta(hours=1)


def _answer(question: str = "Welk bericht stuur ik als de zorg start?", **changes: object) -> AnswerRecord:
    values: dict[str, object] = dict(
        question=question, standalone_question=question, region="achterhoek", answered=True,
        answer="Een 305 binnen 5 werkdagen. [1]", relevance=0.8, codes=["305"],
        citations=[{"n": 1, "document_id": "d", "title": "T", "publisher": "P", "scope": "achterhoek",
                    "date": "2022-09", "doc_type": "faq", "section": None, "page": None, "text": "Tekst.",
                    "quote": "Tekst.", "score": 1.0}],
    )
    return AnswerRecord(**{**values, **changes})  # type: ignore[arg-type]


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'chat.sqlite3'}"


@pytest.fixture
def repo(url: str) -> ConversationRepository:
    return ConversationRepository(open_database(url), conversation_ttl=HOUR, answer_ttl=24 * HOUR)


def test_default_database_is_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.chat_database_url == f"sqlite:///{(tmp_path / 'data' / 'chat.sqlite3').resolve()}"
    other = Settings(data_dir=tmp_path, chat={"database_url": "postgresql+psycopg://u@db/vraagbaak"})
    assert other.chat_database_url == "postgresql+psycopg://u@db/vraagbaak"


def test_chat_settings_come_from_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VRAAGBAAK_CHAT__DATABASE_URL", "sqlite:////tmp/x.sqlite3")
    monkeypatch.setenv("VRAAGBAAK_CHAT__CONVERSATION_TTL_HOURS", "2.5")
    settings = Settings()
    assert settings.chat.database_url == "sqlite:////tmp/x.sqlite3"
    assert settings.chat.conversation_ttl_hours == 2.5
    monkeypatch.setenv("VRAAGBAAK_CHAT__CONVERSATION_TTL_HOURS", "0")
    with pytest.raises(ValueError, match="conversation_ttl_hours"):
        Settings()


def test_turns_are_numbered_and_read_back_in_order(repo: ConversationRepository) -> None:
    conversation = repo.create("achterhoek")
    first = repo.add_turn(conversation.id, _answer(), "achterhoek")
    second = repo.add_turn(conversation.id, _answer("En als de zorg stopt?",
                                                    standalone_question="Welk bericht stuur ik als de zorg stopt?"),
                           "achterhoek")

    loaded = repo.get(conversation.id)
    assert loaded is not None
    assert [t.turn for t in loaded.turns] == [1, 2]
    assert [t.id for t in loaded.turns] == [first.id, second.id]
    assert loaded.turns[1].standalone_question == "Welk bericht stuur ik als de zorg stopt?"
    assert loaded.turns[0].citations[0]["quote"] == "Tekst." and loaded.turns[0].codes == ["305"]
    assert repo.get_answer(second.id) == loaded.turns[1]


def test_conversations_survive_reopening_the_database(url: str, repo: ConversationRepository) -> None:
    conversation = repo.create(None)
    repo.add_turn(conversation.id, _answer(), None)
    repo.engine.dispose()

    reopened = ConversationRepository(open_database(url), HOUR, 24 * HOUR)
    loaded = reopened.get(conversation.id)
    assert loaded is not None and len(loaded.turns) == 1


def test_a_conversation_expires_after_its_last_turn_and_is_purged(repo: ConversationRepository) -> None:
    start = utcnow()
    conversation = repo.create(None, now=start)
    turn = repo.add_turn(conversation.id, _answer(), None, now=start + 0.5 * HOUR)  # extends the lifetime

    assert repo.get(conversation.id, now=start + 1.2 * HOUR) is not None
    assert repo.get(conversation.id, now=start + 1.6 * HOUR) is None
    assert repo.get_answer(turn.id, now=start + 1.6 * HOUR) is None

    assert repo.purge_expired(now=start + 1.6 * HOUR) == 2  # the turn and the conversation
    assert repo.get(conversation.id, now=start) is None


def test_loose_answers_expire_after_the_answer_lifetime(repo: ConversationRepository) -> None:
    start = utcnow()
    record = repo.record_answer(_answer(), now=start)
    assert record.conversation_id is None and record.turn is None
    assert repo.get_answer(record.id, now=start + 23 * HOUR) is not None
    assert repo.get_answer(record.id, now=start + 25 * HOUR) is None
    assert repo.purge_expired(now=start + 25 * HOUR) == 1


def test_feedback_copies_the_answer_and_outlives_it(repo: ConversationRepository) -> None:
    store = FeedbackRepository(repo.engine, repo)
    conversation = repo.create("achterhoek")
    turn = repo.add_turn(conversation.id, _answer(), "achterhoek")

    saved = store.add(turn.id, "down", "Het stopbericht ontbreekt")

    assert (saved.rating, saved.comment, saved.conversation_id) == ("down", "Het stopbericht ontbreekt",
                                                                      conversation.id)
    assert saved.question == turn.question and saved.answer == turn.answer and saved.citations == turn.citations
    repo.purge_expired(now=utcnow() + 2 * HOUR)
    assert [f.id for f in store.list()] == [saved.id]
    assert store.list(answer_id=turn.id)[0].comment == "Het stopbericht ontbreekt"


def test_feedback_on_an_unknown_answer_is_refused(repo: ConversationRepository) -> None:
    store = FeedbackRepository(repo.engine, repo)
    with pytest.raises(VraagbaakError) as caught:
        store.add("bestaat-niet", "up", None)
    assert caught.value.code == ErrorCode.NOT_FOUND and "bestaat-niet" in caught.value.detail
    with repo.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(feedback)).scalar_one() == 0


def test_a_bad_database_url_is_a_clear_storage_error(tmp_path: Path) -> None:
    with pytest.raises(VraagbaakError) as caught:
        open_database("geen-url")
    assert caught.value.code == ErrorCode.STORAGE_UNAVAILABLE and "Ongeldige database-URL" in caught.value.detail
    blocker = tmp_path / "bestand"
    blocker.write_bytes(b"geen database " * 100)
    with pytest.raises(VraagbaakError) as caught:
        open_database(f"sqlite:///{blocker}")
    assert caught.value.code == ErrorCode.STORAGE_UNAVAILABLE and "niet bereikbaar" in caught.value.detail
