"""Abbreviations the documents define themselves: "Verzoek om Toewijzing (VOT)", "BRP (Basisregistratie Personen)".

Users type the short form ("vot afgewezen", "GI's", "BRP"), documents often write the long form. The pairs are
mined from the indexed passages with the Schwartz-Hearst rule (the short form's letters occur in order in the words
before or inside the brackets, the first one opening a word), so every corpus brings its own list and nothing is
written per question. A short form that is also a common Dutch word ("ZIN", "AVG" aside) only counts when the user
writes it in capitals.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from index.analyzer import DutchAnalyzer, fold
from index.spelling import NATIONAL, is_dutch_word, regional_words

_SHORT = r"[A-Z][A-Za-z]{0,3}[A-Z][A-Za-z]{0,2}|[A-Z]{2,6}"
# "long form (SF)" and "SF (long form)"; the long form is taken from the words just before / inside the brackets.
_SHORT_IN_BRACKETS = re.compile(rf"\(\s*({_SHORT})\s*\)")
_SHORT_THEN_LONG = re.compile(rf"\b({_SHORT})\s*\(\s*([^\n()]{{3,90}})\)")
_WORD = re.compile(r"[\wÀ-ÿ'’-]+")
# A message code as a table cell (305, JW305, WMO305) next to a header that names messages or a type.
_MESSAGE_CELL = re.compile(r"^(?:i?jw|i?wmo)?\s?-?(\d{3})$", re.IGNORECASE)
_ROW_WEIGHT = 100  # a table row defines a name; a name in brackets only uses it
_FIELD = re.compile(r"([^:;\n]{2,40}):\s*([^;\n]{1,80})")
_NOUN_WITH_CODE = re.compile(r"\b([A-Za-zÀ-ÿ-]{2,}bericht)\s*\(\s*(?:i?jw|i?wmo)?\s?-?(\d{3})\s*\)", re.IGNORECASE)
# A message code in a question: "JW305", "WMO-307", "305-bericht", "berichttype 315", "de 305" (an article before a
# bare number, no unit after it).
_UNIT = r"(?:euro|eur|uur|uren|minuten|dagen|werkdagen|weken|maanden|jaar|jaren|procent|%|km|kilometer)\b"
_MESSAGE_IN_QUESTION = re.compile(
    r"\b(?:i?jw|i?wmo)\s?-?(\d{3})\b|\b(\d{3})\s?-?\s?berichte?n?\b|\bbericht(?:type)?\s+(\d{3})\b"
    rf"|\b(?:de|een|het|die|deze|dat|elke|geen)\s+(\d{{3}})\b(?!\s*{_UNIT})(?![.,]\d)(?!\s?-?\s?bericht)",
    re.IGNORECASE)


def long_form(words: list[str], short: str) -> str | None:
    """The shortest run of trailing `words` whose letters hold `short`'s letters in order, the first letter opening
    the run's first word (Schwartz & Hearst 2003); None when there is none or it is implausibly long."""
    letters = [c for c in fold(short) if c.isalnum()]
    if len(letters) < 2:
        return None
    for start in range(len(words) - 1, max(-1, len(words) - len(letters) - 4), -1):
        run = [fold(w) for w in words[start:]]
        if not run[0].startswith(letters[0]):
            continue
        text = " ".join(run)
        at = 0
        for letter in letters:
            at = text.find(letter, at)
            if at < 0:
                break
            at += 1
        else:
            if len(run) <= len(letters) + 2 and len(text) > len(letters) + 1:
                return text
    return None


def mine(texts: Iterable[str | tuple[str, str | None]],
         where: dict[str, set[str]] | None = None) -> dict[str, Counter[str]]:
    """Short form (folded) -> its long forms (folded) with how often the documents define it that way. A text may
    come with its scope ((text, scope)); `where` then collects the scopes that define each short form."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for item in texts:
        text, scope = item if isinstance(item, tuple) else (item, None)
        if "(" not in text:
            continue
        defined: set[str] = set()
        for match in _SHORT_IN_BRACKETS.finditer(text):
            before = text[max(0, match.start() - 90): match.start()]
            words = _WORD.findall(re.split(r"[\n()]", before)[-1])
            if (lf := long_form(words, match.group(1))) is not None:
                found[fold(match.group(1))][lf] += 1
                defined.add(fold(match.group(1)))
        for match in _SHORT_THEN_LONG.finditer(text):
            words = _WORD.findall(match.group(2))
            lf = long_form(words[: len(match.group(1)) + 3], match.group(1)) if words else None
            if lf is not None and fold(" ".join(words)).startswith(lf.split()[0]):
                found[fold(match.group(1))][lf] += 1
                defined.add(fold(match.group(1)))
        if where is not None:
            for short in defined:
                where.setdefault(short, set()).add(scope or NATIONAL)
    return dict(found)


def mine_message_names(texts: Iterable[str]) -> dict[str, list[str]]:
    """Message code (its three digits) -> its names, the one the texts use most first: "startbericht" before
    "startzorgbericht" where the rules say "startbericht". Names come from table rows that pair a message type with a
    name ("Berichttype: 305; Berichtnaam: Startzorgbericht") and from "Startzorgbericht (JW305)". A name found with
    several codes ("antwoordbericht (319)", "antwoordbericht (325)") names only the one a table row gives it, else
    the one it is written with most (with none on a tie)."""
    texts = list(texts)
    lowered = [text.lower() for text in texts]  # names hold no accents to fold ("startbericht")
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for text, low in zip(texts, lowered, strict=True):
        for line in text.split("\n") if "naam" in low else ():
            code = name = None
            for header, value in _FIELD.findall(line):
                header = fold(header.strip())
                cell = _MESSAGE_CELL.match(value.strip())
                if code is None and cell and re.search(r"bericht|type", header):
                    code = cell.group(1)
                elif name is None and header.endswith("naam"):
                    name = value.strip()
            if code and name:
                found[code][fold(name)] += _ROW_WEIGHT
        for match in _NOUN_WITH_CODE.finditer(text):
            found[match.group(2)][fold(match.group(1))] += 1
    owner = {}
    for name in {n for names in found.values() for n in names}:
        counts = sorted((found[code][name], code) for code in found if found[code][name])
        if len(counts) == 1 or counts[-1][0] > counts[-2][0]:  # a tie ("retourbericht (324)", "(326)"): no owner
            owner[name] = counts[-1][1]
    if not owner:
        return {}
    everything = "\n".join(lowered)
    usage = {name: everything.count(name) for name in owner}
    return {code: sorted(own, key=lambda n: (-usage[n], n))
            for code, names in found.items() if (own := [n for n in names if owner.get(n) == code])}


@dataclass
class Abbreviations:
    """The corpus's short forms and their long forms."""

    forms: dict[str, Counter[str]]
    analyzer: DutchAnalyzer = field(default_factory=DutchAnalyzer)
    regional: dict[str, frozenset[str]] = field(default_factory=dict)  # short forms only regional documents define
    messages: dict[str, list[str]] = field(default_factory=dict)  # message code -> its names (mine_message_names)
    _stems: dict[str, list[set[str]]] = field(init=False, repr=False)  # each long form's analysed words
    _message_stems: dict[str, list[set[str]]] = field(init=False, repr=False)  # each message name's analysed words

    def __post_init__(self) -> None:
        self._stems = {short: stems for short, longs in self.forms.items()
                       if (stems := [s for lf in longs if (s := set(self.analyzer.terms(lf)))])}
        self._message_stems = {code: [s for name in names if (s := set(self.analyzer.terms(name)))]
                               for code, names in self.messages.items()}

    @classmethod
    def from_texts(cls, texts: Iterable[str | tuple[str, str | None]],
                   analyzer: DutchAnalyzer | None = None) -> Abbreviations:
        """From the passages' texts, or (text, scope) pairs: then a short form that only regional documents define
        is expanded only for callers of those regions (the expansion is shown under "Gezocht naar")."""
        where: dict[str, set[str]] = {}
        texts = list(texts)
        messages = mine_message_names(t if isinstance(t, str) else t[0] for t in texts)
        return cls(mine(texts, where), analyzer or DutchAnalyzer(), regional_words(where), messages)

    def __len__(self) -> int:
        return len(self._stems)

    def _key(self, word: str) -> str | None:
        """The defined short form a word is, also in the plural ("GI's", "VOTs"); None when it is none."""
        key = fold(word)
        if key not in self._stems and key.endswith("s"):
            key = key[:-1]
        return key if key in self._stems else None

    def long_forms(self, short: str) -> list[str]:
        """The long forms of a short form, most often defined first."""
        key = self._key(short)
        return [lf for lf, _ in self.forms[key].most_common()] if key else []

    def in_query(self, query: str, allowed: frozenset[str] | None = None) -> list[tuple[str, str]]:
        """(short form as typed, its most frequent long form) for each defined short form the query uses; a short
        form that is a common Dutch word counts only in capitals ("ZIN", not "zin"); for a caller bound to `allowed`
        regions, only short forms defined by national documents or those regions'."""
        pairs = []
        for word in dict.fromkeys(re.findall(r"\b[\wÀ-ÿ]{2,8}\b", query)):
            key = self._key(word)
            if key is None or (not word.isupper() and (is_dutch_word(word) or len(word) < 3)):
                continue
            regions = self.regional.get(key)
            if allowed is not None and regions is not None and regions.isdisjoint(allowed):
                continue
            pairs.append((word, self.long_forms(word)[0]))
        return pairs

    def primary(self) -> dict[str, str]:
        """Each short form (folded) with its most frequent long form, Dutch words left out ("zin")."""
        return {short: self.long_forms(short)[0] for short in self._stems if not is_dutch_word(short)}

    def spelled_out(self, short: str, available: set[str]) -> bool:
        """Whether the analysed words `available` hold one of the long forms of `short` completely; for a message
        code ("JW315", "315") one of its names ("verzoek om toewijzing")."""
        key = self._key(short)
        if key is not None and any(s <= available for s in self._stems[key]):
            return True
        code = _MESSAGE_CELL.match(short)
        return code is not None and any(s <= available for s in self._message_stems.get(code.group(1), []))

    def messages_in_query(self, query: str) -> list[tuple[str, str]]:
        """(the code as typed, its name) for each message code in the question whose name the corpus defines:
        "de JW305" -> ("JW305", "startbericht"), "een 307-bericht" -> ("307-bericht", "stopbericht")."""
        pairs: list[tuple[str, str]] = []
        seen: set[str] = set()
        for match in _MESSAGE_IN_QUESTION.finditer(query):
            group = next(i for i, g in enumerate(match.groups(), start=1) if g)
            code = match.group(group)
            if code in self.messages and code not in seen:
                seen.add(code)
                # "JW305", "305-bericht" stand for the name as a whole; in "berichttype 319", "de 305" the number does
                pairs.append((match.group(0) if group <= 2 else code, self.messages[code][0]))
        return pairs
