"""Coverage of the documents for what people ask: topics, answered / weak / not answered, unused documents, conflicts.

Input is a list of questions (a file a documentation team wants to check, or the question log). Every question
runs through the same service as the API; the results are grouped into topics by the similarity of the
questions, and the documents and sections of the index are set against what was cited.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from api.service import QAService
from index.analyzer import DutchAnalyzer

WEAK_RELEVANCE = 0.6  # answered, but the best passage fits only loosely
TOPIC_SIMILARITY = 0.9  # e5 cosine between two questions on the same topic


@dataclass
class QuestionInput:
    question: str
    region: str | None = None
    feedback: str | None = None  # "up" / "down" from the question log


@dataclass
class QuestionResult:
    question: str
    region: str | None
    status: str  # beantwoord | zwak | niet beantwoord
    relevance: float
    cited: list[dict[str, Any]]
    closest: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    topic: int = -1


def read_questions(path: Path) -> list[QuestionInput]:
    """CSV with a `question` (or `vraag`) column, or JSONL with {"question", "region"?}; blank lines skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"Kan vragenbestand '{path}' niet lezen: {exc}") from exc
    items: list[QuestionInput] = []
    if path.suffix.lower() in (".jsonl", ".json"):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}, regel {n}: geen geldige JSON ({exc.msg}).") from exc
            if raw.get("question"):
                items.append(QuestionInput(str(raw["question"]).strip(), raw.get("region") or None))
        return items
    try:
        dialect: Any = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:  # one column: no delimiter to find
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {c.lower().strip(): c for c in reader.fieldnames or []}
    column = columns.get("question") or columns.get("vraag")
    if column is None:
        raise ValueError(f"{path}: geen kolom 'question' of 'vraag' gevonden (kolommen: {', '.join(columns)}).")
    region_column = columns.get("region") or columns.get("regio")
    for row in reader:
        question = (row.get(column) or "").strip()
        if question:
            region = (row.get(region_column) or "").strip().lower() if region_column else ""
            items.append(QuestionInput(question, region or None))
    return items


def _status(answered: bool, relevance: float, feedback: str | None) -> str:
    if not answered:
        return "niet beantwoord"
    return "zwak" if relevance < WEAK_RELEVANCE or feedback == "down" else "beantwoord"


def _passage_ref(doc: Any) -> dict[str, Any]:
    meta = doc.meta
    return {"document_id": meta.get("document_id"), "title": meta.get("title"), "section": meta.get("section"),
            "page": meta.get("page"), "date": meta.get("date"), "scope": meta.get("scope"),
            "text": (doc.content or "")[:300]}


def answer_all(service: QAService, questions: list[QuestionInput],
               regions: tuple[str, ...] | None = None) -> list[QuestionResult]:
    """Every question through the service; `regions` bounds the search as for the viewer's own questions."""
    results = []
    for item in questions:
        region = item.region if item.region in service.visible_regions(regions) else None
        response, docs = service.run(item.question, region, allowed=regions)
        notes = [p.strip() for p in response.answer.split("\n\n") if p.startswith("Let op:")]
        cited = [{"document_id": c.document_id, "title": c.title, "section": c.section, "date": c.date,
                  "scope": c.scope, "superseded_by": c.superseded_by} for c in response.citations]
        if cited and all(c["superseded_by"] for c in cited):
            notes.append("Alleen een verouderde versie geeft antwoord.")
        results.append(QuestionResult(item.question, region, _status(response.answered, response.relevance,
                                                                      item.feedback),
                                      round(response.relevance, 3), cited, [_passage_ref(d) for d in docs[:3]],
                                      notes))
    return results


# Words that make questions look alike without being their subject ("Binnen hoeveel werkdagen ...").
_QUESTION_WORDS = ("hoeveel binnen wanneer welk welke wat hoe wie waar waarom mag moet kan kunnen mogen moeten geldt "
                   "gelden dagen werkdagen termijn lang ik we wij er nog ook per voor komt krijg krijgen heeft hebben")


def cluster(vectors: np.ndarray, threshold: float = TOPIC_SIMILARITY,
            subjects: list[set[str]] | None = None) -> list[int]:
    """Greedy leader clustering on normalised vectors: a question joins the most similar topic above the
    threshold that shares a subject word with it (when subject words are given)."""
    labels: list[int] = []
    centroids: list[np.ndarray] = []
    topic_words: list[set[str]] = []
    for i, vector in enumerate(vectors):
        words = subjects[i] if subjects is not None else set()
        sims = [float(vector @ c / (np.linalg.norm(c) or 1.0)) for c in centroids]
        joined = next((t for t in sorted(range(len(sims)), key=lambda t: -sims[t])
                       if sims[t] >= threshold and (subjects is None or words & topic_words[t])), None)
        if joined is None:
            labels.append(len(centroids))
            centroids.append(vector.copy())
            topic_words.append(set(words))
        else:
            labels.append(joined)
            centroids[joined] = centroids[joined] + vector
            topic_words[joined] |= words
    return labels


def _subject_terms(question: str, analyzer: DutchAnalyzer) -> set[str]:
    return set(analyzer.terms(question)) - set(analyzer.terms(_QUESTION_WORDS))


def _topic_name(questions: list[str], analyzer: DutchAnalyzer) -> str:
    counts = Counter(t for q in questions for t in _subject_terms(q, analyzer))
    common = [t for t, _ in counts.most_common(3)]
    return ", ".join(common) or questions[0][:40]


def build_report(service: QAService, questions: list[QuestionInput], source: str,
                 regions: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The coverage report as a JSON-ready dict; with `regions` (a viewer bound to regions) only those regions'
    and national documents are searched and listed."""
    started = time.perf_counter()
    results = answer_all(service, questions, regions)
    vectors = service.model.embed_queries([r.question for r in results]) if results else np.zeros((0, 1))
    analyzer = DutchAnalyzer(service.settings.stemmer)
    subjects = [_subject_terms(r.question, analyzer) for r in results]
    labels = cluster(np.asarray(vectors, dtype=np.float32), subjects=subjects)
    for result, label in zip(results, labels, strict=True):
        result.topic = label

    topics = []
    for label in sorted(set(labels)):
        members = [r for r in results if r.topic == label]
        idx = [i for i, lab in enumerate(labels) if lab == label]
        centroid = np.asarray(vectors)[idx].mean(axis=0)
        representative = members[int(np.argmax(np.asarray(vectors)[idx] @ centroid))].question
        statuses = Counter(r.status for r in members)
        cited = Counter(c["title"] for r in members for c in r.cited)
        lacking = [r for r in members if r.status != "beantwoord"]
        closest = lacking[0].closest if lacking else []  # what almost answers the first unanswered question
        topics.append({"topic": label, "name": _topic_name([r.question for r in members], analyzer),
                       "representative": representative, "count": len(members),
                       "answered": statuses["beantwoord"], "weak": statuses["zwak"],
                       "not_answered": statuses["niet beantwoord"],
                       "documents": [{"title": t, "citations": n} for t, n in cited.most_common()],
                       "questions": [r.question for r in members], "closest_passages": closest})
    topics.sort(key=lambda t: (-t["not_answered"] - t["weak"], -t["count"]))

    documents = _document_usage(service, results, regions)
    conflicts = [{"question": r.question, "notes": r.notes, "cited": r.cited} for r in results if r.notes]
    per_region: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        per_region[r.region or "alle regio's"][r.status] += 1
    totals = Counter(r.status for r in results)
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"), "source": source,
        "questions": len(results),
        "totals": {"answered": totals["beantwoord"], "weak": totals["zwak"], "not_answered": totals["niet beantwoord"]},
        "per_region": {k: {"answered": v["beantwoord"], "weak": v["zwak"], "not_answered": v["niet beantwoord"]}
                       for k, v in sorted(per_region.items())},
        "topics": topics,
        "documents": documents,
        "conflicts": conflicts,
        "results": [asdict(r) for r in results],
        "seconds": round(time.perf_counter() - started, 2),
    }


def _document_usage(service: QAService, results: list[QuestionResult],
                    regions: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Citations per document; documents and sections never cited; documents cited only for weak answers."""
    assert service.store is not None
    sections: dict[str, set[str]] = defaultdict(set)
    titles: dict[str, str] = {}
    shown = service.visible_regions(regions)
    # Only these fields are read, not every passage's text and vectors.
    for _, meta, _ in service.store.backend.scroll(fields=["document_id", "title", "section", "scope"]):
        if regions is not None and meta.get("scope") not in shown:
            continue
        doc_id = meta.get("document_id", "")
        titles[doc_id] = meta.get("title", doc_id)
        if meta.get("section"):
            sections[doc_id].add(meta["section"])
    cited_by_status: dict[str, Counter[str]] = defaultdict(Counter)
    cited_sections: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for c in r.cited:
            cited_by_status[c["document_id"]][r.status] += 1
            if c.get("section"):
                cited_sections[c["document_id"]].add(c["section"])
    per_document = [{"document_id": d, "title": titles[d], "citations": sum(cited_by_status[d].values()),
                     "weak_citations": cited_by_status[d]["zwak"]} for d in sorted(titles)]
    per_document.sort(key=lambda x: -x["citations"])
    never = [{"document_id": d, "title": titles[d]} for d in sorted(titles) if not cited_by_status[d]]
    only_weak = [{"document_id": d, "title": titles[d]} for d in sorted(titles)
                 if cited_by_status[d] and set(cited_by_status[d]) == {"zwak"}]
    unused_sections = [{"document_id": d, "title": titles[d], "sections": sorted(sections[d] - cited_sections[d])}
                       for d in sorted(titles) if cited_by_status[d] and sections[d] - cited_sections[d]]
    return {"per_document": per_document, "never_cited": never, "only_weak": only_weak,
            "sections_never_cited": unused_sections}


History = dict[str, list[tuple[str, float]]]


def metric_history(results_dir: Path, metrics: tuple[str, ...] = ("hit@5", "mrr@10")) -> History:
    """The main metrics of the hybrid mode over the eval runs kept in `<results>/history`, oldest first."""
    series: dict[str, list[tuple[str, float]]] = {m: [] for m in metrics}
    for path in sorted((results_dir / "history").glob("*.json")):
        try:
            run = json.loads(path.read_text(encoding="utf-8"))
            summary = run["modes"]["hybrid"]["summary"]["all"]
        except (OSError, KeyError, json.JSONDecodeError):
            continue
        for metric in metrics:
            if metric in summary:
                series[metric].append((f"{run.get('date', path.stem)} {'+'.join(run.get('datasets', []))}",
                                       float(summary[metric])))
    return series


def write_report(report: dict[str, Any], out: Path, history: History) -> tuple[Path, Path]:
    from api.coverage_html import render

    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / "coverage.json", out / "coverage.html"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    html_path.write_text(render(report, history), encoding="utf-8")
    return json_path, html_path


def questions_from_log(log: Any, days: float | None = None, limit: int = 2000,
                       regions: tuple[str, ...] | None = None) -> list[QuestionInput]:
    """The logged questions (newest first) as input for the report: the searched, standalone form of each,
    with its region and the latest feedback on its answer; only those a viewer bound to `regions` may see."""
    from datetime import timedelta

    since = datetime.now(UTC) - timedelta(days=days) if days else None
    return [QuestionInput(entry.standalone_question, entry.region, entry.feedback)
            for entry in log.entries(since=since, limit=limit, regions=regions)]
