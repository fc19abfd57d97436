"""The `vraagbaak` entry point: the service's commands (api/cli.py) plus eval and bench."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import CorpusOpt, _fail, _settings, app, main
from evaluation.bench import run_bench
from evaluation.calibrate import run_calibration
from evaluation.dataset import sets_for
from evaluation.figures_cli import faults_app  # registers load, fuzz and the faults group
from evaluation.runner import run_evaluation
from evaluation.upload_faults import run_upload_faults
from index.settings import get_settings


@app.command("eval")
def evaluate(
    dataset: Annotated[list[Path] | None, typer.Option("--dataset", help="JSONL-vragenset(s).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Resultatenbestand (JSON).")] = Path(
        "evaluation/results/latest.json"),
    modes: Annotated[str, typer.Option(help="Komma-gescheiden: hybrid,dense,bm25")] = "hybrid,dense,bm25",
    corpus: CorpusOpt = None,
    compare_with: Annotated[Path | None, typer.Option(
        "--compare", help="Eerder resultatenbestand (bv. evaluation/baseline/seeds.json): wat is beter/slechter?"
    )] = None,
    typos: Annotated[bool, typer.Option(
        "--typos", help="Elke vraag met één tikfout (twee letters verwisseld in het langste woord).")] = False,
    split: Annotated[str | None, typer.Option(
        "--split", help="dev, blind of all: de sets van die split voor dit corpus (zie evaluation/datasets).")] = None,
    no_accents: Annotated[bool, typer.Option(
        "--zonder-accenten", help="Elke vraag (en het gesprek ervoor) getypt zonder accenten: beeindiging, client."
    )] = False,
    lowercase: Annotated[bool, typer.Option(
        "--kleine-letters", help="Elke vraag (en het gesprek ervoor) in kleine letters getypt: vot, jw305, brp."
    )] = False,
    message: Annotated[bool, typer.Option(
        "--als-bericht", help="Elke vraag als bericht aan een helpdesk: met aanhef, groet en naam ('Goedemiddag, ... "
                              "Groet, Marieke')."
    )] = False,
    capitals: Annotated[bool, typer.Option(
        "--hoofdletters", help="Elke vraag (en het gesprek ervoor) getypt met caps lock: WAT IS EEN VOT.")] = False,
    personal: Annotated[bool, typer.Option(
        "--met-persoonsgegevens", help="Elke vraag na een notitie met naam, BSN en datum: 'Over cliënt Jan Jansen "
                                       "(BSN 123456782, 01-02-2025): ...'.")] = False,
) -> None:
    """Meet hit@1, hit@5, MRR@10, geciteerde antwoordpassages en terecht weigeren op de evaluatieset(s)."""
    settings = _settings(corpus)
    if split is not None:
        if dataset:
            _fail("geef --dataset óf --split")
        try:
            dataset = sets_for(split, "reference" if corpus is not None else "seeds")
        except ValueError as exc:
            _fail(str(exc))
    run_evaluation(settings, dataset, out, [m.strip() for m in modes.split(",") if m.strip()], compare_with, typos,
                   no_accents, lowercase, message, capitals, personal)


@app.command()
def calibrate(
    dataset: Annotated[list[Path] | None, typer.Option(
        "--dataset", help="JSONL-vragenset(s); standaard de dev-sets van dit corpus.")] = None,
    corpus: CorpusOpt = None,
) -> None:
    """Kies de weigerdrempel (min_relevance) van deze index op de dev-vragen en sla hem naast de index op."""
    settings = _settings(corpus)
    sets = dataset or sets_for("dev", "reference" if corpus is not None else "seeds")
    try:
        run_calibration(settings, sets)
    except ValueError as exc:
        _fail(f"Kalibratie niet mogelijk: {exc}")


@app.command()
def bench(
    reference: Annotated[
        Path | None, typer.Option(help="Referentiecorpus (standaard ../shared/reference/istandaarden).")
    ] = None,
    out: Annotated[Path, typer.Option("--out")] = Path("evaluation/results/bench.json"),
    no_reference: Annotated[bool, typer.Option("--no-reference", help="Alleen het seed-corpus.")] = False,
) -> None:
    """Meet ingest-doorvoer, her-ingest, vraaglatentie (in-process en HTTP) en geheugen."""
    run_bench(get_settings(), reference, out, skip_reference=no_reference)


def upload_faults(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Aantal keer kill -9 tijdens het indexeren.")] = 10,
    seed: Annotated[int, typer.Option(help="Zaad voor de willekeurige momenten.")] = 0,
    out: Annotated[Path, typer.Option("--out")] = Path("evaluation/results/upload_faults.json"),
) -> None:
    """Dood de server (kill -9) tijdens het indexeren van uploads en controleer dat geen document half zichtbaar is."""
    run_upload_faults(get_settings(), runs, out, seed)


faults_app.command("upload")(upload_faults)
app.command("upload-faults", hidden=True)(upload_faults)  # the earlier name of `vraagbaak faults upload`


__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
