"""`vraagbaak eval`: runs the question sets through the same service the API uses and reports metrics."""

from __future__ import annotations

import json
import platform
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.service import QAService
from evaluation.compare import compare, load_results, print_comparison
from evaluation.dataset import DEFAULT_SETS, EvalItem, load_items
from evaluation.followups import FollowUpScorer, followup_summary, print_followups
from evaluation.metrics import abstention_metrics, calibrate_threshold, first_hit_rank, retrieval_metrics
from index.analyzer import strip_accents
from index.settings import Settings, settings_for_corpus  # noqa: F401 (re-exported)
from ingest.runner import run_ingest

MODES = {"hybrid": None, "dense": "dense", "bm25": "bm25"}


def evaluate_mode(service: QAService, items: list[EvalItem]) -> dict[str, Any]:
    """Per-question results and summary metrics for the service's current configuration."""
    rows = []
    followups = FollowUpScorer(service)  # items with a `history` are asked after their earlier questions
    for item in items:
        extra: dict[str, Any] = {}
        if item.history:
            response, docs, extra = followups.score(item)
        else:
            response, docs = service.run(item.question, item.region, top_k=10)
        hits = [item.is_hit(d.meta.get("document_id", ""), d.content or "", d.meta.get("file")) for d in docs]
        cited = [item.is_hit(c.document_id, c.text, c.file) for c in response.citations] if response.answered else []
        # What the user reads first: the evidence in a citation's quoted sentences, not only in its whole text.
        quoted = [item.is_hit(c.document_id, c.quote, c.file) for c in response.citations] if response.answered else []
        # What the user reads before the sources: the answer's text, sentence by sentence with its source number.
        by_n = {c.n: c for c in response.citations}
        # A sentence read once for two sources ("... [1][2]", the other standard's copy) stands for each source's own
        # quote, which may differ in a letter or a full stop.
        read = [n in by_n and item.is_hit(by_n[n].document_id, text if len(numbers) == 1 else by_n[n].quote,
                                          by_n[n].file)
                for numbers, text in read_groups(response.answer) for n in numbers] if response.answered else []
        words = [len(c.text.split()) for c in response.citations]
        read_words = len(answer_text(response.answer).split()) if response.answered else None
        rows.append({
            "id": item.id, "split": item.split, "answerable": item.answerable, "rank": first_hit_rank(hits),
            "cited_rank": first_hit_rank(cited), "quoted_rank": first_hit_rank(quoted),
            "read_rank": first_hit_rank(read),
            "citation_words": round(sum(words) / len(words), 1) if words else None, "answer_words": read_words,
            "answered": response.answered, "relevance": response.relevance, "tags": list(item.tags),
            "top": [d.meta.get("file") if item.files else d.meta.get("document_id") for d in docs[:3]], **extra,
        })
    result = {"summary": summarise(rows), "questions": rows}
    if summary := followup_summary(rows):
        result["followups"] = summary
    return result


_READ = re.compile(r"(.+?)\s*((?:\[\d+\])+)")  # "text [1]", or "text [1][2]": read from two sources


def answer_text(answer: str) -> str:
    """The answer's text before its notes and sources: what a user reads before opening a source."""
    return answer.split("\n\n", 1)[0]


def read_groups(answer: str) -> list[tuple[list[int], str]]:
    """The answer's text before its notes and sources, as (source numbers, the sentences read from them) in order."""
    return [([int(n) for n in re.findall(r"\d+", m[2])], m[1].strip()) for m in _READ.finditer(answer_text(answer))]


def read_out(answer: str) -> list[tuple[int, str]]:
    """As read_groups, one (source number, sentences) per source."""
    return [(n, text) for numbers, text in read_groups(answer) for n in numbers]


def typo(question: str, rng: random.Random) -> str:
    """The question with two neighbouring letters swapped in its longest word (of 7 letters or more)."""
    words = list(re.finditer(r"[A-Za-zÀ-ÖØ-öø-ÿ]{7,}", question))
    if not words:
        return question
    match = max(words, key=lambda m: len(m.group()))
    word = match.group()
    i = rng.randrange(1, len(word) - 2)
    return question[: match.start()] + word[:i] + word[i + 1] + word[i] + word[i + 2:] + question[match.end():]


def with_typos(items: list[EvalItem], seed: int = 7) -> list[EvalItem]:
    """Every question (not the conversation before it) with one typing error; the same errors every run."""
    rng = random.Random(seed)
    return [replace(item, question=typo(item.question, rng)) for item in items]


def retyped(items: list[EvalItem], how: Callable[[str], str]) -> list[EvalItem]:
    """Every question and the conversation before it typed `how` (without accents, in lower case ...)."""
    return [replace(item, question=how(item.question), history=tuple(how(h) for h in item.history))
            for item in items]


def with_accents_dropped(items: list[EvalItem]) -> list[EvalItem]:
    """Typed without accents, as many chat users type."""
    return retyped(items, strip_accents)


def with_lowercase(items: list[EvalItem]) -> list[EvalItem]:
    """Typed in lower case ("vot", "jw305", "brp"), as in chat."""
    return retyped(items, str.lower)


def with_capitals(items: list[EvalItem]) -> list[EvalItem]:
    """Typed with caps lock on ("WAT IS EEN VOT")."""
    return retyped(items, str.upper)


# How helpdesks and access staff frame a question in an e-mail or chat message (see index/pleasantries.py).
_OPENINGS = ("", "Goedemorgen,\n", "Goedemiddag, ", "Hoi, ", "Hallo allemaal,\n", "Beste collega's, ",
             "Dag Vraagbaak, ", "Hi, ")
_CLOSINGS = ("", " Alvast bedankt!", "\nGroet, Marieke",
             "\n\nMet vriendelijke groet,\nJan de Vries\nZorggroep Oost\n06-12345678",
             " Bij voorbaat dank. Team Toegang Zwolle", " Mvg, Petra", " Groetjes Sanne", " Dank je wel!",
             "\nVriendelijke groet,\nA. Bakker (Wmo-consulent)")


def as_message(question: str, rng: random.Random) -> str:
    """The question inside a greeting and/or a closing with a signature, as in a message to a helpdesk."""
    opening, closing = rng.choice(_OPENINGS), rng.choice(_CLOSINGS)
    if not opening and not closing:
        closing = _CLOSINGS[1]
    return f"{opening}{question}{closing}"


def with_message_frame(items: list[EvalItem], seed: int = 11) -> list[EvalItem]:
    """Every question (not the conversation before it) framed as a message; the same frames every run."""
    rng = random.Random(seed)
    return [replace(item, question=as_message(item.question, rng)) for item in items]


# Whom and when a question is about, as access staff note it before the question (fictitious people; BSNs that pass
# the elfproef, as real ones do).
_PEOPLE = ("cliënt Jan Jansen", "mevrouw De Vries", "jongere Sanne de Boer", "dhr. Van der Berg",
           "cliënt Fatima El Amrani")
_BSNS = ("123456782", "111222333", "999990019")
_DATES = ("01-02-2025", "15-03-2024", "1-1-2026")


def with_personal_data(items: list[EvalItem], seed: int = 13) -> list[EvalItem]:
    """Every question (not the conversation before it) after a note of the person, a BSN and a date:
    "Over cliënt Jan Jansen (BSN 123456782, 01-02-2025): <question>"."""
    rng = random.Random(seed)
    return [replace(item, question=f"Over {rng.choice(_PEOPLE)} (BSN {rng.choice(_BSNS)}, {rng.choice(_DATES)}): "
                                   f"{item.question}") for item in items]


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for split in sorted({r["split"] for r in rows}) + ["all"]:
        part = [r for r in rows if split in ("all", r["split"])]
        answerable = [r for r in part if r["answerable"]]
        unanswerable = [r for r in part if not r["answerable"]]
        metrics = retrieval_metrics([r["rank"] for r in answerable])
        metrics |= {f"cited_{k}": v for k, v in retrieval_metrics([r.get("cited_rank") for r in answerable]).items()
                    if k != "hit@5"} | {"cited": retrieval_metrics([r.get("cited_rank") for r in answerable])["hit@5"]}
        metrics["quoted"] = retrieval_metrics([r.get("quoted_rank") for r in answerable])["hit@5"]
        read = [r.get("read_rank") for r in answerable]
        metrics["read"] = sum(1 for r in read if r is not None) / max(len(read), 1)
        metrics["read_first"] = sum(1 for r in read if r == 1) / max(len(read), 1)
        lengths = [r["citation_words"] for r in answerable if r.get("citation_words")]
        metrics["citation_words"] = sum(lengths) / len(lengths) if lengths else 0.0
        # What the user reads for the evidence above: the median length of an answered question's text.
        read_words = [r["answer_words"] for r in answerable if r.get("answer_words")]
        metrics["answer_words"] = float(statistics.median(read_words)) if read_words else 0.0
        metrics |= abstention_metrics([r["answered"] for r in answerable], [r["answered"] for r in unanswerable])
        metrics["answerable"] = len(answerable)
        metrics["unanswerable"] = len(unanswerable)
        summary[split] = {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}
    answerable_rel = [r["relevance"] for r in rows if r["answerable"] and r["rank"] is not None]
    unanswerable_rel = [r["relevance"] for r in rows if not r["answerable"]]
    summary["suggested_min_relevance"] = calibrate_threshold(answerable_rel, unanswerable_rel)
    return summary


def run_evaluation(settings: Settings, datasets: list[Path] | None, out: Path, modes: list[str],
                   compare_with: Path | None = None, typos: bool = False,
                   no_accents: bool = False, lowercase: bool = False, message: bool = False,
                   capitals: bool = False, personal: bool = False) -> dict[str, Any]:
    items = [item for path in (datasets or list(DEFAULT_SETS)) for item in load_items(path)]
    if message:
        items = with_message_frame(items)
    if typos:
        items = with_typos(items)
    if no_accents:
        items = with_accents_dropped(items)
    if lowercase:
        items = with_lowercase(items)
    if capitals:
        items = with_capitals(items)
    if personal:
        items = with_personal_data(items)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"embedding_model": settings.embedding_model, "retrieval": settings.retrieval.model_dump(),
                   "answer": settings.answer.model_dump(), "chunking": settings.chunking.model_dump(),
                   "stemmer": settings.stemmer, "machine": platform.machine()},
        "datasets": sorted({i.split for i in items}),
        "typos": typos,
        "no_accents": no_accents,
        "lowercase": lowercase,
        "message": message,
        "capitals": capitals,
        "personal_data": personal,
        "modes": {},
    }
    service = QAService(settings, purpose="eval")
    service.start(progress_bar=True)
    if service.build_report is None and service.store is not None:
        # An existing index is brought up to date first, so the numbers describe the corpus as it is now.
        report = run_ingest(settings, service.store, service.model, progress_bar=True)
        if report.indexed or report.removed_documents:
            service.start_pipeline()
    results["config"]["ranker"] = service.ranker_status()
    # The threshold that answered: `answer.min_relevance` above is the setting, a calibrated index uses its own.
    results["config"]["abstention"] = service.abstention_status()
    try:
        for mode in modes:
            if mode not in MODES:
                raise SystemExit(f"Onbekende modus '{mode}' (kies uit {', '.join(MODES)})")
            fusion = MODES[mode] or settings.retrieval.fusion
            service.reconfigure(settings.model_copy(
                update={"retrieval": settings.retrieval.model_copy(update={"fusion": fusion})}))
            started = time.perf_counter()
            results["modes"][mode] = evaluate_mode(service, items)
            results["modes"][mode]["seconds"] = round(time.perf_counter() - started, 2)
    finally:
        service.close()
    if compare_with is not None:
        results["comparison"] = compare(results, load_results(compare_with))
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=1)
    out.write_text(text, encoding="utf-8")
    history = out.parent / "history"  # every run kept, for the trend of the main metrics
    history.mkdir(exist_ok=True)
    (history / f"{results['date'].replace(':', '')}-{'+'.join(results['datasets'])}.json").write_text(
        text, encoding="utf-8")
    print_report(results)
    print_followups(results)
    if "comparison" in results:
        print_comparison(results["comparison"], {i.id: i.question for i in items})
    print(f"\nResultaten geschreven naar {out}")
    return results


def setup_line(config: dict[str, Any]) -> str:
    """What answered, in one line: the ranking and the threshold below which the documents count as not answering
    (numbers of two runs compare only when this line is the same)."""
    ranker, abstention = config.get("ranker") or {}, config.get("abstention") or {}
    ranking = "geleerde ranker" if ranker.get("learned") else "regelgebaseerde rangschikking (geen getrainde ranker)"
    source = abstention.get("source", "standaard")
    threshold = f"weigerdrempel {abstention.get('min_relevance')} ({source}"
    if source == "gekalibreerd":
        threshold += f" op {abstention.get('chosen_on')})"
    elif source == "standaard":
        threshold += "; 'vraagbaak calibrate' kiest hem op de dev-vragen van dit corpus)"
    else:
        threshold += ")"
    return f"\nOpzet: {ranking}, {threshold}"


def print_report(results: dict[str, Any]) -> None:
    modes = results["modes"]
    splits = [s for s in next(iter(modes.values()))["summary"] if s != "suggested_min_relevance"]
    print(setup_line(results["config"]))
    keys = ["hit@1", "hit@5", "mrr@10", "cited", "cited_mrr@10", "quoted", "read", "read_first", "answer_words",
            "citation_words", "abstain_correct", "abstain_total", "wrongly_abstained_rate"]
    for split in splits:
        print(f"\n== {split} ==")
        print(f"{'metric':<24}" + "".join(f"{m:>10}" for m in modes))
        for key in keys:
            print(f"{key:<24}" + "".join(f"{modes[m]['summary'][split].get(key, float('nan')):>10.3f}"
                                          for m in modes))
    for mode, res in modes.items():
        print(f"{mode}: voorgestelde min_relevance {res['summary']['suggested_min_relevance']}")
