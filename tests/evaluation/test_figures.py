"""The figures commands, for real and small: load (2 users x 1 question), fuzz (a few cases), faults (one kill -9)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluation.ingest_faults import compare, run_ingest_faults
from evaluation.load import LoadRun, Sample, conversations, run_load, summarise
from tests.conftest import SessionIndex
from tests.helpers import CORPUS, cli_env, copy_data_dir, free_port, serving, settings_for


def test_conversations_hold_a_followup_turn() -> None:
    convs = conversations()
    assert convs and all(len(messages) >= 2 for _, messages in convs)
    assert any(messages[-1].startswith("En ") for _, messages in convs)


def test_summary_counts_errors_by_status_and_only_ok_chats_in_throughput() -> None:
    run = LoadRun([Sample(0, 0.0, 0.2, 200, False), Sample(1, 0.0, 0.4, 200, True),
                   Sample(1, 0.5, 0.1, 503, True, "bezet"), Sample(0, 0.3, 1.0, 0, False, "ReadError")], 2.0)
    summary = summarise(run, users=2)
    assert summary["requests"] == 4 and summary["ok"] == 2 and summary["chats_per_s"] == 1.0
    assert summary["errors_by_status"] == {"503": 1, "0": 1}
    assert summary["latency"]["max_ms"] == 400.0 and summary["followup_latency"]["n"] == 1
    assert summary["target_met"] is False


def test_compare_counts_lost_and_duplicated_passages() -> None:
    reference = [("a0", "a", 0), ("a1", "a", 1), ("b0", "b", 0)]
    assert compare(reference, reference) == {"reference": 3, "stored": 3, "lost": 0, "duplicated": 0,
                                             "extra_ids": 0}
    # b0 lost; a1 stored twice (an old version x1 left next to it); an orphan id of a removed passage.
    repaired = [("a0", "a", 0), ("a1", "a", 1), ("x1", "a", 1), ("c9", "c", 0)]
    assert compare(reference, repaired) == {"reference": 3, "stored": 4, "lost": 1, "duplicated": 3,
                                            "extra_ids": 2}


@pytest.fixture(scope="module")
def server_url(session_index: SessionIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("figures-serve")
    data_dir = copy_data_dir(session_index.data_dir, root / "data")
    port = free_port()
    with serving(cli_env(data_dir), port, root / "serve.log"):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.slow
def test_load_two_users_one_question_each_against_a_served_app(server_url: str, tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    results = run_load(settings_for(tmp_path / "unused"), users=2, questions=1, url=server_url, out=out)
    assert results["requests"] == 2 and results["ok"] == 2 and results["errors"] == 0
    assert results["latency"]["n"] == 2 and results["chats_per_s"] > 0
    assert json.loads(out.read_text(encoding="utf-8"))["users"] == 2


@pytest.mark.slow
def test_load_follow_up_turns_continue_their_conversation(server_url: str, tmp_path: Path) -> None:
    results = run_load(settings_for(tmp_path / "unused"), users=1, questions=2, url=server_url)
    assert results["ok"] == 2 and results["followup_latency"]["n"] == 1


@pytest.mark.slow
def test_fuzz_a_few_cases_per_operation_gives_no_server_error(server_url: str) -> None:
    pytest.importorskip("schemathesis", reason='the figures extra is not installed: pip install -e ".[figures]"')
    from evaluation.fuzz import fuzz_url

    results = fuzz_url(server_url, max_examples=3)
    assert "POST /v1/chat" in results["operations"] and "POST /v1/feedback" in results["operations"]
    assert all(op["cases"] > 0 for op in results["operations"].values())
    assert results["server_errors"] == 0, results["failures"]


@pytest.mark.slow
def test_one_ingest_killed_mid_run_and_repaired_loses_and_duplicates_nothing(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "faults.json"
    results = run_ingest_faults(settings_for(data_dir), CORPUS, runs=1, seed=5, out=out)
    totals = results["totals"]
    assert results["reference"]["passages"] > 0 and totals["runs"] == 1
    assert (totals["lost"], totals["duplicated"], totals["count_mismatches"], totals["repair_failures"]) == (0, 0, 0, 0)
    assert json.loads(out.read_text(encoding="utf-8"))["totals"] == totals


@pytest.mark.slow
def test_fuzzed_uploads_of_real_documents_end_in_a_job_with_a_reason(server_url: str) -> None:
    import requests

    from evaluation.fuzz_uploads import fuzz_uploads

    with requests.Session() as session:
        results = fuzz_uploads(server_url, session, {}, CORPUS, examples=10, seed=3, say=lambda _: None)

    assert results["cases"] == 10 and results["server_errors"] == 0, results["failures"]
    assert results["failures"] == []
    accepted = results["statuses"].get("202", 0)
    assert accepted > 0 and sum(results["jobs"].values()) == accepted
    assert sum(results["refusals"].values()) == 10 - accepted and all(results["refusals"])  # each with its reason
