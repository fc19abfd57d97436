"""Dutch compound splitting: the parts of a compound in the BM25 query, not in the passages."""

from __future__ import annotations

import pytest

from index.analyzer import DutchAnalyzer
from index.compounds import CompoundSplitter
from index.sparse import COMPOUND_PART_WEIGHT, BM25Encoder, term_id


@pytest.fixture(scope="module")
def splitter() -> CompoundSplitter:
    return CompoundSplitter()


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("zorgaanbieder", ("zorg", "aanbieder")),
        ("ontvangstbevestiging", ("ontvangst", "bevestiging")),
        ("stopbericht", ("stop", "bericht")),
        ("wijzigingsverzoek", ("wijziging", "verzoek")),  # the linking -s- belongs to neither part
        ("toewijzingsbericht", ("toewijzing", "bericht")),
        ("declaratieantwoordbericht", ("declaratie", "antwoordbericht")),  # the longest known head
        ("ketentestomgeving", ("keten", "test", "omgeving")),  # three parts
        ("bestandsgrootte", ("bestand", "grootte")),
    ],
)
def test_compounds_split_into_their_words(splitter: CompoundSplitter, word: str, parts: tuple[str, ...]) -> None:
    assert splitter.split(word) == parts


@pytest.mark.parametrize(
    "word",
    [
        "voorstellen",  # particle + verb: a derivation (not voorst + ellen)
        "ondersteuning",  # onder + steuning
        "eigenlijk",  # -lijk is a suffix
        "formulering",  # -ering is a suffix
        "maximale",  # maxi + male: short fragments must be common words
        "ingewonnen",
        "toewijzing",  # a plain word
        "aanbieder",  # aan + bieder: parts of three letters are too short
        "54z01",  # codes are not words
        "kort",
    ],
)
def test_derivations_fragments_and_plain_words_stay_whole(splitter: CompoundSplitter, word: str) -> None:
    assert splitter.split(word) == ()


def test_only_the_query_gets_the_parts_at_a_lower_weight() -> None:
    encoder = BM25Encoder(DutchAnalyzer())
    query = dict(zip(*(lambda s: (s.indices, s.values))(encoder.encode_query("Welke zorgaanbieder?")), strict=True))
    assert query[term_id("zorgaanbieder")] == 1.0
    assert query[term_id("aanbieder")] == COMPOUND_PART_WEIGHT
    assert query[term_id("zorg")] == COMPOUND_PART_WEIGHT
    passage = encoder.encode_passage("De zorgaanbieder stuurt het bericht.")
    assert term_id("aanbieder") not in passage.indices  # passages keep their words: the index does not change


def test_a_word_typed_whole_keeps_full_weight_when_it_is_also_a_part() -> None:
    sparse = BM25Encoder(DutchAnalyzer()).encode_query("aanbieder of zorgaanbieder")
    weights = dict(zip(sparse.indices, sparse.values, strict=True))
    assert weights[term_id("aanbieder")] == 1.0
