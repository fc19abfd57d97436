"""Typing errors in questions: a word the documents never use is replaced by the one they do use, one edit away.

Chat users type fast: "stratbericht", "zorgpaln", "indictaie". The BM25 channel then finds nothing for that
word and the embedding drifts. The index's own words (and the domain vocabulary) are the dictionary. A question
word is searched as a dictionary word when it is one edit (insert, delete, substitute, swap two neighbours) from a
word the passages use at least twice, and it neither occurs in the passages, nor shares a stem with a word that
does, nor is a common Dutch word (wordfreq). Names (a capital mid-sentence), codes and short words never change.

A word typed without its accents ("beeindiging", "clienten") is searched as the documents write it ("beëindiging",
"cliënten") when they write it mostly that way. BM25 folds accents anyway; the embedding model does not, and reads
the typed form as other word pieces.

Chat users also type in lower case: "vot", "twente", "vecozo". `truecase` gives such words the case the documents
write them in mid-sentence ("VOT", "Twente", "VECOZO"), where they do so far more often than in lower case, so that
the answer stage still sees a name or a short form as a specific term the passages must hold (see
api/answering/abstention.py). Only that check uses it: searched in the documents' case, the embedding ranked two of
130 dev questions lower.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from wordfreq import zipf_frequency

from index.analyzer import STOPWORDS, DutchAnalyzer, fold
from index.codes import RULE_ID, RULE_ID_LETTERS, RULE_ID_NUMBER
from index.vocabulary import vocabulary_words

NATIONAL = "landelijk"  # the scope of national documents: visible to every region

_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
# Whole tokens (a code "WMO301" holds no name "WMO"): with a capital, and all in lower case.
_CAPITALISED = re.compile(r"(?<![0-9A-Za-zÀ-ÖØ-öø-ÿ])[0-9A-Za-zÀ-ÖØ-öø-ÿ]*[A-ZÀ-ÖØ-Þ][0-9A-Za-zÀ-ÖØ-öø-ÿ]*")
_LOWER = re.compile(r"(?<![0-9A-Za-zÀ-ÖØ-öø-ÿ])[a-zß-öø-ÿ]+(?![0-9A-Za-zÀ-ÖØ-öø-ÿ])")
# A capital after these (or at the start of a line) opens a sentence, a list item or a heading; after a field's
# colon it is a value, often a name ("Gemeentenaam: Zwolle").
_OPENERS = set(".?!;|#*-•>([\"'‘“–—")
_TITLE_SHARE = 0.4  # a line with more capitalised words (after its first) than this is a title or heading
_MIN_CASED = 3  # mid-sentence occurrences before a lower-case word is taken for a short form of the documents
_CASE_RATIO = 4  # ... and this many times as often as in lower case
_MIN_LENGTH = 5  # shorter words have too many neighbours one edit away
# Rule and instruction ids (OP271, TR301, IV079, OP090x4), as the documents write them and as users type them apart.
_SPLIT_IDENTIFIER = re.compile(rf"(?<![\w-])({RULE_ID_LETTERS})[ -]({RULE_ID_NUMBER})(?![\w-])")
_MIN_COUNT = 2  # a correction must be a word the documents use more than once
# A word this common in Dutch (Zipf scale: 2 = about once per 10 million words) is no typing error, even when the
# documents never use it: "betaalt" is not "bepaalt", "rechter" is not "echter". Common typos ("hoevel") stay below.
_DUTCH_WORD_ZIPF = 2.0


@lru_cache(maxsize=4096)
def is_dutch_word(word: str) -> bool:
    return zipf_frequency(word.lower(), "nl") >= _DUTCH_WORD_ZIPF


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def one_edit_apart(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance (adjacent swaps count once) of exactly one."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                   and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass
class Speller:
    """Corrects question words against the words of the indexed passages."""

    counts: Counter[str]
    analyzer: DutchAnalyzer = field(default_factory=DutchAnalyzer)
    # Words that only regional documents use, with those regions: a caller bound to other regions is never
    # corrected to them (the correction is shown, so it would tell a word of another region's documents).
    regional: dict[str, frozenset[str]] = field(default_factory=dict)
    # Folded word -> the accented form the documents mostly write ("beeindiging" -> "beëindiging").
    accents: dict[str, str] = field(default_factory=dict)
    # Lower-case word -> the case the documents write it in mid-sentence ("vot" -> "VOT", "twente" -> "Twente").
    cases: dict[str, str] = field(default_factory=dict)
    # Lower-case identifier -> as the documents write it ("op271" -> "OP271", "iv079" -> "IV079").
    identifiers: dict[str, str] = field(default_factory=dict)
    _by_delete: dict[str, list[str]] = field(init=False, repr=False)
    _stems: set[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_delete = {}
        for word, count in self.counts.items():
            if count >= _MIN_COUNT and len(word) >= _MIN_LENGTH - 1:
                for key in _deletes(word):
                    self._by_delete.setdefault(key, []).append(word)
        self._stems = {terms[0] for w in self.counts if (terms := self.analyzer.terms(w))}

    @classmethod
    def from_texts(cls, texts: Iterable[str | tuple[str, str | None]], analyzer: DutchAnalyzer | None = None
                   ) -> Speller:
        """The passages' words (a text, or a (text, scope) pair), and the domain vocabulary's ("stratbericht" is
        "startbericht", which the vocabulary knows as 305 even where the documents write "Start zorg")."""
        counts: Counter[str] = Counter()
        accented: Counter[str] = Counter()
        cased: Counter[str] = Counter()
        lower: Counter[str] = Counter()
        identifiers: Counter[str] = Counter()
        where: dict[str, set[str]] = {}
        for item in texts:
            text, scope = item if isinstance(item, tuple) else (item, None)
            identifiers.update(i for i in RULE_ID.findall(text) if i[:2].isupper())
            words = [w for w in _WORD.findall(fold(text)) if len(w) >= _MIN_LENGTH - 1]
            counts.update(words)
            if not text.isascii():  # most passages have no accented word: one scan less
                accented.update(w for w in _WORD.findall(text.lower()) if not w.isascii() and len(w) >= _MIN_LENGTH)
            cased.update(mid_sentence_capitals(text))
            lower.update(_LOWER.findall(text))
            for word in set(words):
                where.setdefault(word, set()).add(scope or NATIONAL)
        for word in vocabulary_words():
            counts[word] = max(counts[word], _MIN_COUNT)
            where[word] = {NATIONAL}
        forms: dict[str, str] = {}
        for form, _ in identifiers.most_common():
            forms.setdefault(form.lower(), form)
        return cls(counts, analyzer or DutchAnalyzer(), regional_words(where), accent_forms(counts, accented),
                   case_forms(cased, lower), forms)

    def visible(self, word: str, allowed: frozenset[str] | None) -> bool:
        """Whether a caller bound to `allowed` regions (None: all) may see this word of the documents."""
        regions = self.regional.get(word)
        return allowed is None or regions is None or not regions.isdisjoint(allowed)

    def suggestion(self, word: str, allowed: frozenset[str] | None = None) -> str | None:
        """The word the documents (of the `allowed` regions and national ones) use for a typed word they do not
        know, or None."""
        folded = fold(word)
        if len(folded) < _MIN_LENGTH or folded in self.counts or folded in STOPWORDS or is_dutch_word(word):
            return None
        stems = self.analyzer.terms(folded)
        if not stems or stems[0] in self._stems:
            return None  # an inflection of a known word ("stopberichten"), not a typing error
        candidates = set(self._by_delete.get(folded, ()))  # a letter left out
        for key in _deletes(folded):
            if self.counts.get(key, 0) >= _MIN_COUNT:
                candidates.add(key)  # a letter too many
            candidates.update(self._by_delete.get(key, ()))  # a letter wrong, or two swapped
        ranked = sorted((w for w in candidates if one_edit_apart(folded, w) and self.visible(w, allowed)),
                        key=lambda w: (-self.counts[w], w))
        return ranked[0] if ranked else None

    def accented(self, word: str, allowed: frozenset[str] | None = None) -> str | None:
        """The documents' accented form of a word typed without accents, in the typed word's case, or None."""
        if not word.isascii():
            return None
        form = self.accents.get(word.lower())
        if form is None or not self.visible(word.lower(), allowed):
            return None
        return form[0].upper() + form[1:] if word[0].isupper() else form

    def truecase(self, text: str) -> str:
        """`text` typed all in lower case with each word in the case the documents write it ("vot" -> "VOT"); a text
        with a capital anywhere is as the user typed it (they chose their case)."""
        if text != text.lower():
            return text
        return _WORD.sub(lambda m: self.cases.get(m.group(0), m.group(0)) if m.group(0).islower() else m.group(0),
                         text)

    def correct(self, question: str, allowed: frozenset[str] | None = None) -> tuple[str, dict[str, str]]:
        """The question with its typing errors corrected, and the corrections {typed: corrected}; a caller bound to
        `allowed` regions is only corrected to words of its regions' and national documents."""
        corrections: dict[str, str] = {}

        def replace(match: re.Match[str]) -> str:
            word = match.group(0)
            before = question[: match.start()].rstrip()
            if word[:1].isupper() and before and before[-1] not in ".?!:(\"'":
                return word  # a name in the middle of a sentence ("Twente", "Zwolle")
            better = self.accented(word, allowed) or self.suggestion(word, allowed)
            if better is None:
                return word
            corrections[word] = better
            return better

        return _WORD.sub(replace, self.joined(question, corrections)), corrections

    def joined(self, question: str, corrections: dict[str, str] | None = None) -> str:
        """A rule or instruction id typed with a space or hyphen ("OP 271", "tr-301", "IV 079") as the documents
        write it ("OP271"), when they do. A lower-case prefix that is a function word stays apart: in "stuur je op
        305 een retour?" the "op" is a preposition."""
        def join(match: re.Match[str]) -> str:
            prefix, number = match.group(1), match.group(2)
            form = self.identifiers.get(f"{prefix}{number}".lower())
            if form is None or (prefix.islower() and prefix in STOPWORDS):
                return match.group(0)
            if corrections is not None:
                corrections[match.group(0)] = form
            return form

        return _SPLIT_IDENTIFIER.sub(join, question)


_LETTER_WORD = re.compile(r"(?<![\w-])[^\W\d_]{2,}(?![\w-])")


def typed_in_capitals(text: str) -> bool:
    """Typed with caps lock on ("WAT IS EEN VOT", "EN BIJ DE WMO?"): no lower-case letter, and at least two words
    that are common Dutch words in lower case. Every word then looked like a short form ("een", "is" and "wat"
    became specific terms no passage holds, and the question was refused); such a question is searched in lower
    case, as chat users type. Short forms and codes alone ("IAJ GWV 305") are no such question."""
    if any(c.islower() for c in text):
        return False
    return sum(1 for w in _LETTER_WORD.findall(text) if is_dutch_word(w.lower())) >= 2


def accent_forms(counts: Counter[str], accented: Counter[str]) -> dict[str, str]:
    """Folded word -> its accented form, for words the documents write with accents at least twice and more than
    twice as often as without ("client" stays: the standard's element names write it 675 times, "cliënt" 613)."""
    best: dict[str, tuple[int, str]] = {}
    total: Counter[str] = Counter()  # all accented forms of a folded word together
    for form, n in accented.items():
        folded = fold(form)
        total[folded] += n
        if n > best.get(folded, (0, ""))[0]:
            best[folded] = (n, form)
    return {folded: form for folded, (n, form) in best.items()
            if n >= _MIN_COUNT and n > 2 * (counts[folded] - total[folded])}


def mid_sentence_capitals(text: str) -> list[str]:
    """The words of `text` with a capital that do not open a sentence, line, list item or heading: names and short
    forms ("Twente", "VOT", "Wmo"). Of a line in title case (a heading, a title) only the values after a colon."""
    found = []
    for line in text.split("\n"):
        title: bool | None = None
        for match in _CAPITALISED.finditer(line):
            token = match.group(0)
            if not token.isalpha():
                continue
            i = match.start() - 1
            while i >= 0 and line[i] in " \t":
                i -= 1
            if i < 0 or line[i] in _OPENERS or line[i].isdigit():
                continue
            if title is None:
                rest = _WORD.findall(line)[1:]
                title = sum(1 for w in rest if w[0].isupper() and w[1:].islower()) > _TITLE_SHARE * len(rest)
            if line[i] == ":" or not title:
                found.append(token)
    return found


def case_forms(cased: Counter[str], lower: Counter[str]) -> dict[str, str]:
    """Lower-case word -> the case the documents write it in mid-sentence: a short form ("VOT", "iWlz": two capitals
    or more) written so at least `_MIN_CASED` times and `_CASE_RATIO` times as often as in lower case; a name
    ("Twente", "Almere": one capital) that the documents never write in lower case."""
    best: dict[str, tuple[int, str]] = {}
    for form, n in cased.items():
        key = form.lower()
        if len(key) >= 2 and key not in STOPWORDS and n > best.get(key, (0, ""))[0]:
            best[key] = (n, form)
    return {key: form for key, (n, form) in best.items()
            if (n >= _MIN_CASED and n >= _CASE_RATIO * lower[key] if sum(c.isupper() for c in form) >= 2
                else lower[key] == 0)}


def regional_words(where: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """From {word: scopes it occurs in}: the words no national document uses, with their regions (one shared
    frozenset per distinct set of regions)."""
    shared: dict[frozenset[str], frozenset[str]] = {}
    return {word: shared.setdefault(frozenset(scopes), frozenset(scopes))
            for word, scopes in where.items() if NATIONAL not in scopes}
