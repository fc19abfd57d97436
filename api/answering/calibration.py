"""The abstention threshold of one index, chosen on the dev split of its questions (`vraagbaak calibrate`).

Whether the documents answer is decided, among other checks, by the best passage's relevance (closeness and term
coverage, `answer.min_relevance`). How high relevance runs differs per corpus: short FAQ answers in the seeds,
long rule texts and code lists in the reference corpus. One default for every index refused too few unanswerable
questions on one and too many answerable ones on the other, so each index gets its own threshold, chosen on the dev
split of its questions (never the blind one) and stored beside the index as `calibration.json`. An explicitly set
`VRAAGBAAK_ANSWER__MIN_RELEVANCE` wins over it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from math import comb
from pathlib import Path
from typing import Any

FILE_NAME = "calibration.json"
MAX_WRONGLY_REFUSED = 0.05
# How sure the limit must hold for questions not seen: the dev questions are a sample. At the limit itself (7 of 145
# wrongly refused dev questions, 4.8 %) the blind sets refused 8.2 %: a dev count at the limit is as likely above it
# as below on new questions.
CONFIDENCE = 0.8


def allowed_wrongly_refused(answerable: int, limit: float = MAX_WRONGLY_REFUSED,
                            confidence: float = CONFIDENCE) -> int:
    """The most answerable dev questions a threshold may refuse so that the share it refuses of new questions is at
    most `limit` with `confidence` (one-sided binomial bound: k refused of n is allowed when a true share of `limit`
    would give k or fewer with probability at most 1 - `confidence`). -1 when even none is enough (n too small)."""
    def at_most(k: int) -> float:
        return sum(comb(answerable, i) * limit**i * (1 - limit) ** (answerable - i) for i in range(k + 1))

    allowed = -1
    while allowed + 1 <= answerable and at_most(allowed + 1) <= 1 - confidence:
        allowed += 1
    return allowed


@dataclass(frozen=True)
class Outcome:
    """One dev question run with no relevance threshold: whether it is answerable, whether the other checks let it
    be answered, and the best passage's relevance."""

    answerable: bool
    answered: bool
    relevance: float


@dataclass(frozen=True)
class Calibration:
    min_relevance: float
    default: float  # the configured threshold it replaces
    answerable: int
    unanswerable: int
    wrongly_refused: int  # answerable dev questions refused at this threshold (by any check)
    refused_unanswerable: int
    chosen_on: str = "dev"
    created_at: str = ""

    def save(self, data_dir: Path) -> Path:
        path = Path(data_dir) / FILE_NAME
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, data_dir: Path) -> Calibration | None:
        """The stored calibration, or None when there is none or it cannot be read."""
        try:
            data: dict[str, Any] = json.loads((Path(data_dir) / FILE_NAME).read_text(encoding="utf-8"))
            calibration = cls(**data)
        except (OSError, ValueError, TypeError):
            return None
        return calibration if 0.0 <= calibration.min_relevance <= 1.0 else None


def _counts(outcomes: Sequence[Outcome], threshold: float) -> tuple[int, int]:
    """(answerable refused, unanswerable refused) at `threshold`."""
    refused = [o for o in outcomes if not o.answered or o.relevance < threshold]
    return sum(o.answerable for o in refused), sum(not o.answerable for o in refused)


def choose_threshold(outcomes: Sequence[Outcome], default: float,
                     max_wrongly_refused: float = MAX_WRONGLY_REFUSED) -> Calibration:
    """The threshold that refuses the most unanswerable and the fewest answerable dev questions (balanced accuracy),
    refusing at most `max_wrongly_refused` of answerable questions with 80 % confidence (allowed_wrongly_refused).
    Thresholds between two neighbouring relevances decide alike; of the best ones the default is kept when it is
    among them, otherwise the middle of the widest best range is taken (as far as possible from the questions on
    either side, for questions not seen)."""
    answerable = sum(o.answerable for o in outcomes)
    unanswerable = len(outcomes) - answerable
    if not answerable or not unanswerable:
        raise ValueError("calibration needs answerable and unanswerable questions")
    # Too few answerable questions to bound the share with confidence: the plain share on the dev questions.
    most = allowed_wrongly_refused(answerable, max_wrongly_refused)
    most = most if most >= 0 else int(max_wrongly_refused * answerable)
    values = sorted({round(o.relevance, 6) for o in outcomes if o.answered})
    edges = [0.0, *values, 1.0 + 1e-9]
    # A threshold in (edges[i], edges[i+1]] decides like edges[i+1]: score each range by that threshold.
    ranges = []
    for low, high in zip(edges, edges[1:], strict=False):
        wrong, refused = _counts(outcomes, high)
        allowed = wrong <= most
        score = refused / unanswerable + 1 - wrong / answerable if allowed else -1.0
        ranges.append((low, min(high, 1.0), score))
    best = max(score for _, _, score in ranges)
    if best < 0:
        raise ValueError("no threshold keeps wrongly refused answerable questions within the limit")
    runs: list[tuple[float, float]] = []  # neighbouring best ranges joined
    for low, high, score in ranges:
        if score == best and runs and runs[-1][1] == low:
            runs[-1] = (runs[-1][0], high)
        elif score == best:
            runs.append((low, high))
    default_kept = any(low < default <= high for low, high in runs)
    if default_kept:
        threshold = default
    else:
        low, high = max(runs, key=lambda r: r[1] - r[0])
        threshold = round((low + high) / 2, 4)
    wrong, refused = _counts(outcomes, threshold)
    return Calibration(threshold, default, answerable, unanswerable, wrong, refused,
                       created_at=datetime.now(UTC).isoformat(timespec="seconds"))
