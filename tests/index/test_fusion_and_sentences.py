"""Fusing the dense and BM25 rankings, and Dutch sentence splitting."""

from __future__ import annotations

import pytest
from haystack import Document

from index.fusion import fuse
from index.sentences import question_sentence, split_sentences


def _ranking(*pairs: tuple[str, float]) -> list[Document]:
    return [
        Document(id=pid, content=f"passage {pid}", meta={"document_id": pid.upper()}, score=score)
        for pid, score in pairs
    ]


def test_rrf_orders_by_reciprocal_rank_sum() -> None:
    dense = _ranking(("a", 0.9), ("b", 0.8), ("c", 0.7))
    sparse = _ranking(("c", 12.0), ("b", 9.0), ("d", 1.0))

    fused = fuse(dense, sparse, "rrf", k=60)

    # c (ranks 3 and 1) edges out b (2 and 2): 1/63 + 1/61 > 2/62.
    assert [d.id for d in fused] == ["c", "b", "a", "d"]
    scores = {d.id: d.score for d in fused}
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 63)


def test_rrf_weights_favour_a_channel() -> None:
    dense = _ranking(("a", 0.9), ("b", 0.8))
    sparse = _ranking(("b", 5.0), ("a", 1.0))
    assert [d.id for d in fuse(dense, sparse, "rrf", k=1, weights=(2.0, 1.0))][0] == "a"
    assert [d.id for d in fuse(dense, sparse, "rrf", k=1, weights=(1.0, 2.0))][0] == "b"


def test_weighted_orders_by_weighted_sum_of_normalised_scores() -> None:
    dense = _ranking(("a", 0.9), ("b", 0.6), ("c", 0.3))
    sparse = _ranking(("b", 10.0), ("c", 6.0), ("d", 2.0))

    assert [d.id for d in fuse(dense, sparse, "weighted", weights=(1.0, 1.0))] == ["b", "a", "c", "d"]
    assert [d.id for d in fuse(dense, sparse, "weighted", weights=(4.0, 1.0))] == ["a", "b", "c", "d"]
    assert [d.id for d in fuse(dense, sparse, "weighted", weights=(0.0, 1.0))][0] == "b"


def test_weighted_gives_the_top_of_both_channels_the_full_weight() -> None:
    dense = _ranking(("x", 0.88), ("y", 0.80), ("z", 0.79))
    sparse = _ranking(("x", 31.0), ("z", 4.0), ("y", 1.0))

    fused = fuse(dense, sparse, "weighted", weights=(0.7, 0.3))

    assert fused[0].id == "x" and fused[0].score == pytest.approx(1.0)
    assert all(0.0 <= (d.score or 0.0) <= 1.0 for d in fused)


def test_fused_documents_keep_both_channels_scores_and_ranks() -> None:
    dense = _ranking(("a", 0.9), ("b", 0.8))
    sparse = _ranking(("b", 7.5))

    by_id = {d.id: d for d in fuse(dense, sparse)}

    assert by_id["b"].meta == {
        "document_id": "B",
        "dense_score": 0.8,
        "dense_rank": 2,
        "bm25_score": 7.5,
        "bm25_rank": 1,
    }
    assert "bm25_rank" not in by_id["a"].meta and by_id["a"].meta["dense_rank"] == 1
    assert dense[1].meta == {"document_id": "B"} and dense[1].score == 0.8  # inputs untouched


def test_one_empty_channel_keeps_the_other_ranking() -> None:
    dense = _ranking(("a", 0.9), ("b", 0.8), ("c", 0.1))
    assert [d.id for d in fuse(dense, [])] == ["a", "b", "c"]
    assert [d.id for d in fuse([], dense, "weighted")] == ["a", "b", "c"]
    assert fuse([], []) == []


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fusion method"):
        fuse(_ranking(("a", 1.0)), [], "max")


# -- sentences ----------------------------------------------------------------------------------


def test_split_sentences_on_terminal_punctuation() -> None:
    assert split_sentences("Ja. De aanbieder stuurt een 305! Klopt dat? Nee.") == [
        "Ja.",
        "De aanbieder stuurt een 305!",
        "Klopt dat?",
        "Nee.",
    ]


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "De SDD hanteert o.a. De NZa-cijfers. Dit gebeurt t.b.v. De aanbieders en n.a.v. Vragen."
    assert split_sentences(text) == [
        "De SDD hanteert o.a. De NZa-cijfers.",
        "Dit gebeurt t.b.v. De aanbieders en n.a.v. Vragen.",
    ]


def test_numbered_items_are_not_split() -> None:
    assert split_sentences("1. Opening van de vergadering. 2. Mededelingen.") == [
        "1. Opening van de vergadering.",
        "2. Mededelingen.",
    ]
    assert split_sentences("a. De pilot is afgerond.") == ["a. De pilot is afgerond."]


def test_quotes_after_the_full_stop_stay_with_the_sentence() -> None:
    assert split_sentences("Hij zei: ‘Stuur een 305.’ Daarna volgt 301.") == [
        "Hij zei: ‘Stuur een 305.’",
        "Daarna volgt 301.",
    ]


def test_lowercase_after_a_full_stop_is_no_boundary() -> None:
    assert split_sentences("Het indexjaar loopt van mei t/m. april volgend jaar.") == [
        "Het indexjaar loopt van mei t/m. april volgend jaar."
    ]


def test_whitespace_is_normalised_and_empty_text_gives_nothing() -> None:
    assert split_sentences("  Een\u00a0zin.\n\nTwee   zinnen. ") == ["Een zin.", "Twee zinnen."]
    assert split_sentences("   ") == []


def test_list_items_run_into_one_line_are_sentences_when_asked() -> None:
    line = ("- Bezwaar graag voor 2 november mailen naar contractmanagement@drechtsteden.nl. - Alle feedback z.s.m. "
            "mailen. Dat is alles.")
    assert split_sentences(line, list_items=True) == [
        "- Bezwaar graag voor 2 november mailen naar contractmanagement@drechtsteden.nl.",
        "- Alle feedback z.s.m. mailen.", "Dat is alles."]
    assert len(split_sentences(line)) == 2  # passages are cut as before: the index does not change


@pytest.mark.parametrize(("text", "asked"), [
    ("De zorg is gestart op 3 maart. Wanneer moet het startbericht er zijn?", "Wanneer moet het startbericht er zijn?"),
    # a note before a colon is told, the rest asked
    ("Over cliënt (01-02-2025): welk bericht stuur ik als de zorg stopt?", "welk bericht stuur ik als de zorg stopt?"),
    ("gemeentelijke herindeling: welke gemeentecode moet ik in de header zetten?",
     "welke gemeentecode moet ik in de header zetten?"),
    # a told sentence may end in a number; a list's numbers stay with their items
    ("Eerst kregen we 6 uur, nu 4. Mag de gemeente het volume zomaar verlagen?",
     "Mag de gemeente het volume zomaar verlagen?"),
    ("Twee vragen: 1. Welk bericht bij de start? 2. En welk bij de stop van de zorg?",
     "2. En welk bij de stop van de zorg?"),
    ("Agenda 1. Opening 2. Mag de gemeente het volume zomaar verlagen?", None),
    # a question asked as a statement
    ("Onze cliënt is gestart. Ik begrijp niet goed welk bericht we nu moeten sturen.",
     "Ik begrijp niet goed welk bericht we nu moeten sturen."),
    ("Onze cliënt is gestart. Wij sturen dan een startbericht.", None),
    ("Welk bericht stuur ik als de zorg start?", None),  # one sentence: nothing told before it
    ("Vraag: wat is dat?", None),  # too short to be the question on its own
])
def test_the_sentence_that_asks(text: str, asked: str | None) -> None:
    assert question_sentence(text) == asked
