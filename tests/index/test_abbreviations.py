"""Short forms mined from the passages: the pairs found, the guard for Dutch words, the BM25 query they extend and
the specific-term check they satisfy."""

from __future__ import annotations

import pytest

from api.answering.abstention import missing_terms
from index.abbreviations import Abbreviations, long_form, mine
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
