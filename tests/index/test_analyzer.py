"""The Dutch analyzer, BM25 sparse vectors and the domain vocabulary."""

from __future__ import annotations

import math
import zlib

import pytest

from index.analyzer import STOPWORDS, DutchAnalyzer, fold, strip_accents
from index.sparse import AVG_PASSAGE_TERMS, BM25Encoder, term_id
from index.vocabulary import DomainVocabulary


@pytest.fixture(scope="module")
def analyzer() -> DutchAnalyzer:
    return DutchAnalyzer()


# -- analyzer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Stuur een 305 bericht", "305"),
        ("met code 54Z01", "54z01"),
        ("bedrijfsregel OP271", "op271"),
        ("codelijst JZ020", "jz020"),
        ("de IAJ-werkwijze", "iaj"),
        ("segment GWV", "gwv"),
        ("het SAP van 2022", "sap"),
        ("de SDD", "sdd"),
    ],
)
def test_codes_and_acronyms_survive_as_exact_tokens(analyzer: DutchAnalyzer, text: str, token: str) -> None:
    assert token in analyzer.terms(text)


def test_message_numbers_are_not_stemmed_or_split(analyzer: DutchAnalyzer) -> None:
    terms = analyzer.terms("301, 305, 307, 315, 317, 319, 323 en 325")
    assert terms == ["301", "305", "307", "315", "317", "319", "323", "325"]


def test_prefixed_message_codes_also_yield_the_bare_number(analyzer: DutchAnalyzer) -> None:
    assert analyzer.terms("jw315 en wmo305") == ["jw315", "315", "wmo305", "305"]


def test_acronyms_are_not_stemmed_but_ordinary_words_are(analyzer: DutchAnalyzer) -> None:
    # An all-capitals word is taken as an acronym and kept whole; the same word in lower case is stemmed.
    assert analyzer.terms("GEMEENTEN") == ["gemeenten"]
    assert analyzer.terms("gemeenten") == analyzer.terms("gemeente") != ["gemeenten"]
    assert analyzer.terms("toewijzingen") == analyzer.terms("toewijzing")


def test_accents_are_folded(analyzer: DutchAnalyzer) -> None:
    assert fold("Financiële Beëindiging") == "financiele beeindiging"
    assert analyzer.terms("financiële") == analyzer.terms("financiele")
    assert analyzer.terms("beëindiging") == analyzer.terms("beeindiging")


@pytest.mark.parametrize("text, expected", [
    ("Financiële Beëindiging", "Financiele Beeindiging"), ("café naïef Ĳssel", "cafe naief IJssel"),
    ("e\u0301e\u0300", "ee"),  # combining marks typed separately
    ("ﬁets ² ½", "fiets 2 1\u20442"), ("plain ASCII: 305 (JW)", "plain ASCII: 305 (JW)"), ("", ""),
    ("ß ø Ø æ", "ß ø Ø æ"),  # letters of their own, not accented letters
])
def test_accents_are_stripped_and_capitals_kept(text: str, expected: str) -> None:
    assert strip_accents(text) == expected
    assert strip_accents(text) == strip_accents(strip_accents(text))


def test_words_that_carry_meaning_in_procedural_questions_are_kept(analyzer: DutchAnalyzer) -> None:
    for word in ("mag", "binnen", "geen", "niet", "welke", "wanneer"):
        assert word not in STOPWORDS
        assert analyzer.terms(word), word
    assert DutchAnalyzer("none").terms("Mag dat niet binnen welke termijn wanneer geen") == [
        "mag",
        "niet",
        "binnen",
        "welke",
        "termijn",
        "wanneer",
        "geen",
    ]


def test_ordinary_stopwords_are_dropped(analyzer: DutchAnalyzer) -> None:
    assert analyzer.terms("de het een en van dat die") == []


def test_hyphenated_words_give_parts_and_joined_form(analyzer: DutchAnalyzer) -> None:
    assert DutchAnalyzer("none").terms("sub-segment") == ["sub", "segment", "subsegment"]
    assert "subsegment" in analyzer.terms("sub-segment")


def test_a_data_element_of_the_standard_also_gives_the_words_it_is_made_of(analyzer: DutchAnalyzer) -> None:
    plain = DutchAnalyzer("none")
    assert plain.terms("RedenAfwijzingVerzoek") == ["redenafwijzingverzoek", "reden", "afwijzing", "verzoek"]
    assert plain.terms("TeWijzigenProduct") == ["tewijzigenproduct", "wijzigen", "product"]  # "te": a stopword
    # a user's words find the element: the same stems on both sides
    assert set(analyzer.terms("geleverd volume")) <= set(analyzer.terms("Vul GeleverdVolume in."))
    # codes, acronyms and ordinary capitalised words are not elements
    assert plain.terms("OP033x2 IAJ Jeugdwet") == ["op033x2", "iaj", "jeugdwet"]


def test_a_question_in_the_users_words_finds_the_passage_naming_the_element_by_bm25(analyzer: DutchAnalyzer) -> None:
    encoder = BM25Encoder(analyzer)
    element = encoder.encode_passage("Hierbij wordt RedenAfwijzingVerzoek gevuld met de waarde 4.")
    other = encoder.encode_passage("Hierbij wordt het bericht gevuld met de waarde 4.")
    query = encoder.encode_query("Met welke reden afwijzing wijs ik het verzoek af?")

    def score(passage: object) -> float:
        weights = dict(zip(passage.indices, passage.values, strict=True))
        return sum(weights.get(i, 0.0) * v for i, v in zip(query.indices, query.values, strict=True))

    assert score(element) > score(other)


def test_stemmer_none_only_folds(analyzer: DutchAnalyzer) -> None:
    assert DutchAnalyzer("none").terms("Werkdagen Toewijzingen") == ["werkdagen", "toewijzingen"]


# -- BM25 -----------------------------------------------------------------------------------------


def test_term_id_is_stable_crc32() -> None:
    assert term_id("305") == zlib.crc32(b"305")
    assert term_id("financiele") == zlib.crc32(b"financiele")
    assert term_id("305") != term_id("307")
    assert 0 <= term_id("toewijzing") < 2**32


def test_passage_weights_follow_bm25_saturation(analyzer: DutchAnalyzer) -> None:
    encoder = BM25Encoder(analyzer, k1=1.2, b=0.75)
    text = "305 305 305 bericht"
    sparse = encoder.encode_passage(text)
    weights = dict(zip(sparse.indices, sparse.values, strict=True))

    norm = 1.2 * (1 - 0.75 + 0.75 * 4 / AVG_PASSAGE_TERMS)
    assert weights[term_id("305")] == pytest.approx(3 * 2.2 / (3 + norm))
    assert weights[term_id("bericht")] == pytest.approx(1 * 2.2 / (1 + norm))
    assert weights[term_id("305")] > weights[term_id("bericht")]
    assert weights[term_id("305")] < 2.2  # saturates below k1 + 1
    assert sparse.indices == sorted(sparse.indices)


def test_longer_passages_weigh_a_term_less(analyzer: DutchAnalyzer) -> None:
    encoder = BM25Encoder(analyzer)
    short = encoder.encode_passage("retourbericht")
    long = encoder.encode_passage("retourbericht " + " ".join(f"woord{i}" for i in range(200)))
    w_short = dict(zip(short.indices, short.values, strict=True))[term_id("retourbericht")]
    w_long = dict(zip(long.indices, long.values, strict=True))[term_id("retourbericht")]
    assert w_long < w_short


def test_query_terms_weigh_one_and_expansions_their_own_weight(analyzer: DutchAnalyzer) -> None:
    sparse = BM25Encoder(analyzer).encode_query("305 bericht", {"retourbericht": 0.5, "305": 0.5})
    weights = dict(zip(sparse.indices, sparse.values, strict=True))
    assert weights == {term_id("305"): 1.0, term_id("bericht"): 1.0, term_id("retourbericht"): 0.5}


def test_empty_text_gives_an_empty_vector(analyzer: DutchAnalyzer) -> None:
    sparse = BM25Encoder(analyzer).encode_passage("de het een")
    assert sparse.indices == [] and sparse.values == []
    assert not math.isnan(sum(BM25Encoder(analyzer).encode_passage("305").values))


# -- vocabulary -------------------------------------------------------------------------------------


def test_ontvangstbevestiging_expands_to_retourbericht(analyzer: DutchAnalyzer) -> None:
    expansion = DomainVocabulary(analyzer).expand("Moet ik een ontvangstbevestiging sturen?")
    assert "retourbericht" in expansion.terms
    assert expansion.terms["retourbericht"] == 0.5
    assert "retourbericht" in expansion.text


def test_startbericht_expands_to_305(analyzer: DutchAnalyzer) -> None:
    expansion = DomainVocabulary(analyzer).expand("Wanneer stuur ik het startbericht?")
    assert "305" in expansion.terms
    assert "305" in expansion.text.split()


def test_paraphrase_of_care_start_expands_to_305(analyzer: DutchAnalyzer) -> None:
    terms = DomainVocabulary(analyzer).expand("Welk bericht stuur ik als de zorg start?").terms
    # the code and the message's name: a sentence "De aanbieder stuurt hiervoor een startbericht" names only the latter
    assert "305" in terms and analyzer.terms("startbericht")[0] in terms
    assert analyzer.terms("stopbericht")[0] in DomainVocabulary(analyzer).expand("En als de zorg stopt?").terms


def test_hoelang_as_one_word_asks_for_a_term_as_hoe_lang_does(analyzer: DutchAnalyzer) -> None:
    vocabulary = DomainVocabulary(analyzer)
    apart = vocabulary.expand("Hoe lang krijgen aanbieders een contract?").terms
    together = vocabulary.expand("Voor hoelang krijgen aanbieders een contract?").terms
    assert "termijn" in apart and "termijn" in together


def test_terms_already_in_the_query_are_not_added_again(analyzer: DutchAnalyzer) -> None:
    expansion = DomainVocabulary(analyzer).expand("startbericht 305")
    assert "305" not in expansion.terms


def test_expansion_uses_folded_triggers(analyzer: DutchAnalyzer) -> None:
    assert "307" in DomainVocabulary(analyzer).expand("Wanneer is de zorg beëindigd?").terms


def test_no_trigger_no_expansion(analyzer: DutchAnalyzer) -> None:
    expansion = DomainVocabulary(analyzer).expand("Wie heeft de wedstrijd gewonnen?")
    assert expansion.terms == {} and expansion.text == ""


def test_custom_weight(analyzer: DutchAnalyzer) -> None:
    expansion = DomainVocabulary(analyzer, weight=0.25).expand("ontvangstbevestiging")
    assert set(expansion.terms.values()) == {0.25}


def test_stemming_in_many_threads_gives_the_same_stems() -> None:
    """The server answers in a thread pool: a Snowball stemmer shared by threads mixed their words up (an
    IndexError that became a 500 under 20 concurrent chat users, or silently a wrong stem)."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    words = [f"{stem}{suffix}" for stem in ("aanbied", "toewijz", "beschikk", "declarat", "zorgverlen", "gemeent")
             for suffix in ("ingen", "ing", "er", "ers", "en", "heden", "elijk", "tje", "s", "e")]
    expected = {w: DutchAnalyzer().terms(w) for w in words}

    def stem_all(_: int) -> dict[str, list[str]]:
        return {w: DutchAnalyzer().terms(w) for w in words * 20}  # a fresh analyzer: no per-instance stem cache

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(stem_all, range(16)))
    finally:
        sys.setswitchinterval(interval)
    assert all(result == expected for result in results)


def test_remembered_terms_are_a_fresh_list_each_time(analyzer: DutchAnalyzer) -> None:
    text = "De zorgaanbieder verzendt het startbericht (305) binnen vijf werkdagen."
    first = analyzer.terms(text)
    first.append("vervuild")
    assert analyzer.terms(text) == first[:-1]
    assert analyzer.terms(text, compounds=True) != analyzer.terms(text)  # the compound flag is part of the key


def test_the_c_stemmer_gives_the_pure_python_stems() -> None:
    """snowballstemmer hands out PyStemmer's C stemmer when it is installed (a dependency, for speed); an index built
    with one and queried with the other must get the same BM25 terms, so both stem every word of the bundled corpus
    and words with accents, prefixes and inflections alike."""
    import re
    from pathlib import Path

    import snowballstemmer
    from snowballstemmer.dutch_stemmer import DutchStemmer

    c_stemmer = snowballstemmer.stemmer("dutch")
    assert not isinstance(c_stemmer, DutchStemmer), "PyStemmer is niet geïnstalleerd"
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    words = {w for path in corpus.glob("*.txt") for w in re.findall(r"[a-zà-öø-ÿ]+", path.read_text().lower())}
    words |= {"beëindiging", "cliënten", "gemeente", "gegaan", "toewijzingen", "zorgaanbieders", "geïndiceerd",
              "declaratie-antwoordbericht", "ondertekening", "werkdagen"}
    assert len(words) > 2000
    python_stemmer = DutchStemmer()
    differ = [w for w in sorted(words) if c_stemmer.stemWord(w) != python_stemmer.stemWord(w)]
    assert differ == []
