"""StructuredChunker: whole sentences, heading path and position, no lone 'Ja.', FAQ question + answer."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from haystack import Document
from haystack.core.serialization import component_from_dict, component_to_dict

from index.sentences import split_sentences
from ingest.chunker import StructuredChunker, chunk_id
from ingest.converters import FileConverter, SourceFile
from ingest.manifest import load_manifest
from ingest.structure import parse
from tests.helpers import CORPUS, normalise

_NAMESPACE = uuid.UUID("6f1c1f0e-58a7-4c39-9a52-3c6d2b7f0a11")


def _page(
    text: str, markup: str = "text", document_id: str = "doc-1", title: str = "Titel", **meta: Any
) -> Document:
    base = {
        "document_id": document_id,
        "title": title,
        "scope": "achterhoek",
        "publisher": "Regio",
        "date": "2022-09",
        "markup": markup,
        "page": None,
        "source_hash": "abc",
    }
    return Document(content=text, meta={**base, **meta})


def _words(n: int, word: str = "woord") -> str:
    return " ".join(f"{word}{i}" for i in range(n))


def _sentence(i: int, words: int = 12) -> str:
    return f"Zin nummer {i} beschrijft " + " ".join(f"onderdeel{i}x{j}" for j in range(words - 4)) + "."


@pytest.fixture(scope="module")
def corpus_chunks() -> list[Document]:
    manifest = load_manifest(CORPUS)
    sources = [SourceFile(manifest.path_of(e), e, "hash") for e in manifest.documents]
    pages = FileConverter().run(sources)["documents"]
    return StructuredChunker().run(pages)["documents"]


# -- component basics ------------------------------------------------------------------------------


def test_init_stores_parameters_and_rejects_bad_ones() -> None:
    chunker = StructuredChunker(target_words=100, max_words=150, min_words=5)
    assert (chunker.target_words, chunker.max_words, chunker.min_words) == (100, 150, 5)
    with pytest.raises(ValueError, match="min_words < target_words <= max_words"):
        StructuredChunker(target_words=200, max_words=100)
    with pytest.raises(ValueError):
        StructuredChunker(min_words=0)


def test_to_dict_from_dict_round_trip() -> None:
    data = component_to_dict(StructuredChunker(90, 180, 10, context="section"), "chunker")
    assert data == {
        "type": "ingest.chunker.StructuredChunker",
        "init_parameters": {"target_words": 90, "max_words": 180, "min_words": 10, "context": "section"},
    }
    restored = component_from_dict(StructuredChunker, data, "chunker")
    assert (restored.target_words, restored.max_words, restored.min_words, restored.context) == (
        90,
        180,
        10,
        "section",
    )


@pytest.mark.parametrize(
    ("context", "expected"), [("title+section", "Werkwijze | Kop"), ("section", "Kop"), ("none", "")]
)
def test_context_header_setting(context: str, expected: str) -> None:
    page = _page("# Kop\n\n" + _words(30) + ".\n", markup="markdown", title="Werkwijze")
    (chunk,) = StructuredChunker(context=context).run([page])["documents"]
    assert chunk.meta["context"] == expected
    digest = hashlib.sha256(f"{expected}\n{chunk.content}".encode()).hexdigest()[:16]
    assert chunk.meta["content_hash"] == digest


def test_run_on_no_documents_gives_no_chunks() -> None:
    assert StructuredChunker().run([]) == {"documents": []}


# -- sentences ----------------------------------------------------------------------------------


def test_long_paragraph_is_cut_only_between_sentences() -> None:
    sentences = [_sentence(i) for i in range(60)]  # 720 words in one paragraph
    chunks = StructuredChunker(target_words=100, max_words=150, min_words=5).run(
        [_page(" ".join(sentences))]
    )["documents"]

    assert len(chunks) > 4
    for chunk in chunks:
        assert len(chunk.content.split()) <= 150
        assert chunk.content.endswith("."), chunk.content[-40:]
    for sentence in sentences:
        holders = [c for c in chunks if sentence in c.content]
        assert len(holders) == 1, f"sentence cut or duplicated: {sentence[:30]}"
    # Reading the chunks in position order gives the paragraph back.
    assert normalise(" ".join(c.content for c in chunks)) == normalise(" ".join(sentences))


def test_no_sentence_of_the_bundled_corpus_is_cut(corpus_chunks: list[Document]) -> None:
    manifest = load_manifest(CORPUS)
    by_doc: dict[str, list[str]] = {}
    for chunk in corpus_chunks:
        by_doc.setdefault(chunk.meta["document_id"], []).append(normalise(chunk.content))
    for entry in manifest.documents:
        text = manifest.path_of(entry).read_text(encoding="utf-8")
        for block in parse(text, "text"):
            if block.kind != "body":
                continue
            for sentence in split_sentences(block.text):
                assert any(normalise(sentence) in c for c in by_doc[entry.id]), (
                    f"{entry.id}: sentence not found whole in any chunk: {sentence[:80]!r}"
                )


def test_abbreviations_do_not_end_a_sentence_when_cutting() -> None:
    text = " ".join(
        f"Punt {i}: de aanbieder stuurt o.a. De Toegang t.b.v. de cliënt een bericht met nr. {i} erin."
        for i in range(40)
    )
    chunks = StructuredChunker(target_words=60, max_words=80, min_words=5).run([_page(text)])["documents"]
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.content.startswith("Punt "), chunk.content[:40]


# -- heading path, position, metadata -----------------------------------------------------------------


def test_chunks_keep_heading_path_position_and_manifest_metadata() -> None:
    text = (
        "# Administratieve werkwijze\n\n"
        "## Berichten\n\n" + _words(80, "bericht") + ".\n\n"
        "## Declaraties\n\n" + _words(80, "declaratie") + ".\n\n"
        "# Contractmanagement\n\n" + _words(80, "kpi") + ".\n"
    )
    chunks = StructuredChunker().run([_page(text, markup="markdown", title="Werkwijze")])["documents"]

    assert [c.meta["heading_path"] for c in chunks] == [
        ["Administratieve werkwijze", "Berichten"],
        ["Administratieve werkwijze", "Declaraties"],
        ["Contractmanagement"],
    ]
    assert [c.meta["section"] for c in chunks] == [
        "Administratieve werkwijze > Berichten",
        "Administratieve werkwijze > Declaraties",
        "Contractmanagement",
    ]
    assert [c.meta["position"] for c in chunks] == [0, 1, 2]
    assert {c.meta["chunk_count"] for c in chunks} == {3}
    first = chunks[0]
    assert first.meta["context"] == "Werkwijze | Administratieve werkwijze > Berichten"
    assert first.content.startswith("bericht0")
    for key, value in {
        "document_id": "doc-1",
        "title": "Werkwijze",
        "scope": "achterhoek",
        "publisher": "Regio",
        "date": "2022-09",
        "source_hash": "abc",
        "page": None,
    }.items():
        assert first.meta[key] == value
    assert "markup" not in first.meta


def test_agenda_items_of_minutes_become_sections(corpus_chunks: list[Document]) -> None:
    minutes = [c for c in corpus_chunks if c.meta["document_id"] == "sdd-fot-begeleiding-2024-09-17"]
    indexing = [c for c in minutes if c.meta["section"] == "4. Werkwijze indexering"]

    assert indexing, sorted({c.meta["section"] for c in minutes})
    assert any("voorlopige prijsindexcijfers" in c.content for c in indexing)
    assert [c.meta["position"] for c in minutes] == list(range(len(minutes)))
    sub = [c for c in minutes if c.meta["heading_path"][-1:] == ["Aanleiding"]]
    assert sub and sub[0].meta["heading_path"][0] == "6. Banbreedtemodel voor IB"


def test_pages_of_one_document_are_chunked_together_and_keep_their_page() -> None:
    pages = [_page(_words(40, "eerste") + ".", page=1), _page(_words(40, "tweede") + ".", page=2)]
    chunks = StructuredChunker().run(pages)["documents"]

    assert [c.meta["page"] for c in chunks] == [1, 2]
    assert [c.meta["position"] for c in chunks] == [0, 1]
    assert {c.meta["chunk_count"] for c in chunks} == {2}


# -- tiny answers, lead-ins, FAQ questions ----------------------------------------------------------


def test_lone_ja_is_merged_with_the_following_explanation() -> None:
    text = (
        "Vragen over de overgang\n\n" + _words(100, "overgang") + ".\n\n"
        "Ja.\n\n"
        "De oude codes blijven bestaan tijdens de overgangsperiode " + _words(95, "code") + ".\n"
    )
    chunks = StructuredChunker().run([_page(text)])["documents"]

    assert all(c.content.strip() != "Ja." for c in chunks)
    (holder,) = [c for c in chunks if "Ja." in c.content.split("\n")]
    assert holder.content.startswith("Ja.\nDe oude codes blijven bestaan")


def test_lone_ja_at_the_end_of_a_section_joins_the_previous_paragraph() -> None:
    text = (
        "Vragen over de overgang\n\n" + _words(110, "overgang") + ".\n\n"
        "Ja.\n\n"
        "Volgend onderwerp\n\n" + _words(110, "onderwerp") + ".\n"
    )
    chunks = StructuredChunker().run([_page(text)])["documents"]

    assert all(c.content.strip() != "Ja." for c in chunks)
    (holder,) = [c for c in chunks if "Ja." in c.content.split("\n")]
    assert holder.meta["section"] == "Vragen over de overgang"
    assert "overgang0" in holder.content


def test_bundled_corpus_has_no_chunk_that_is_only_ja_or_nee(corpus_chunks: list[Document]) -> None:
    lone = [c.content for c in corpus_chunks if c.content.strip().rstrip(".,") in ("Ja", "Nee", "ja", "nee")]
    assert not lone
    # The three lone "Ja." paragraphs of the Achterhoek FAQ each sit inside a larger passage.
    faq = [c for c in corpus_chunks if c.meta["document_id"] == "sda-nieuwe-werkwijze-faq"]
    holders = [c for c in faq if "Ja." in [line.strip() for line in c.content.split("\n")]]
    assert holders and all(len(c.content.split()) >= 12 for c in holders)


def test_answers_in_a_qa_section_are_not_packed_together() -> None:
    """Under "Q&A's ..." each paragraph answers its own (lost) question: packed together, three answers about
    three subjects make one passage about none of them. Elsewhere short paragraphs are still packed."""
    answers = [
        "Er is een contactpersonenlijst per gemeente, die vindt u op de pagina met handige documenten.",
        "Ja, we verwachten een stopbericht als een beschikking afloopt en de zorg dus eindigt.",
        "Ja.",
        "De ingangsdatum is de datum die in het toewijzingsbericht staat, niet de datum van verzenden.",
    ]
    text = "Q&A's Administratieve werkwijze\n\n" + "\n\n".join(answers) + "\n\nAchtergrond\n\n" + "\n\n".join(answers)
    chunks = StructuredChunker().run([_page(text)])["documents"]

    qa = [c.content for c in chunks if c.meta["section"] == "Q&A's Administratieve werkwijze"]
    assert qa == [answers[0], answers[1], f"{answers[2]}\n{answers[3]}"]
    assert [c.content for c in chunks if c.meta["section"] == "Achtergrond"] == ["\n".join(answers)]


def test_markdown_faq_question_stays_with_its_answer() -> None:
    text = (
        "# Veelgestelde vragen\n\n"
        "## Welk bericht stuur ik als de zorg start?\n\n"
        "Een 'Start zorg' bericht (305), " + _words(100, "start") + ".\n\n"
        "## Moet ik een ontvangstbevestiging sturen?\n\n"
        "Ja.\n\n"
        "## Wie betaalt de onderaannemer?\n\n"
        "De hoofdaanbieder regelt de onderlinge afrekening met de bijgeschakelde zorgaanbieder.\n"
    )
    chunks = StructuredChunker().run([_page(text, markup="markdown")])["documents"]
    by_question = {c.meta["heading_path"][-1]: c for c in chunks}

    start = by_question["Welk bericht stuur ik als de zorg start?"]
    assert start.content.startswith(
        "Welk bericht stuur ik als de zorg start?\nEen 'Start zorg' bericht (305)"
    )
    confirm = by_question["Moet ik een ontvangstbevestiging sturen?"]
    assert confirm.content == "Moet ik een ontvangstbevestiging sturen?\nJa."
    pays = by_question["Wie betaalt de onderaannemer?"]
    assert pays.content.startswith("Wie betaalt de onderaannemer?\nDe hoofdaanbieder")


def test_plain_text_question_paragraph_joins_its_answer() -> None:
    text = (
        "Administratieve werkwijze\n\n" + _words(100, "inleiding") + ".\n\n"
        "Moet de aanbieder bij een verlenging opnieuw een 315 sturen?\n\n"
        "Nee, de gemeente stuurt zelf een nieuwe toewijzing (301) " + _words(100, "verlenging") + ".\n"
    )
    chunks = StructuredChunker().run([_page(text)])["documents"]

    (holder,) = [c for c in chunks if "opnieuw een 315 sturen?" in c.content]
    assert "Nee, de gemeente stuurt zelf een nieuwe toewijzing (301)" in holder.content


def test_lead_in_joins_what_follows_not_what_precedes() -> None:
    text = (
        "Werkwijze indexering\n\n" + _words(100, "aanleiding") + ".\n\n"
        "Conclusie:\n\n"
        "De SDD gaat terug naar indexeren per 1 januari " + _words(100, "conclusie") + ".\n"
    )
    chunks = StructuredChunker().run([_page(text)])["documents"]

    (holder,) = [c for c in chunks if "Conclusie:" in c.content]
    assert holder.content.startswith("Conclusie:\nDe SDD gaat terug")
    assert "aanleiding0" not in holder.content


# -- ids ------------------------------------------------------------------------------------------


def test_chunk_id_is_uuid5_of_document_position_and_content_hash() -> None:
    assert chunk_id("doc-1", 3, "0123456789abcdef") == str(uuid.uuid5(_NAMESPACE, "doc-1:3:0123456789abcdef"))
    assert chunk_id("doc-1", 3, "0123456789abcdef") != chunk_id("doc-1", 4, "0123456789abcdef")
    assert chunk_id("doc-1", 3, "0123456789abcdef") != chunk_id("doc-2", 3, "0123456789abcdef")


def test_chunk_ids_are_derived_from_content_and_deterministic() -> None:
    text = "# Kop\n\n" + _words(100, "een") + ".\n\n## Tweede\n\n" + _words(100, "twee") + ".\n"
    first = StructuredChunker().run([_page(text, markup="markdown")])["documents"]
    again = StructuredChunker().run([_page(text, markup="markdown")])["documents"]

    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    for chunk in first:
        digest = hashlib.sha256(f"{chunk.meta['context']}\n{chunk.content}".encode()).hexdigest()[:16]
        assert chunk.meta["content_hash"] == digest
        assert chunk.id == chunk_id("doc-1", chunk.meta["position"], digest)


def test_editing_one_section_changes_only_that_chunk_id() -> None:
    text = "# Kop\n\n" + _words(100, "een") + ".\n\n## Tweede\n\n" + _words(100, "twee") + ".\n"
    edited = text.replace("twee5 ", "gewijzigd ")
    before = StructuredChunker().run([_page(text, markup="markdown")])["documents"]
    after = StructuredChunker().run([_page(edited, markup="markdown")])["documents"]

    assert before[0].id == after[0].id
    assert before[1].id != after[1].id


def test_input_documents_are_not_mutated() -> None:
    page = _page("# Kop\n\n" + _words(30) + ".\n", markup="markdown")
    meta_before = dict(page.meta)
    StructuredChunker().run([page])
    assert page.meta == meta_before
    assert page.content.startswith("# Kop")


def test_corpus_chunks_respect_max_words_and_have_unique_ids(corpus_chunks: list[Document]) -> None:
    assert len({c.id for c in corpus_chunks}) == len(corpus_chunks)
    for chunk in corpus_chunks:
        assert len(chunk.content.split()) <= 220, (chunk.meta["document_id"], chunk.meta["position"])
    for doc_id in {c.meta["document_id"] for c in corpus_chunks}:
        positions = [c.meta["position"] for c in corpus_chunks if c.meta["document_id"] == doc_id]
        assert positions == list(range(len(positions)))


def test_records_become_passages_of_their_own_with_row_and_section() -> None:
    records = [
        {"text": f"Oude productcode: 99X0{i}; Nieuw subsegment: Fictief {i}", "section": ["Conversie"], "row": i + 1,
         "meta": {"sheet": "Conversie"}}
        for i in range(1, 4)
    ]
    page = Document(content="", meta={"document_id": "tabel", "title": "Fictieve tabel", "markup": "records",
                                      "page": None, "records": records})
    chunks = StructuredChunker().run([page])["documents"]
    assert [c.meta["row"] for c in chunks] == [2, 3, 4]
    assert chunks[0].content == "Oude productcode: 99X01; Nieuw subsegment: Fictief 1"
    assert chunks[0].meta["sheet"] == "Conversie" and chunks[0].meta["section"] == "Conversie"
    assert chunks[0].meta["context"] == "Fictieve tabel | Conversie"
    assert "records" not in chunks[0].meta


# -- Markdown tables, row by row ------------------------------------------------------------------------

_CODE_TABLE = """# ZZ999 – Fictieve productcategorie

## Metadata

| Eigenschap | Waarde |
| --- | --- |
| Codelijst ID | ZZ999 |
| Naam | Fictieve productcategorie |

# Codes

| Code | Omschrijving | TR-regel | Berichttypen |
|------|--------------|----------|--------------|
| 97 | **Fictieve** jeugdhulp |  | JW301, JW305 |
| 98A01 | Fictieve dagbesteding | TR999 | JW301 |
| 0099 | Fictieve *retour*: bericht | — | |
"""


def test_markdown_table_rows_are_passages_with_headers_row_numbers_and_codes() -> None:
    chunks = StructuredChunker().run([_page(_CODE_TABLE, markup="markdown", title="ZZ999")])["documents"]
    rows = [c for c in chunks if c.meta["section"] == "Codes"]
    assert [c.content for c in rows] == [
        "Code: 97; Omschrijving: Fictieve jeugdhulp; Berichttypen: JW301, JW305",  # bold stripped, empty cell skipped
        "Code: 98A01; Omschrijving: Fictieve dagbesteding; TR-regel: TR999; Berichttypen: JW301",
        "Code: 0099; Omschrijving: Fictieve retour: bericht; TR-regel: —",
    ]
    assert [c.meta["row"] for c in rows] == [1, 2, 3]  # 1-based data row within the table
    # Codes from the code column only: TR999 and the message types are mentioned, not defined, by the row.
    assert [c.meta["codes"] for c in rows] == [["97"], ["98A01"], ["0099"]]
    assert [c.meta["key_code"] for c in rows] == ["97", "98A01", "0099"]  # the first column: these rows define them
    assert rows[0].meta["context"] == "ZZ999 | Codes" and rows[0].meta["heading_path"] == ["Codes"]
    metadata = [c.content for c in chunks if c.meta["section"].endswith("Metadata")]
    # A property table reads "key: value", all properties in one passage (row by row, "Afkorting: OP" answers nothing).
    assert metadata == ["Codelijst ID: ZZ999\nNaam: Fictieve productcategorie"]
    assert [c.meta["row"] for c in chunks if c.meta["section"].endswith("Metadata")] == [None]


def test_headerless_property_table_is_one_passage() -> None:
    text = "# TR999\n\n## Metadata\n\n| Type | Technische regel |\n|---|---|\n| Regelcode | TR999 |\n| Bron | iJw |\n"
    chunks = StructuredChunker().run([_page(text, markup="markdown", title="TR999")])["documents"]
    assert [c.content for c in chunks] == ["Type: Technische regel\nRegelcode: TR999\nBron: iJw"]


def test_markdown_table_cells_may_span_lines() -> None:
    text = (
        "# Wijzigingen\n\n"
        "| Artikel | Was | Wordt |\n| --- | --- | --- |\n"
        "| Inhouds\nopgave |  | **Inhoudsopgave** aangepast |\n"
        "| Artikel 1.8 | Leeg | **Artikel 1.8**\nFictieve bepaling:\n\n1. eerste punt,\n2. tweede punt. |\n"
        "| Artikel 2 | Oud | Nieuw |\n\nTekst na de tabel die gewoon een alinea is met genoeg woorden erin.\n"
    )
    chunks = StructuredChunker().run([_page(text, markup="markdown")])["documents"]
    contents = [c.content for c in chunks]
    assert contents[:3] == [
        "Artikel: Inhouds opgave; Wordt: Inhoudsopgave aangepast",
        "Artikel: Artikel 1.8; Was: Leeg; Wordt: Artikel 1.8 Fictieve bepaling: 1. eerste punt, 2. tweede punt.",
        "Artikel: Artikel 2; Was: Oud; Wordt: Nieuw",
    ]
    assert [c.meta["row"] for c in chunks[:3]] == [1, 2, 3]
    assert contents[3].startswith("Tekst na de tabel") and chunks[3].meta["row"] is None


def test_markdown_table_with_an_empty_header_row_finds_its_header() -> None:
    text = "# Lijst\n\n|  |  |\n|---|---|\n| Code | Omschrijving |\n| 96 | Fictief |\n"
    (chunk,) = StructuredChunker().run([_page(text, markup="markdown")])["documents"]
    assert chunk.content == "Code: 96; Omschrijving: Fictief" and chunk.meta["codes"] == ["96"]


def test_long_table_row_is_cut_but_keeps_its_row_number() -> None:
    cell = " ".join(_sentence(i) for i in range(30))  # 360 words in one cell
    text = f"# Tabel\n\n| Code | Toelichting |\n|---|---|\n| 95X01 | {cell} |\n"
    chunks = StructuredChunker(target_words=100, max_words=150, min_words=5).run(
        [_page(text, markup="markdown")])["documents"]
    assert len(chunks) > 2
    assert {c.meta["row"] for c in chunks} == {1} and all(c.meta["codes"] == ["95X01"] for c in chunks)
    assert all(len(c.content.split()) <= 150 for c in chunks)


def test_a_rule_with_tiny_sections_is_one_passage_faq_answers_stay_apart() -> None:
    rule = (
        "# Regel RS017 - IdentificatieRetour\n\n## Regel\n\nMaximale lengte 12 posities\n\n"
        "## Technisch pad\n\n`JW Retour.Header.IdentificatieRetour`\n\n"
        "## Veelgestelde vragen\n\n### Wat zegt regel RS017?\n\nMaximale lengte 12 posities\n\n"
        "### Op welk bericht is RS017 van toepassing?\n\nJW Retour binnen berichtklasse Header.\n\n"
        "# Regel RS033 - IdentificatieRetour\n\n## Regel\n\nGeen lege elementen in XML.\n\n"
        "## Technisch pad\n\n`JW Retour.Header.IdentificatieRetour`\n"
    )
    chunks = StructuredChunker().run([_page(rule, markup="markdown")])["documents"]

    assert [c.meta["heading_path"] for c in chunks] == [["Regel RS017 - IdentificatieRetour"],
                                                        ["Regel RS033 - IdentificatieRetour"]]
    assert chunks[0].content == (
        "Regel: Maximale lengte 12 posities\n"
        "Technisch pad: `JW Retour.Header.IdentificatieRetour`\n"
        "Veelgestelde vragen > Wat zegt regel RS017? Maximale lengte 12 posities\n"
        "Veelgestelde vragen > Op welk bericht is RS017 van toepassing? JW Retour binnen berichtklasse Header."
    )


def test_a_timeline_of_tiny_sections_becomes_one_passage() -> None:
    text = (
        "# Belangrijke mijlpalen\n\n" + _words(60, "inleiding") + ".\n\n"
        "## 1 april 2021\n\nStart aanbesteding via Negometrix\n\n"
        "## 9 juli 2021\n\nStart gunningsfase\n\n"
        "## Mededeling gunningsbeslissing\n\nvolgt\n\n"
        "# Overgangsregeling\n\n" + _words(60, "overgang") + ".\n"
    )
    chunks = StructuredChunker().run([_page(text, markup="markdown")])["documents"]

    assert not [c for c in chunks if c.content.strip() == "volgt"]
    (timeline,) = [c for c in chunks if "Negometrix" in c.content]
    assert timeline.meta["heading_path"] == ["Belangrijke mijlpalen"]
    assert "1 april 2021: Start aanbesteding via Negometrix\n9 juli 2021: Start gunningsfase\n" \
           "Mededeling gunningsbeslissing: volgt" in timeline.content
