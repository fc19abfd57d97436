"""Dutch sentence splitting that respects abbreviations (o.a., t.b.v., n.a.v.) and numbered items."""

from __future__ import annotations

import re

_ABBREVIATIONS = (
    "o.a.", "t.b.v.", "n.a.v.", "o.b.v.", "m.b.t.", "i.p.v.", "z.s.m.", "d.w.z.", "t.z.t.", "i.v.m.",
    "bijv.", "bv.", "nr.", "art.", "max.", "min.", "ca.", "incl.", "excl.", "jl.", "e.d.", "resp.",
    "m.u.v.", "t.o.v.", "o.v.v.", "evt.", "vnl.", "zgn.", "m.i.v.", "i.o.m.", "p.p.", "etc.", "dhr.",
    "mevr.", "mw.", "drs.", "mr.", "ir.", "dr.", "prof.", "z.o.z.", "e.v.", "t/m.", "blz.", "pag.",
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9À-Ö])")
# Also before a list item run into the same line ("... .nl. - Alle feedback ...": a list whose items a converter
# made one paragraph).
_ITEM_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=(?:[-•*]\s+)?[\"'“‘(]?[A-Z0-9À-Ö])")
# Users type on in lower case after a full stop ("... geen reactie. hoe lang mag de gemeente ...?").
_TYPED_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Za-z0-9À-ÖØ-öø-ÿ])")


def _ends_told_number(words: list[str], before: str) -> bool:
    """In a typed message, a number after two or more words ends the sentence ("..., eerst was het 6 nu 4. Mag
    de gemeente ...?"), unless it numbers a list: after a colon ("twee vragen: 1. Welk ...") or after the number
    before it ("1. Opening 2. Vaststellen")."""
    if len(words) < 3 or not words[-1][:1].isdigit() or words[-2].endswith(":"):
        return False
    number = int(re.sub(r"\D", "", words[-1]))
    return not (number > 1 and re.search(rf"(?<!\S){number - 1}[.)](?=\s)", before))


def split_sentences(text: str, list_items: bool = False, typed: bool = False) -> list[str]:
    """Split a paragraph into sentences; never splits inside a known abbreviation or '1. ' numbering. With
    `list_items`, a list item run into the line ("... mailen. - De SDD neemt ...") starts a sentence of its own; with
    `typed` (a user's message), a sentence may also start in lower case."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    boundary = _TYPED_BOUNDARY if typed else _ITEM_BOUNDARY if list_items else _BOUNDARY
    for match in boundary.finditer(text):
        candidate = text[start : match.start()].rstrip()
        words = candidate.rsplit(" ", 2)
        last_word = words[-1].lower()
        if last_word in _ABBREVIATIONS:
            continue  # "o.a. De"
        numbered = re.fullmatch(r"\(?(?:\d{1,2}|[a-z])[.)]", last_word)
        if numbered and not (typed and _ends_told_number(words, candidate)):
            continue  # "1. Opening", "a. De pilot"
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def question_sentence(text: str) -> str | None:
    """The last sentence when it asks something and the text has more than that sentence; else None. A short
    afterthought ("Vanwege privacy?") is no question of its own."""
    sentences = split_sentences(text, typed=True)
    last = sentences[-1] if sentences else ""
    # "Over cliënt X (01-02-2025): welk bericht stuur ik ...?": a note before a colon is told, the rest asked
    head, colon, asked = last.rpartition(": ")
    if colon and "?" not in head and len(asked.split()) >= 4:
        sentences, last = [*sentences[:-1], head, asked], asked
    asks = last.rstrip().endswith("?") or _INDIRECT.search(last)
    if len(sentences) < 2 or not asks or len(last.split()) < 4:
        return None
    return last


# A question asked as a statement: "Ik begrijp niet goed welk bericht we nu moeten sturen.", "Ik vraag me af of ..."
_INDIRECT = re.compile(
    r"\b(?:(?:ik|wij|we) (?:begrijp|begrijpen|snap|snappen|weet|weten) (?:niet|nog niet)(?: goed| precies| zo goed)?"
    r"|(?:ik|wij|we) (?:vraag|vragen) (?:me|mij|ons) af|(?:ik|wij|we) (?:wil|willen) (?:graag )?weten"
    r"|(?:het )?is (?:ons |mij |me )?(?:niet )?(?:duidelijk|onduidelijk))"
    r"\s+(?:\w+\s+){0,2}?(?:welk|welke|wat|hoe|wanneer|of|waarom|wie|waar|hoeveel|hoelang)\b",
    re.IGNORECASE)
