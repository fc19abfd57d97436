"""eval --compare: per question better / worse against a baseline run, and summary deltas."""

from __future__ import annotations

from typing import Any

from evaluation.compare import compare, print_comparison


def _run(date: str, rows: list[tuple[str, bool, int | None, bool]], hit5: float) -> dict[str, Any]:
    questions = [{"id": i, "answerable": a, "rank": r, "answered": ans} for i, a, r, ans in rows]
    summary = {"seeds": {"hit@1": 0.5, "hit@5": hit5, "mrr@10": 0.6, "abstain_correct": 1.0,
                         "wrongly_abstained_rate": 0.0}, "suggested_min_relevance": 0.4}
    return {"date": date, "modes": {"hybrid": {"summary": summary, "questions": questions}}}


def test_compare_lists_better_worse_and_new(capsys: Any) -> None:
    base = _run("2026-01-01", [("a", True, 3, True), ("b", True, 1, True), ("u", False, None, True),
                               ("c", True, 2, True)], 0.8)
    now = _run("2026-02-01", [("a", True, 1, True), ("b", True, None, True), ("u", False, None, False),
                              ("c", True, 2, True), ("d", True, 1, True)], 0.9)
    result = compare(now, base)["modes"]["hybrid"]
    assert [r["id"] for r in result["better"]] == ["a", "u"]
    assert result["worse"] == [{"id": "b", "before": "rang 1", "after": "niet gevonden"}]
    assert result["new"] == ["d"]
    assert result["summary"]["seeds"]["hit@5"] == (0.8, 0.9)
    print_comparison(compare(now, base), {"a": "Welk bericht stuur ik?"})
    printed = capsys.readouterr().out
    assert "hit@5 0.800->0.900 (+)" in printed and "a: rang 3 -> rang 1  Welk bericht stuur ik?" in printed
    assert "u: onterecht beantwoord -> terecht geweigerd" in printed


def test_answered_to_abstained_counts_as_worse() -> None:
    base = _run("x", [("a", True, 1, True)], 1.0)
    now = _run("y", [("a", True, 1, False)], 1.0)
    assert compare(now, base)["modes"]["hybrid"]["worse"] == [{"id": "a", "before": "rang 1",
                                                               "after": "rang 1, geweigerd"}]


def test_the_change_comes_with_a_paired_interval_that_says_whether_it_is_noise(capsys: Any) -> None:
    rows = [(f"q{i}", True, 1, True) for i in range(40)]
    base = _run("x", rows, 1.0)
    one_lost = _run("y", [("q0", True, None, True), *rows[1:]], 1.0)
    noise = compare(one_lost, base)["modes"]["hybrid"]["noise"]
    assert noise["mrr@10"]["delta"] == -1 / 40 and noise["mrr@10"]["questions"] == 40
    assert noise["mrr@10"]["low"] < 0 <= noise["mrr@10"]["high"]  # one question of forty: within noise
    print_comparison(compare(one_lost, base))
    assert "verschil mrr@10 -0.025" in capsys.readouterr().out
    half_lost = _run("z", [(f"q{i}", True, None if i % 2 else 1, True) for i in range(40)], 1.0)
    noise = compare(half_lost, base)["modes"]["hybrid"]["noise"]
    assert noise["hit@5"]["high"] < 0 and noise["hit@5"]["delta"] == -0.5
    print_comparison(compare(half_lost, base))
    assert "slechter" in capsys.readouterr().out
