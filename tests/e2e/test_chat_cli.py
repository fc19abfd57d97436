"""`vraagbaak chat` in a terminal and `vraagbaak ask --batch` with a history, as real subprocesses."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from api.chat_schemas import ChatResponse
from api.schemas import AskResponse
from index.settings import Settings
from tests.helpers import cli_env, run_cli

pytestmark = pytest.mark.slow


def test_chat_in_the_terminal_with_follow_ups_sources_feedback_and_starting_over(index_copy: Settings) -> None:
    session = "\n".join([
        "Tot wanneer loopt de overgangsperiode in de Achterhoek?",
        "Mogen we de oude productcodes in die periode nog gebruiken?",
        "/bron 1",
        "/goed duidelijk",
        "/nieuw",
        "En als de zorg stopt?",
        "/regio twente",
        "/stop",
    ]) + "\n"

    result = run_cli(["chat"], cli_env(index_copy.data_dir), input=session)

    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "1 januari 2023" in out and "[1]" in out
    assert "Gezocht naar: Mogen we de oude productcodes in die periode nog gebruiken? (" in out
    assert "Regio Achterhoek uit het gesprek." in out
    assert "de oude codes blijven bestaan" in out
    assert "Bedankt, uw beoordeling is opgeslagen." in out
    assert "Nieuw gesprek gestart." in out
    after_reset = out.split("Nieuw gesprek gestart.")[1]
    assert "Gezocht naar" not in after_reset.split("Vraag>")[1]  # no history left: asked as typed
    assert "Onbekende regio. Kies uit: achterhoek, de-fryske-marren, drechtsteden, landelijk." in out
    assert "Gesprek bewaard als " in out and "Traceback" not in result.stderr
    with sqlite3.connect(index_copy.data_dir / "chat.sqlite3") as db:
        assert db.execute("SELECT rating, comment FROM feedback").fetchall() == [("up", "duidelijk")]
        assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 2


def test_chat_continues_a_stored_conversation(index_copy: Settings) -> None:
    env = cli_env(index_copy.data_dir)
    first = run_cli(["chat"], env, input="Welk bericht stuur ik als de zorg start?\n/stop\n")
    assert first.returncode == 0, first.stderr[-2000:]
    conversation = first.stdout.split("Gesprek bewaard als ")[1].split()[0]

    again = run_cli(["chat", "--gesprek", conversation], env, input="En als de zorg stopt?\n")

    assert again.returncode == 0, again.stderr[-2000:]
    assert f"Verder in gesprek {conversation} (1 eerdere vragen)." in again.stdout
    assert "Gezocht naar: Welk bericht stuur ik als de zorg stopt?" in again.stdout
    gone = run_cli(["chat", "--gesprek", "bestaat-niet"], env, input="")
    assert gone.returncode == 2 and "bestaat niet of is verlopen" in gone.stderr


def test_ask_batch_with_history_asks_follow_ups_in_their_conversation(index_copy: Settings, tmp_path: Path) -> None:
    batch = tmp_path / "vragen.jsonl"
    lines = [
        {"question": "Welk bericht stuur ik als de zorg start?", "region": "achterhoek"},
        {"question": "En als de zorg stopt?", "region": "achterhoek",
         "history": ["Welk bericht stuur ik als de zorg start?"]},
        {"question": "Hoeveel cliënten moeten er worden omgezet?",
         "history": ["Vanaf wanneer werkt De Fryske Marren resultaatgericht in de Wmo?"]},
        {"question": "En dan?", "history": "geen lijst"},
    ]
    batch.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")

    result = run_cli(["ask", "--batch", str(batch)], cli_env(index_copy.data_dir))

    assert result.returncode == 0, result.stderr[-3000:]
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    plain = AskResponse.model_validate(out[0])
    assert plain.answered and "standalone_question" not in out[0]
    follow = ChatResponse.model_validate(out[1])
    assert follow.followup and follow.standalone_question == "Welk bericht stuur ik als de zorg stopt?"
    assert follow.turn == 2 and follow.question == "En als de zorg stopt?"
    region = ChatResponse.model_validate(out[2])
    assert region.region == "de-fryske-marren" and "De Fryske Marren" in region.standalone_question
    assert any("ruim 600 cliënten" in c.text for c in region.citations)
    assert out[3] == {"error_code": "invalid_item",
                      "detail": "regel 4: history moet een lijst met eerdere vragen (tekst) zijn"}
