"""Conversion throughput per format (no embedding): PDF pages/s on the real PDFs, rows/s for XLSX and CSV,
files/s for DOCX and HTML on generated files. Formats whose converter is not available are skipped."""

from __future__ import annotations

import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.converters import CONVERTERS, FileConverter, SourceFile
from ingest.manifest import DocumentEntry

ROWS = 20_000


def _convert(files: list[Path]) -> tuple[float, list[Any], list[Any]]:
    sources = [SourceFile(f, DocumentEntry(id=f"f{i}", title=f.stem, file=f.name), f"h{i}")
               for i, f in enumerate(files)]
    started = time.perf_counter()
    result = FileConverter().run(sources)
    return time.perf_counter() - started, result["documents"], result["failures"]


def _units(documents: list[Any]) -> tuple[int, int]:
    pages = sum(1 for d in documents if d.meta.get("page"))
    rows = sum(len(d.meta.get("records") or []) for d in documents)
    return pages, rows


def _write_xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Conversie")
    sheet.append(["Oude productcode", "Omschrijving", "Nieuw subsegment", "Tarief"])
    for i in range(ROWS):
        sheet.append([f"99X{i:05d}", f"Fictief product {i}", f"Fictief subsegment {i % 40}", 12.5 + i % 7])
    book.save(path)


def _write_csv(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Oude productcode", "Omschrijving", "Nieuw subsegment"])
        writer.writerows([f"99X{i:05d}", f"Fictief product {i}", f"Fictief subsegment {i % 40}"] for i in range(ROWS))


def _write_docx(folder: Path, n: int = 20) -> list[Path]:
    from docx import Document as Docx

    files = []
    for i in range(n):
        doc = Docx()
        doc.add_heading(f"Notulen overleg {i} (fictief)", level=1)
        for j in range(30):
            doc.add_heading(f"Agendapunt {j}", level=2)
            doc.add_paragraph("De aanbieder stuurt het startbericht binnen vijf werkdagen na de start van de zorg. "
                              * 3)
        table = doc.add_table(rows=1, cols=3)
        for cell, text in zip(table.rows[0].cells, ("Code", "Omschrijving", "Termijn"), strict=True):
            cell.text = text
        for j in range(50):
            for cell, text in zip(table.add_row().cells, (f"9{j:03d}", f"Fictieve regel {j}", "5 werkdagen"),
                                  strict=True):
                cell.text = text
        path = folder / f"notulen_{i}.docx"
        doc.save(path)
        files.append(path)
    return files


def _write_html(folder: Path, n: int = 50) -> list[Path]:
    files = []
    for i in range(n):
        items = "".join(f"<details><summary>Vraag {j}: wanneer stuur ik bericht {300 + j}?</summary>"
                        f"<p>Binnen vijf werkdagen na de start van de zorg (fictief antwoord {j}).</p></details>"
                        for j in range(40))
        path = folder / f"faq_{i}.html"
        path.write_text(f"<!doctype html><html><head><title>FAQ {i}</title></head><body><nav>Menu</nav><main>"
                        f"<h1>Veelgestelde vragen {i}</h1>{items}</main><footer>Contact</footer></body></html>",
                        encoding="utf-8")
        files.append(path)
    return files


def _measure(label: str, files: Callable[[Path], list[Path]], rounds: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            paths = files(Path(tmp))
        except ImportError as exc:
            return {"skipped": f"{label}: {exc}"}
        times, documents, failures = [], [], []
        for _ in range(rounds):
            seconds, documents, failures = _convert(paths)
            times.append(seconds)
        pages, rows = _units(documents)
        seconds = statistics.median(times)
        out: dict[str, Any] = {"files": len(paths), "failed": len(failures), "seconds": round(seconds, 3),
                               "files_per_s": round(len(paths) / seconds, 1)}
        if pages:
            out |= {"pages": pages, "pages_per_s": round(pages / seconds, 1)}
        if rows:
            out |= {"rows": rows, "rows_per_s": round(rows / seconds)}
        return out


def bench_formats(reference: Path | None) -> dict[str, Any]:
    """Median of three conversion rounds per format."""
    results: dict[str, Any] = {}
    pdf_dir = reference.parent / "pdf" if reference is not None else None
    if "pdf" in CONVERTERS and pdf_dir is not None and pdf_dir.is_dir():
        results["pdf"] = _measure("pdf", lambda _: sorted(pdf_dir.glob("*.pdf")))
    if "xlsx" in CONVERTERS:
        results["xlsx"] = _measure("xlsx", lambda d: [_x(d / "conversie.xlsx", _write_xlsx)], rounds=1)
    if "csv" in CONVERTERS:
        results["csv"] = _measure("csv", lambda d: [_x(d / "conversie.csv", _write_csv)])
    if "docx" in CONVERTERS:
        results["docx"] = _measure("docx", _write_docx)
    if "html" in CONVERTERS:
        results["html"] = _measure("html", _write_html)
    return results


def _x(path: Path, writer: Callable[[Path], None]) -> Path:
    writer(path)
    return path


def print_formats(results: dict[str, Any]) -> None:
    if not results:
        return
    print("\nConversie per formaat (zonder embedding, mediaan van de rondes):")
    for name, r in results.items():
        if "skipped" in r:
            print(f"  {name:<6} overgeslagen: {r['skipped']}")
            continue
        unit = (f"{r['pages']} pagina's, {r['pages_per_s']} pagina's/s" if "pages" in r else
                f"{r['rows']:,} rijen, {r['rows_per_s']:,} rijen/s" if "rows" in r else
                f"{r['files_per_s']} bestanden/s")
        print(f"  {name:<6} {r['files']:>3} bestanden, {r['seconds']:>7.2f} s: {unit}"
              + (f"; {r['failed']} mislukt" if r["failed"] else ""))
