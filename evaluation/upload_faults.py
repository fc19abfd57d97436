"""Fault injection for uploads: kill -9 `vraagbaak serve` while it indexes an uploaded document, restart it, and
check that no document is ever half in the index (`vraagbaak faults upload`).

Per run: upload a document of many sections over HTTP, kill the server at a random moment within the time one
indexing job takes, then with the server down open the index and the job table directly and count each uploaded
document's passages (a violation: a count other than 0 or all of them, or a job marked done without all of them).
The server is restarted, the interrupted job must end done, and the next run starts. Prints the figures and writes
them as JSON; measured, never asserted.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from api.storage import open_database
from api.upload_records import UploadRepository
from evaluation.bench_util import free_port, subprocess_env
from index.settings import Settings
from index.store import VraagbaakDocumentStore
from ingest.single import stored_passage_ids

SECTIONS = 40
_WORDS = ("aanvraag toewijzing beschikking zorgaanbieder gemeente cliënt declaratie termijn werkdagen retourbericht "
          "indicatie product budget verblijf begeleiding dagbesteding").split()


def document_text(run: int) -> bytes:
    """A Markdown document of SECTIONS sections: one passage each, a few seconds of embedding."""
    parts = [f"# Handboek wachtlijsten, versie {run}"]
    for n in range(SECTIONS):
        body = " ".join(_WORDS[(n * 3 + i) % len(_WORDS)] for i in range(140))
        parts.append(f"## Onderdeel {n + 1}: afspraak {run}-{n}\n\n{body}.")
    return "\n\n".join(parts).encode("utf-8")


class Server:
    """`vraagbaak serve` as a child process on a loopback port; `kill()` is SIGKILL, no clean-up at all."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout_s: float = 600.0) -> float:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with self.log.open("a", encoding="utf-8") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "evaluation.cli", "serve", "--host", "127.0.0.1",
                                          "--port", str(port)], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        started = time.perf_counter()
        while time.perf_counter() - started < timeout_s:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server stopte met code {self.proc.returncode}; zie {self.log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server niet bereikbaar na {timeout_s:.0f} s; zie {self.log}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def upload(self, run: int) -> dict[str, Any]:
        files = {"file": (f"handboek-{run}.md", document_text(run), "text/markdown")}
        data = {"title": f"Handboek wachtlijsten {run}", "scope": "landelijk", "doc_type": "handreiking"}
        response = httpx.post(f"{self.url}/v1/documents", files=files, data=data, timeout=60)
        response.raise_for_status()
        return response.json()["job"]

    def wait_job(self, job_id: str, timeout_s: float = 600.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = httpx.get(f"{self.url}/v1/jobs/{job_id}", timeout=30).json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.1)
        raise RuntimeError(f"job {job_id} niet klaar na {timeout_s:.0f} s")


def inspect(settings: Settings, expected: dict[str, int]) -> dict[str, Any]:
    """With the server down: each uploaded document's passages in the index against its job state."""
    engine = open_database(settings.chat_database_url)
    store = VraagbaakDocumentStore(data_dir=str(settings.data_dir), model_name=settings.embedding_model,
                                   purpose="upload-faults")
    try:
        records = UploadRepository(engine)
        store.open(0)  # the index exists: its vector sizes are read from disk
        jobs = {j.document_id: j for j in records.jobs(("queued", "running", "done", "failed"))}
        documents: dict[str, Any] = {}
        violations = []
        for doc_id, full in expected.items():
            count = len(stored_passage_ids(store, doc_id))
            job = jobs.get(doc_id)
            status = job.status if job else "none"
            documents[doc_id] = {"passages": count, "expected": full, "job": status}
            if count not in (0, full):
                violations.append(f"{doc_id}: {count} van {full} passages zichtbaar (job {status})")
            elif status == "done" and count != full:
                violations.append(f"{doc_id}: job klaar maar {count} van {full} passages")
        return {"documents": documents, "violations": violations}
    finally:
        store.close()
        engine.dispose()


def run_upload_faults(settings: Settings, runs: int, out: Path, seed: int = 0, workdir: Path | None = None) -> dict:
    rng = random.Random(seed)
    root = Path(workdir or tempfile.mkdtemp(prefix="vraagbaak-upload-faults-"))
    data_dir = root / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "cache").symlink_to(settings.cache_dir.resolve(), target_is_directory=True)
    run_settings = settings.model_copy(update={"data_dir": data_dir})
    server = Server(subprocess_env(settings, data_dir, settings.corpus_dir), root / "serve.log")

    print(f"Server starten (index van {settings.corpus_dir} opbouwen) in {data_dir} ...", flush=True)
    server.start()
    t0 = time.perf_counter()
    calibration = server.wait_job(server.upload(0)["id"])
    job_seconds = time.perf_counter() - t0
    full = calibration["passages"]
    expected = {calibration["document_id"]: full}
    print(f"Eén job: {full} passages in {job_seconds:.1f} s; {runs} runs met kill -9 ...", flush=True)

    results, phases, reruns = [], Counter(), 0
    for run in range(1, runs + 1):
        job = server.upload(run)
        expected[job["document_id"]] = full
        delay = rng.uniform(0.0, job_seconds * 1.2)
        time.sleep(delay)
        server.kill()
        state = inspect(run_settings, expected)
        phase = state["documents"][job["document_id"]]["job"]
        phases[phase] += 1
        server.start()
        final = server.wait_job(job["id"])
        reruns += final["attempts"] > 1
        after = httpx.get(f"{server.url}/v1/documents/{job['document_id']}", timeout=30).json()
        ok_after = final["status"] == "done" and after["passages"] == full
        results.append({"run": run, "kill_after_s": round(delay, 2), "job_at_kill": phase,
                        "passages_at_kill": state["documents"][job["document_id"]]["passages"],
                        "violations": state["violations"], "job_after_restart": final["status"],
                        "attempts": final["attempts"], "complete_after_restart": ok_after})
        print(f"run {run:2d}: kill na {delay:4.1f} s, job {phase:7s}, passages bij kill "
              f"{results[-1]['passages_at_kill']:3d}/{full}, na herstart {final['status']} "
              f"(poging {final['attempts']}), schendingen {len(state['violations'])}", flush=True)
    server.stop()
    last = inspect(run_settings, expected)

    violations = sum(len(r["violations"]) for r in results) + len(last["violations"])
    incomplete = sum(not r["complete_after_restart"] for r in results)
    summary = {
        "runs": runs, "seed": seed, "passages_per_document": full, "job_seconds": round(job_seconds, 2),
        "killed_while": dict(phases), "rerun_after_restart": reruns, "violations": violations,
        "incomplete_after_restart": incomplete, "final_violations": last["violations"], "results": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\n{runs} runs; gedood terwijl de job {dict(phases)} was; opnieuw gedraaid na herstart: {reruns}; "
          f"half zichtbare documenten (schendingen): {violations}; niet compleet na herstart: {incomplete}. "
          f"Resultaat: {out}")
    if workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return summary
