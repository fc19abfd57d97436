"""Pair mining: (question, answering passages) from the corpus's own structure, varied like user typing."""

from __future__ import annotations

import random

from haystack import Document

from api.answering.pairs import mine_pairs, text_key, vary


def _doc(document_id: str, content: str, title: str, path: list[str], row: int | None = None) -> Document:
    return Document(content=content, meta={"document_id": document_id, "title": title, "heading_path": path,
                                           "row": row, "context": f"{title} | {' > '.join(path)}"})


def _corpus() -> list[Document]:
    docs = [
        _doc("faq", "Welk bericht stuur ik als de zorg start?\nDe aanbieder stuurt binnen vijf werkdagen een 305.",
             "Veelgestelde vragen", ["Berichten", "Welk bericht stuur ik als de zorg start?"]),
        _doc("op272", "De aanbieder moet een stopbericht verzenden binnen vijf werkdagen na de einddatum.",
             "OP272 — De aanbieder verzendt een stopbericht binnen vijf werkdagen", ["Definitie"]),
        _doc("jz588", "Code: 02; Omschrijving: Overlijden", "JZ588 Reden beëindiging", [], row=2),
        _doc("sap", "Bij een verhuizing binnen de gemeente blijft de toewijzing geldig tot de einddatum ervan.",
             "Standaard administratieprotocol", ["Verhuizing van de cliënt binnen de gemeente"]),
    ]
    # A heading every document has ("Toelichting") names a part, not a subject: no pairs from it.
    docs += [_doc(f"regel{i}", f"Toelichting bij regel {i}: de gemeente controleert het bericht op volledigheid.",
                  f"OP{300 + i} — Regel nummer {i} over berichten", ["Toelichting"]) for i in range(5)]
    return docs


def test_mines_each_kind_with_its_answer() -> None:
    pairs = mine_pairs(_corpus(), seed=1)
    by_kind = {p.kind: p for p in pairs}
    assert {"faq", "title", "row", "heading", "sentence"} <= set(by_kind)
    faq = by_kind["faq"]
    assert text_key(_corpus()[0].content) in faq.positives
    rows = [p for p in pairs if p.kind == "row"]
    assert rows and all(text_key("Code: 02; Omschrijving: Overlijden") in p.positives for p in rows)
    assert any("overlijden" in p.query.lower() for p in rows)  # the row's description, not its code


def test_generic_headings_give_no_pairs() -> None:
    pairs = mine_pairs(_corpus(), seed=1)
    assert not [p for p in pairs if p.kind == "heading" and "toelichting" in p.query.lower()]
    headings = [p for p in pairs if p.kind == "heading"]
    assert any("verhuizing" in p.query.lower() for p in headings)


def test_positives_are_texts_so_copies_in_other_documents_count() -> None:
    docs = _corpus() + [_doc("faq-wmo", _corpus()[0].content or "", "Veelgestelde vragen Wmo",
                             ["Welk bericht stuur ik als de zorg start?"])]
    faq = [p for p in mine_pairs(docs, seed=1) if p.kind == "faq"]
    assert len(faq) == 1 and len(faq[0].positives) == 1  # one text, two documents


def test_mining_is_deterministic_and_varies_the_wording() -> None:
    assert mine_pairs(_corpus(), seed=4) == mine_pairs(_corpus(), seed=4)
    rng = random.Random(0)
    variants = {vary("OP272 — De aanbieder verzendt een stopbericht binnen vijf werkdagen", rng) for _ in range(40)}
    assert len(variants) > 3
    assert any(not v.startswith("OP272") for v in variants)  # the leading code is often dropped
    assert any(v == v.lower() for v in variants)


def test_empty_passages_are_ignored() -> None:
    assert mine_pairs([Document(content="", meta={"document_id": "x"})]) == []
