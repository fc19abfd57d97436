"""Follow-up rewriting: elliptical questions become standalone queries; a new topic stays as typed."""

from __future__ import annotations

import pytest

from api.answering.followup_terms import codes_in, region_aliases, region_name
from api.answering.followups import FollowUpRewriter, PriorTurn, Rewrite

PUBLISHERS = [
    ("achterhoek", "Sociaal Domein Achterhoek (8 gemeenten)"),
    ("drechtsteden", "Sociale Dienst Drechtsteden (SDD)"),
    ("de-fryske-marren", "Gemeente De Fryske Marren"),
    ("landelijk", "Zorginstituut Nederland"),
]


@pytest.fixture(scope="module")
def rewriter() -> FollowUpRewriter:
    return FollowUpRewriter(region_aliases(PUBLISHERS))


def _converse(rewriter: FollowUpRewriter, questions: list[str], region: str | None = None,
              codes: tuple[str, ...] = ()) -> Rewrite:
    """Ask the questions in order (each earlier one as a turn) and return the rewrite of the last."""
    history: list[PriorTurn] = []
    rewrite = None
    for question in questions:
        rewrite = rewriter.rewrite(question, history, region, region)
        history.append(PriorTurn(question, rewrite.query, rewrite.region, rewrite.region_source, codes))
    assert rewrite is not None
    return rewrite


def test_region_aliases_come_from_names_publishers_and_acronyms() -> None:
    aliases = region_aliases(PUBLISHERS)
    assert {"Achterhoek", "Achterhoekse", "Sociaal Domein Achterhoek", "SDA"} <= set(aliases["achterhoek"])
    assert {"Drechtsteden", "SDD", "Sociale Dienst Drechtsteden"} <= set(aliases["drechtsteden"])
    assert {"De Fryske Marren", "Fryske Marren", "DFM"} <= set(aliases["de-fryske-marren"])
    assert region_name("de-fryske-marren") == "De Fryske Marren"


def test_first_question_is_searched_as_typed(rewriter: FollowUpRewriter) -> None:
    rewrite = rewriter.rewrite("Welk bericht stuur ik als de zorg start?", [], "achterhoek")
    assert rewrite.query == "Welk bericht stuur ik als de zorg start?"
    assert (rewrite.kind, rewrite.region, rewrite.region_source) == ("nieuw", "achterhoek", "keuze")
    assert not rewrite.is_followup


@pytest.mark.parametrize(("questions", "expected"), [
    # a term of the same kind replaces the earlier one
    (["Welk bericht stuur ik als de zorg start?", "En als de zorg stopt?"],
     "Welk bericht stuur ik als de zorg stopt?"),
    (["Binnen hoeveel werkdagen krijg ik een ontvangstbevestiging op mijn declaratie?",
      "En het declaratie-antwoordbericht?"],
     "Binnen hoeveel werkdagen krijg ik een declaratie-antwoordbericht op mijn declaratie?"),
    # a clause with the same head word replaces that clause
    (["Wat staat er in de notulen van de SDD over indexering?", "En over de SLA-rapportages?"],
     "Wat staat er in de notulen van de SDD over de SLA-rapportages?"),
    # a clause the earlier question did not have is added to it
    # a pronoun subject takes the subject of the clause it replaces (the verb is last in such a clause)
    (["Welk bericht stuur ik als de zorg start?", "En als het stopt?"],
     "Welk bericht stuur ik als de zorg stopt?"),
    (["Wat moet ik doen als de cliënt naar een andere gemeente verhuist?", "En als hij overlijdt?"],
     "Wat moet ik doen als de cliënt overlijdt?"),
    # the end of care names no message: the stop message by the name the previous query used for the start message
    (["Binnen hoeveel dagen moet het startbericht eruit?", "en bij beeindiging?"],
     "Binnen hoeveel dagen moet het stopbericht eruit?"),
    (["Mag een aanbieder een cliënt weigeren?", "En als de cliënt niet bij de aanbieder past?"],
     "Mag een aanbieder een cliënt weigeren als de cliënt niet bij de aanbieder past?"),
    (["Binnen hoeveel dagen moet het startbericht eruit?", "En in Twente?"],
     "Binnen hoeveel dagen moet het startbericht eruit in Twente?"),
    # another region named with "dat" pointing back: the same question for that region
    (["Voor hoelang krijgen aanbieders in de Achterhoek nu een contract?", "Hoe is dat in De Fryske Marren geregeld?"],
     "Voor hoelang krijgen aanbieders in De Fryske Marren nu een contract?"),
])
def test_elliptical_follow_ups_are_completed_from_the_previous_question(
    rewriter: FollowUpRewriter, questions: list[str], expected: str
) -> None:
    rewrite = _converse(rewriter, questions)
    assert rewrite.query == expected
    assert rewrite.kind == "vervolg" and rewrite.explanation.startswith("Vervolgvraag")


@pytest.mark.parametrize(("questions", "kept", "carried"), [
    (["Binnen hoeveel dagen moet het startbericht eruit?", "Tellen de intake en het kennismakingsgesprek daarbij mee?"],
     "Tellen de intake en het kennismakingsgesprek daarbij mee?", ["startbericht"]),
    (["Tot wanneer loopt de overgangsperiode in de Achterhoek?",
      "Mogen we de oude productcodes in die periode nog gebruiken?"],
     "Mogen we de oude productcodes in die periode nog gebruiken?", ["overgangsperiode", "Achterhoek"]),
    (["Welke berichten moet je gebruiken bij taakgericht plus?", "En wie bepaalt daar de toegang?",
      "Bij wie ligt dan het financiële risico?"],
     "Bij wie ligt dan het financiële risico?", ["taakgericht", "toegang"]),
    (["Vanaf wanneer geldt het bandbreedtemodel voor huishoudelijke ondersteuning in de Drechtsteden?",
      "Uit hoeveel bandbreedtes bestaat het?"],
     "Uit hoeveel bandbreedtes bestaat het?", ["bandbreedtemodel", "huishoudelijke ondersteuning"]),
])
def test_questions_that_point_back_get_the_subject_of_the_previous_question(
    rewriter: FollowUpRewriter, questions: list[str], kept: str, carried: list[str]
) -> None:
    rewrite = _converse(rewriter, questions)
    assert rewrite.query.startswith(kept.rstrip("?")) and rewrite.kind == "vervolg"
    context = rewrite.query[len(kept):]
    for word in carried:
        assert word in context, rewrite.query


def test_what_the_previous_question_asked_for_is_not_carried(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["Binnen hoeveel werkdagen krijg ik het declaratie-antwoordbericht?",
                                   "Wat komt daar straks in te staan?"])
    assert "declaratie-antwoordbericht" in rewrite.query and "werkdagen" not in rewrite.query


def test_an_elliptic_follow_up_asks_what_the_previous_question_asked(rewriter: FollowUpRewriter) -> None:
    # "en het retourbericht daarop?" asks nothing of its own: it asks for the previous question's termijn
    rewrite = _converse(rewriter, ["Binnen welke termijn moet een GI het startzorgbericht versturen?",
                                   "en het retourbericht daarop?"])
    assert "termijn" in rewrite.query and "retourbericht" in rewrite.query, rewrite.query


def test_a_follow_up_after_a_note_of_whom_it_is_about_is_one(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["Binnen hoeveel werkdagen moet de gemeente reageren op een VOT?",
                                   "Over cliënt Jan Jansen (BSN 123456782, 01-02-2025): En bij een VOW?"])
    assert rewrite.is_followup and "werkdagen" in rewrite.query and "Jansen" not in rewrite.query, rewrite.query


def test_codes_from_the_previous_answer_are_carried_when_the_question_named_none(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["Cliënt moet naar een ander subsegment. Welk bericht stuur ik dan?",
                                   "Wat stuurt de gemeente daarna terug?"], codes=("317",))
    assert "317" in rewrite.query
    no_codes = _converse(rewriter, ["Welk bericht stuur ik als de zorg stopt?", "Moet dat ook bij een verlenging?"],
                         codes=("305",))
    assert "305" not in no_codes.query  # the question named its message itself; a wrong answer's code stays out


@pytest.mark.parametrize("question", [
    "Met hoeveel aanbieders hadden de gemeenten eerst een contract?",
    "Wat is het doel van de fysieke overlegtafel in De Fryske Marren?",
    "Klopt het dat de SDD per 1 januari weer indexeert op basis van voorlopige cijfers?",
])
def test_a_question_with_its_own_subject_starts_a_new_topic(rewriter: FollowUpRewriter, question: str) -> None:
    rewrite = _converse(rewriter, ["Welk bericht stuur ik als de zorg start?", "En als de zorg stopt?", question])
    assert rewrite.query == question and rewrite.kind == "nieuw"


def test_a_long_message_opening_with_en_als_continues_the_conversation(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["binnen hoeveel werkdagen moet het startbericht eruit?",
                                   "en als de toewijzing pas later binnenkomt, met terugwerkende kracht?"])
    assert rewrite.kind == "vervolg" and "werkdagen" in rewrite.query and "terugwerkende kracht" in rewrite.query


def test_a_follow_up_condition_replaces_the_previous_condition(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["welke code verwijzer gebruik ik als de huisarts heeft doorverwezen?",
                                   "en als de kinderrechter het heeft opgelegd?"])
    assert rewrite.query == "welke code verwijzer gebruik ik als de kinderrechter het heeft opgelegd?"
    # Without a condition in the previous question the condition is added to it.
    rewrite = _converse(rewriter, ["hoe lang mag een gemeente een VOT in onderzoek houden?",
                                   "en als de jongere in een pleeggezin woont?"])
    assert rewrite.query == ("hoe lang mag een gemeente een VOT in onderzoek houden als de jongere in een pleeggezin "
                             "woont?")


def test_explicit_new_question_drops_the_context(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["Welk bericht stuur ik als de zorg start?", "Nieuwe vraag: en de termijn?"])
    assert rewrite.query == "en de termijn?" and rewrite.kind == "nieuw"


def test_a_short_question_gets_the_region_and_law_of_the_conversation(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["Vanaf wanneer werkt De Fryske Marren resultaatgericht in de Wmo?",
                                   "Welke producten vallen onder de inkoop?"])
    assert rewrite.kind == "context"
    assert rewrite.query == "Welke producten vallen onder de inkoop? (De Fryske Marren Wmo)"
    assert (rewrite.region, rewrite.region_source) == ("de-fryske-marren", "gesprek")
    assert "De Fryske Marren uit het gesprek" in rewrite.explanation


def test_region_named_in_the_message_wins_and_the_old_region_name_is_dropped(rewriter: FollowUpRewriter) -> None:
    rewrite = _converse(rewriter, ["Hoe indexeert de SDD de tarieven?", "Geldt dat ook in de Achterhoek?"])
    assert (rewrite.region, rewrite.region_source) == ("achterhoek", "vraag")
    assert "SDD" not in rewrite.query and "Achterhoek" in rewrite.query


def test_region_carries_over_until_the_user_picks_another(rewriter: FollowUpRewriter) -> None:
    first = rewriter.rewrite("Tot wanneer loopt de overgangsperiode in de Achterhoek?", [], None, None)
    prior = [PriorTurn(first.query, first.query, first.region, first.region_source)]
    carried = rewriter.rewrite("En de oude codes?", prior, None, None)
    assert (carried.region, carried.region_source) == ("achterhoek", "gesprek")
    picked = rewriter.rewrite("En de oude codes?", prior, "drechtsteden", None)  # the selector changed
    assert (picked.region, picked.region_source) == ("drechtsteden", "keuze")


def test_codes_in_quotes() -> None:
    assert codes_in(["Stuur een 305 en daarna een 307.", "Alle 54 codes vallen onder 54Z01.", "305"]) == [
        "305", "307", "54Z01"]


def test_a_short_form_the_corpus_defines_replaces_the_message_it_stands_for() -> None:
    """"VOW" is defined in the documents as "verzoek om wijziging" (317): it replaces the VOT of the question before;
    without the corpus's short forms the fragment is only added."""
    questions = ["Binnen hoeveel werkdagen moet de gemeente reageren op een VOT?", "En bij een VOW?"]
    short_forms = {"vot": "verzoek om toewijzing", "vow": "verzoek om wijziging", "gi": "gecertificeerde instelling"}
    mined = FollowUpRewriter(region_aliases(PUBLISHERS), short_forms)
    rewrite = _converse(mined, questions)
    assert rewrite.query == "Binnen hoeveel werkdagen moet de gemeente reageren op een VOW?"
    assert "VOT" not in rewrite.query and rewrite.kind == "vervolg"
    plain = _converse(FollowUpRewriter(region_aliases(PUBLISHERS)), questions)
    assert "VOT" in plain.query and "VOW" in plain.query
    # A short form whose long form is no known term (GI) replaces nothing.
    other = _converse(mined, ["Binnen welke termijn stuurt de aanbieder het startbericht?", "En een GI?"])
    assert "startbericht" in other.query


@pytest.mark.parametrize(("questions", "expected"), [
    (["Binnen hoeveel dagen moet ik de start van de zorg melden?", "En als de hulp eindigt?"],
     "Binnen hoeveel dagen moet ik de stop van de zorg melden? (hulp eindigt)"),
    (["Wat is de startdatum van de toewijzing?", "En het einde?"], "Wat is de einddatum van de toewijzing? (einde)"),
    (["Welk bericht stuur ik als de zorg stopt?", "En als het begint?"],
     "Welk bericht stuur ik als de zorg start? (begint)"),
    (["Wanneer stuur ik een startbericht?", "En als de jeugdhulp stopt?"],
     "Wanneer stuur ik een stopbericht? (jeugdhulp stopt)"),
])
def test_the_other_end_of_care_replaces_the_one_asked_before(
    rewriter: FollowUpRewriter, questions: list[str], expected: str
) -> None:
    rewrite = _converse(rewriter, questions)
    assert rewrite.query == expected and rewrite.kind == "vervolg"
    assert "vervangen" in rewrite.explanation


@pytest.mark.parametrize("follow_up", [
    "En als de cliënt verhuist en de zorg stopt?",  # a subject of its own besides the event
    "En als het start en stopt op dezelfde dag?",  # both events named
])
def test_no_event_swap_when_the_follow_up_says_more(rewriter: FollowUpRewriter, follow_up: str) -> None:
    rewrite = _converse(rewriter, ["Binnen hoeveel dagen moet ik de start van de zorg melden?", follow_up])
    assert "de stop van de zorg melden" not in rewrite.query


def test_after_asking_which_message_a_follow_up_is_about_the_message(rewriter: FollowUpRewriter) -> None:
    """"Welk bericht ... als de zorg start?" is answered with the startbericht; "Hoeveel tijd heb ik daarvoor?" asks
    about that message. Searched with the situation ("zorg start stuurt aanbieder") it found the process
    descriptions again and was refused; with the message's name it finds the rule on its deadline."""
    rewrite = _converse(rewriter, ["Welk bericht stuurt de aanbieder als de zorg start?",
                                   "Hoeveel tijd heb ik daarvoor?"])
    assert rewrite.query == "Hoeveel tijd heb ik daarvoor? (startbericht)"
    in_region = _converse(rewriter, ["Welke berichten stuur ik als de zorg stopt in de Achterhoek?",
                                     "En hoe snel moet dat?"])
    assert "stopbericht" in in_region.query and "Achterhoek" in in_region.query and "zorg" not in in_region.query
    # a question that named the message itself, or asked something else, keeps its subject
    named = _converse(rewriter, ["Welk bericht is het startbericht?", "Hoeveel tijd heb ik daarvoor?"])
    assert "startbericht" in named.query
    other = _converse(rewriter, ["Wanneer stuur ik het bericht als de zorg start?", "Wie ontvangt dat?"])
    assert "zorg start" in other.query and "startbericht" not in other.query


def test_dan_meaning_in_that_case_leans_on_the_previous_turn(rewriter: FollowUpRewriter) -> None:
    """"welke reden wijziging geven we dan mee?" has four words of its own and was read as a new question; "dan"
    ("in that case") points back as "daarbij" does. Not after a comparison or in a message with its own condition."""
    case = ("Mevrouw Jansen stapt per 1 maart over van zorg in natura naar een pgb voor hulp bij het huishouden. "
            "Tot wanneer mag de huidige toewijzing lopen?")
    rewrite = _converse(rewriter, [case, "welke reden wijziging geven we dan mee?"])
    assert rewrite.is_followup and "pgb" in rewrite.query, rewrite.query
    assert "Mevrouw" not in rewrite.query  # how the case named a person is no subject (nor a name to find)
    for question in ("Mag een toewijzing voor begeleiding van jongeren langer dan een jaar lopen?",
                     "Welke termijn geldt dan voor het declaratiebericht als de gemeente de toewijzing intrekt?"):
        assert not _converse(rewriter, [case, question]).is_followup, question
