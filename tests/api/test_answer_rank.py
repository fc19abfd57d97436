"""The answer-type ranker: for a value question, passages holding such a value come first."""

from __future__ import annotations

from haystack import Document
from haystack.core.serialization import component_from_dict, component_to_dict

from api.answering.abstention import AnswerRequirement
from api.answering.answer_type_rules import AnswerTypeRanker
from index.code_lookup import EXACT

NO_NUMBER = Document(id="a", content="De gemeenten sluiten met minder zorgaanbieders een contract af.", score=1.0)
NUMBER = Document(id="b", content="Nu hebben de gemeenten met ruim 300 zorgaanbieders een contract.", score=0.9)


def test_init_and_to_dict() -> None:
    ranker = AnswerTypeRanker(window=5, penalty=0.6)
    data = component_to_dict(ranker, "ranker")
    assert data["init_parameters"] == {"window": 5, "penalty": 0.6, "stemmer": "dutch"}
    assert component_from_dict(AnswerTypeRanker, data, "ranker").penalty == 0.6


def test_a_passage_with_the_asked_value_goes_first() -> None:
    out = AnswerTypeRanker(penalty=0.7).run("Met hoeveel zorgaanbieders hebben de gemeenten een contract?",
                                            [NO_NUMBER, NUMBER])["documents"]
    assert [d.id for d in out] == ["b", "a"]
    assert out[1].score == 0.7 and NO_NUMBER.score == 1.0  # a copy is scored, the input is untouched


def test_other_questions_and_exact_rows_keep_their_order() -> None:
    ranker = AnswerTypeRanker(penalty=0.7)
    docs = [NO_NUMBER, NUMBER]
    assert ranker.run("Met wie hebben de gemeenten een contract?", docs)["documents"] == docs
    row = Document(id="r", content="Code: 54Z01; Omschrijving: fictief", score=1.0, meta={"match": EXACT})
    out = ranker.run("Hoeveel uur hoort bij 54Z01?", [row, NUMBER])["documents"]
    assert [d.id for d in out] == ["r", "b"]


def test_a_small_penalty_does_not_overturn_a_clear_lead() -> None:
    far_ahead = Document(id="c", content=NO_NUMBER.content, score=2.0)
    out = AnswerTypeRanker(penalty=0.7).run("Met hoeveel zorgaanbieders?", [far_ahead, NUMBER])["documents"]
    assert [d.id for d in out] == ["c", "b"]


def test_only_the_window_is_reordered() -> None:
    docs = [Document(id=str(i), content="Geen getal hier.", score=1.0 - i / 100) for i in range(3)] + [NUMBER]
    out = AnswerTypeRanker(window=3, penalty=0.5).run("Hoeveel zorgaanbieders?", docs)["documents"]
    assert out[-1].id == "b"  # outside the window: not moved up


def test_until_when_ranks_a_date_first_but_the_answer_may_be_a_condition() -> None:
    condition = Document(id="c", content="Bezwaar kan zodra het besluit genomen is.", score=1.0)
    dated = Document(id="d", content="Onderbouwd bezwaar graag voor 2 november mailen.", score=0.9)
    question = "Tot wanneer kunnen we bezwaar maken?"
    assert [d.id for d in AnswerTypeRanker().run(question, [condition, dated])["documents"]] == ["d", "c"]
    assert not AnswerRequirement(question)  # the answer builder still quotes a condition
    assert not AnswerRequirement("Wat gebeurt er wanneer de zorg stopt?", when_asks_date=True)


def test_a_case_is_ranked_by_its_question_sentence_and_any_period_answers_how_much_time() -> None:
    case = ("Een cliënt werd opgenomen, dus de zorg is tijdelijk gestopt. Nu blijkt dat hij niet terugkomt. "
            "Hoeveel tijd hebben we om de definitieve beëindiging door te geven?")
    requirement = AnswerRequirement(case)
    assert requirement.label == "aantal tijd"
    assert requirement.satisfied_by("De aanbieder stuurt binnen vijf werkdagen een stopbericht.")
    assert requirement.satisfied_by("Dat moet binnen 2 weken.")
    assert not requirement.satisfied_by("De aanbieder stuurt een stopbericht.")
    vague = Document(id="v", content="De aanbieder stuurt een stopbericht.", score=1.0)
    timed = Document(id="t", content="Het stopbericht volgt binnen vijf werkdagen na de definitieve stop.", score=0.9)
    assert [d.id for d in AnswerTypeRanker().run(case, [vague, timed])["documents"]] == ["t", "v"]


def test_a_row_of_the_list_the_question_names_goes_first() -> None:
    """"Welke reden van beëindiging ...?" names the list "Reden beëindiging", not "Reden wijziging toewijzing"."""
    other = Document(id="w", content="Reden Wijziging: 02; Waarde: Cliënt overleden", score=1.0,
                     meta={"row": 2, "document_id": "wmo002", "title": "WMO002 - Reden wijziging toewijzing"})
    named = Document(id="j", content="Code: 02; Omschrijving: Overlijden", score=0.9,
                     meta={"row": 1, "document_id": "jz588", "title": "JZ588 - Reden beëindiging"})
    prose = Document(id="p", content="Bij overlijden stopt de zorg.", score=0.95, meta={"document_id": "sap"})
    out = AnswerTypeRanker().run("Welke reden van beëindiging geef ik door als de cliënt overleden is?",
                                 [other, prose, named])["documents"]
    assert [d.id for d in out] == ["p", "j", "w"]  # rows of other lists lose; prose is not judged by this
    unnamed = AnswerTypeRanker().run("Welke code geef ik door als de cliënt overleden is?", [other, named])
    assert [d.id for d in unnamed["documents"]] == ["w", "j"]


def test_within_which_term_asks_for_a_number() -> None:
    requirement = AnswerRequirement("Binnen welke termijn moet de gemeente reageren?")
    assert requirement.satisfied_by("De gemeente reageert binnen vijf werkdagen.")
    assert not requirement.satisfied_by("De gemeente reageert tijdig.")


def test_hoelang_written_as_one_word_asks_for_a_value_as_hoe_lang_does() -> None:
    for question in ("Hoe lang mag de gemeente doen over een declaratie?",
                     "Hoelang mag de gemeente doen over een declaratie?"):
        requirement = AnswerRequirement(question)
        assert requirement.label == "aantal"
        assert requirement.satisfied_by("De gemeente reageert binnen tien werkdagen.")
        assert not requirement.satisfied_by("De gemeente reageert tijdig.")


def test_a_case_typed_on_in_lower_case_still_asks_for_a_value() -> None:
    requirement = AnswerRequirement("we hebben gedeclareerd maar krijgen geen reactie. hoe lang mag de gemeente "
                                    "daarover doen?")
    assert requirement.label == "aantal"
    assert not requirement.satisfied_by("De aanbieder dient actie te ondernemen.")


def test_a_rule_under_a_condition_the_question_does_not_mention_goes_below_the_general_rule() -> None:
    special = Document(id="s", content="De gemeente wijst binnen twee weken af.", score=1.0, meta={
        "title": "OP359 — Indien een verzoek om toewijzing wordt afgewezen op basis van het woonplaatsbeginsel, "
                 "dient de gemeente dit binnen 2 weken af te wijzen"})
    general = Document(id="g", content="De gemeente reageert binnen vijf werkdagen.", score=0.9, meta={
        "title": "OP274 — Na ontvangst van een verzoek om toewijzing stuurt de gemeente binnen 5 werkdagen"})
    ranker = AnswerTypeRanker()
    asked = "Binnen welke termijn moet de gemeente reageren op een verzoek om toewijzing?"
    assert [d.id for d in ranker.run(asked, [special, general])["documents"]] == ["g", "s"]
    named = "Binnen welke termijn wijst de gemeente een verzoek om toewijzing af op basis van het woonplaatsbeginsel?"
    assert [d.id for d in ranker.run(named, [special, general])["documents"]] == ["s", "g"]
