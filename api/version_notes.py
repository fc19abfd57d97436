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
    # Two passages from different documents and dates that state different numbers on the same question.
    for i, (n_a, doc_a, quote_a) in enumerate(picked):
        for n_b, doc_b, quote_b in picked[i + 1:]:
            if doc_a.meta.get("document_id") == doc_b.meta.get("document_id"):
                continue
            if doc_a.meta.get("superseded_by") or doc_b.meta.get("superseded_by"):
                continue  # already flagged as an older version above
            if not doc_a.meta.get("date") or not doc_b.meta.get("date") or doc_a.meta["date"] == doc_b.meta["date"]:
                continue  # an undated source says nothing about which rule is newer
            nums_a, nums_b = _numbers(" ".join(quote_a)), _numbers(" ".join(quote_b))
            if nums_a and nums_b and nums_a != nums_b:
                notes.append(f"Let op: [{n_a}] ({_when(doc_a)}) en [{n_b}] ({_when(doc_b)}) zijn van verschillende "
                             "datum en noemen andere getallen; controleer welke regel nu geldt.")
    return notes
