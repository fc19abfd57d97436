"""The `vraagbaak` command: ingest, ask, chat, search, serve, coverage, train (eval and bench are added by
evaluation/cli.py, the entry point, so that nothing in api/ imports evaluation/)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api.errors import VraagbaakError
from api.schemas import AskRequest
from index.settings import Settings, get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Vraagbaak: vragen over Wmo en Jeugdwet beantwoorden met controleerbare bronnen.")

RegionOpt = Annotated[str | None, typer.Option("--region", "-r", help="Regio, bv. achterhoek (plus landelijk).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Antwoord als JSON.")]
CorpusOpt = Annotated[Path | None, typer.Option(
    "--corpus", help="Ander corpus (bv. ../shared/reference): een eigen index (en ranker) in de datamap.")]


def _settings(corpus: Path | None = None) -> Settings:
    """The settings; with a corpus, that corpus's own index under the data directory."""
    if corpus is None:
        return get_settings()
    from index.settings import settings_for_corpus

    try:
        return settings_for_corpus(get_settings(), corpus)
    except ValueError as exc:
        _fail(str(exc))
        raise


def _fail(message: str, code: int = 2) -> None:
    typer.secho(f"Fout: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


class _Progress:
    """A tqdm progress bar on stderr for index building."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int, name: str) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.label, unit="doc", file=sys.stderr)
        self.bar.update(done - self.bar.n)
        self.bar.set_postfix_str(name[-40:])
        if done >= total:
            self.bar.close()


def _service(settings: Settings, purpose: str = "ask", public_url: str | None = None):  # noqa: ANN202
    from api.service import QAService

    service = QAService(settings, purpose=purpose, public_url=public_url)
    try:
        service.start(progress=_Progress("Index opbouwen"), progress_bar=sys.stderr.isatty(),
                      training_progress=_Bar("Ranker trainen (eenmalig)", "vraag"))
    except VraagbaakError as exc:
        service.close()
        _fail(exc.detail)
    if service.build_report:
        r = service.build_report
        typer.echo(f"Index opgebouwd: {r.indexed} documenten, {r.chunks_total} passages in {r.seconds:.1f} s.",
                   err=True)
    return service


def _print_answer(response: Any) -> None:
    if response.corrected_question:
        typer.secho(f"Gezocht als: {response.corrected_question}", dim=True)
    typer.echo(response.answer)
    if response.citations:
        typer.echo("")
        for c in response.citations:
            typer.secho(f"[{c.n}] «{c.quote}»", fg=typer.colors.CYAN)


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="De vraag.")] = None,
    region: RegionOpt = None,
    as_json: JsonOpt = False,
    batch: Annotated[Path | None, typer.Option(
        "--batch", help="JSONL met {question, region?, history?} per regel; history = eerdere vragen.")] = None,
    corpus: CorpusOpt = None,
) -> None:
    """Stel een vraag; het antwoord citeert de passages waarop het steunt."""
    if (question is None) == (batch is None):
        _fail("geef een vraag óf --batch BESTAND")
    settings = _settings(corpus)
    if batch is not None and not batch.is_file():
        _fail(f"batchbestand '{batch}' bestaat niet")
    if question is not None:
        try:
            request = AskRequest(question=question, region=region)
        except ValueError as exc:
            _fail(_validation_message(exc))
    service = _service(settings)
    try:
        if batch is not None:
            _ask_batch(service, batch)
            return
        response = service.ask(request.question, request.region)
        if as_json:
            typer.echo(response.model_dump_json(indent=2))
        else:
            _print_answer(response)
    except VraagbaakError as exc:
        _fail(exc.detail)
    finally:
        service.close()


def _validation_message(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in errors())
    return str(exc)


def _history(item: dict[str, Any]) -> list[str]:
    history = item.get("history") or []
    if not isinstance(history, list) or not all(isinstance(q, str) and q.strip() for q in history):
        raise ValueError("history moet een lijst met eerdere vragen (tekst) zijn")
    return [q.strip() for q in history]


def _ask_batch(service: Any, batch: Path) -> None:
    rewriter = None
    with batch.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                request = AskRequest(question=item.get("question", ""), region=item.get("region"))
                history = _history(item)
                if history:  # a follow-up: asked after the earlier questions, as in `vraagbaak chat`
                    from api.chat import build_rewriter, replay

                    rewriter = rewriter or build_rewriter(service)
                    out = replay(service, rewriter, history, request.question, request.region).model_dump()
                else:
                    out = service.ask(request.question, request.region).model_dump()
            except (ValueError, VraagbaakError) as exc:
                detail = exc.detail if isinstance(exc, VraagbaakError) else _validation_message(exc)
                out = {"error_code": "invalid_item", "detail": f"regel {lineno}: {detail}"}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()


@app.command()
def chat(
    region: RegionOpt = None,
    conversation: Annotated[str | None, typer.Option("--gesprek", help="Ga verder in dit gesprek (id).")] = None,
    corpus: CorpusOpt = None,
) -> None:
    """Een gesprek in de terminal: vervolgvragen, bronnen, /nieuw om opnieuw te beginnen."""
    from api.chat_cli import run_chat

    settings = _settings(corpus)
    service = _service(settings, purpose="chat")
    try:
        run_chat(service, settings, (region or "").strip().lower() or None, conversation)
    finally:
        service.close()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Zoekvraag.")],
    region: RegionOpt = None,
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=50)] = 5,
    doc_type: Annotated[list[str] | None, typer.Option("--doc-type", help="Alleen dit documenttype.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Alleen documenten vanaf JJJJ[-MM[-DD]].")] = None,
    as_json: JsonOpt = False,
    corpus: CorpusOpt = None,
) -> None:
    """Toon de best passende passages (zonder antwoordtekst)."""
    service = _service(_settings(corpus))
    try:
        result = service.search(query, region, top_k, doc_type, since)
    except VraagbaakError as exc:
        _fail(exc.detail)
    finally:
        service.close()
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    if not result.passages:
        typer.echo("Geen passages gevonden (controleer de filters).")
    for p in result.passages:
        where = f"blad {p.sheet}" if p.sheet else p.section or ""
        where = f"{where}, rij {p.row}" if p.row is not None else where
        typer.secho(f"{p.rank}. {p.title} — {where} ({p.score:.4f})", bold=True)
        typer.echo(f"   {p.text[:300]}")


@app.command()
def ingest(
    corpus: CorpusOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Indexeer een corpus; alleen wat veranderd is wordt opnieuw verwerkt. Met --corpus krijgt dat corpus een
    eigen index (dezelfde die ask/search/serve/eval/train met --corpus gebruiken)."""
    from api.service import embedding_model_for, open_store
    from ingest.manifest import ManifestError
    from ingest.runner import run_ingest

    settings = _settings(corpus)
    model = embedding_model_for(settings)
    try:
        store = open_store(settings, model, purpose="ingest")
    except VraagbaakError as exc:
        _fail(exc.detail)
    try:
        report = run_ingest(settings, store, model, progress=_Progress("Documenten"),
                            progress_bar=sys.stderr.isatty())
    except ManifestError as exc:
        _fail(str(exc))
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, default=str, indent=2))
    else:
        typer.echo(
            f"{report.documents} documenten: {report.indexed} (opnieuw) geïndexeerd, {report.unchanged} ongewijzigd, "
            f"{report.removed_documents} verwijderd, {report.failed} mislukt. Passages: {report.chunks_total} "
            f"(nieuw ingebed {report.chunks_embedded}, hergebruikt {report.chunks_reused}, verwijderd "
            f"{report.chunks_removed}). Tijd {report.seconds:.1f} s."
        )
        for failure in report.failures:
            typer.secho(f"  MISLUKT {failure.file}: {failure.reason}", fg=typer.colors.RED, err=True)
        if report.unsupported:
            shown = ", ".join(report.unsupported[:10]) + (" ..." if len(report.unsupported) > 10 else "")
            typer.secho(f"  Niet gelezen (bestandstype niet ondersteund): {len(report.unsupported)} bestand(en): "
                        f"{shown}", fg=typer.colors.YELLOW, err=True)
    _accounts(settings).audit(CLI_ACTOR, "reindex", corpus.name if corpus else None)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adres (standaard 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Poort (standaard 8000).")] = None,
    auth: Annotated[bool, typer.Option(
        "--auth", help="Alleen met een API-sleutel (vraagbaak users add / keys create); nodig op een ander adres "
                       "dan 127.0.0.1. Ook: VRAAGBAAK_AUTH__ENABLED=true.")] = False,
    corpus: CorpusOpt = None,
) -> None:
    """Start de HTTP-service (OpenAPI op /docs) op de ingebedde index."""
    import uvicorn

    from api.app import create_app
    from api.hardening import OPEN_MODE_NOTICE, check_bind

    settings = _settings(corpus)
    host = host or settings.host
    port = port or settings.port
    auth_settings = settings.auth.model_copy(update={"enabled": settings.auth.enabled or auth})
    settings = settings.model_copy(update={"host": host, "port": port, "auth": auth_settings})
    try:
        check_bind(settings, host)
    except ValueError as exc:
        _fail(str(exc))
    if settings.auth.enabled:
        active = _accounts(settings).count_active_keys()
        typer.secho(f"Aanmelden met API-sleutel staat aan ({active} actieve sleutel(s)).", err=True)
        if not active:
            typer.secho("Er is nog geen sleutel: maak er een met 'vraagbaak users add' en 'vraagbaak keys create'.",
                        fg=typer.colors.YELLOW, err=True)
    else:
        typer.secho(OPEN_MODE_NOTICE.format(host=host), fg=typer.colors.YELLOW, err=True)
    logging.getLogger("api").setLevel(logging.INFO)  # server events: aborted streams, expired conversations
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


users_app = typer.Typer(no_args_is_help=True, help="Gebruikers met een rol en regio's (in de gespreksdatabase).")
keys_app = typer.Typer(no_args_is_help=True, help="API-sleutels van gebruikers: maken (één keer getoond), "
                                                 "tonen, intrekken.")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
CLI_ACTOR = "cli"  # how the audit log names an action done on the command line (no person's name)


def _accounts(settings: Settings):  # noqa: ANN202
    from api.accounts import Accounts
    from api.storage import open_database

    try:
        return Accounts(open_database(settings.chat_database_url))
    except VraagbaakError as exc:
        _fail(exc.detail)
        raise


def _known_regions(settings: Settings) -> list[str] | None:
    """The regions in the index, or None when it cannot be read now (not built yet, or a server holds it)."""
    from api.service import embedding_model_for, open_store
    from index.store import VraagbaakDocumentStore

    if settings.embedded and not VraagbaakDocumentStore(str(settings.data_dir),
                                                        settings.embedding_model).shard_path.exists():
        return None
    try:
        store = open_store(settings, embedding_model_for(settings), purpose="users")
    except VraagbaakError:
        return None
    try:
        return store.regions() if store.count_documents() else None
    finally:
        store.close()


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Gebruikersnaam (letters, cijfers, . _ @ -).")],
    role: Annotated[str, typer.Option("--role", help="vrager, documentatie of beheer.")] = "vrager",
    region: Annotated[list[str] | None, typer.Option(
        "--region", "-r", help="Regio waaraan de gebruiker gebonden is (herhaalbaar); landelijk hoort er altijd bij.")
    ] = None,
    all_regions: Annotated[bool, typer.Option("--alle-regios", help="Niet aan regio's gebonden.")] = False,
) -> None:
    """Voeg een gebruiker toe met een rol en zijn regio's."""
    from api.accounts import check_regions

    settings = get_settings()
    if bool(region) == all_regions:
        _fail("geef --region (één of meer) óf --alle-regios")
    regions = None
    if region:
        known = _known_regions(settings)
        if known is None:
            typer.secho("Index niet te lezen (nog niet gebouwd of in gebruik door de server): regio's alleen op vorm "
                        "gecontroleerd.", fg=typer.colors.YELLOW, err=True)
        try:
            regions = check_regions(region, known)
        except ValueError as exc:
            _fail(str(exc))
    try:
        user = _accounts(settings).add_user(name, role, regions, CLI_ACTOR)
    except ValueError as exc:
        _fail(str(exc))
    where = ", ".join(user.regions) + " (+ landelijk)" if user.regions else "alle regio's"
    typer.echo(f"Gebruiker '{user.name}' toegevoegd: rol {user.role}, {where}. "
               f"Maak een sleutel met: vraagbaak keys create --user {user.name}")


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """Toon de gebruikers met rol, regio's en aantal actieve sleutels."""
    accounts = _accounts(get_settings())
    keys = accounts.list_keys()
    rows = [{"name": u.name, "role": u.role, "regions": list(u.regions) if u.regions else None,
             "active_keys": sum(1 for k in keys if k.user_id == u.id and k.active),
             "created_at": u.created_at.isoformat(timespec="seconds")} for u in accounts.list_users()]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("Nog geen gebruikers. Voeg er een toe met 'vraagbaak users add NAAM --role beheer --alle-regios'.")
    for row in rows:
        where = ", ".join(row["regions"]) if row["regions"] else "alle regio's"
        typer.echo(f"{row['name']}\t{row['role']}\t{where}\t{row['active_keys']} actieve sleutel(s)")


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="Gebruikersnaam.")]) -> None:
    """Verwijder een gebruiker met al zijn sleutels (die meteen niet meer werken)."""
    try:
        _accounts(get_settings()).remove_user(name, CLI_ACTOR)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo(f"Gebruiker '{name}' en zijn sleutels verwijderd.")


@keys_app.command("create")
def keys_create(
    user: Annotated[str, typer.Option("--user", "-u", help="Gebruikersnaam.")],
    label: Annotated[str | None, typer.Option("--label", help="Waarvoor de sleutel is, bv. 'laptop'.")] = None,
    days: Annotated[float | None, typer.Option("--dagen", min=0.001, help="Verloopt na zoveel dagen.")] = None,
) -> None:
    """Maak een API-sleutel; hij wordt alleen nu getoond (stdout), daarna is alleen zijn hash bewaard."""
    from datetime import timedelta

    try:
        key, token = _accounts(get_settings()).create_key(user, CLI_ACTOR, label,
                                                          timedelta(days=days) if days else None)
    except ValueError as exc:
        _fail(str(exc))
    expires = f", verloopt {key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else ""
    typer.secho(f"Sleutel {key.id} voor '{key.user_name}'{expires}. Bewaar hem nu: hij wordt niet nog eens getoond.",
                err=True)
    typer.echo(token)


@keys_app.command("list")
def keys_list(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Alleen van deze gebruiker.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Toon de sleutels (id, gebruiker, status); de sleutels zelf zijn niet opgeslagen."""
    keys = _accounts(get_settings()).list_keys(user)
    rows = [{"id": k.id, "user": k.user_name, "label": k.label, "active": k.active,
             "created_at": k.created_at.isoformat(timespec="seconds"),
             "expires_at": k.expires_at.isoformat(timespec="seconds") if k.expires_at else None,
             "revoked_at": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else None} for k in keys]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        status = "actief" if row["active"] else ("ingetrokken" if row["revoked_at"] else "verlopen")
        typer.echo(f"{row['id']}\t{row['user']}\t{row['label'] or '-'}\t{status}\t{row['created_at']}")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="Sleutel-id (uit 'keys list') of de sleutel zelf.")]
                ) -> None:
    """Trek een sleutel in; ook een draaiende server weigert hem meteen."""
    try:
        _accounts(get_settings()).revoke_key(key_id, CLI_ACTOR)
    except ValueError as exc:
        _fail(str(exc))
    typer.echo("Sleutel ingetrokken.")


@app.command()
def coverage(
    questions: Annotated[Path | None, typer.Option(
        "--questions", help="CSV (kolom 'question') of JSONL met vragen; zonder: het vragenlogboek.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Map voor coverage.html en coverage.json.")] = Path(
        "evaluation/results/coverage"),
    region: RegionOpt = None,
    days: Annotated[float | None, typer.Option("--dagen", help="Uit het logboek: alleen de laatste N dagen.")] = None,
) -> None:
    """Dekkingsrapport: welke vragen krijgen een goed, zwak of geen antwoord, welke documenten worden niet gebruikt."""
    from api.coverage import build_report, metric_history, questions_from_log, read_questions, write_report

    settings = get_settings()
    if questions is not None:
        try:
            items = read_questions(questions)
        except ValueError as exc:
            _fail(str(exc))
        source = str(questions)
    else:
        from datetime import timedelta

        from api.question_log import QuestionLog
        from api.storage import open_database

        try:
            engine = open_database(settings.chat_database_url)
        except VraagbaakError as exc:
            _fail(exc.detail)
        log = QuestionLog(engine, settings.log.enabled, timedelta(days=settings.log.retention_days))
        items = questions_from_log(log, days)
        engine.dispose()
        source = "het vragenlogboek"
    if not items:
        _fail(f"Geen vragen gevonden in {source}.")
    for item in items:
        item.region = item.region or region
    service = _service(settings, purpose="coverage")
    try:
        report = build_report(service, items, source)
    finally:
        service.close()
    json_path, html_path = write_report(report, out, metric_history(Path("evaluation/results")))
    t = report["totals"]
    typer.echo(f"{report['questions']} vragen: {t['answered']} beantwoord, {t['weak']} zwak, "
               f"{t['not_answered']} niet beantwoord; {len(report['topics'])} onderwerpen; {report['seconds']} s.")
    typer.echo(f"Rapport: {html_path} en {json_path}")


@app.command()
def train(
    corpus: CorpusOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Train de herrangschikker op vraag-antwoordparen uit het corpus zelf (FAQ-vragen, regeltitels, kopjes,
    codelijstrijen); het model komt naast de index in de datamap en wordt bij de volgende start gebruikt."""
    from api.answering.pipeline import build_speller
    from api.answering.training import train_ranker
    from api.service import embedding_model_for, open_store
    from ingest.runner import run_ingest

    settings = _settings(corpus)
    model = embedding_model_for(settings)
    model.warm_up()
    try:
        store = open_store(settings, model, purpose="train")
    except VraagbaakError as exc:
        _fail(exc.detail)
    try:
        if store.count_documents() == 0:
            typer.echo("Index is leeg: eerst opbouwen uit het corpus.", err=True)
            run_ingest(settings, store, model, progress=_Progress("Index opbouwen"), progress_bar=sys.stderr.isatty())
        bar = _Bar("Trainingsvragen", "vraag")
        report = train_ranker(settings, store, model, build_speller(settings, store), progress=bar)
    except ValueError as exc:
        _fail(str(exc))
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    kinds = ", ".join(f"{k} {v}" for k, v in report.pairs_by_kind.items())
    typer.echo(f"Ranker getraind in {report.seconds:.1f} s op {report.usable_pairs} van {report.pairs} paren "
               f"({kinds}); {report.rows} kandidaten. Achtergehouden paren: MRR@10 {report.held_out_mrr_before:.3f} -> "
               f"{report.held_out_mrr_after:.3f}. Model {report.size_bytes / 1e6:.1f} MB in {report.directory}.")


class _Bar:
    """A tqdm bar on stderr for a loop with a known length."""

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.label, unit=self.unit, file=sys.stderr, disable=None)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":  # `python -m api.cli` (without eval and bench, which evaluation/cli.py adds)
    main()
