"""`vraagbaak load`: N concurrent chat users over HTTP on loopback; throughput, p50/p95/max latency, errors.

Each user is an asyncio task holding conversations over `POST /v1/chat`: the conversations of the committed
follow-up set (earlier questions, then the follow-up, each in the same conversation), one after the other, starting
at a different conversation per user. A user asks its next question as soon as the previous answer arrives (no
think time unless `--think-ms`), so the figure is what the server sustains when every user waits only for it.
Without `--url` a `vraagbaak serve` subprocess is started on a free loopback port on a fresh copy of the corpus.
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evaluation.bench_util import latency, serve_subprocess, subprocess_env, write_results
from evaluation.dataset import FOLLOWUP_SET, load_items
from index.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 1000.0
API_KEY_ENV = "VRAAGBAAK_LOAD_API_KEY"


def process_cpu_s(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far, from /proc (Linux); None when unknown."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def conversations(path: Path = FOLLOWUP_SET) -> list[tuple[str | None, list[str]]]:
    """(region, messages) per conversation of the follow-up set: the earlier questions, then the follow-up."""
    return [(item.region, [*item.history, item.question]) for item in load_items(path)]


@dataclass
class Sample:
    """One chat request as the client saw it."""

    user: int
    started: float  # seconds since the run started
    seconds: float
    status: int  # HTTP status, or 0 for a transport error (connection refused, timeout)
    followup: bool
    error: str = ""


@dataclass
class LoadRun:
    samples: list[Sample] = field(default_factory=list)
    wall_s: float = 0.0
    server_cpu_s: float | None = None  # CPU the server process used during the run (when its pid is known)


async def _user(client: Any, user: int, questions: int | None, deadline: float | None, started: float,
                convs: list[tuple[str | None, list[str]]], regions: set[str], think_s: float, run: LoadRun) -> None:
    """One user: conversations in turn, `questions` messages (or until the deadline)."""
    import httpx

    asked, k = 0, user
    while True:
        region, messages = convs[k % len(convs)]
        region = region if region in regions else None
        k += 1
        conversation: str | None = None
        for turn, message in enumerate(messages):
            if (questions is not None and asked >= questions) or (deadline is not None and time.perf_counter()
                                                                  >= deadline):
                return
            body = {"message": message, "conversation_id": conversation, "region": region}
            t0 = time.perf_counter()
            status, error = 0, ""
            try:
                response = await client.post("/v1/chat", json=body)
                status = response.status_code
                if status == 200:
                    conversation = response.json().get("conversation_id")
                else:
                    error = response.text[:200]
            except httpx.HTTPError as exc:
                error = f"{exc.__class__.__name__}: {exc}"[:200]
            run.samples.append(Sample(user, t0 - started, time.perf_counter() - t0, status, turn > 0, error))
            asked += 1
            if status != 200:
                break  # a conversation whose turn failed is not continued: the next one starts
            if think_s:
                await asyncio.sleep(think_s)


async def run_users(url: str, users: int, questions: int | None, duration_s: float | None,
                    api_key: str | None = None, think_s: float = 0.0, timeout_s: float = 60.0,
                    server_pid: int | None = None) -> LoadRun:
    """Run `users` concurrent users against `url`; each stops after `questions` messages or at `duration_s`."""
    import httpx

    if questions is None and duration_s is None:
        raise ValueError("geef --questions of --duration (of beide)")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    convs = conversations()
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=timeout_s) as client:
        health = await client.get("/health")
        regions = set(health.json().get("regions", [])) if health.status_code == 200 else set()
        # Warm-up outside the measurement: one conversation, so first-use costs are not counted.
        await client.post("/v1/chat", json={"message": convs[0][1][0]})
        run = LoadRun()
        cpu_before = process_cpu_s(server_pid)
        started = time.perf_counter()
        deadline = started + duration_s if duration_s is not None else None
        await asyncio.gather(*(_user(client, u, questions, deadline, started, convs, regions, think_s, run)
                               for u in range(users)))
        run.wall_s = time.perf_counter() - started
        cpu_after = process_cpu_s(server_pid)
        if cpu_before is not None and cpu_after is not None:
            run.server_cpu_s = cpu_after - cpu_before
    return run


def summarise(run: LoadRun, users: int) -> dict[str, Any]:
    """Throughput of successful chats, latency of all requests and of successful ones, errors by status."""
    ok = [s for s in run.samples if s.status == 200]
    errors = Counter(str(s.status) for s in run.samples if s.status != 200)
    first_errors = {}
    for s in run.samples:
        if s.status != 200 and str(s.status) not in first_errors:
            first_errors[str(s.status)] = s.error
    lat = latency([s.seconds for s in ok])
    return {
        "users": users, "requests": len(run.samples), "ok": len(ok), "errors": sum(errors.values()),
        "errors_by_status": dict(errors), "error_examples": first_errors, "wall_s": round(run.wall_s, 2),
        "chats_per_s": round(len(ok) / run.wall_s, 2) if run.wall_s else None,
        "latency": lat, "followup_latency": latency([s.seconds for s in ok if s.followup]),
        "server_cpu_ms_per_chat": round(1000 * run.server_cpu_s / len(ok), 1) if run.server_cpu_s and ok else None,
        "target_p95_ms": TARGET_P95_MS,
        "target_met": bool(ok) and not errors and lat.get("p95_ms", float("inf")) <= TARGET_P95_MS,
    }


def run_load(settings: Settings, *, users: int = 20, questions: int | None = 5, duration_s: float | None = None,
             url: str | None = None, corpus: Path | None = None, api_key: str | None = None, think_ms: float = 0.0,
             server_pid: int | None = None, out: Path | None = None) -> dict[str, Any]:
    """Start a server unless `url` is given, run the users, print the figures and write them as JSON."""
    api_key = api_key or os.environ.get(API_KEY_ENV)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_avg_start": os.getloadavg()},
        "config": {"users": users, "questions_per_user": questions, "duration_s": duration_s, "think_ms": think_ms,
                   "url": url, "corpus": str(corpus) if corpus else None, "auth": bool(api_key)},
    }
    think_s = think_ms / 1000
    if url is not None:
        run = asyncio.run(run_users(url, users, questions, duration_s, api_key, think_s, server_pid=server_pid))
    else:
        root = Path(tempfile.mkdtemp(prefix="vraagbaak-load-"))
        try:
            source = (corpus or settings.corpus_dir or REPO_ROOT / "corpus").resolve()
            data = root / "data"
            data.mkdir()
            cache = settings.cache_dir.resolve()
            cache.mkdir(parents=True, exist_ok=True)  # the converted model is built once and shared
            (data / "cache").symlink_to(cache, target_is_directory=True)
            env = subprocess_env(settings, data, source)
            print(f"[load] server starten op {source} (index wordt gebouwd bij de eerste start)", file=sys.stderr,
                  flush=True)
            with serve_subprocess(env, root / "serve.log") as server:
                results["server"] = {"startup_s": server.get("startup_s"), "pid": server["pid"]}
                run = asyncio.run(run_users(server["url"], users, questions, duration_s, api_key, think_s,
                                            server_pid=server["pid"]))
            results["server"]["peak_rss_mb"] = server.get("peak_rss_mb")
        finally:
            shutil.rmtree(root, ignore_errors=True)
    results["machine"]["load_avg_end"] = os.getloadavg()
    results |= summarise(run, users)
    print_report(results)
    write_results(results, out)
    return results


def print_report(r: dict[str, Any]) -> None:
    lat, m = r["latency"], r["machine"]
    print(f"\nVraagbaak load, {r['date']}: {m['cpus']} CPUs, load average {m['load_avg_start'][0]:.1f} -> "
          f"{m['load_avg_end'][0]:.1f}")
    print(f"{r['users']} gelijktijdige gebruikers, {r['requests']} chatvragen in {r['wall_s']} s "
          f"(POST /v1/chat, vervolgvragen in hun gesprek)")
    print(f"  doorvoer            {r['chats_per_s']} chats/s")
    if lat.get("n"):
        print(f"  latentie p50 / p95 / max  {lat['p50_ms']:.0f} / {lat['p95_ms']:.0f} / {lat['max_ms']:.0f} ms")
    if r.get("server_cpu_ms_per_chat") is not None:
        print(f"  server-CPU per chat {r['server_cpu_ms_per_chat']} ms (user + system; minder ruisgevoelig op een "
              "gedeelde machine)")
    follow = r["followup_latency"]
    if follow.get("n"):
        print(f"  vervolgvragen p50 / p95   {follow['p50_ms']:.0f} / {follow['p95_ms']:.0f} ms ({follow['n']})")
    by_status = ", ".join(f"{k}: {v}" for k, v in sorted(r["errors_by_status"].items())) or "geen"
    print(f"  fouten              {r['errors']} ({by_status})")
    for status, example in r["error_examples"].items():
        print(f"    {status}: {example}")
    verdict = "gehaald" if r["target_met"] else "NIET gehaald"
    print(f"Doel: p95 <= {r['target_p95_ms']:.0f} ms en 0 fouten -> {verdict}")
