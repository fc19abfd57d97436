"""The follow-up question set and its evaluation: asked after their history, compared with standalone questions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.service import QAService
from evaluation.dataset import FOLLOWUP_SET, EvalItem, load_items, normalise
from evaluation.followups import followup_summary
from evaluation.runner import evaluate_mode
from index.settings import Settings
from ingest.manifest import load_manifest
from tests.helpers import CORPUS, cli_env, expected_chunks, run_cli, settings_for


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_items(FOLLOWUP_SET)


def test_the_set_has_enough_realistic_follow_ups(items: list[EvalItem]) -> None:
    answerable = [i for i in items if i.answerable]
    assert len(answerable) >= 10 and len({i.id for i in items}) == len(items)
    scopes = {e.id: e.scope for e in load_manifest(CORPUS).documents}
    for item in items:
        assert item.history and all(q.strip() for q in item.history), item.id
        assert item.standalone, item.id
        assert item.standalone != item.question or "topic-change" in item.tags, item.id
        assert item.split == "followups"
        if item.answerable:
            assert item.document_id in scopes and item.evidence, item.id
            if item.region:
                assert scopes[item.document_id] in (item.region, "landelijk"), item.id
        else:
            assert item.document_id is None and not item.evidence, item.id
    assert sum("topic-change" in i.tags for i in items) >= 2  # a new subject must not inherit the old one


def test_every_evidence_string_is_in_one_paragraph_of_its_document_only(items: list[EvalItem]) -> None:
    manifest = load_manifest(CORPUS)
    texts = {e.id: manifest.path_of(e).read_text(encoding="utf-8") for e in manifest.documents}
    for item in (i for i in items if i.answerable):
        paragraphs = [normalise(p) for p in re.split(r"\n\s*\n", texts[item.document_id])]
        assert any(any(normalise(e) in p for p in paragraphs) for e in item.evidence), item.id
        for evidence in item.evidence:
            others = [d for d, t in texts.items() if d != item.document_id and normalise(evidence) in normalise(t)]
            assert normalise(evidence) in normalise(texts[item.document_id]) and not others, (item.id, evidence)


def test_every_answerable_follow_up_can_be_hit(items: list[EvalItem], tmp_path: Path) -> None:
    chunks = expected_chunks(CORPUS, settings_for(tmp_path))
    unreachable = [i.id for i in items if i.answerable
                   and not any(i.is_hit(c.meta["document_id"], c.content) for c in chunks[i.document_id])]
    assert not unreachable


def test_followup_summary_compares_conversation_standalone_and_bare() -> None:
    rows = [
        {"history": ["a"], "answerable": True, "answered": True, "rank": 1, "cited_rank": 2, "standalone_rank": 1,
         "bare_rank": None},
        {"history": ["a"], "answerable": True, "answered": True, "rank": 7, "cited_rank": 4, "standalone_rank": 2,
         "bare_rank": 9},
        {"history": ["a"], "answerable": False, "answered": False, "rank": None},
        {"answerable": True, "answered": True, "rank": 1},  # not a follow-up: left out
    ]
    summary = followup_summary(rows)
    assert summary is not None
    assert summary["in_conversation"]["hit@5"] == 0.5 and summary["standalone"]["hit@5"] == 1.0
    assert summary["bare"]["hit@5"] == 0.0 and summary["gap_to_standalone_hit@5"] == 0.5
    # cited: the answering passage among the citations, here both (the second's source cites it at 4)
    assert summary["cited_in_conversation"]["hit@5"] == 1.0 and summary["cited_in_conversation"]["hit@1"] == 0.0
    assert (summary["abstained_unanswerable"], summary["unanswerable"]) == (1, 1)
    assert summary["target_met"] is False
    assert followup_summary([{"answerable": True, "rank": 1}]) is None


@pytest.mark.slow
def test_follow_ups_are_evaluated_in_their_conversation(qa_service: QAService, items: list[EvalItem]) -> None:
    picked = [i for i in items if i.id in {"f001", "f009", "f018", "fu002"}]

    result = evaluate_mode(qa_service, picked)

    rows = {r["id"]: r for r in result["questions"]}
    assert rows["f001"]["searched"] == "Welk bericht stuur ik als de zorg stopt?"
    assert rows["f009"]["searched"].startswith("Welke producten vallen onder de inkoop? (De Fryske Marren")
    assert rows["f009"]["searched_region"] == "de-fryske-marren"
    # without the conversation these are not found; in it they are
    for item_id in ("f009", "f018"):
        assert rows[item_id]["rank"] is not None and rows[item_id]["rank"] <= 5, rows[item_id]
        assert rows[item_id]["bare_rank"] is None or rows[item_id]["bare_rank"] > rows[item_id]["rank"]
    assert rows["fu002"]["answered"] is False  # "En in Twente?": not in the documents
    summary = result["followups"]
    assert summary["answerable"] == 3 and summary["unanswerable"] == 1
    assert set(summary) >= {"in_conversation", "cited_in_conversation", "standalone", "bare", "gap_to_standalone_hit@5",
                            "target_met"}


@pytest.mark.slow
def test_vraagbaak_eval_reports_follow_ups(index_copy: Settings, tmp_path: Path) -> None:
    dataset = tmp_path / "vervolg.jsonl"
    keep = {"f001", "f015", "fu002"}
    dataset.write_text("\n".join(line for line in FOLLOWUP_SET.read_text(encoding="utf-8").splitlines()
                                 if json.loads(line)["id"] in keep) + "\n", encoding="utf-8")
    out = tmp_path / "eval.json"

    result = run_cli(["eval", "--dataset", str(dataset), "--out", str(out), "--modes", "hybrid"],
                     cli_env(index_copy.data_dir))

    assert result.returncode == 0, result.stderr[-3000:]
    assert "== vervolgvragen (hybrid, 2 beantwoordbaar) ==" in result.stdout
    for label in ("in gesprek", "volledig gesteld", "zonder gesprek", "verschil met volledig gesteld"):
        assert label in result.stdout
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["modes"]["hybrid"]["followups"]["items"] == 3
