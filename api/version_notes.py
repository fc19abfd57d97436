"""Warnings that belong with an answer: a cited passage from an outdated version, or sources that disagree."""

from __future__ import annotations

import re

from haystack import Document

from api.dates import date_label

_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUMBER.findall(text)}


def _when(doc: Document) -> str:
    return date_label(doc.meta.get("date"), doc.meta.get("date_estimated", False)) or "datum onbekend"


def _region(doc: Document) -> str:
    return "regio " + " ".join(w.capitalize() for w in str(doc.meta.get("scope", "")).split("-"))


def version_notes(picked: list[tuple[int, Document, list[str]]]) -> list[str]:
    """Dutch notes for the cited passages: superseded versions first, then dated sources that disagree."""
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
    # Two passages from different documents, of different dates or regions, that state different numbers.
    for i, (n_a, doc_a, quote_a) in enumerate(picked):
        for n_b, doc_b, quote_b in picked[i + 1:]:
            if doc_a.meta.get("document_id") == doc_b.meta.get("document_id"):
                continue
            if doc_a.meta.get("superseded_by") or doc_b.meta.get("superseded_by"):
                continue  # already flagged as an older version above
            nums_a, nums_b = _numbers(" ".join(quote_a)), _numbers(" ".join(quote_b))
            if not nums_a or not nums_b or nums_a == nums_b:
                continue
            regions = {doc_a.meta.get("scope"), doc_b.meta.get("scope")} - {None, "landelijk"}
            if len(regions) == 2:  # two regions with their own rules: say whose rule is whose
                notes.append(f"Let op: [{n_a}] geldt in {_region(doc_a)} en [{n_b}] in {_region(doc_b)}; de regio's "
                             "noemen andere getallen.")
            elif doc_a.meta.get("date") and doc_b.meta.get("date") and doc_a.meta["date"] != doc_b.meta["date"]:
                # an undated source says nothing about which rule is newer
                notes.append(f"Let op: [{n_a}] ({_when(doc_a)}) en [{n_b}] ({_when(doc_b)}) zijn van verschillende "
                             "datum en noemen andere getallen; controleer welke regel nu geldt.")
    return notes
