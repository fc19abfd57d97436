"""Benchmark table ingestion: XLSX and CSV conversion throughput, and passages per table row of a Markdown corpus.

Generates a fictitious product table (codes like 90X001) of `--rows` rows as XLSX and as a ';' CSV, converts
each the way ingestion does (rows -> records "Header: cell; ..." with codes) and prints rows/s, best of
`--rounds` (CPU time too: the machine may be shared). With `--corpus` it also counts the passages that the
chunker cuts from that corpus and how many of them are table rows and carry codes.

    python -m evaluation.bench_tables [--rows 50000] [--rounds 2] [--corpus ../shared/reference/istandaarden]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path
from typing import Any

HEADER = ["Productcode", "Omschrijving", "Subsegment", "Tarief", "Eenheid", "Ingangsdatum"]


def _rows(n: int) -> list[list[Any]]:
    return [[f"{90 + i % 10}X{i % 1000:03d}", f"Fictief product {i}", f"Fictief subsegment {i % 40}",
             12.5 + i % 9, "01", f"2099-{1 + i % 12:02d}-01"] for i in range(n)]


def write_tables(folder: Path, n: int) -> tuple[Path, Path]:
    import openpyxl

    rows = _rows(n)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Producten")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    xlsx = folder / "producten.xlsx"
    workbook.save(xlsx)
    table = folder / "producten.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows([[str(c).replace(".", ",") if isinstance(c, float) else c for c in r] for r in rows])
    return xlsx, table


def time_conversion(path: Path, rounds: int) -> dict[str, float]:
    from ingest.converters import CONVERTERS, Limits
    from ingest.converters.sniff import sniff

    convert = CONVERTERS[sniff(path) or ""]
    best = {"seconds": float("inf"), "cpu_seconds": float("inf")}
    rows = 0
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        rows = sum(len(p.records) for p in convert(path, Limits()))
        best["seconds"] = min(best["seconds"], time.perf_counter() - wall)
        best["cpu_seconds"] = min(best["cpu_seconds"], time.process_time() - cpu)
    return {"rows": rows, **{k: round(v, 2) for k, v in best.items()}, "rows_per_s": round(rows / best["seconds"]),
            "rows_per_cpu_s": round(rows / best["cpu_seconds"]), "bytes": path.stat().st_size}


def count_passages(corpus: Path) -> dict[str, int]:
    from ingest.chunker import StructuredChunker
    from ingest.converters import FileConverter, SourceFile
    from ingest.manifest import load_manifest

    manifest = load_manifest(corpus)
    sources = [SourceFile(manifest.path_of(e), e, "bench") for e in manifest.documents]
    chunks = StructuredChunker().run(FileConverter().run(sources)["documents"])["documents"]
    return {"documents": len(sources), "passages": len(chunks),
            "table_rows": sum(c.meta.get("row") is not None for c in chunks),
            "with_codes": sum(bool(c.meta.get("codes")) for c in chunks),
            "words": sum(len((c.content or "").split()) for c in chunks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("evaluation/results/bench_tables.json"))
    args = parser.parse_args()
    results: dict[str, Any] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        xlsx, table = write_tables(Path(tmp), args.rows)
        for name, path in (("xlsx", xlsx), ("csv", table)):
            results[name] = time_conversion(path, args.rounds)
            r = results[name]
            print(f"{name}: {r['rows']} rows in {r['seconds']} s = {r['rows_per_s']} rows/s "
                  f"({r['rows_per_cpu_s']} rows/CPU-s), file {r['bytes'] // 1000} kB")
    if args.corpus is not None:
        results["corpus"] = {"path": str(args.corpus), **count_passages(args.corpus)}
        print("corpus:", json.dumps(results["corpus"], ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
