"""Evaluation questions: load the JSONL sets and decide whether a passage answers a question."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DATASETS = Path(__file__).parent / "datasets"
DEFAULT_SETS = (DATASETS / "seeds.jsonl", DATASETS / "seeds_holdout.jsonl")
FOLLOWUP_SET = DATASETS / "followups.jsonl"  # conversational: each item has the earlier questions as `history`
# Every set, its corpus and its split: dev sets may be looked at while building; blind sets are run only at the end
# of a change and never inspected item by item while tuning (reference_blind was, before 2026-12: see README).
SPLITS: dict[str, tuple[str, str]] = {
    "seeds": ("seeds", "dev"), "followups": ("seeds", "dev"),
    "seeds_holdout": ("seeds", "blind"), "seeds_blind": ("seeds", "blind"),
    "reference": ("reference", "dev"), "reference_users_dev": ("reference", "dev"),
    "reference_blind": ("reference", "blind"), "reference_users_blind": ("reference", "blind"),
    "reference_users2_dev": ("reference", "dev"), "reference_users2_blind": ("reference", "blind"),
    "reference_users3_dev": ("reference", "dev"),
}


def sets_for(split: str, corpus: str) -> list[Path]:
    """The question sets of one split ("dev", "blind" or "all") over one corpus ("seeds" or "reference")."""
    if split not in ("dev", "blind", "all"):
        raise ValueError(f"Onbekende split '{split}' (kies dev, blind of all).")
    names = [n for n, (c, s) in SPLITS.items() if c == corpus and split in ("all", s)]
    return [DATASETS / f"{n}.jsonl" for n in names if (DATASETS / f"{n}.jsonl").is_file()]


def normalise(text: str) -> str:
    """Whitespace-normalised (non-breaking spaces too), as the evidence strings are matched."""
    return " ".join(text.split())


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answerable: bool
    region: str | None = None
    document_id: str | None = None
    evidence: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)
    split: str = ""
    files: tuple[str, ...] = ()  # corpora without manifest: the answering file(s), relative to the corpus root
    history: tuple[str, ...] = ()  # earlier questions of the conversation, oldest first
    standalone: str | None = None  # the same question spelled out in full (for comparison)

    def is_hit(self, document_id: str, text: str, file: str | None = None) -> bool:
        """A passage answers the question when it is from the right document (or file) and holds the evidence."""
        if not self.answerable:
            return False
        if self.files:
            if not file or not any(file == f or file.endswith("/" + f) or f.endswith("/" + file) for f in self.files):
                return False
        elif document_id != self.document_id:
            return False
        flat = normalise(text)
        return any(_holds(flat, normalise(e)) for e in self.evidence)


def _holds(flat: str, evidence: str) -> bool:
    """The evidence is in the passage; a table row written as cells ("35 | Voortijdig afgesloten | ...") is in a
    passage that holds every cell in that order (rows are indexed as "Code: 35; Omschrijving: ...")."""
    if evidence in flat:
        return True
    cells = [c.strip() for c in evidence.split("|") if c.strip()]
    if len(cells) < 2:
        return False
    at = 0
    for cell in cells:
        at = flat.find(cell, at)
        if at < 0:
            return False
        at += len(cell)
    return True


def load_items(path: Path) -> list[EvalItem]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            raw = json.loads(line)
            items.append(EvalItem(
                id=raw["id"], question=raw["question"], answerable=bool(raw["answerable"]),
                region=raw.get("region"), document_id=raw.get("document_id"), files=tuple(raw.get("files", ())),
                evidence=tuple(raw.get("evidence", ())), tags=tuple(raw.get("tags", ())), split=path.stem,
                history=tuple(raw.get("history", ())), standalone=raw.get("standalone"),
            ))
    return items
