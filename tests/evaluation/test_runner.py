"""The evaluation runner through the same service the API uses, and `vraagbaak eval` as a command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.service import QAService
from evaluation.dataset import DEFAULT_SETS, load_items
from evaluation.runner import evaluate_mode, read_out
from index.settings import Settings
from tests.helpers import cli_env, run_cli

pytestmark = pytest.mark.slow


def _pick(ids: set[str]) -> list:
    items = [i for path in DEFAULT_SETS for i in load_items(path) if i.id in ids]
    assert {i.id for i in items} == ids
    return items


def test_evaluate_mode_scores_each_question(qa_service: QAService) -> None:
    items = _pick({"s001", "s002", "u001"})

    result = evaluate_mode(qa_service, items)

    rows = {r["id"]: r for r in result["questions"]}
    assert set(rows) == {"s001", "s002", "u001"}
    for row in rows.values():
        assert set(row) >= {"split", "answerable", "rank", "answered", "relevance", "top"}
        assert row["rank"] is None or 1 <= row["rank"] <= 10
        assert len(row["top"]) == 3
    assert rows["u001"]["rank"] is None  # unanswerable questions have no hit by definition
    assert rows["s002"]["rank"] is not None  # the 317 question is found in the top 10
    summary = result["summary"]
    assert summary["all"]["answerable"] == 2 and summary["all"]["unanswerable"] == 1
    expected_hit5 = sum(1 for r in rows.values() if r["answerable"] and r["rank"] and r["rank"] <= 5) / 2
    assert summary["all"]["hit@5"] == round(expected_hit5, 4)


def test_vraagbaak_eval_prints_and_writes_results(index_copy: Settings, tmp_path: Path) -> None:
    dataset = tmp_path / "klein.jsonl"
    lines = [
        line
        for line in DEFAULT_SETS[0].read_text(encoding="utf-8").splitlines()
        if json.loads(line)["id"] in {"s001", "s008", "u001"}
    ]
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "resultaten" / "eval.json"

    result = run_cli(
        ["eval", "--dataset", str(dataset), "--out", str(out), "--modes", "hybrid,bm25"],
        cli_env(index_copy.data_dir),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    for word in ("hit@1", "hit@5", "mrr@10", "abstain_correct", "wrongly_abstained_rate", "hybrid", "bm25"):
        assert word in result.stdout
    assert f"Resultaten geschreven naar {out}" in result.stdout
    # What answered is printed and written: the index copy has no calibration, so the default threshold.
    assert "Opzet: " in result.stdout and "weigerdrempel 0.4 (standaard; 'vraagbaak calibrate'" in result.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["config"]["abstention"] == {"min_relevance": 0.4, "source": "standaard"}
    assert set(written["modes"]) == {"hybrid", "bm25"}
    assert written["datasets"] == ["klein"]
    assert written["config"]["embedding_model"] == "multilingual-e5-small"
    for mode in written["modes"].values():
        assert {r["id"] for r in mode["questions"]} == {"s001", "s008", "u001"}
        assert mode["summary"]["klein"]["answerable"] == 2
        assert 0.0 <= mode["summary"]["all"]["mrr@10"] <= 1.0


def test_typo_swaps_two_neighbouring_letters_in_the_longest_word() -> None:
    import random

    from evaluation.runner import typo

    question = "Binnen hoeveel dagen moet het startbericht eruit?"
    typed = typo(question, random.Random(1))
    assert typed != question and len(typed) == len(question)
    changed = [(a, b) for a, b in zip(question, typed, strict=True) if a != b]
    assert len(changed) == 2 and changed[0] == changed[1][::-1]
    assert typed.replace(" ", "").startswith("Binnenhoeveeldagenmoethet")  # only the longest word
    assert typo("Mag dat?", random.Random(1)) == "Mag dat?"  # no word of 7 letters


@pytest.mark.parametrize(("how", "question", "history", "typed_question", "typed_history"), [
    ("with_accents_dropped", "En bij beëindiging door de cliënt?", "Welke reden van beëindiging gebruik ik?",
     "En bij beeindiging door de client?", "Welke reden van beeindiging gebruik ik?"),
    ("with_lowercase", "En bij een VOW in Twente?", "Binnen hoeveel werkdagen reageert de gemeente op een VOT?",
     "en bij een vow in twente?", "binnen hoeveel werkdagen reageert de gemeente op een vot?"),
    ("with_capitals", "En bij een VOW?", "Wat is een VOT?", "EN BIJ EEN VOW?", "WAT IS EEN VOT?"),
])
def test_questions_and_their_conversation_can_be_typed_as_chat_users_type(
    how: str, question: str, history: str, typed_question: str, typed_history: str
) -> None:
    from evaluation import runner
    from evaluation.dataset import EvalItem

    item = EvalItem(id="x1", question=question, answerable=True, history=(history,))
    (typed,) = getattr(runner, how)([item])
    assert typed.question == typed_question
    assert typed.history == (typed_history,)
    assert typed.id == "x1" and typed.answerable


def test_questions_can_be_framed_as_messages_to_a_helpdesk() -> None:
    """`vraagbaak eval --als-bericht`: every question inside a greeting and/or a closing with a signature, the same
    frames every run; the conversation before it stays as it was."""
    from evaluation.dataset import EvalItem
    from evaluation.runner import with_message_frame

    items = [EvalItem(id=f"x{i}", question=f"Vraag {i}?", answerable=True, history=("Eerder?",)) for i in range(30)]
    framed = with_message_frame(items)
    assert framed == with_message_frame(items)
    assert all(f.question != i.question and i.question in f.question for f, i in zip(framed, items, strict=True))
    assert all(f.history == ("Eerder?",) for f in framed)
    assert len({f.question.replace(i.question, "") for f, i in zip(framed, items, strict=True)}) > 10


def test_questions_can_be_asked_with_a_note_of_name_bsn_and_date() -> None:
    """`vraagbaak eval --met-persoonsgegevens`: a fictitious person, a BSN that passes the elfproef and a date before
    every question, the same every run; the service's privacy filter recognises all of them."""
    from api.privacy import PLACEHOLDERS, scrub
    from evaluation.dataset import EvalItem
    from evaluation.runner import with_personal_data

    items = [EvalItem(id=f"x{i}", question="Welk bericht stuur ik?", answerable=True) for i in range(12)]
    noted = with_personal_data(items)
    assert noted == with_personal_data(items) and len({n.question for n in noted}) > 3
    for item in noted:
        assert item.question.startswith("Over ") and item.question.endswith(": Welk bericht stuur ik?")
        assert PLACEHOLDERS["bsn"] in scrub(item.question) and PLACEHOLDERS["name"] in scrub(item.question)


def test_a_sentence_read_from_two_sources_counts_for_both() -> None:
    answer = ("Het stopbericht wordt verwijderd. [1][2] Daarna volgt een nieuw bericht. [3]"
              "\n\nBronnen:\n[1] A\n[2] B\n[3] C")

    assert read_out(answer) == [(1, "Het stopbericht wordt verwijderd."), (2, "Het stopbericht wordt verwijderd."),
                                (3, "Daarna volgt een nieuw bericht.")]
