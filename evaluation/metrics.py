"""Retrieval and abstention metrics; every function returns plain numbers, named for the report."""

from __future__ import annotations

from collections.abc import Sequence


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first answering passage, or None."""
    return next((i for i, hit in enumerate(hits, start=1) if hit), None)


def retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 over answerable questions (primary metric: hit@5)."""
    n = max(len(ranks), 1)
    return {
        "hit@1": sum(1 for r in ranks if r == 1) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }


def abstention_metrics(answered_answerable: Sequence[bool], answered_unanswerable: Sequence[bool]) -> dict[str, float]:
    """Correct refusals on unanswerable questions, and wrong refusals on answerable ones."""
    return {
        "abstain_correct": float(sum(1 for a in answered_unanswerable if not a)),
        "abstain_total": float(len(answered_unanswerable)),
        "abstention_accuracy": sum(1 for a in answered_unanswerable if not a) / max(len(answered_unanswerable), 1),
        "wrongly_abstained_rate": sum(1 for a in answered_answerable if not a) / max(len(answered_answerable), 1),
    }


def calibrate_threshold(answerable: Sequence[float], unanswerable: Sequence[float],
                        max_false_abstention: float = 0.05) -> float:
    """The highest relevance threshold that wrongly refuses at most `max_false_abstention` of answerable questions."""
    ordered = sorted(answerable)
    allowed = int(max_false_abstention * len(ordered))
    return round(ordered[allowed] - 1e-4, 4) if ordered else 0.0
