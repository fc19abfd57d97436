"""`vraagbaak fuzz`: schemathesis over the app's OpenAPI schema against `vraagbaak serve`; counts cases and 5xx.

For every operation in /openapi.json, schemathesis generates requests that fit the schema (positive) and requests
that break it (negative: wrong types, missing fields, out-of-range values); each is sent to a server on loopback
and its status counted. A 5xx response is a failure (any input must get a 2xx or a 4xx with a Dutch message), and
its request is kept in the results to reproduce it. Needs the `figures` extra: `pip install -e ".[test,figures]"`.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evaluation.bench_util import serve_subprocess, subprocess_env, write_results
from evaluation.fuzz_uploads import fuzz_uploads
from index.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
MODES = ("positive", "negative")


def _say(message: str) -> None:
    print(f"[fuzz] {message}", file=sys.stderr, flush=True)


def fuzz_url(url: str, max_examples: int = 50, api_key: str | None = None, seed: int = 13,
             timeout_s: float = 60.0, uploads: int = 0, corpus_dir: Path | None = None) -> dict[str, Any]:
    """Run every operation of `url`'s schema in both generation modes; cases, statuses and 5xx per operation. Then
    `uploads` uploads of real, possibly damaged documents (evaluation/fuzz_uploads) with their jobs followed."""
    import requests
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=headers, timeout=timeout_s)
    operations: dict[str, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    with requests.Session() as session:

        def sender(label: str, mode: str, stats: dict[str, Any]) -> Callable[[Any], None]:
            def send(case: Any) -> None:
                response = case.call(base_url=url, session=session, headers=headers, timeout=timeout_s)
                stats["cases"] += 1
                stats["statuses"][response.status_code] += 1
                if response.status_code >= 500:
                    stats["server_errors"] += 1
                    failures.append({"operation": label, "mode": mode, "status": response.status_code,
                                     "curl": case.as_curl_command(), "response": response.text[:500]})
            return send

        for result in schema.get_all_operations():
            operation = result.ok()
            stats = operations.setdefault(operation.label, {"cases": 0, "statuses": Counter(), "server_errors": 0})
            for mode in MODES:
                strategy = operation.as_strategy(generation_mode=GenerationMode(mode))
                test = hseed(seed)(settings(
                    max_examples=max_examples, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
                )(given(case=strategy)(sender(operation.label, mode, stats))))
                _say(f"{operation.label} ({mode})")
                try:
                    test()
                except Unsatisfiable:  # nothing to break: an operation without parameters has no negative cases
                    stats.setdefault("unsatisfiable", []).append(mode)
        documents = (fuzz_uploads(url, session, headers, corpus_dir or REPO_ROOT / "corpus", uploads, seed,
                                  timeout_s, _say) if uploads else None)
    per_op = {label: {"cases": s["cases"], "server_errors": s["server_errors"],
                      "statuses": {str(k): v for k, v in sorted(s["statuses"].items())}}
              for label, s in operations.items()}
    return {"operations": per_op, "cases": sum(s["cases"] for s in per_op.values()),
            "server_errors": sum(s["server_errors"] for s in per_op.values()), "failures": failures[:50],
            "uploads": documents}


def run_fuzz(settings: Settings, *, max_examples: int = 50, url: str | None = None, api_key: str | None = None,
             seed: int = 13, out: Path | None = None, uploads: int = 20) -> dict[str, Any]:
    """Start a server on the bundled corpus unless `url` is given, fuzz it, print and write the figures."""
    import schemathesis

    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "config": {"max_examples": max_examples, "modes": list(MODES), "seed": seed, "url": url,
                   "schemathesis": schemathesis.__version__, "auth": bool(api_key),
                   "uploads": uploads},
    }
    if url is not None:
        results |= fuzz_url(url, max_examples, api_key, seed, uploads=uploads)
    else:
        root = Path(tempfile.mkdtemp(prefix="vraagbaak-fuzz-"))
        try:
            data = root / "data"
            data.mkdir()
            cache = settings.cache_dir.resolve()
            cache.mkdir(parents=True, exist_ok=True)
            (data / "cache").symlink_to(cache, target_is_directory=True)
            env = subprocess_env(settings, data, settings.corpus_dir.resolve())
            _say("server starten (index van het corpus wordt gebouwd bij de eerste start)")
            with serve_subprocess(env, root / "serve.log") as server:
                results |= fuzz_url(server["url"], max_examples, api_key, seed, uploads=uploads)
            log = (root / "serve.log").read_text(encoding="utf-8", errors="replace")
            results["server_tracebacks"] = log.count("Traceback")
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print_report(results)
    write_results(results, out)
    return results


def print_report(r: dict[str, Any]) -> None:
    print(f"\nVraagbaak fuzz, {r['date']}: schemathesis {r['config']['schemathesis']}, "
          f"max {r['config']['max_examples']} voorbeelden per operatie en modus ({', '.join(MODES)})")
    for label, s in r["operations"].items():
        statuses = ", ".join(f"{k}: {v}" for k, v in s["statuses"].items())
        print(f"  {label:<42} {s['cases']:>5} gevallen, 5xx {s['server_errors']}  ({statuses})")
    print(f"  {'totaal':<42} {r['cases']:>5} gevallen, 5xx {r['server_errors']}")
    for failure in r["failures"][:5]:
        print(f"    {failure['status']} {failure['operation']}: {failure['curl']}")
    u = r.get("uploads")
    if u:
        statuses = ", ".join(f"{k}: {v}" for k, v in u["statuses"].items())
        jobs = ", ".join(f"{k}: {v}" for k, v in sorted(u["jobs"].items())) or "geen"
        print(f"  uploads van echte documenten (beschadigd of niet) {u['cases']:>5} gevallen, 5xx {u['server_errors']}"
              f"  ({statuses}); jobs: {jobs}")
        for failure in u["failures"][:5]:
            print(f"    {failure}")
    bad = r["server_errors"] + (u["server_errors"] + len(u["failures"]) if u else 0)
    print(f"Doel: 0 antwoorden 5xx{' en elke job klaar met een reden' if u else ''} -> "
          f"{'gehaald' if bad == 0 else 'NIET gehaald'}")
