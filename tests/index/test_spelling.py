"""Speller: typing errors are corrected to words of the passages; names, codes and known words stay."""

from __future__ import annotations

from collections import Counter

import pytest

from index.spelling import Speller, one_edit_apart, typed_in_capitals

PASSAGES = [
    "De zorgaanbieder stuurt het zorgplan naar de gemeente. Het zorgplan beschrijft de doelen.",
    "De indexering van de tarieven gebeurt jaarlijks; de indexering volgt het indexcijfer.",
    "Het stopbericht wordt binnen vijf werkdagen verstuurd. Elk stopbericht krijgt een retourbericht.",
]


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller.from_texts(PASSAGES)


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("zorgplan", "zorgpaln", True),  # two neighbours swapped
    ("zorgplan", "zorgpan", True),  # a letter left out
    ("zorgplan", "zorgplaan", True),  # a letter too many
    ("zorgplan", "zorgplen", True),  # a letter wrong
    ("zorgplan", "zorgplan", False),
    ("zorgplan", "zrogpaln", False),  # two errors
    ("zorgplan", "zorgplannen", False),
])
def test_one_edit_apart(a: str, b: str, expected: bool) -> None:
    assert one_edit_apart(a, b) is expected
    assert one_edit_apart(b, a) is expected


def test_typing_errors_become_the_words_of_the_passages(speller: Speller) -> None:
    assert speller.correct("Moeten we ons zorgpaln opsturen?") == (
        "Moeten we ons zorgplan opsturen?", {"zorgpaln": "zorgplan"})
    assert speller.correct("indxeering tarieven")[0] == "indexering tarieven"
    assert speller.correct("Wanneer gaat het Stopbericht eruit?")[1] == {}  # known word, capital or not


def test_vocabulary_words_are_known_even_when_the_passages_lack_them(speller: Speller) -> None:
    # "startbericht" is not in the passages, but the domain vocabulary knows it (it stands for 305).
    assert speller.correct("Binnen hoeveel dagen moet het stratbericht eruit?")[1] == {"stratbericht": "startbericht"}


def test_names_codes_short_and_inflected_words_are_left_alone(speller: Speller) -> None:
    unchanged = [
        "Hoe werkt de indexering in regio Zorgplon?",  # a capital mid-sentence: a name
        "Wat betekent code OP272 of 54Z01?",  # codes
        "Mag dat plan ook?",  # short words
        "Worden stopberichten ook geteld?",  # an inflection of a known word
        "Wat is een ontvangstbevestiging?",  # an unknown word with no neighbour
    ]
    for question in unchanged:
        assert speller.correct(question) == (question, {}), question


def test_a_word_used_once_is_no_correction() -> None:
    speller = Speller(Counter({"zorgplan": 1, "indexering": 3}))
    assert speller.suggestion("zorgpaln") is None
    assert speller.suggestion("indexerign") == "indexering"


def test_a_common_dutch_word_is_no_typing_error_even_when_the_documents_lack_it() -> None:
    speller = Speller.from_texts(["De gemeente bepaalt de looptijd. Echter, de gemeente bepaalt niet alles."] * 2)
    assert speller.correct("Wie betaalt de rechter?") == ("Wie betaalt de rechter?", {})
    assert speller.correct("hoe lang bepalt de gemeente")[1] == {"bepalt": "bepaalt"}


def test_a_word_of_regional_documents_is_a_correction_only_for_those_regions() -> None:
    texts = [("Het bandbreedtemodel en het bandbreedtemodel.", "drechtsteden"),
             ("De startdatum van de zorg, de startdatum.", "landelijk"), ("Het inkoopproces.", None)]
    speller = Speller.from_texts(texts)
    assert speller.regional == {"bandbreedtemodel": frozenset({"drechtsteden"})}  # no scope counts as national
    question = "Wat is het bandbreedtemodl na de startdatm?"
    assert speller.correct(question)[0] == "Wat is het bandbreedtemodel na de startdatum?"
    assert speller.correct(question, frozenset({"drechtsteden", "landelijk"}))[1] == {
        "bandbreedtemodl": "bandbreedtemodel", "startdatm": "startdatum"}
    assert speller.correct(question, frozenset({"achterhoek", "landelijk"}))[1] == {"startdatm": "startdatum"}


def test_a_word_typed_without_its_accents_is_searched_as_the_documents_write_it() -> None:
    texts = ["De beëindiging van de zorg voor cliënten. Na beëindiging volgt een bericht aan cliënten.",
             "Client en ClientID zijn elementen; de client stuurt, de client ontvangt. Eén cliënt."]
    speller = Speller.from_texts(texts)
    assert speller.correct("Wat is de reden van beeindiging voor clienten?") == (
        "Wat is de reden van beëindiging voor cliënten?", {"beeindiging": "beëindiging", "clienten": "cliënten"})
    assert speller.correct("Beeindiging van de zorg")[0] == "Beëindiging van de zorg"  # the typed capital stays
    # "client" is written without accents more often than with them: it is left as typed.
    assert speller.correct("Wat doet de client?") == ("Wat doet de client?", {})
    assert speller.correct("Wat is beëindiging?") == ("Wat is beëindiging?", {})  # already accented


CASED = [
    "Titel | Verzoek Om Toewijzing > Afhandeling\nDe aanbieder stuurt een VOT. De gemeente beantwoordt de VOT binnen "
    "drie werkdagen; een afgewezen VOT krijgt een reden. Het CIZ en de gemeente overleggen.",
    "Gemeentecode: 0153; Gemeentenaam: Enschede; Jeugdzorgregio: Twente\nZorg in de regio. De zorg start.",
    "Bericht: WMO301; Toelichting: het toewijzingsbericht voor de wmo, de wmo-toewijzing en de WMO301-regels.",
]


def test_a_question_typed_in_lower_case_gets_the_case_the_documents_write_its_names_in() -> None:
    speller = Speller.from_texts(CASED)
    assert speller.cases["vot"] == "VOT"  # a short form: three times mid-sentence, never in lower case
    assert speller.cases["twente"] == "Twente"  # a name, as a field's value, never in lower case
    assert "zorg" not in speller.cases  # capitalised in a title and opening a sentence, lower case mid-sentence
    assert "wmo" not in speller.cases  # only inside the code WMO301, and written in lower case
    assert "ciz" not in speller.cases  # a short form seen once is too little
    assert speller.truecase("hoe lang mag een vot in twente duren?") == "hoe lang mag een VOT in Twente duren?"
    # A question with a capital anywhere is left as typed: the user chose the case of every word.
    assert speller.truecase("Hoe lang mag een vot duren?") == "Hoe lang mag een vot duren?"
    # Not a correction to show: the searched question is the typed one.
    assert speller.correct("hoe lang mag een vot duren?") == ("hoe lang mag een vot duren?", {})


@pytest.mark.parametrize(("text", "capitals"), [
    ("WAT IS EEN VOT", True), ("EN BIJ DE WMO?", True), ("VECOZO FOUTMELDING BRS13", True),
    ("IAJ GWV 305", False), ("VOT JW305", False), ("BRP", False), ("Wat is een VOT?", False),
])
def test_a_question_typed_with_caps_lock_is_told_from_short_forms(text: str, capitals: bool) -> None:
    assert typed_in_capitals(text) is capitals


def test_a_rule_id_typed_apart_is_joined_as_the_documents_write_it() -> None:
    speller = Speller.from_texts(["OP271 — De aanbieder verzendt een startbericht.", "Zie OP305 en IV079.",
                                  "invulinstructie IV079"])
    assert speller.correct("Wat zegt OP 271?") == ("Wat zegt OP271?", {"OP 271": "OP271"})
    assert speller.correct("uitleg van iv-079")[0] == "uitleg van IV079"
    # "op" in lower case is a preposition: the message 305, not the rule OP305
    assert speller.correct("welk retourbericht komt er op 305?")[0] == "welk retourbericht komt er op 305?"
    assert speller.correct("Wat zegt OP 999?")[0] == "Wat zegt OP 999?"  # an id the documents do not have
