"""Retrieval and abstention metrics on small hand-computed cases, and the report summary."""

from __future__ import annotations

import pytest

from evaluation.metrics import abstention_metrics, calibrate_threshold, first_hit_rank, retrieval_metrics
from evaluation.runner import summarise


def test_first_hit_rank() -> None:
    assert first_hit_rank([False, False, True, True]) == 3
    assert first_hit_rank([True]) == 1
    assert first_hit_rank([False, False]) is None
    assert first_hit_rank([]) is None


def test_retrieval_metrics_hand_computed() -> None:
    metrics = retrieval_metrics([1, 3, None, 7, 12])
    assert metrics == pytest.approx(
        {
            "hit@1": 1 / 5,
            "hit@5": 2 / 5,
            "mrr@10": (1 + 1 / 3 + 1 / 7) / 5,  # rank 12 is outside MRR@10
        }
    )


def test_retrieval_metrics_boundaries() -> None:
    assert retrieval_metrics([5, 10]) == pytest.approx(
        {"hit@1": 0.0, "hit@5": 0.5, "mrr@10": (1 / 5 + 1 / 10) / 2}
    )
    assert retrieval_metrics([6, 11]) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": pytest.approx(1 / 6 / 2)}
    assert retrieval_metrics([]) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}
    assert retrieval_metrics([1, 1]) == {"hit@1": 1.0, "hit@5": 1.0, "mrr@10": 1.0}


def test_abstention_metrics_hand_computed() -> None:
    metrics = abstention_metrics(
        answered_answerable=[True, True, False, True], answered_unanswerable=[False, False, True]
    )
    assert metrics == pytest.approx(
        {
            "abstain_correct": 2.0,
            "abstain_total": 3.0,
            "abstention_accuracy": 2 / 3,
            "wrongly_abstained_rate": 1 / 4,
        }
    )
    assert abstention_metrics([], []) == {
        "abstain_correct": 0.0,
        "abstain_total": 0.0,
        "abstention_accuracy": 0.0,
        "wrongly_abstained_rate": 0.0,
    }


def test_calibrate_threshold_allows_the_given_share_of_false_abstentions() -> None:
    answerable = [
        0.9,
        0.42,
        0.8,
        0.7,
        0.65,
        0.6,
        0.55,
        0.75,
        0.85,
        0.95,
        0.5,
        0.66,
        0.77,
        0.88,
        0.99,
        0.61,
        0.72,
        0.83,
        0.94,
        0.58,
    ]  # 20 values, lowest 0.42 then 0.5
    # 5% of 20 = 1 question may be refused wrongly: the threshold sits just below the second lowest.
    assert calibrate_threshold(answerable, [0.1, 0.3]) == pytest.approx(0.4999)
    assert calibrate_threshold(answerable, [], max_false_abstention=0.0) == pytest.approx(0.4199)
    assert calibrate_threshold([], [0.2]) == 0.0


def test_summarise_reports_per_split_and_overall() -> None:
    rows = [
        {"split": "seeds", "answerable": True, "rank": 1, "answered": True, "relevance": 0.9},
        {"split": "seeds", "answerable": True, "rank": 4, "answered": False, "relevance": 0.3},
        {"split": "seeds", "answerable": False, "rank": None, "answered": False, "relevance": 0.2},
        {"split": "holdout", "answerable": True, "rank": None, "answered": True, "relevance": 0.6},
        {"split": "holdout", "answerable": False, "rank": None, "answered": True, "relevance": 0.5},
    ]
    summary = summarise(rows)

    assert set(summary) == {"holdout", "seeds", "all", "suggested_min_relevance"}
    seeds = summary["seeds"]
    assert (seeds["hit@1"], seeds["hit@5"], seeds["mrr@10"]) == (0.5, 1.0, round((1 + 1 / 4) / 2, 4))
    assert (seeds["answerable"], seeds["unanswerable"]) == (2, 1)
    assert (seeds["abstain_correct"], seeds["abstention_accuracy"], seeds["wrongly_abstained_rate"]) == (
        1.0,
        1.0,
        0.5,
    )
    overall = summary["all"]
    assert (overall["answerable"], overall["unanswerable"]) == (3, 2)
    assert overall["hit@5"] == round(2 / 3, 4)
    assert overall["abstention_accuracy"] == 0.5
    # Calibrated on answerable questions that were retrieved (rank not None): relevances 0.9 and 0.3.
    assert summary["suggested_min_relevance"] == pytest.approx(0.2999)


def test_the_answer_text_is_read_sentence_by_sentence_with_its_source_numbers() -> None:
    from evaluation.runner import answer_text, read_out

    answer = ("De aanbieder stuurt het startbericht binnen 5 werkdagen. [2] Het 305-bericht meldt de start. [1]"
              "\n\nLet op: [2] komt uit een oudere versie.\n\nBronnen:\n[1] A\n[2] B")
    assert read_out(answer) == [(2, "De aanbieder stuurt het startbericht binnen 5 werkdagen."),
                                (1, "Het 305-bericht meldt de start.")]
    assert answer_text(answer) == ("De aanbieder stuurt het startbericht binnen 5 werkdagen. [2] Het 305-bericht "
                                   "meldt de start. [1]")
    rows = [{"split": "s", "answerable": True, "rank": 1, "answered": True, "relevance": 0.9, "read_rank": 1,
             "answer_words": 12},
            {"split": "s", "answerable": True, "rank": 2, "answered": True, "relevance": 0.9, "read_rank": 2,
             "answer_words": 40},
            {"split": "s", "answerable": True, "rank": 3, "answered": True, "relevance": 0.9, "read_rank": None,
             "answer_words": 20},
            {"split": "s", "answerable": False, "rank": None, "answered": True, "relevance": 0.9, "answer_words": 99}]
    summary = summarise(rows)["s"]
    assert (summary["read"], summary["read_first"]) == (round(2 / 3, 4), round(1 / 3, 4))
    assert summary["answer_words"] == 20.0  # the median over the answerable questions only
