"""ExtractiveAnswerBuilder on hand-made passages: quotes, [n] markers, sources, abstention."""

from __future__ import annotations

import pytest
from haystack import Document
from haystack.core.serialization import component_from_dict, component_to_dict

from api.answering.abstention import missing_terms
from api.answering.selection import ExtractiveAnswerBuilder, relevance_of, scope_label
from api.dates import date_label
from index.analyzer import DutchAnalyzer

START = (
    "Welk bericht stuur ik als de zorg start?\n"
    "De zorgaanbieder stuurt een 'Start zorg' bericht (305) binnen 5 werkdagen na de start van de zorg. "
    "Daarna kan de zorgaanbieder declareren bij de gemeente."
)
UNRELATED = "De vergadering van de overlegtafel wordt in december gehouden in het stadskantoor van Dordrecht."


def _doc(pid: str, content: str, score: float = 0.03, dense: float = 0.9, **meta: object) -> Document:
    base = {
        "document_id": f"doc-{pid}",
        "title": f"Titel {pid}",
        "publisher": "Sociaal Domein Achterhoek",
        "scope": "achterhoek",
        "date": "2022-09",
        "date_estimated": False,
        "doc_type": "faq",
        "section": "Administratieve werkwijze",
        "page": None,
        "context": f"Titel {pid} | Administratieve werkwijze",
        "file": f"{pid}.txt",
        "url": None,
        "dense_score": dense,
    }
    return Document(id=pid, content=content, score=score, meta={**base, **meta})


@pytest.fixture(scope="module")
def builder() -> ExtractiveAnswerBuilder:
    return ExtractiveAnswerBuilder(min_relevance=0.4)


def test_init_and_to_dict() -> None:
    builder = ExtractiveAnswerBuilder(
        min_relevance=0.3, max_citations=2, max_sentences=4, stemmer="none", selection="learned", cite_ratio=0.4
    )
    assert (builder.min_relevance, builder.max_citations, builder.max_sentences, builder.stemmer) == (
        0.3,
        2,
        4,
        "none",
    )
    data = component_to_dict(builder, "answer")
    assert data["type"] == "api.answering.selection.ExtractiveAnswerBuilder"
    assert {k: data["init_parameters"][k] for k in ("min_relevance", "max_citations", "selection", "cite_ratio")} == {
        "min_relevance": 0.3,
        "max_citations": 2,
        "selection": "learned",
        "cite_ratio": 0.4,
    }
    restored = component_from_dict(ExtractiveAnswerBuilder, data, "answer")
    assert (restored.max_sentences, restored.selection, restored.cite_ratio) == (4, "learned", 0.4)


def test_run_answers_with_a_verbatim_quote_and_its_marker(builder: ExtractiveAnswerBuilder) -> None:
    docs = [_doc("a", START)]

    answer = builder.run("Binnen hoeveel werkdagen stuur ik het startbericht?", docs)["answer"]

    assert answer["answered"] is True
    (citation,) = answer["citations"]
    assert "binnen 5 werkdagen" in citation["quote"]
    assert citation["quote"] in citation["text"] == START
    assert not citation["quote"].startswith("Welk bericht")  # the FAQ question itself is not the answer
    body, sources = answer["answer"].split("\n\nBronnen:\n")
    assert body == f"{citation['quote']} [1]"
    assert sources == (
        "[1] Titel a — Sociaal Domein Achterhoek — regio Achterhoek — september 2022 — "
        "onderdeel: Administratieve werkwijze"
    )
    assert citation == {
        "n": 1,
        "passage_id": "a",
        "document_id": "doc-a",
        "title": "Titel a",
        "publisher": "Sociaal Domein Achterhoek",
        "scope": "achterhoek",
        "date": "2022-09",
        "date_label": "september 2022",
        "doc_type": "faq",
        "section": "Administratieve werkwijze",
        "page": None,
        "text": START,
        "passage_ids": ["a"],  # the passages this source's text holds: here the one
        "quote": citation["quote"],
        "score": 0.03,
        "file": "a.txt",
        "url": None,
        "version": None,
        "superseded_by": None,
        "sheet": None,
        "row": None,
    }
    assert 0.4 <= answer["relevance"] <= 1.0


def test_short_yes_answer_is_quoted_with_its_explanation(builder: ExtractiveAnswerBuilder) -> None:
    text = (
        "Mag een aanbieder onderaannemers inzetten?\nJa, dat mag. De hoofdaanbieder blijft verantwoordelijk "
        "voor de zorg en regelt de afrekening."
    )
    answer = builder.run("Mag een aanbieder onderaannemers inzetten?", [_doc("a", text)])["answer"]

    assert answer["answered"]
    assert answer["citations"][0]["quote"] == (
        "Ja, dat mag. De hoofdaanbieder blijft verantwoordelijk voor de zorg en regelt de afrekening."
    )


def test_several_passages_are_numbered_in_order(builder: ExtractiveAnswerBuilder) -> None:
    docs = [
        _doc("a", START, score=0.033),
        _doc(
            "b",
            "In het 305 bericht geeft de aanbieder aan wanneer de zorg start of de intake plaatsvindt.",
            score=0.032,
            scope="landelijk",
            publisher="Zorginstituut Nederland",
            date="2023-06-20",
        ),
        _doc("c", UNRELATED, score=0.010),
    ]
    answer = builder.run("Welk bericht stuur ik als de zorg start?", docs)["answer"]

    assert [(c["n"], c["document_id"]) for c in answer["citations"]] == [(1, "doc-a"), (2, "doc-b")]  # not c
    for c in answer["citations"]:
        assert f"{c['quote']} [{c['n']}]" in answer["answer"]
        assert c["quote"] in c["text"]
    assert "\n[2] Titel b — Zorginstituut Nederland — landelijk — 20 juni 2023" in answer["answer"]


def test_no_more_citations_than_allowed() -> None:
    builder = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=2, max_sentences=10)
    docs = [_doc(str(i), START, score=0.03) for i in range(5)]
    answer = builder.run("Welk bericht stuur ik als de zorg start?", docs)["answer"]
    assert 1 <= len(answer["citations"]) <= 2


def test_low_relevance_abstains_and_lists_the_closest_documents(builder: ExtractiveAnswerBuilder) -> None:
    docs = [
        _doc("a", UNRELATED, dense=0.72),
        _doc("b", UNRELATED, dense=0.71),
        _doc("c", UNRELATED, dense=0.70, document_id="doc-a"),
    ]

    answer = builder.run("Wie won de wedstrijd tussen Ajax en Feyenoord?", docs)["answer"]

    assert answer["answered"] is False and answer["citations"] == []
    assert answer["answer"].startswith("De documenten geven geen antwoord op deze vraag.")
    assert "Het meest verwant zijn:\n- Titel a — " in answer["answer"]
    assert answer["answer"].count("\n- ") == 2  # one line per document, not per passage
    assert answer["relevance"] < 0.4


def test_no_passages_abstains() -> None:
    answer = ExtractiveAnswerBuilder().run("Welk bericht stuur ik als de zorg start?", [])["answer"]
    assert answer == {
        "answered": False,
        "answer": "De documenten geven geen antwoord op deze vraag.",
        "citations": [],
        "relevance": 0.0,
    }


def test_question_about_a_year_the_passage_does_not_mention_abstains(
    builder: ExtractiveAnswerBuilder,
) -> None:
    doc = _doc("a", "Het uurtarief voor individuele begeleiding wordt elk jaar per 1 januari geïndexeerd.")
    answer = builder.run("Wat is het uurtarief voor individuele begeleiding in 2031?", [doc])["answer"]
    assert answer["answered"] is False
    assert "2031" in answer["answer"]


def test_a_name_typed_in_lower_case_is_still_a_term_the_passage_must_hold() -> None:
    from index.spelling import Speller

    speller = Speller.from_texts(["Gemeentecode: 0153; Gemeentenaam: Enschede; Jeugdzorgregio: Twente",
                                  "Gemeentecode: 0200; Gemeentenaam: Apeldoorn; Jeugdzorgregio: Noord-Veluwe"])
    doc = _doc("a", "Het uurtarief voor individuele begeleiding in de Achterhoek is vastgesteld op 62 euro.")
    question = "wat is het uurtarief voor individuele begeleiding in twente?"
    plain = ExtractiveAnswerBuilder(min_relevance=0.4)
    assert plain.run(question, [doc])["answer"]["answered"] is True  # "twente" looks like any other word
    cased = ExtractiveAnswerBuilder(min_relevance=0.4, truecase=speller.truecase)
    answer = cased.run(question, [doc])["answer"]
    assert answer["answered"] is False
    assert "noemen niet: twente" in answer["answer"]


def test_a_version_number_is_mentioned_only_as_a_whole(builder: ExtractiveAnswerBuilder) -> None:
    # The analyzer cuts "3.3" into "3" and "3": a passage about release 3.2 held both, so a question about 3.3 was
    # answered with the dates of 3.2.
    doc = _doc("a", "Beide releases iWmo 3.2 en iJw 3.2 zijn op 3 april 2023 van kracht geworden.")
    answer = builder.run("Per wanneer gaat iJw release 3.3 in?", [doc])["answer"]
    assert answer["answered"] is False
    assert "3.3" in answer["answer"]
    newer = _doc("b", "Release iJw 3.3.1 gaat op 1 januari 2027 in; de releases iWmo en iJw 3.3 volgen samen.")
    assert builder.run("Per wanneer gaat iJw release 3.3 in?", [newer])["answer"]["answered"] is True


def test_a_number_with_separators_matches_a_passage_without_them() -> None:
    assert missing_terms("Geldt dit vanaf 1.000 euro?", "Vanaf 1000 euro geldt de meldplicht.") == []
    assert missing_terms("Wat staat er in artikel 13.3?", "Artikel 113.3 en artikel 13.35 regelen dit.") == ["13.3"]


def test_input_documents_are_not_changed(builder: ExtractiveAnswerBuilder) -> None:
    doc = _doc("a", START)
    before = (doc.content, dict(doc.meta), doc.score)
    builder.run("Welk bericht stuur ik als de zorg start?", [doc])
    assert (doc.content, doc.meta, doc.score) == before


def test_relevance_combines_dense_cosine_and_term_coverage() -> None:
    analyzer = DutchAnalyzer()
    terms = set(analyzer.terms("305 bericht werkdagen"))
    full = relevance_of(_doc("a", "Het 305 bericht binnen 5 werkdagen.", dense=0.90), terms, analyzer)
    half_dense = relevance_of(_doc("a", "Het 305 bericht binnen 5 werkdagen.", dense=0.825), terms, analyzer)
    no_terms = relevance_of(_doc("a", UNRELATED, dense=0.90), terms, analyzer)
    assert full == pytest.approx(1.0)
    assert half_dense == pytest.approx(0.6 * 0.5 + 0.4)
    assert no_terms == pytest.approx(0.6)
    assert relevance_of(_doc("a", UNRELATED, dense=0.5), set(), analyzer) == 0.0


def test_scope_and_date_labels() -> None:
    assert scope_label("landelijk") == "landelijk"
    assert scope_label("de-fryske-marren") == "regio De Fryske Marren"
    assert date_label("2022-09") == "september 2022"
    assert date_label("2024-09-17") == "17 september 2024"
    assert date_label("2021") == "2021"
    assert date_label("2021-12", estimated=True) == "ongeveer december 2021"
    assert date_label(None) is None


# -- exact code rows --------------------------------------------------------------------------------------

_ROW = "Oude productcode: 99X02; Omschrijving: Fictieve groepsbegeleiding; Nieuw subsegment: Fictief subsegment B"


def _row(pid: str, content: str, code: str, exact_score: float, key: bool = True, **meta: object) -> Document:
    return _doc(pid, content, score=2.0 + exact_score, dense=0.8, section="Conversie", match="exact",
                exact_score=exact_score, matched_codes=[code], codes=[code], key_code=code if key else None, **meta)


def test_exact_row_is_quoted_whole_with_sheet_and_row(builder: ExtractiveAnswerBuilder) -> None:
    docs = [_row("t", _ROW, "99X02", 1.0, sheet="Conversie", row=5), _doc("a", START)]
    answer = builder.run("Naar welk subsegment gaat productcode 99X02?", docs)["answer"]
    assert answer["answered"] and answer["relevance"] == 1.0
    (citation,) = answer["citations"]
    assert citation["quote"] == _ROW and (citation["sheet"], citation["row"]) == ("Conversie", 5)
    assert answer["answer"].startswith(f"{_ROW} [1]\n\nBronnen:\n[1] Titel t")
    assert answer["answer"].endswith("onderdeel: blad Conversie, rij 5")


def test_learned_answer_reads_the_exact_row_and_cites_the_other_shown_sources_after_it() -> None:
    """The row holding the asked code is the answer, read whole; what else retrieval showed stays checkable: cited
    after it, unread (reference blind sets: 0.768 -> 0.782 cited, the same rows read first)."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    rule = _doc("a", "Een fictieve productcode 99X02 wordt per 2099 omgezet; de toewijzing loopt door tot de "
                     "einddatum.", 0.4)
    docs = [_row("t", _ROW, "99X02", 1.0, sheet="Conversie", row=5), rule, _doc("b", _ROW, 0.3)]

    answer = learned.run("Naar welk subsegment gaat productcode 99X02?", docs)["answer"]

    assert answer["answered"] and answer["relevance"] == 1.0
    assert [c["passage_id"] for c in answer["citations"]] == ["t", "a"]  # the copy of the row is not cited twice
    assert answer["citations"][0]["quote"] == _ROW
    assert answer["answer"].startswith(f"{_ROW} [1]\n\nBronnen:\n[1] Titel t")
    assert "[2] Titel a" in answer["answer"] and "[2]" not in answer["answer"].split("Bronnen:")[0]


def test_markdown_row_source_names_section_and_row(builder: ExtractiveAnswerBuilder) -> None:
    docs = [_row("m", "Code: 97; Omschrijving: Fictieve jeugdhulp", "97", 1.0, row=3)]
    answer = builder.run("Wat betekent productcategorie 97?", docs)["answer"]
    assert answer["answer"].endswith("onderdeel: Conversie, rij 3")


def test_equally_good_exact_rows_are_all_cited_weak_ones_not(builder: ExtractiveAnswerBuilder) -> None:
    docs = [
        _row("x", "Code: 01; Omschrijving: Fictieve minuut", "01", 1.0, row=1),
        _row("y", "Code: 01; Omschrijving: Fictief uur", "01", 0.8, row=1),
        _row("z", "Code: 01; Omschrijving: Fictieve dag", "01", 0.1, row=1),
    ]
    answer = builder.run("Wat betekent code 01?", docs)["answer"]
    assert [c["document_id"] for c in answer["citations"]] == ["doc-x", "doc-y"]


def test_passage_of_several_lines_quotes_the_line_with_the_code(builder: ExtractiveAnswerBuilder) -> None:
    table = "Code: 96; Omschrijving: Fictief een\nCode: 97; Omschrijving: Fictief twee"
    answer = builder.run("Wat betekent code 97?", [_row("w", table, "97", 1.0)])["answer"]
    assert answer["citations"][0]["quote"] == "Code: 97; Omschrijving: Fictief twee"


def test_exact_row_lacking_another_specific_term_is_not_taken(builder: ExtractiveAnswerBuilder) -> None:
    docs = [_row("t", _ROW, "99X02", 1.0, row=5), _doc("a", UNRELATED, dense=0.7)]
    answer = builder.run("Naar welk subsegment gaat productcode 99X02 in Zeeland?", docs)["answer"]
    assert not any(c["row"] == 5 for c in answer["citations"])


def test_row_defining_the_code_is_not_joined_by_rows_that_only_use_it(builder: ExtractiveAnswerBuilder) -> None:
    docs = [
        _row("d", "Code: 8001; Betekenis: Fictieve fout", "8001", 0.4, row=2),
        _row("u", "Regel: fictieve controle; Retourcode: 8001", "8001", 1.0, key=False, row=9),
    ]
    answer = builder.run("Wat betekent retourcode 8001?", docs)["answer"]
    assert [c["document_id"] for c in answer["citations"]] == ["doc-d"]


def test_table_row_matching_only_a_name_is_no_answer(builder: ExtractiveAnswerBuilder) -> None:
    row = _doc("g", "Gemeentecode: 9999; Gemeentenaam: Fictiefdorp; Provincienaam: Fictieland", dense=0.9, row=12,
               context="Gemeentecodes | Codes")
    off_subject = builder.run("Welke parkeervergunning krijgt een mantelzorger in Fictiefdorp?", [row])["answer"]
    assert not off_subject["answered"]
    answer = builder.run("Welke gemeentecode heeft Fictiefdorp?", [row])["answer"]
    assert answer["answered"] and answer["citations"][0]["quote"] == row.content


def test_the_same_sentence_from_two_copies_is_quoted_once(builder: ExtractiveAnswerBuilder) -> None:
    copy = _doc("b", START, score=0.029, document_id="doc-b")
    answer = builder.run(query="Welk bericht stuur ik als de zorg start?", documents=[_doc("a", START), copy])["answer"]
    assert answer["answered"] and len(answer["citations"]) == 1


def test_a_run_on_passage_is_not_added_as_an_extra_source(builder: ExtractiveAnswerBuilder) -> None:
    run_on = "welk bericht stuur je als de zorg start " * 10 + "305"  # one 'sentence' of 81 words
    answer = builder.run(query="Welk bericht stuur ik als de zorg start?",
                         documents=[_doc("a", START), _doc("b", run_on, score=0.029, document_id="doc-b")])["answer"]
    assert [c["document_id"] for c in answer["citations"]] == ["doc-a"]


RULE = (
    "Deze bedrijfsregel bepaalt binnen welke termijn een gemeente reageert op een verzoek om toewijzing.\n"
    "Na ontvangst van een verzoek om toewijzing moet de gemeente per aangevraagd product binnen vijf werkdagen:\n"
    "- een toewijzingbericht sturen, of\n"
    "- een antwoordbericht sturen aan de aanbieder\n"
    "De standaardtermijn is:\n"
    "- acht weken als de aanvraag in onderzoek is genomen"
)


def test_a_citation_names_its_section_without_repeating_the_document_title(builder: ExtractiveAnswerBuilder) -> None:
    title = "OP272 — De aanbieder verzendt een stopbericht binnen vijf werkdagen"
    rule = _doc("a", "De aanbieder verzendt het stopbericht binnen vijf werkdagen na het einde van de zorg.",
                title=title, section=f"{title} > Definitie", heading_path=[title, "Definitie"])
    answer = builder.run(query="Binnen hoeveel werkdagen stuur ik het stopbericht?", documents=[rule])["answer"]
    assert answer["citations"][0]["section"] == "Definitie"
    assert answer["answer"].endswith(f"[1] {title} — Sociaal Domein Achterhoek — regio Achterhoek — september 2022 — "
                                     "onderdeel: Definitie")


def test_an_unknown_publisher_is_named_as_unknown(builder: ExtractiveAnswerBuilder) -> None:
    doc = _doc("a", "De aanbieder verzendt het stopbericht binnen vijf werkdagen.", publisher="onbekend")
    answer = builder.run(query="Binnen hoeveel werkdagen stuur ik het stopbericht?", documents=[doc])["answer"]
    assert "[1] Titel a — uitgever onbekend — regio Achterhoek" in answer["answer"]
    assert answer["citations"][0]["publisher"] == "onbekend"  # the API keeps the field as it is


def test_a_lead_in_is_quoted_with_the_list_it_introduces(builder: ExtractiveAnswerBuilder) -> None:
    answer = builder.run(query="Wat moet de gemeente binnen vijf werkdagen doen na een verzoek om toewijzing?",
                         documents=[_doc("a", RULE, section="OP274")])["answer"]
    assert answer["answered"]
    quote = answer["citations"][0]["quote"]
    assert quote.startswith("Na ontvangst van een verzoek om toewijzing")
    assert "- een toewijzingbericht sturen, of - een antwoordbericht sturen aan de aanbieder" in quote
    assert "acht weken" not in quote  # the next list belongs to another lead-in


def test_a_list_item_is_quoted_with_its_lead_in(builder: ExtractiveAnswerBuilder) -> None:
    answer = builder.run(query="Hoeveel weken heeft de gemeente als de aanvraag in onderzoek is genomen?",
                         documents=[_doc("a", RULE, section="OP274")])["answer"]
    assert answer["citations"][0]["quote"] == (
        "De standaardtermijn is: - acht weken als de aanvraag in onderzoek is genomen")


def test_a_sentence_that_goes_on_after_its_list_is_quoted_from_its_beginning(builder: ExtractiveAnswerBuilder) -> None:
    interrupted = ("Deze bedrijfsregel bepaalt de termijnen voor een verzoek om wijziging.\n"
                   "Binnen vijf werkdagen moet:\n- een toewijzingbericht\n- of een antwoordbericht\n\n"
                   "worden verstuurd.\n\nWanneer na een tijdelijke stop:\n- geen nieuw Startbericht volgt\n\n"
                   "dan:\n- mag uitsluitend een definitieve stop volgen")
    doc = _doc("a", interrupted, section="OP346")
    answer = builder.run(query="Wat moet er binnen vijf werkdagen verstuurd worden?", documents=[doc])["answer"]
    assert answer["citations"][0]["quote"] == (
        "Binnen vijf werkdagen moet: - een toewijzingbericht - of een antwoordbericht worden verstuurd.")
    answer = builder.run(query="Wat mag er volgen na een tijdelijke stop zonder nieuw Startbericht?",
                         documents=[doc])["answer"]
    assert answer["citations"][0]["quote"] == ("Wanneer na een tijdelijke stop: - geen nieuw Startbericht volgt dan:"
                                               " - mag uitsluitend een definitieve stop volgen")


def test_a_sentence_broken_over_two_lines_is_quoted_whole(builder: ExtractiveAnswerBuilder) -> None:
    law = ("1. Bij de bekostiging van aanbieders, bedoeld in artikel 2.6.7a, eerste lid, onderdeel a,\n\n"
           "van de wet kan het college gebruik maken van een outputgerichte uitvoeringsvariant.")
    answer = builder.run(query="Welke uitvoeringsvariant kan het college gebruiken bij de bekostiging?",
                         documents=[_doc("a", law, section="Artikel 3")])["answer"]
    assert answer["citations"][0]["quote"].startswith("1. Bij de bekostiging van aanbieders")
    assert answer["citations"][0]["quote"].endswith("outputgerichte uitvoeringsvariant.")


def test_keyword_lists_are_never_quoted(builder: ExtractiveAnswerBuilder) -> None:
    grouped = ("Regel: De aanbieder verzendt een stopbericht binnen vijf werkdagen na het einde van de zorg.\n"
               "Zoektermen:\n- stopbericht termijn\n- stopbericht vijf werkdagen")
    keywords_only = _doc("k", "- stopbericht termijn werkdagen\n- stopbericht binnen vijf werkdagen",
                         heading_path=["OP272", "Zoektermen"])
    answer = builder.run(query="Binnen hoeveel werkdagen stuur ik het stopbericht?",
                         documents=[keywords_only, _doc("a", grouped)])["answer"]
    assert answer["answered"]
    assert [c["quote"] for c in answer["citations"]] == [
        "Regel: De aanbieder verzendt een stopbericht binnen vijf werkdagen na het einde van de zorg."]


def test_two_asked_codes_are_each_answered_from_their_own_row(builder: ExtractiveAnswerBuilder) -> None:
    docs = [
        _row("b", "Berichttype: 317; Berichtnaam: Fictief wijzigingsbericht", "317", 0.9, row=9),
        _row("a", "Berichttype: 315; Berichtnaam: Fictief aanvraagbericht", "315", 0.3, row=7),
        _row("c", "Berichttype: 317; Berichtnaam: Fictief wijzigingsbericht (kopie)", "317", 0.8, row=9),
    ]
    answer = builder.run("Wat is het verschil tussen een 315 en een 317?", docs)["answer"]
    assert answer["answered"]
    assert [c["document_id"] for c in answer["citations"]] == ["doc-a", "doc-b"]


def test_two_asked_codes_with_a_row_for_one_are_answered_as_usual(builder: ExtractiveAnswerBuilder) -> None:
    docs = [_row("b", "Berichttype: 317; Berichtnaam: Fictief wijzigingsbericht", "317", 0.9, row=9)]
    answer = builder.run("Wat is het verschil tussen een 315 en een 317?", docs)["answer"]
    assert answer["relevance"] < 1.0  # no exact answer (those have relevance 1.0): the usual composition decides


def test_a_question_about_the_stop_is_not_answered_with_the_start(builder: ExtractiveAnswerBuilder) -> None:
    start = _doc("a", "De zorgaanbieder verzendt een 'Start zorg' bericht (305) binnen 5 werkdagen na de start van "
                      "de zorg.", score=0.05)
    stop = _doc("b", "Wij verwachten een stopbericht (307) als de zorg stopt of de beschikking afloopt.", score=0.04)
    answer = builder.run(query="Welk bericht stuur ik als de zorg stopt?", documents=[start, stop])["answer"]
    assert answer["answered"]
    assert [c["document_id"] for c in answer["citations"]] == ["doc-b"]
    asked_start = builder.run(query="Welk bericht stuur ik als de zorg start?", documents=[start, stop])["answer"]
    assert asked_start["citations"][0]["document_id"] == "doc-a"


def test_context_in_brackets_is_not_taken_for_a_name(builder: ExtractiveAnswerBuilder) -> None:
    """A follow-up searches with the earlier question's words in brackets ("(Cliënt ... 317)"); the capital
    there opens the bracket, it is no name the passage must mention."""
    passage = _doc("w", "De gemeente bevestigt een 317-bericht met een 319-bericht en past daarna de toewijzing aan.")
    answer = builder.run("Wat stuurt de gemeente daarna terug? (Cliënt ander subsegment 317)", [passage])["answer"]
    assert answer["answered"]
    named = builder.run("Wat stuurt de gemeente in Fictiefstad terug na een 317?", [passage])["answer"]
    assert not named["answered"]


def test_a_question_about_one_message_type_is_not_answered_about_another(builder: ExtractiveAnswerBuilder) -> None:
    """The deadline of the declaratie-antwoordbericht is no answer to a question about the startbericht."""
    other = _doc("d", "In de huidige situatie moet het declaratieantwoordbericht binnen tien werkdagen weg.")
    refused = builder.run("Binnen hoeveel werkdagen moet ik het startbericht sturen?", [other])["answer"]
    assert not refused["answered"] and "noemen niet: startbericht" in refused["answer"]
    answer = builder.run("Binnen hoeveel werkdagen moet ik het startbericht sturen?", [_doc("s", START), other])
    assert answer["answer"]["answered"] and [c["document_id"] for c in answer["answer"]["citations"]] == ["doc-s"]
    # The user's word or the document's: the verzoek om toewijzing is also called VOT (or 315).
    vot = _doc("v", "De GI verstuurt de VOT uiterlijk binnen 5 werkdagen na ontvangst van de beschikking.")
    assert builder.run("Wanneer stuurt de GI het verzoek om toewijzing?", [vot])["answer"]["answered"]


def test_a_value_question_needs_a_new_value_on_its_subject(builder: ExtractiveAnswerBuilder) -> None:
    """"Op welke datum gaat release 2024 live?" is not answered by the year it names, nor by a table of meeting
    dates under another heading; it is by a date in a sentence about the release."""
    meetings = _doc("m", "Dag Datum Tijd Bijeenkomst Dinsdag 05-09-2023 10.00 PRGB", section="Datums bijeenkomsten")
    title = _doc("t", "Eerste referentiegroep iWmo release 2024 met leveranciers.", section="Inleiding")
    question = "Op welke datum gaat de iWmo release 2024 live?"
    assert not builder.run(question, [meetings, title])["answer"]["answered"]
    live = _doc("l", "De iWmo release 2024 gaat live op 1 april 2025.", section="Planning")
    assert builder.run(question, [live])["answer"]["answered"]


def test_how_often_is_answered_by_a_period(builder: ExtractiveAnswerBuilder) -> None:
    doc = _doc("k", "In principe stellen we jaarlijks het bedrag vast. Elk kwartaal monitoren we de plekbezetting.")
    answer = builder.run("Hoe vaak kijken de gemeenten naar de plekbezetting?", [doc])["answer"]
    assert answer["answered"] and answer["citations"][0]["quote"] == "Elk kwartaal monitoren we de plekbezetting."


def test_a_function_word_in_the_section_does_not_make_it_on_topic(builder: ExtractiveAnswerBuilder) -> None:
    """"voor" in "Bandbreedtemodel voor IB" says nothing about "de maximale wachttijd voor begeleiding"."""
    doc = _doc("b", "De flexibiliteit blijft door een onderbreking van maximaal één week door te betalen.",
               section="Bandbreedtemodel voor IB > Toelichting")
    assert not builder.run("Wat is de maximale wachttijd voor begeleiding?", [doc])["answer"]["answered"]


def test_a_promise_to_tell_later_is_no_answer_but_is_shown(builder: ExtractiveAnswerBuilder) -> None:
    """A page written before the award says it will tell which providers got a contract: not answered, and the user
    sees what the document says."""
    later = "Zodra bekend is welke zorgaanbieders per 1 juli 2022 zijn gecontracteerd, laten wij u dit weten."
    doc = _doc("g", f"{later} Tot die tijd verandert er niets.", section="Vraag & Antwoord")
    answer = builder.run("Welke zorgaanbieders zijn per 1 juli 2022 gecontracteerd?", [doc])["answer"]
    assert not answer["answered"] and answer["citations"] == []
    assert "nog geen antwoord" in answer["answer"] and later in answer["answer"] and "Titel g" in answer["answer"]
    # A condition with "zodra" is an answer: when the request can be sent.
    rule = _doc("r", "De aanbieder kan het verzoek insturen zodra de gewenste ingangsdatum bekend is.")
    assert builder.run("Wanneer kan de aanbieder het verzoek insturen?", [rule])["answer"]["answered"]


def test_a_question_for_a_phone_number_or_percentage_needs_one(builder: ExtractiveAnswerBuilder) -> None:
    """"Wat is het telefoonnummer van de servicedesk?" is not answered by "Neem contact op met de servicedesk"."""
    desk = _doc("t", "Neem contact op met de servicedesk. De servicedesk helpt bij vragen over het bericht.")
    assert not builder.run("Wat is het telefoonnummer van de servicedesk?", [desk])["answer"]["answered"]
    phone = _doc("p", "De servicedesk is bereikbaar op 088 - 123 45 67 op werkdagen.")
    assert builder.run("Wat is het telefoonnummer van de servicedesk?", [phone])["answer"]["answered"]
    no_share = _doc("o", "Een apart percentage voor kapitaallasten opnemen is niet nodig.")
    assert not builder.run("Met welk OVA-percentage worden de tarieven geïndexeerd?", [no_share])["answer"]["answered"]


def test_the_faq_question_above_an_answer_is_never_quoted(builder: ExtractiveAnswerBuilder) -> None:
    """A FAQ heading may open with a statement ("Aanbieders sturen een Start zorg weleens twee keer op. Wat moet ik
    doen?"): it is the question, not its answer."""
    question = "Aanbieders sturen een Start zorg weleens twee keer op. Wat moet ik als gemeente doen?"
    doc = _doc("f", f"{question}\nEr kan maar één bericht in behandeling zijn; een tweede wordt afgekeurd.",
               section=f"Vragen > {question}", heading_path=["Vragen", question])
    answer = builder.run("Welk bericht stuurt de aanbieder als de zorg start?", [doc])["answer"]
    assert answer["citations"][0]["quote"] == "Er kan maar één bericht in behandeling zijn; een tweede wordt afgekeurd."


def test_a_source_highlights_the_matching_sentence_of_each_of_its_parts_and_the_answer_reads_both() -> None:
    """A rule cited as one source (Definitie and Toepassing) holds the answer in two parts: both sentences are
    highlighted in the source, in the document's order, and read in the answer's text; the rest of the source
    is not."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    rule = {"document_id": "op272", "chunk_count": 6, "title": "OP272"}
    definition = _doc("def", "De aanbieder verzendt het stopbericht binnen vijf werkdagen na de einddatum.", 0.9,
                      **rule, heading_path=["OP272", "Definitie"], position=1)
    other = _doc("x", UNRELATED, 0.5, heading_path=["Overleg"], position=1)
    use = _doc("use", "Na een tijdelijke stop wordt het stopbericht binnen vijf werkdagen verzonden zodra de stop "
                      "definitief is.", 0.4, **rule, heading_path=["OP272", "Toepassing"], position=3)

    answer = learned.run("Binnen hoeveel werkdagen verzend ik het stopbericht?", [definition, other],
                         candidates=[definition, other, use])["answer"]

    assert answer["answered"] is True
    first = answer["citations"][0]
    assert first["passage_ids"] == ["def", "use"]
    assert first["quote"] == f"{definition.content} {use.content}"
    assert first["text"] == f"Definitie\n{definition.content}\n\nToepassing\n{use.content}"
    body = answer["answer"].split("\n\nBronnen:\n")[0].split(" [1]")[0]
    assert body == f"{definition.content} {use.content}"  # what is highlighted, not the whole source text


def test_a_second_highlighted_part_keeps_its_whole_sentence() -> None:
    """Both parts of a rule end their list with "worden verstuurd.": the second part's highlight keeps those words,
    or it would read "... binnen vijf werkdagen: - een antwoordbericht" without saying what must happen."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    rule = {"document_id": "op346", "chunk_count": 6, "title": "OP346"}
    definition = _doc("def", "Na een verzoek om wijziging moet binnen acht weken:\n- een toewijzingbericht\n"
                             "worden verstuurd.", 0.9, **rule, heading_path=["OP346", "Definitie"], position=1)
    summary = _doc("sum", "Bij een verzoek om wijziging moet binnen vijf werkdagen:\n- een antwoordbericht\n"
                          "worden verstuurd.", 0.5, **rule,
                   heading_path=["OP346", "Samenvatting"], position=2)

    answer = learned.run("Wat moet er na een verzoek om wijziging worden verstuurd?", [definition],
                         candidates=[definition, summary])["answer"]

    assert answer["citations"][0]["quote"] == ("Na een verzoek om wijziging moet binnen acht weken: - een "
                                               "toewijzingbericht worden verstuurd. Bij een verzoek om wijziging moet "
                                               "binnen vijf werkdagen: - een antwoordbericht worden verstuurd.")


def test_a_case_told_first_is_answered_by_the_sentence_on_what_it_asks_not_the_one_retelling_the_case() -> None:
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    faq = _doc("faq", "Er zijn gemeenten waar de aanbieder geen rol heeft in wijzigingen. Een verzoek om wijziging "
                      "wordt daar afgewezen met reden 4 (past niet binnen contract).", 0.9)
    question = ("Aanbieder stuurt een VOW, maar bij ons heeft de aanbieder geen rol in het doorgeven van wijzigingen. "
                "Met welke reden wordt dat afgewezen?")
    answer = learned.run(question, [faq])["answer"]
    assert answer["answer"].startswith("Een verzoek om wijziging wordt daar afgewezen met reden 4")


def test_the_corpus_weighs_the_question_words_so_a_side_word_is_not_read_out() -> None:
    """Among candidates that are all about "indexering" that word is common and "werkt" rare; in the corpus it is the
    other way round. With the index's IDF a sentence sharing only "werkt" stays a listed source."""
    docs = [_doc("idx", "De manier van indexering gaat veranderen.", 0.9),
            _doc("pause", "Na de pauze gaan we verder met declareren en gezinsgericht werkt.", 0.8),
            _doc("objection", "Onderbouwd bezwaar op de indexering graag voor 2 november mailen.", 0.7),
            _doc("index", "De indexering volgt het definitieve prijsindexcijfer.", 0.6)]
    idf = {"werk": 0.4, "indexeer": 6.0}

    def body(**extra: object) -> str:
        learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned",
                                          min_probability=0.0, cite_ratio=0.0, **extra)
        return learned.run("Hoe werkt de indexering?", docs)["answer"]["answer"].split("\n\nBronnen:")[0]

    assert "gezinsgericht werkt" in body()  # the candidates alone make "werkt" the rare word
    with_idf = body(idf=lambda term: idf.get(term, 1.0))
    assert "gezinsgericht werkt" not in with_idf and "manier van indexering" in with_idf


def test_a_list_item_read_on_its_own_loses_its_dash_in_the_answer_text(builder: ExtractiveAnswerBuilder) -> None:
    doc = _doc("a", "- Bezwaar tegen de indexering graag voor 2 november mailen naar contractmanagement.")
    answer = builder.run(query="Tot wanneer kan ik bezwaar maken tegen de indexering?", documents=[doc])["answer"]
    assert answer["answer"].startswith("Bezwaar tegen de indexering graag voor 2 november mailen")
    assert answer["citations"][0]["quote"].startswith("- Bezwaar")  # the source's own text, as highlighted


def test_the_words_that_ask_do_not_make_a_sentence_an_answer() -> None:
    """"Hoe werkt de indexering?": an agenda's "Hoe verder?" shares only the asking word; it stays a listed source
    and is not read out as part of the answer."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    indexing = _doc("idx", "De manier van indexering gaat veranderen: vanaf mei geldt het definitieve cijfer.", 0.9)
    agenda = _doc("agenda", "| 08 Declareren | 09 Hoe verder? | 10 Afsluiting |", 0.8)

    answer = learned.run("Hoe werkt de indexering?", [indexing, agenda])["answer"]

    body, sources = answer["answer"].split("\n\nBronnen:\n")
    assert [c["passage_id"] for c in answer["citations"]] == ["idx", "agenda"] and "[2]" in sources
    assert "indexering gaat veranderen" in body and "Hoe verder" not in body


def test_the_sentence_after_the_best_is_read_with_it_when_it_matches_the_question_as_well(
        builder: ExtractiveAnswerBuilder) -> None:
    """The best match names the subject, the next sentence gives the value asked for; an unrelated next sentence
    is left out."""
    text = ("Het tarief voor ambulante jeugdhulp wordt aangepast aan de nieuwe cao. "
            "Het nieuwe tarief voor ambulante jeugdhulp geldt per 1 januari 2026. "
            "De vergadering sluit om vier uur.")
    answer = builder.run("Wordt het tarief voor ambulante jeugdhulp aangepast?", [_doc("a", text)])["answer"]

    assert answer["answered"]
    body = answer["answer"].split("\n\nBronnen:")[0]
    assert "aangepast aan de nieuwe cao" in body and "geldt per 1 januari 2026" in body
    assert "vergadering" not in body


def test_the_best_ranked_source_is_always_read_out() -> None:
    """Retrieval ranked the source with the value first; another source shares more words with the question. The
    answer's text reads both, the best-ranked first."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    duration = _doc("duur", "Maximale duur van het onderzoek: 14 dagen.", 0.9)
    principle = _doc("wpb", "Gemeenten mogen uitsluitend onderzoek doen naar het woonplaatsbeginsel bij een "
                            "gecertificeerde instelling als de woonplaats van de jeugdige onduidelijk is.", 0.8)

    answer = learned.run("Hoe lang mag een gemeente onderzoek doen naar het woonplaatsbeginsel bij een "
                         "gecertificeerde instelling?", [duration, principle])["answer"]

    body = answer["answer"].split("\n\nBronnen:")[0]
    assert body.startswith("Maximale duur van het onderzoek: 14 dagen. [1]")
    assert "woonplaatsbeginsel" in body


def test_the_sentence_after_the_best_is_not_read_when_it_is_about_the_other_end_of_care(
        builder: ExtractiveAnswerBuilder) -> None:
    text = ("De aanbieder verstuurt het stopbericht binnen vijf werkdagen na het einde van de zorg. "
            "De aanbieder verstuurt het startbericht binnen vijf werkdagen na de start van de zorg.")
    answer = builder.run("Binnen hoeveel werkdagen verstuurt de aanbieder het stopbericht na het einde van de zorg?",
                         [_doc("a", text)])["answer"]

    body = answer["answer"].split("\n\nBronnen:")[0]
    assert "stopbericht binnen vijf werkdagen" in body and "startbericht" not in body


def test_the_numbers_of_a_list_of_questions_are_no_terms_a_passage_must_hold() -> None:
    passage = "De aanbieder stuurt het startbericht (305) bij de start en het stopbericht (307) bij de stop."
    assert missing_terms("1) welk bericht stuur ik bij de start 2) en bij de stop?", passage) == []
    assert missing_terms("1. Welk bericht bij de start? 2. En bij de stop?", passage) == []
    assert missing_terms("Welke code is 33?", passage) == ["33"]  # a number asked about still is one


def test_a_date_in_numbers_is_no_term_a_passage_must_hold() -> None:
    """"per 01-02-2025" tells the case; documents write dates in words, so 01, 02 and 2025 are not required."""
    passage = "De aanbieder stuurt een stopbericht (307) binnen vijf werkdagen na het einde van de zorg."
    assert missing_terms("Cliënt is per 01-02-2025 gestopt, welk bericht moet ik sturen?", passage) == []
    assert missing_terms("Wat verandert er in 2025?", passage) == ["2025"]  # a year asked about still is one


def test_a_word_opening_a_line_is_no_name_a_passage_must_hold() -> None:
    passage = "De aanbieder stuurt het startbericht binnen vijf werkdagen."
    assert missing_terms("Goedemiddag,\nBinnen hoeveel werkdagen gaat het startbericht?", passage) == []
    assert missing_terms("Geldt dat ook in Twente?", passage) == ["twente"]  # a name mid-sentence still is one


@pytest.mark.parametrize("question", [
    "Ik werk bij Zorggroep Oost en we willen weten binnen hoeveel werkdagen het startbericht moet",
    "Mijn collega Petra zegt dat het startbericht binnen vijf werkdagen moet, klopt dat?",
    "De consulent van gemeente Utrecht vraagt of de aanbieder een startbericht moet sturen",
    "In Nedap Ons krijgen we een afkeur, binnen hoeveel werkdagen moet het startbericht?",
    "ik ben Anouk en wil weten binnen hoeveel werkdagen het startbericht moet",
    "Volgens Zilveren Kruis moet het startbericht binnen vijf werkdagen, klopt dat?",
    "Volgens mijn collega Petra, moet het startbericht binnen vijf werkdagen?",
])
def test_who_asks_or_who_said_it_is_no_name_a_passage_must_hold(question: str) -> None:
    passage = "De aanbieder stuurt het startbericht binnen vijf werkdagen."
    assert missing_terms(question, passage) == []


@pytest.mark.parametrize(("question", "name"), [
    ("Hoe werkt de indexering in Zwolle?", "zwolle"),
    ("Als gemeente Zwolle, binnen hoeveel werkdagen moet het startbericht?", "zwolle"),
    ("Wij werken in Twente, binnen hoeveel werkdagen moet het startbericht?", "twente"),
])
def test_a_place_that_scopes_the_question_still_is_a_name_a_passage_must_hold(question: str, name: str) -> None:
    assert missing_terms(question, "De aanbieder stuurt het startbericht binnen vijf werkdagen.") == [name]


def test_a_number_in_digits_is_mentioned_by_the_same_number_in_words() -> None:
    passage = "Retourberichten moeten binnen drie werkdagen worden verzonden; bestanden zijn maximaal 25 Mb."
    assert missing_terms("Klopt het dat een retourbericht binnen 3 werkdagen moet?", passage) == []
    assert missing_terms("Mag een bestand groter zijn dan 25MB?", passage) == []  # the unit glued on
    assert missing_terms("Wat betekent eenheid 4?", passage) == ["4"]  # another number still is missing
    assert missing_terms("Mag een bestand 30MB zijn?", passage) == ["30mb"]
    assert missing_terms("Wat is reden 1?", "Een bericht binnen drie werkdagen.") == ["1"]  # "een": article


@pytest.mark.parametrize("question", [
    "We wijzigen alleen de einddatum van 1 van de 3 toewijzingen. Moeten de andere 2 dan ook mee in het 301-bericht?",
    "Klopt het dat het stopbericht binnen 4 werkdagen moet?",
    "Cliënt stopt per 1 januari, binnen hoeveel werkdagen gaat het stopbericht (301)?",
])
def test_a_quantity_of_the_case_or_the_claim_is_no_term_a_passage_must_hold(question: str) -> None:
    """One- and two-digit numbers count things or days; the rule that answers need not repeat them (it says "vijf"),
    but the message code (301) still is a term."""
    passage = "De aanbieder stuurt het 301-bericht en het stopbericht binnen vijf werkdagen."
    assert missing_terms(question, passage) == []
    assert missing_terms(question, "De aanbieder stuurt het stopbericht binnen vijf werkdagen.") == (
        ["301"] if "301" in question else [])


@pytest.mark.parametrize(("question", "number"), [
    ("Welke code is 33?", "33"), ("Wat betekent eenheid 14 in een toewijzing?", "14"), ("Wat zegt artikel 7?", "7"),
    ("Wat betekent status 2 bij een toewijzing?", "2"),
])
def test_a_number_after_a_word_that_numbers_things_still_is_a_term(question: str, number: str) -> None:
    assert missing_terms(question, "De aanbieder stuurt het stopbericht binnen vijf werkdagen.") == [number]


def test_a_rule_named_by_its_id_is_answered_by_that_rule() -> None:
    """"Wat zegt OP271?": "zegt" is in no passage, so the rule's relevance stays under the threshold; the rule the
    question names is the answer all the same. A question that names no shown rule is still refused."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.9, max_citations=3, selection="learned", min_probability=0.0)
    rule = _doc("op271", "De aanbieder verzendt een startbericht binnen vijf werkdagen na de start.", 0.3, dense=0.8,
                title="OP271 — De aanbieder verzendt een startbericht binnen vijf werkdagen")
    assert learned.run("Wat zegt OP271?", [rule])["answer"]["answered"] is True
    assert learned.run("Uitleg van op271 graag", [rule])["answer"]["answered"] is True
    assert learned.run("Wat zegt OP272?", [rule])["answer"]["answered"] is False
    assert learned.run("Wat zegt de regel over het startbericht?", [rule])["answer"]["answered"] is False


def test_a_question_about_one_end_of_care_quotes_the_sentence_about_that_end_only() -> None:
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=3, selection="learned", min_probability=0.0)
    passage = _doc("p", "Wanneer de aanbieder gestart is met het leveren van de zorg, meldt die dit aan de gemeente.\n"
                        "De aanbieder stuurt hiervoor een startbericht naar de gemeente.\n"
                        "Zowel zorg die tijdelijk als definitief gestopt is, kan herstart worden, dan stuurt de "
                        "aanbieder opnieuw een startbericht naar de gemeente.", 0.9)
    answer = learned.run("Welk bericht stuurt de aanbieder als de zorg start?", [passage])["answer"]
    assert answer["citations"][0]["quote"].startswith("De aanbieder stuurt hiervoor een startbericht")


def test_the_same_sentence_from_two_copies_is_read_once_and_both_stay_cited() -> None:
    """The iJw and iWmo copies of a document (or two versions, one with a typing error) give the same quote: the answer
    reads it once, with both numbers; both sources are listed. A different sentence is still read."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0)
    docs = [_doc("jw", "De aanbieder corrigeert het eerder verstuurde stopbericht door deze aanlevering te "
                       "verwijderen.", 0.9, document_id="jw"),
            _doc("wmo", "De aanbieder corrigeert het eerder verstuurde stopbericht door deze aanlevering te "
                        "verwijdern.", 0.8, document_id="wmo"),
            _doc("other", "Na het verwijderen stuurt de aanbieder zo nodig een nieuw stopbericht met de juiste reden.",
                 0.7, document_id="other")]

    question = "Hoe corrigeert de aanbieder een verstuurd stopbericht door het te verwijderen?"
    answer = learned.run(question, docs)["answer"]

    body = answer["answer"].split("\n\nBronnen:")[0]
    assert answer["answered"] and [c["passage_id"] for c in answer["citations"]] == ["jw", "wmo", "other"]
    assert body.count("corrigeert het eerder verstuurde stopbericht") == 1
    assert "te verwijderen. [1][2]" in body
    assert "[3]" in body and "nieuw stopbericht" in body


def test_a_value_question_is_refused_when_the_best_ranked_passage_holds_no_value() -> None:
    """"Hoeveel werkdagen ...?": the best-ranked passage talks about the subject without a number and a lower one
    gives another message's deadline. The answer would read the first; it is refused and says what is missing. With
    the number in the best-ranked passage the same question is answered."""
    learned = ExtractiveAnswerBuilder(min_relevance=0.0, max_citations=5, selection="learned", min_probability=0.0,
                                      cite_ratio=0.0)
    about = _doc("about", "Een VOW moet tijdig bij de gemeente zijn, voor de gewenste ingangsdatum van de wijziging.",
                 0.9, document_id="faq", heading_path=["VOW"])
    other = _doc("other", "De gemeente stuurt binnen vijf werkdagen een retourbericht op het startbericht.", 0.5,
                 document_id="op", heading_path=["Retour"])
    question = "Hoeveel werkdagen voor de ingangsdatum moet een VOW bij de gemeente zijn?"

    refused = learned.run(question, [about, other])["answer"]
    assert refused["answered"] is False and refused["citations"] == []
    assert "aantal" in refused["answer"]

    answered = learned.run(question, [other, about])["answer"]
    assert answered["answered"] is True
