"""Short forms mined from the passages: the pairs found, the guard for Dutch words, the BM25 query they extend and
the specific-term check they satisfy."""

from __future__ import annotations

import pytest

from api.answering.abstention import missing_terms
from index.abbreviations import Abbreviations, long_form, mine, mine_message_names
from index.analyzer import DutchAnalyzer
from index.embedders import QueryEncoder
from index.embedding_model import EmbeddingModel
from index.sparse import term_id

PASSAGES = [
    "De aanbieder stuurt een Verzoek om Toewijzing (VOT) naar de gemeente.",
    "Een verzoek om wijziging (VOW) wordt in zijn geheel beoordeeld.",
    "BRP (Basisregistratie Personen) is de bron voor het adres.",
    "Een Gecertificeerde Instelling (GI) voert jeugdbescherming uit.",
    "Zorg in natura (ZIN) wordt gedeclareerd via het berichtenverkeer.",
    "De gemeente reageert binnen vijf werkdagen op een verzoek om toewijzing.",
    "Zie de bijlage (pagina 4) en de tabel (versie 2).",
]


@pytest.fixture(scope="module")
def abbreviations() -> Abbreviations:
    return Abbreviations.from_texts(PASSAGES)


def test_long_form_follows_the_letters_of_the_short_form() -> None:
    assert long_form("De aanbieder stuurt een Verzoek om Toewijzing".split(), "VOT") == "verzoek om toewijzing"
    assert long_form("zie het Byte Order Mark".split(), "BOM") == "byte order mark"
    assert long_form("de bijlage".split(), "VOT") is None  # the letters are not there
    assert long_form(["Toewijzing"], "T") is None  # a single letter is no short form


def test_both_ways_of_defining_are_mined(abbreviations: Abbreviations) -> None:
    forms = mine(PASSAGES)
    assert forms["vot"]["verzoek om toewijzing"] == 1
    assert forms["brp"]["basisregistratie personen"] == 1  # "SF (long form)"
    assert "pagina" not in " ".join(forms) and len(abbreviations) == 5


def test_short_forms_in_a_question(abbreviations: Abbreviations) -> None:
    found = abbreviations.in_query("gebruiken GI's het VOW-bericht, en wat doe ik met een vot?")
    assert found == [("GI", "gecertificeerde instelling"), ("VOW", "verzoek om wijziging"),
                     ("vot", "verzoek om toewijzing")]
    # "zin" is a Dutch word: only ZIN in capitals is the short form
    assert abbreviations.in_query("heeft het zin om te bellen?") == []
    assert abbreviations.in_query("wordt ZIN gedeclareerd?") == [("ZIN", "zorg in natura")]


def test_a_short_form_is_mentioned_by_its_long_form(abbreviations: Abbreviations) -> None:
    analyzer = DutchAnalyzer()
    question = "Binnen hoeveel dagen reageert de gemeente op een VOT?"
    passage = PASSAGES[5]
    assert missing_terms(question, passage, analyzer=analyzer) == ["vot"]
    assert missing_terms(question, passage, analyzer=analyzer, abbreviations=abbreviations) == []
    assert missing_terms(question, "De gemeente reageert binnen vijf werkdagen.", analyzer=analyzer,
                         abbreviations=abbreviations) == ["vot"]


def test_the_bm25_query_also_searches_the_long_form(abbreviations: Abbreviations,
                                                    embedding_model: EmbeddingModel) -> None:
    toewijzing = term_id(DutchAnalyzer().terms("toewijzing")[0])
    plain = QueryEncoder(embedding_model).run("termijn vot")
    expanded = QueryEncoder(embedding_model, abbreviations=abbreviations).run("termijn vot")
    assert toewijzing not in plain["sparse_embedding"].indices
    weights = dict(zip(expanded["sparse_embedding"].indices, expanded["sparse_embedding"].values, strict=True))
    assert 0 < weights[toewijzing] < max(weights.values())  # below the words the user typed
    assert "verzoek om toewijzing" in expanded["expansion"]
    assert plain["embedding"] == expanded["embedding"]  # the dense query is the question as typed


def test_a_short_form_only_regional_documents_define_is_expanded_only_for_those_regions() -> None:
    texts = [("Huishoudelijke ondersteuning (HO) wordt geïndexeerd.", "drechtsteden"),
             ("Een verzoek om toewijzing (VOT) gaat naar de gemeente.", "landelijk")]
    abbreviations = Abbreviations.from_texts(texts)
    assert abbreviations.regional == {"ho": frozenset({"drechtsteden"})}
    query = "Hoe snel na een VOT wordt de HO geïndexeerd?"
    assert abbreviations.in_query(query) == [("VOT", "verzoek om toewijzing"), ("HO", "huishoudelijke ondersteuning")]
    assert abbreviations.in_query(query, frozenset({"drechtsteden", "landelijk"})) == abbreviations.in_query(query)
    assert abbreviations.in_query(query, frozenset({"achterhoek", "landelijk"})) == [("VOT", "verzoek om toewijzing")]


MESSAGE_TEXTS = [
    "Berichttype: 305; Berichtnaam: Startzorgbericht; Maximale reactietermijn: 5 werkdagen",
    "Berichttype: 319; Berichtnaam: Antwoordbericht; Maximale reactietermijn: 5 werkdagen",
    "De aanbieder stuurt een Startzorgbericht (JW305) als de zorg begint.",
    "OP271: de aanbieder verstuurt het startbericht binnen vijf werkdagen. Een startbericht is verplicht.",
    "De gemeente keurt af met een antwoordbericht (325) en later een antwoordbericht (325).",
    "Het Stopbericht (JW307) meldt het einde van de zorg.",
]


def test_message_names_are_mined_from_table_rows_and_brackets_the_most_used_first() -> None:
    names = mine_message_names(MESSAGE_TEXTS)
    # the row and the brackets name 305 "startzorgbericht"; "startbericht" is never written with the code here
    assert names["305"] == ["startzorgbericht"]
    assert names["307"] == ["stopbericht"]
    # "antwoordbericht" is written with 325 twice, but a table row gives it to 319: it names 319 only
    assert names["319"] == ["antwoordbericht"] and "325" not in names
    with_rules = mine_message_names([*MESSAGE_TEXTS, "Het Startbericht (JW305) gaat binnen vijf werkdagen."])
    assert with_rules["305"] == ["startbericht", "startzorgbericht"]  # written 3 times against 2
    assert mine_message_names(["Code: 305; Omschrijving: Iets anders", "geen codes hier"]) == {}
    # a bare "bericht (305)" is no name; a name written as often with two codes names neither
    assert mine_message_names(["Stuur het bericht (305).", "retourbericht (324) en retourbericht (326)",
                               "Het Stopbericht (307)"]) == {"307": ["stopbericht"]}


def test_message_codes_in_a_question() -> None:
    abbreviations = Abbreviations.from_texts(MESSAGE_TEXTS)
    assert abbreviations.messages_in_query("Wanneer moet ik de JW305 versturen?") == [("JW305", "startzorgbericht")]
    assert abbreviations.messages_in_query("een WMO-307 of een 305-bericht?") == [
        ("WMO-307", "stopbericht"), ("305-bericht", "startzorgbericht")]
    assert abbreviations.messages_in_query("stuur ik de 305 of berichttype 319?") == [
        ("305", "startzorgbericht"), ("319", "antwoordbericht")]
    # a number with a unit, or one no definition names, is no message
    assert abbreviations.messages_in_query("de 305 uur kost 305 euro") == []
    assert abbreviations.messages_in_query("Wanneer stuur ik een JW301?") == []


def test_the_dense_query_reads_the_message_name_where_the_user_typed_the_code(
        embedding_model: EmbeddingModel) -> None:
    abbreviations = Abbreviations.from_texts(MESSAGE_TEXTS)
    encoder = QueryEncoder(embedding_model, abbreviations=abbreviations)
    coded = encoder.run("Wanneer stuur ik de JW305?")
    named = QueryEncoder(embedding_model).run("Wanneer stuur ik de startzorgbericht?")
    plain = QueryEncoder(embedding_model).run("Wanneer stuur ik de JW305?")
    assert coded["embedding"] == pytest.approx(named["embedding"], abs=1e-6)
    assert plain["embedding"] != pytest.approx(named["embedding"], abs=1e-3)
    assert "startzorgbericht" in coded["expansion"]
    start = term_id(DutchAnalyzer().terms("startzorgbericht")[0])
    jw305 = term_id(DutchAnalyzer().terms("JW305")[0])
    weights = dict(zip(coded["sparse_embedding"].indices, coded["sparse_embedding"].values, strict=True))
    assert 0 < weights[start] < weights[jw305]  # BM25 keeps the code as typed, the name below it
    # only the code as a word is read as the name: "13050" and "JW3050" stay
    other = encoder.run("Wanneer stuur ik de JW305, met bedrag 13050?")
    other_named = QueryEncoder(embedding_model).run("Wanneer stuur ik de startzorgbericht, met bedrag 13050?")
    assert other["embedding"] == pytest.approx(other_named["embedding"], abs=1e-6)
    # a case question's asking sentence reads the name too
    case = encoder.run("De jongere is gisteren gestart. Wanneer moet de JW305 eruit?")
    case_named = QueryEncoder(embedding_model).run(
        "De jongere is gisteren gestart. Wanneer moet de startzorgbericht eruit?")
    assert case["embedding"] == pytest.approx(case_named["embedding"], abs=1e-6)


def test_a_message_code_is_mentioned_by_a_passage_that_names_the_message() -> None:
    abbreviations = Abbreviations.from_texts(MESSAGE_TEXTS)
    analyzer = DutchAnalyzer()
    question = "Binnen welke termijn moet de gemeente reageren op een JW307?"
    passage = "Na ontvangst van het stopbericht verwerkt de gemeente het binnen vijf werkdagen."
    assert missing_terms(question, passage, analyzer=analyzer) == ["jw307"]
    assert missing_terms(question, passage, analyzer=analyzer, abbreviations=abbreviations) == []
    assert missing_terms(question, "De gemeente reageert binnen vijf werkdagen.", analyzer=analyzer,
                         abbreviations=abbreviations) == ["jw307"]
