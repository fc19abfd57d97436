"""`vraagbaak faults ingest`: `kill -9` of `vraagbaak ingest` at random moments; does the next run repair it?

A clean reference build indexes a copy of the corpus once, and its wall time T spreads the kill moments: run i
(of n) kills at T * (i + u) / n with u uniform in [0, 1) from a seeded generator, so the moments cover the whole
ingest (model loading, conversion, embedding, writing, flushing). Each run starts from a fresh data directory,
starts `vraagbaak ingest` as a subprocess, sends SIGKILL at its moment, then runs `vraagbaak ingest` again to
completion and compares the index with the reference:

- a passage is identified by its id (derived from document id, position and content) and keyed by
  (document_id, position);
- lost: reference ids missing after the repair run;
- duplicated: extra copies of a (document_id, position) key, plus stored ids the reference does not have
  (an orphan passage is a duplicate of the content that replaced it);
- the passage counts must be equal too.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evaluation.bench_util import subprocess_env, write_results
from index.settings import Settings
from index.store import VraagbaakDocumentStore

REPO_ROOT = Path(__file__).resolve().parents[1]


def _say(message: str) -> None:
    print(f"[faults] {message}", file=sys.stderr, flush=True)


def _ingest_cmd() -> list[str]:
    return [sys.executable, "-m", "evaluation.cli", "ingest", "--json"]


def passages(settings: Settings, data_dir: Path) -> list[tuple[str, str, int]]:
    """(passage id, document_id, position) of every passage in the embedded index of `data_dir`."""
    store = VraagbaakDocumentStore(str(data_dir), model_name=settings.embedding_model, purpose="faults")
    if not store.exists():
        return []
    store.open(384)
    try:
        return [(pid, str(p.get("document_id")), int(p.get("position", -1)))
                for pid, p, _ in store.backend.scroll(fields=["document_id", "position"])]
    finally:
        store.close()


def compare(reference: list[tuple[str, str, int]], repaired: list[tuple[str, str, int]]) -> dict[str, int]:
    """Lost and duplicated passages of `repaired` against `reference` (see the module docstring)."""
    ref_ids = {pid for pid, _, _ in reference}
    got_ids = {pid for pid, _, _ in repaired}
    keys = Counter((doc, pos) for _, doc, pos in repaired)
    return {
        "reference": len(reference), "stored": len(repaired), "lost": len(ref_ids - got_ids),
        "duplicated": sum(n - 1 for n in keys.values() if n > 1) + len(got_ids - ref_ids),
        "extra_ids": len(got_ids - ref_ids),
    }


def _ingest(env: dict[str, str], log: Path) -> tuple[int, float, dict[str, Any] | None]:
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as err:
        done = subprocess.run(_ingest_cmd(), env=env, stdout=subprocess.PIPE, stderr=err, text=True, check=False,
                              cwd=REPO_ROOT)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    return done.returncode, time.perf_counter() - started, report


def _killed_ingest(env: dict[str, str], log: Path, at_s: float) -> dict[str, Any]:
    """Start an ingest and SIGKILL it `at_s` seconds later; whether it was still running then."""
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(_ingest_cmd(), env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=REPO_ROOT)
    started = time.perf_counter()
    try:
        proc.wait(timeout=at_s)
        return {"killed": False, "returncode": proc.returncode, "ran_s": round(time.perf_counter() - started, 2)}
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return {"killed": True, "returncode": proc.returncode, "ran_s": round(time.perf_counter() - started, 2)}


def _data_dir(root: Path, name: str, cache: Path) -> Path:
    data = root / name
    data.mkdir()
    (data / "cache").symlink_to(cache, target_is_directory=True)
    return data


def run_ingest_faults(settings: Settings, corpus: Path | None = None, runs: int = 10, seed: int = 13,
                      out: Path | None = None) -> dict[str, Any]:
    """Reference build, then `runs` killed-and-repaired ingests; prints per run and totals, writes JSON."""
    source = (corpus or settings.corpus_dir).resolve()
    if not source.is_dir():
        raise ValueError(f"Corpusmap '{source}' bestaat niet.")
    rng = random.Random(seed)
    cache = settings.cache_dir.resolve()
    cache.mkdir(parents=True, exist_ok=True)  # the converted model is built once and shared by every run
    root = Path(tempfile.mkdtemp(prefix="vraagbaak-faults-"))
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_avg_start": os.getloadavg()},
        "config": {"corpus": str(source), "runs": runs, "seed": seed}, "runs": [],
    }
    try:
        copy = root / "corpus"
        shutil.copytree(source, copy)
        ref_dir = _data_dir(root, "reference", cache)
        _say(f"referentie-index bouwen van {source}")
        code, seconds, report = _ingest(subprocess_env(settings, ref_dir, copy), root / "reference.log")
        if code not in (0, 1):
            raise RuntimeError(f"referentie-ingest mislukte (code {code}); zie {root / 'reference.log'}")
        reference = passages(settings, ref_dir)
        results["reference"] = {"seconds": round(seconds, 2), "passages": len(reference),
                                "documents": len({d for _, d, _ in reference}),
                                "failed_files": report.get("failed") if report else None}
        for i in range(runs):
            at = seconds * (i + rng.random()) / runs
            data = _data_dir(root, f"run-{i}", cache)
            env = subprocess_env(settings, data, copy)
            _say(f"run {i + 1}/{runs}: kill -9 na {at:.2f} s")
            killed = _killed_ingest(env, root / f"run-{i}-killed.log", at)
            partial = len(passages(settings, data))
            code, repair_s, report = _ingest(env, root / f"run-{i}-repair.log")
            row = {"run": i + 1, "kill_at_s": round(at, 2), **killed, "passages_after_kill": partial,
                   "repair_returncode": code, "repair_s": round(repair_s, 2),
                   "repair_embedded": report.get("chunks_embedded") if report else None,
                   **compare(reference, passages(settings, data))}
            results["runs"].append(row)
            print(_row_line(row), flush=True)
            shutil.rmtree(data, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rows = results["runs"]
    results["totals"] = {"runs": len(rows), "killed_while_running": sum(r["killed"] for r in rows),
                         "lost": sum(r["lost"] for r in rows), "duplicated": sum(r["duplicated"] for r in rows),
                         "count_mismatches": sum(r["stored"] != r["reference"] for r in rows),
                         "repair_failures": sum(r["repair_returncode"] not in (0, 1) for r in rows)}
    results["machine"]["load_avg_end"] = os.getloadavg()
    print_report(results)
    write_results(results, out)
    return results


def _row_line(r: dict[str, Any]) -> str:
    state = "gestopt" if r["killed"] else f"al klaar (code {r['returncode']})"
    return (f"run {r['run']:>2}: kill -9 na {r['kill_at_s']:>6.2f} s ({state}), {r['passages_after_kill']:>4} "
            f"passages over; herstel {r['repair_s']:.1f} s, {r['repair_embedded']} ingebed -> "
            f"{r['stored']}/{r['reference']} passages, kwijt {r['lost']}, dubbel {r['duplicated']}")


def print_report(results: dict[str, Any]) -> None:
    ref, t = results["reference"], results["totals"]
    print(f"\nVraagbaak faults ingest, {results['date']}: {results['machine']['cpus']} CPUs; corpus "
          f"{results['config']['corpus']} ({ref['documents']} documenten, {ref['passages']} passages, "
          f"referentie-ingest {ref['seconds']} s)")
    print(f"  {t['runs']} runs, {t['killed_while_running']} gestopt tijdens de ingest; na de volgende ingest: "
          f"kwijt {t['lost']}, dubbel {t['duplicated']}, aantal afwijkend in {t['count_mismatches']} runs, "
          f"herstel mislukt {t['repair_failures']}")
    ok = t["lost"] == 0 and t["duplicated"] == 0 and t["count_mismatches"] == 0 and t["repair_failures"] == 0
    print(f"Doel: 0 kwijt en 0 dubbel -> {'gehaald' if ok else 'NIET gehaald'}")
