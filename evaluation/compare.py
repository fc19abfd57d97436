"""`vraagbaak eval --compare BASELINE`: what got better and worse, per question and in the summary."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SUMMARY_KEYS = ("hit@1", "hit@5", "mrr@10", "abstain_correct", "wrongly_abstained_rate")
BOOTSTRAP_SAMPLES = 2000


def _per_question(row: dict[str, Any]) -> dict[str, float]:
    """An answerable question's share in each paired measure: reciprocal rank (MRR@10), found in the top 5, and its
    answering passage cited."""
    rank, cited = row.get("rank"), row.get("cited_rank")
    return {"mrr@10": 1.0 / rank if rank and rank <= 10 else 0.0, "hit@5": float(bool(rank and rank <= 5)),
            "cited": float(bool(cited and cited <= 5 and row.get("answered", True)))}


def paired_noise(before: list[dict[str, Any]], after: list[dict[str, Any]], samples: int = BOOTSTRAP_SAMPLES,
                 seed: int = 11) -> dict[str, dict[str, float]]:
    """The change in each paired measure over the answerable questions of both runs, with a 95 % interval from a
    paired bootstrap (questions drawn with replacement): an interval that holds 0 is a change within noise."""
    old = {r["id"]: r for r in before if r.get("answerable")}
    pairs = [(_per_question(old[r["id"]]), _per_question(r)) for r in after if r.get("answerable") and r["id"] in old]
    if not pairs:
        return {}
    rng = random.Random(seed)
    out = {}
    for key in ("mrr@10", "hit@5", "cited"):
        diffs = [b[key] - a[key] for a, b in pairs]
        means = sorted(sum(rng.choices(diffs, k=len(diffs))) / len(diffs) for _ in range(samples))
        out[key] = {"delta": sum(diffs) / len(diffs), "low": means[int(0.025 * samples)],
                    "high": means[int(0.975 * samples) - 1], "questions": len(diffs)}
    return out


def _outcome(row: dict[str, Any]) -> tuple[str, float]:
    """A question's result as a label and a score (higher is better) that can be compared across runs."""
    if not row["answerable"]:
        return ("terecht geweigerd" if not row["answered"] else "onterecht beantwoord"), float(not row["answered"])
    rank = row["rank"]
    label = f"rang {rank}" if rank else "niet gevonden"
    if not row["answered"]:
        label += ", geweigerd"
    return label, (1.0 / rank if rank else 0.0) - (0.5 if not row["answered"] else 0.0)


def compare(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Per mode present in both runs: summary deltas and the questions that changed."""
    out: dict[str, Any] = {"baseline_date": baseline.get("date"), "current_date": current.get("date"), "modes": {}}
    for mode, result in current["modes"].items():
        base = baseline.get("modes", {}).get(mode)
        if not base:
            continue
        deltas = {}
        for split, metrics in result["summary"].items():
            if not isinstance(metrics, dict) or split not in base["summary"]:
                continue
            deltas[split] = {k: (base["summary"][split].get(k), metrics.get(k)) for k in SUMMARY_KEYS}
        before = {r["id"]: r for r in base["questions"]}
        better, worse, new = [], [], []
        for row in result["questions"]:
            old = before.get(row["id"])
            if old is None:
                new.append(row["id"])
                continue
            (old_label, old_score), (new_label, new_score) = _outcome(old), _outcome(row)
            change = {"id": row["id"], "before": old_label, "after": new_label}
            if new_score > old_score + 1e-9:
                better.append(change)
            elif new_score < old_score - 1e-9:
                worse.append(change)
        out["modes"][mode] = {"summary": deltas, "better": better, "worse": worse, "new": new,
                              "noise": paired_noise(base["questions"], result["questions"])}
    return out


def print_comparison(comparison: dict[str, Any], questions: dict[str, str] | None = None) -> None:
    print(f"\n== Vergelijking met baseline van {comparison['baseline_date']} ==")
    for mode, result in comparison["modes"].items():
        print(f"\n[{mode}]")
        for split, metrics in result["summary"].items():
            parts = []
            for key, (old, new) in metrics.items():
                if old is None or new is None:
                    continue
                arrow = "=" if abs(new - old) < 1e-9 else ("+" if new > old else "-")
                if key == "wrongly_abstained_rate":
                    arrow = {"+": "-", "-": "+"}.get(arrow, arrow)  # lower is better
                parts.append(f"{key} {old:.3f}->{new:.3f} ({arrow})")
            print(f"  {split}: " + "; ".join(parts))
        for key, n in result.get("noise", {}).items():
            verdict = "binnen ruis" if n["low"] <= 0 <= n["high"] else ("beter" if n["low"] > 0 else "slechter")
            print(f"  verschil {key} {n['delta']:+.3f} (95%-interval {n['low']:+.3f} .. {n['high']:+.3f}, "
                  f"{n['questions']} beantwoordbare vragen gepaard): {verdict}")
        for title, rows in (("Beter", result["better"]), ("Slechter", result["worse"])):
            print(f"  {title} ({len(rows)}):")
            for row in rows:
                question = (questions or {}).get(row["id"], "")
                print(f"    {row['id']}: {row['before']} -> {row['after']}  {question[:70]}")
        if result["new"]:
            print(f"  Nieuw in deze run: {', '.join(result['new'])}")


def load_results(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"Kan baseline '{path}' niet lezen: {exc}") from exc
