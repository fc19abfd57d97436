"""Uploads of real documents for `vraagbaak fuzz`: the schema fuzzer sends random bytes as the file, which type
sniffing rejects (422) before a converter sees them, so it never reaches conversion, chunking and indexing.

Here every case starts from a real document (the bundled corpus's texts, an HTML page, a CSV and an XLSX table, and
the two smallest PDFs of `../shared/reference/pdf` when present), is damaged or not (cut off, bytes flipped, two
files spliced, a wrong extension, emptied) and is sent with generated metadata (titles, scopes, document types,
dates and `supersedes` ids, valid and not). A case passes when the upload answers 2xx or 4xx and an accepted
upload's job ends `done` or `failed` with a Dutch reason within the time limit; a 5xx, a job that does not finish or
a failed job without a reason is a failure, kept with its description to reproduce it.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from pathlib import Path
from typing import Any

REFERENCE_PDFS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "pdf"
JOB_TIMEOUT_S = 180.0

HTML = """<!doctype html><html lang="nl"><head><title>Veelgestelde vragen jeugdhulp</title></head><body>
<h1>Veelgestelde vragen jeugdhulp</h1><h2>Welk bericht stuur ik als de zorg start?</h2>
<p>De aanbieder stuurt binnen 5 werkdagen na de start van de zorg een startbericht (JW305).</p>
<h2>En als de zorg stopt?</h2><p>Dan stuurt de aanbieder binnen 5 werkdagen een stopbericht (JW307).</p>
<table><tr><th>Code</th><th>Omschrijving</th></tr><tr><td>01</td><td>Levering volgens plan beëindigd</td></tr></table>
</body></html>"""
CSV = ("productcode;omschrijving;eenheid\n45A01;Ambulante jeugdhulp individueel;uur\n"
       "45A02;Ambulante jeugdhulp groep;dagdeel\n54Z01;Gezinshuis;etmaal\n")


def _xlsx() -> bytes | None:
    try:
        from openpyxl import Workbook
    except ImportError:
        return None
    book = Workbook()
    sheet = book.active
    sheet.title = "Conversietabel"
    sheet.append(["Oude code", "Nieuw subsegment", "Toelichting"])
    for row in (("45A01", "IAJ-behandeling", "Individueel"), ("54Z01", "GWV", "Verblijf in gezinshuis")):
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def samples(corpus_dir: Path, reference_pdfs: Path = REFERENCE_PDFS) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the real documents the cases start from."""
    found = [(p.name, p.read_bytes()) for p in sorted(corpus_dir.glob("*.txt"))[:3]]
    found += [("faq.html", HTML.encode()), ("producten.csv", CSV.encode()), ("notitie.md", b"# Kop\n\nTekst.\n")]
    table = _xlsx()
    if table is not None:
        found.append(("conversie.xlsx", table))
    if reference_pdfs.is_dir():
        pdfs = sorted(reference_pdfs.glob("*.pdf"), key=lambda p: p.stat().st_size)[:2]
        found += [(p.name, p.read_bytes()) for p in pdfs]
    return found


def _strategy(files: list[tuple[str, bytes]], scopes: list[str], doc_types: list[str], document_ids: list[str]) -> Any:
    from hypothesis import strategies as st

    text = st.text(max_size=80)

    @st.composite
    def case(draw: Any) -> dict[str, Any]:
        name, data = draw(st.sampled_from(files))
        damage = draw(st.sampled_from(["none", "none", "cut", "flip", "splice", "rename", "empty"]))
        described = damage
        if damage == "cut":
            at = draw(st.integers(0, max(len(data) - 1, 0)))
            data, described = data[:at], f"cut at {at}"
        elif damage == "flip":
            positions = draw(st.lists(st.integers(0, max(len(data) - 1, 0)), min_size=1, max_size=20))
            flipped = bytearray(data)
            for p in positions:
                if flipped:
                    flipped[p] ^= 0xFF
            data, described = bytes(flipped), f"flipped {len(positions)} bytes"
        elif damage == "splice":
            other_name, other = draw(st.sampled_from(files))
            data, described = data[: len(data) // 2] + other[len(other) // 2:], f"spliced with {other_name}"
        elif damage == "rename":
            name = Path(name).stem + draw(st.sampled_from([".pdf", ".docx", ".xlsx", ".html", ".csv", ".exe", ""]))
        elif damage == "empty":
            data = b""
        broken = draw(st.sampled_from([None, None, None, "title", "scope", "doc_type", "date", "supersedes"]))

        def field(name: str, valid: Any) -> Any:  # one field at most is broken, so most uploads reach the indexing
            return draw(text if name == broken else valid)

        form = {
            "title": field("title", st.sampled_from(["Geüpload document", "Werkinstructie 305/307", "Notulen"])),
            "scope": field("scope", st.sampled_from(scopes)),
            "doc_type": field("doc_type", st.sampled_from(doc_types)),
        }
        date = field("date", st.sampled_from([None, "2024", "2025-03", "2024-11-30"]))
        supersedes = field("supersedes", st.sampled_from([None, None, *document_ids]))
        form |= {k: v for k, v in (("date", date), ("supersedes", supersedes)) if v is not None}
        return {"name": name, "data": data, "form": form, "damage": described}

    return case()


def _finish(session: Any, url: str, job_id: str, headers: dict[str, str], timeout_s: float) -> dict[str, Any] | None:
    """The job once it is done or failed; None when it did not finish within JOB_TIMEOUT_S."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = session.get(f"{url}/v1/jobs/{job_id}", headers=headers, timeout=timeout_s).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    return None


def fuzz_uploads(url: str, session: Any, headers: dict[str, str], corpus_dir: Path, examples: int, seed: int,
                 timeout_s: float = 60.0, say: Any = print) -> dict[str, Any]:
    """`examples` generated uploads against `url`: statuses, job outcomes, failures."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    files = samples(corpus_dir)
    options = session.get(f"{url}/v1/upload-options", headers=headers, timeout=timeout_s).json()
    listed = session.get(f"{url}/v1/documents", headers=headers, timeout=timeout_s).json()["documents"]
    stats: dict[str, Any] = {"cases": 0, "statuses": Counter(), "jobs": Counter(), "refusals": Counter(),
                             "server_errors": 0,
                             "samples": [name for name, _ in files]}
    failures: list[dict[str, Any]] = []

    def send(case: dict[str, Any]) -> None:
        response = session.post(f"{url}/v1/documents", headers=headers, timeout=timeout_s, data=case["form"],
                                files={"file": (case["name"], case["data"])})
        stats["cases"] += 1
        stats["statuses"][response.status_code] += 1
        what = {"file": case["name"], "bytes": len(case["data"]), "damage": case["damage"], "form": case["form"]}
        if response.status_code >= 500:
            stats["server_errors"] += 1
            failures.append({**what, "status": response.status_code, "response": response.text[:300]})
            return
        if response.status_code not in (200, 201, 202):
            detail = response.json().get("detail", "") if "json" in response.headers.get("content-type", "") else ""
            stats["refusals"][str(detail)[:70]] += 1
            return
        job = _finish(session, url, response.json()["job"]["id"], headers, timeout_s)
        if job is None:
            stats["jobs"]["niet klaar"] += 1
            failures.append({**what, "job": "niet klaar binnen de tijd"})
            return
        stats["jobs"][job["status"]] += 1
        if job["status"] == "failed" and not (job["message"] or job["errors"]):
            failures.append({**what, "job": "mislukt zonder reden"})

    strategy = _strategy(files, options["scopes"], options["doc_types"], [d["id"] for d in listed])
    test = hseed(seed)(settings(max_examples=examples, deadline=None, database=None,
                                suppress_health_check=list(HealthCheck), phases=[Phase.generate])(
        given(case=strategy)(send)))
    say(f"uploads van echte documenten ({len(files)} voorbeeldbestanden, {examples} gevallen)")
    test()
    after = session.get(f"{url}/v1/documents", headers=headers, timeout=timeout_s)
    if after.status_code >= 500:
        stats["server_errors"] += 1
        failures.append({"operation": "GET /v1/documents na de uploads", "status": after.status_code})
    return {"cases": stats["cases"], "server_errors": stats["server_errors"],
            "statuses": {str(k): v for k, v in sorted(stats["statuses"].items())},
            "jobs": dict(stats["jobs"]), "refusals": dict(stats["refusals"].most_common()),
            "samples": stats["samples"], "failures": failures[:50]}
