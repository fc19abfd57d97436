"""Dutch text analysis for BM25: folding, code-preserving tokens, a procedural stopword list, stemming."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

from index.compounds import CompoundSplitter

# Snowball's Dutch stopword list minus the words that carry meaning in procedural questions
# ("Mag X niet naast Y?", "Binnen welke termijn?", "Wanneer geen ...?").
_KEEP = {
    "mag", "moet", "kan", "kunnen", "binnen", "geen", "niet", "niets", "welke", "wanneer", "hoe", "wie",
    "waar", "zonder", "na", "tegen", "naast", "voor", "over", "onder", "tot", "ja", "nee", "meer",
    "wat", "waarom", "hoelang", "hoeveel", "andere", "nog", "altijd", "al",
}
# Kept for BM25, but they say how something is asked, not what about: no subject of a question.
FUNCTION_WORDS: frozenset[str] = frozenset(_KEEP)

_SNOWBALL_NL = """
de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou
of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben
deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben
zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf tegen na
reeds wil kon niets uw iemand geweest andere
""".split()
STOPWORDS: frozenset[str] = frozenset(w for w in _SNOWBALL_NL if w not in _KEEP) | {
    "jullie", "jij", "we", "wij", "onze", "ons", "dat", "dan", "die", "zijn", "word", "graag", "even",
}

# A token is a run of letters and digits; internal hyphens, dots and slashes split it, but the
# joined form is kept as well ("sub-segment" -> sub, segment, subsegment).
_TOKEN = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ]+(?:[-'’][0-9A-Za-zÀ-ÖØ-öø-ÿ]+)*")
_MESSAGE_CODE = re.compile(r"^(?:jw|wmo|ijw|iwmo)(\d{3})$")
# A data element of the message standard written as one word ("RedenAfwijzingVerzoek", "GeleverdVolume"): its
# capitalised parts are the words a user types ("reden afwijzing", "geleverd volume").
_ELEMENT = re.compile(r"^(?:[A-Z][a-zà-öø-ÿ]+){2,}$")
_ELEMENT_PART = re.compile(r"[A-Z][a-zà-öø-ÿ]+")


class _CombiningMarks(dict[int, int | None]):
    """str.translate table that drops combining marks: each code point is looked up in Unicode once."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_COMBINING = _CombiningMarks()


def strip_accents(text: str) -> str:
    """The text without its accents, capitals kept ("Financiële" -> "Financiele"). Plain ASCII is returned as it
    is; other text is decomposed (NFKD) and its combining marks dropped by a translate table (over all reference
    passages 0.07 s instead of 0.28 s for a per-character generator)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_DROP_COMBINING)


def fold(text: str) -> str:
    """Lowercase and strip accents ("financiële" -> "financiele")."""
    return strip_accents(text).lower()


_local = threading.local()
TERMS_CACHE_SIZE = 4096  # texts whose terms are kept (passages of recent answers, questions); ~10 MB at most


def _stemmer(algorithm: str) -> snowballstemmer.stemmer | None:
    """This thread's stemmer: a Snowball stemmer keeps the word it works on in itself, so one instance shared by the
    server's threads stemmed one thread's word with another's letters (IndexError, or a wrong stem)."""
    if algorithm == "none":
        return None
    stemmers = _local.__dict__.setdefault("stemmers", {})
    stemmer = stemmers.get(algorithm)
    if stemmer is None:
        stemmer = stemmers[algorithm] = snowballstemmer.stemmer(algorithm)
    return stemmer


class DutchAnalyzer:
    """Turns text into index terms; codes (305, 54Z01, OP271, JZ020) and acronyms (IAJ, GWV) stay exact."""

    def __init__(self, stemmer: str = "dutch") -> None:
        self.stemmer = stemmer
        self._stem_cache: dict[str, str] = {}
        self._splitter = CompoundSplitter()
        # The answer stage analyses the same candidate passages for question after question: remembered per text.
        self._cached_terms = lru_cache(maxsize=TERMS_CACHE_SIZE)(self._analyse)

    def _stem(self, word: str) -> str:
        cached = self._stem_cache.get(word)
        if cached is None:
            algo = _stemmer(self.stemmer)
            cached = algo.stemWord(word) if algo else word
            self._stem_cache[word] = cached
        return cached

    def _terms_of(self, raw: str, compounds: bool) -> Iterable[str]:
        parts = re.split(r"[-'’]", raw)
        candidates = [raw] if len(parts) == 1 else [*parts, "".join(parts)]
        for n, original in enumerate(candidates):
            if not original:
                continue
            is_acronym = len(original) >= 2 and original.isupper()
            word = fold(original)
            if word in STOPWORDS:
                continue
            if any(ch.isdigit() for ch in word):
                yield word
                match = _MESSAGE_CODE.match(word)
                if match:
                    yield match.group(1)
                continue
            if len(word) < 2:
                continue
            if is_acronym:
                yield word
                continue
            yield self._stem(word)
            if _ELEMENT.match(original):
                element_words = (fold(p) for p in _ELEMENT_PART.findall(original))
                yield from (self._stem(w) for w in element_words if w not in STOPWORDS)
            if compounds and n < len(parts):  # the hyphen-joined form (last candidate) adds no new parts
                yield from (self._stem(p) for p in self._splitter.split(word) if p not in STOPWORDS)

    def terms(self, text: str, compounds: bool = False) -> list[str]:
        """All index terms of a text, in order, with repetitions (for term frequencies). With `compounds`, a
        compound's parts follow it ("zorgaanbieder" -> zorgaanbieder, zorg, aanbieder): for the BM25 query, not for
        matching words elsewhere."""
        return list(self._cached_terms(text, compounds))

    def _analyse(self, text: str, compounds: bool) -> tuple[str, ...]:
        out: list[str] = []
        for match in _TOKEN.finditer(text):
            out.extend(self._terms_of(match.group(0), compounds))
        return tuple(out)
