"""`vraagbaak chat`: the conversation in a terminal, with the same follow-up behaviour as the web page."""

from __future__ import annotations

import textwrap

import typer

from api.answering.followup_terms import region_name
from api.chat import ChatService
from api.chat_schemas import ChatResponse
from api.errors import ErrorCode, VraagbaakError
from api.schemas import clean_question
from api.service import QAService
from index.settings import Settings

HELP = (
    "Stel een vraag; vervolgvragen mogen (\"En als de zorg stopt?\").\n"
    "  /nieuw            begin een nieuw gesprek\n"
    "  /regio [NAAM]     kies een regio (zonder naam: alle regio's)\n"
    "  /bron N           toon passage N van het laatste antwoord\n"
    "  /goed, /fout [toelichting]   beoordeel het laatste antwoord\n"
    "  /stop             stoppen (of Ctrl-D)"
)
WIDTH = 100


def _wrap(text: str, indent: str = "", hanging: str | None = None) -> str:
    rest = indent if hanging is None else hanging
    return "\n".join(textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=rest) if line else ""
                     for line in text.split("\n"))


def print_turn(response: ChatResponse) -> None:
    if response.followup and response.standalone_question != response.question:
        typer.secho(f"Gezocht naar: {response.standalone_question}", fg=typer.colors.BRIGHT_BLACK)
    if response.rewrite_note:
        typer.secho(response.rewrite_note, fg=typer.colors.BRIGHT_BLACK)
    body = response.answer.split("\n\nBronnen:\n")[0]
    typer.echo(_wrap(body))
    for c in response.citations:
        where = ", ".join(p for p in (c.section, f"p. {c.page}" if c.page else None) if p)
        parts = [c.title, c.publisher, region_name(c.scope) if c.scope != "landelijk" else "landelijk",
                 c.date_label or c.date or "", where]
        typer.secho(_wrap(f"[{c.n}] " + " — ".join(p for p in parts if p), "", "    "), fg=typer.colors.CYAN)
        typer.echo(_wrap(f"«{c.quote}»", "    "))


def _show_passage(response: ChatResponse | None, arg: str) -> None:
    if response is None or not response.citations:
        typer.echo("Er is nog geen antwoord met bronnen.")
        return
    citation = next((c for c in response.citations if str(c.n) == arg.strip()), None)
    if citation is None:
        typer.echo(f"Kies een bron tussen 1 en {len(response.citations)}.")
        return
    typer.secho(f"[{citation.n}] {citation.title}", bold=True)
    text = citation.text
    start = text.find(citation.quote)
    if start < 0:
        typer.echo(_wrap(text))
        return
    end = start + len(citation.quote)
    typer.echo(text[:start], nl=False)
    typer.secho(citation.quote, bold=True, underline=True, nl=False)
    typer.echo(text[end:])


def run_chat(service: QAService, settings: Settings, region: str | None, conversation_id: str | None) -> None:
    """Read questions from stdin until /stop or end of input."""
    chat = ChatService(service, settings)
    last: ChatResponse | None = None
    try:
        if region and region not in service.regions:
            raise VraagbaakError(ErrorCode.UNKNOWN_REGION, f"Onbekende regio '{region}'. Kies uit: "
                                 f"{', '.join(service.regions)}.")
        if conversation_id:
            earlier = chat.conversation(conversation_id)
            typer.echo(f"Verder in gesprek {conversation_id} ({len(earlier.turns)} eerdere vragen).")
        typer.echo(f"Vraagbaak — gesprek in de terminal. Regio: {region_name(region) if region else 'alle regio’s'}.")
        typer.echo(HELP)
        while True:
            try:
                line = input("\nVraag> ").strip()
            except (EOFError, KeyboardInterrupt):
                typer.echo("")
                break
            if not line:
                continue
            command, _, arg = line.partition(" ")
            if command in ("/stop", "/exit", "/quit"):
                break
            if command == "/nieuw":
                conversation_id, last = None, None
                typer.echo("Nieuw gesprek gestart.")
                continue
            if command == "/help":
                typer.echo(HELP)
                continue
            if command == "/regio":
                choice = arg.strip().lower() or None
                if choice and choice not in service.regions:
                    typer.echo(f"Onbekende regio. Kies uit: {', '.join(service.regions)}.")
                    continue
                region = choice
                typer.echo(f"Regio: {region_name(region) if region else 'alle regio’s'}.")
                continue
            if command == "/bron":
                _show_passage(last, arg)
                continue
            if command in ("/goed", "/fout"):
                if last is None or not last.answer_id:
                    typer.echo("Er is nog geen antwoord om te beoordelen.")
                    continue
                chat.add_feedback(last.answer_id, "up" if command == "/goed" else "down", arg.strip() or None)
                typer.echo("Bedankt, uw beoordeling is opgeslagen.")
                continue
            if command.startswith("/"):
                typer.echo(f"Onbekende opdracht {command}. Typ /help.")
                continue
            try:
                last = chat.chat(clean_question(line), conversation_id, region)
            except ValueError as exc:
                typer.secho(f"Fout: {exc}", fg=typer.colors.RED)
                continue
            except VraagbaakError as exc:
                typer.secho(f"Fout: {exc.detail}", fg=typer.colors.RED)
                if exc.code == ErrorCode.NOT_FOUND:
                    conversation_id = None
                continue
            conversation_id = last.conversation_id
            print_turn(last)
    except VraagbaakError as exc:
        typer.secho(f"Fout: {exc.detail}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    finally:
        chat.close()
    if conversation_id:
        typer.echo(f"Gesprek bewaard als {conversation_id} (verder met: vraagbaak chat --gesprek {conversation_id}).")
