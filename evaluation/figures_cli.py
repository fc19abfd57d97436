"""The figures commands of `vraagbaak`: load (concurrent chat users), fuzz (OpenAPI schema) and faults ingest
(`faults upload` is registered in evaluation/cli.py).

Each prints its figures and writes them as JSON under evaluation/results/; none asserts a target.
`faults` is a command group: `vraagbaak faults ingest` lives here; other fault runs register on `faults_app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli import _fail, app
from index.settings import get_settings

RESULTS = Path("evaluation/results")
faults_app = typer.Typer(help="Foutinjectie: processen hard stoppen en controleren wat er overblijft.",
                         no_args_is_help=True)
app.add_typer(faults_app, name="faults")


@app.command()
def load(
    users: Annotated[int, typer.Option("--users", min=1, help="Gelijktijdige chatgebruikers.")] = 20,
    questions: Annotated[int | None, typer.Option(
        "--questions", min=1, help="Vragen per gebruiker (zonder --duration standaard 5).")] = None,
    duration: Annotated[float | None, typer.Option(
        "--duration", min=0.1, help="Seconden; gebruikers stoppen daarna (ook als ze nog vragen hebben).")] = None,
    url: Annotated[str | None, typer.Option(
        "--url", help="Een draaiende server; zonder --url wordt 'vraagbaak serve' gestart.")] = None,
    corpus: Annotated[Path | None, typer.Option(
        "--corpus", help="Corpus voor de gestarte server (standaard het meegeleverde corpus).")] = None,
    api_key: Annotated[str | None, typer.Option(
        "--api-key", envvar="VRAAGBAAK_LOAD_API_KEY", help="Stuurt 'Authorization: Bearer KEY' mee.")] = None,
    think_ms: Annotated[float, typer.Option("--think-ms", min=0, help="Pauze van een gebruiker tussen vragen.")] = 0,
    server_pid: Annotated[int | None, typer.Option(
        "--server-pid", help="Met --url: pid van de server, om zijn CPU-tijd per chat te meten.")] = None,
    out: Annotated[Path, typer.Option("--out")] = RESULTS / "load.json",
) -> None:
    """Meet doorvoer (chats/s), p50/p95/max-latentie en fouten van N gelijktijdige chatgebruikers (POST /v1/chat)."""
    from evaluation.load import run_load

    if questions is None and duration is None:
        questions = 5
    if corpus is not None and not corpus.is_dir():
        _fail(f"Corpusmap '{corpus}' bestaat niet.")
    run_load(get_settings(), users=users, questions=questions, duration_s=duration, url=url, corpus=corpus,
             api_key=api_key, think_ms=think_ms, server_pid=server_pid, out=out)


@faults_app.command("ingest")
def faults_ingest(
    runs: Annotated[int, typer.Option("--runs", min=1, help="Aantal keer kill -9.")] = 10,
    corpus: Annotated[Path | None, typer.Option(
        "--corpus", help="Corpus (standaard het meegeleverde); er wordt een kopie geïndexeerd.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Zaad voor de momenten van de kill.")] = 13,
    out: Annotated[Path, typer.Option("--out")] = RESULTS / "faults_ingest.json",
) -> None:
    """Stop 'vraagbaak ingest' met kill -9 op willekeurige momenten; telt na de volgende ingest verloren en dubbele
    passages tegen een schone referentie-index."""
    from evaluation.ingest_faults import run_ingest_faults

    try:
        run_ingest_faults(get_settings(), corpus, runs, seed, out)
    except (ValueError, RuntimeError) as exc:
        _fail(str(exc))


@app.command()
def fuzz(
    max_examples: Annotated[int, typer.Option(
        "--max-examples", min=1, help="Voorbeelden per operatie en modus (positief en negatief).")] = 50,
    url: Annotated[str | None, typer.Option(
        "--url", help="Een draaiende server; zonder --url wordt 'vraagbaak serve' gestart.")] = None,
    api_key: Annotated[str | None, typer.Option(
        "--api-key", envvar="VRAAGBAAK_LOAD_API_KEY", help="Stuurt 'Authorization: Bearer KEY' mee.")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 13,
    out: Annotated[Path, typer.Option("--out")] = RESULTS / "fuzz.json",
    uploads: Annotated[int, typer.Option(
        "--uploads", min=0, help="Uploads van echte (soms beschadigde) documenten, met hun job gevolgd.")] = 20,
) -> None:
    """Schemathesis over het OpenAPI-schema: aantal geprobeerde gevallen per operatie en aantal 5xx-antwoorden; daarna
    uploads van echte documenten, beschadigd of niet, tot hun job klaar is."""
    try:
        import schemathesis  # noqa: F401

        from evaluation.fuzz import run_fuzz
    except ImportError:
        _fail('schemathesis ontbreekt: pip install -e ".[test,figures]"')
    run_fuzz(get_settings(), max_examples=max_examples, url=url, api_key=api_key, seed=seed, out=out,
             uploads=uploads)
