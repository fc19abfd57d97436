"""Warnings that belong with an answer: a cited passage from an outdated version, or sources that disagree."""

from __future__ import annotations

import re
from collections.abc import Callable

from haystack import Document

from api.dates import date_label

_WORDS = {"twee": "2", "drie": "3", "vier": "4", "vijf": "5", "zes": "6", "zeven": "7", "acht": "8", "negen": "9",
          "tien": "10", "elf": "11", "twaalf": "12", "veertien": "14", "twintig": "20", "dertig": "30",
          "veertig": "40", "vijftig": "50", "zestig": "60", "honderd": "100"}
_UNITS = {"werkdag": "werkdag", "kalenderdag": "dag", "dag": "dag", "etmal": "dag", "week": "week", "wek": "week",
          "maand": "maand", "jaar": "jaar", "jar": "jaar", "uur": "uur", "ur": "uur", "minuut": "minuut",
          "minut": "minuut", "procent": "procent", "%": "procent", "euro": "euro"}
_QUANTITY = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?|" + "|".join(_WORDS) + r")\s*"
                       r"(%|werkdag|kalenderdag|dag|etmal|week|wek|maand|jaar|jar|uur|ur|minuut|minut|procent|euro)"
                       r"(?:en|s)?(?![A-Za-z])",
                       re.IGNORECASE)


def _quantities(text: str) -> dict[str, set[str]]:
    """The amounts a quote states, per unit: {"werkdag": {"5"}}; "vijf werkdagen" and "5 werkdagen" are equal.
    Bare numbers (message codes such as 305, years, article numbers) are no amounts and never disagree."""
    found: dict[str, set[str]] = {}
    for number, unit in _QUANTITY.findall(text):
        value = _WORDS.get(number.lower(), number.replace(",", "."))
        found.setdefault(_UNITS[unit.lower()], set()).add(value)
    return found


# A quote's sentences, and the items of a list run into one line ("- Binnen 3 werkdagen retourbericht - ...").
_PIECES = re.compile(r"(?<=[.;!?])\s+|(?:^|\s)[-•*]\s+")


def _amounts(quote: list[str], about: Callable[[str], bool] | None) -> dict[str, set[str]]:
    """The amounts of the quote's sentences that are about what was asked (`about`; None: every sentence)."""
    found: dict[str, set[str]] = {}
    for piece in (p for sentence in quote for p in _PIECES.split(sentence)):
        if about is None or about(piece):
            for unit, values in _quantities(piece).items():
                found.setdefault(unit, set()).update(values)
    return found


def _disagree(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Both name an amount in the same unit, and the amounts differ ("5 werkdagen" / "8 werkdagen")."""
    return any(a[unit] != b[unit] for unit in a.keys() & b.keys())


def _when(doc: Document) -> str:
    return date_label(doc.meta.get("date"), doc.meta.get("date_estimated", False)) or "datum onbekend"


def _region(doc: Document) -> str:
    return "regio " + " ".join(w.capitalize() for w in str(doc.meta.get("scope", "")).split("-"))


def _numbers(ns: list[int]) -> str:
    return ", ".join(f"[{n}]" for n in ns)


def version_notes(picked: list[tuple[int, Document, list[str]]],
                  about: Callable[[str], bool] | None = None) -> list[str]:
    """Dutch notes for the cited passages: superseded versions first, then dated sources that disagree.

    `about` tells whether a sentence is about what was asked: only such sentences' amounts can disagree. Without it
    "Binnen 3 werkdagen retourbericht" in a meeting report contradicted "het startbericht binnen 5 werkdagen" for a
    question about the startbericht. Two documents that disagree get one note, with all their cited passages."""
    notes: list[str] = []
    for n, doc, _ in picked:
        meta = doc.meta
        if not meta.get("superseded_by"):
            continue
        version = f" (versie {meta['version']})" if meta.get("version") else ""
        newest = meta.get("superseded_by_title") or meta["superseded_by"]
        newest_date = date_label(meta.get("superseded_by_date"))
        notes.append(f"Let op: [{n}] komt uit een oudere versie{version} van {_when(doc)}; de nieuwste versie is "
                     f"'{newest}'" + (f" van {newest_date}." if newest_date else "."))
    # Passages from two different documents, of different dates or regions, that state different amounts.
    amounts = {n: _amounts(quote, about) for n, _, quote in picked}
    pairs: dict[frozenset[str], dict[str, tuple[Document, list[int]]]] = {}  # per two documents: their numbers
    for i, (n_a, doc_a, _) in enumerate(picked):
        for n_b, doc_b, _ in picked[i + 1:]:
            id_a, id_b = str(doc_a.meta.get("document_id")), str(doc_b.meta.get("document_id"))
            if id_a == id_b:
                continue
            if doc_a.meta.get("superseded_by") or doc_b.meta.get("superseded_by"):
                continue  # already flagged as an older version above
            if not _disagree(amounts[n_a], amounts[n_b]):
                continue
            regions = {doc_a.meta.get("scope"), doc_b.meta.get("scope")} - {None, "landelijk"}
            dated = doc_a.meta.get("date") and doc_b.meta.get("date") and doc_a.meta["date"] != doc_b.meta["date"]
            if len(regions) == 2 or dated:  # an undated source says nothing about which rule is newer
                pair = pairs.setdefault(frozenset((id_a, id_b)), {})
                for doc_id, n, doc in ((id_a, n_a, doc_a), (id_b, n_b, doc_b)):
                    numbers = pair.setdefault(doc_id, (doc, []))[1]
                    if n not in numbers:
                        numbers.append(n)
    for pair in pairs.values():
        (doc_a, ns_a), (doc_b, ns_b) = sorted(pair.values(), key=lambda entry: min(entry[1]))
        regions = {doc_a.meta.get("scope"), doc_b.meta.get("scope")} - {None, "landelijk"}
        if len(regions) == 2:  # two regions with their own rules: say whose rule is whose
            notes.append(f"Let op: {_numbers(sorted(ns_a))} geldt in {_region(doc_a)} en {_numbers(sorted(ns_b))} "
                         f"in {_region(doc_b)}; de regio's noemen andere getallen.")
        else:
            notes.append(f"Let op: {_numbers(sorted(ns_a))} ({_when(doc_a)}) en {_numbers(sorted(ns_b))} "
                         f"({_when(doc_b)}) zijn van verschillende datum en noemen andere getallen; controleer welke "
                         "regel nu geldt.")
    return notes
