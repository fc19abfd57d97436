"""Dutch compound splitting for BM25: "zorgaanbieder" also counts as "zorg" and "aanbieder".

Dutch writes compounds as one word, so a question about a "zorgaanbieder" misses the passage that says
"aanbieder", and "ontvangstbevestiging" misses "bevestiging van ontvangst". The parts are added as extra
terms next to the whole word (index and query side alike). The lexicon is fixed, so a query is split the
same way as the passages whatever the corpus holds: common Dutch words (wordfreq) and the domain vocabulary.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

# A part is a Dutch word this common (Zipf scale: 3 = once per million words) or a domain-vocabulary word;
# a part of MIN_PART letters must be commoner, or names and fragments split words (inge+wonnen, maxi+male).
MIN_ZIPF = 3.0
MIN_ZIPF_SHORT = 4.0
MIN_PART = 4
# A first part that is a particle makes a derivation, not a compound: onder+steuning, voor+stellen, over+eenkomst.
_PARTICLES = frozenset(
    "onder over voor door achter tegen samen mede boven buiten binnen tussen rond langs mee weg vooraf "
    "overeen omhoog omlaag voorbij".split()
)
# A last part that is really a suffix: eigen+lijk, waar+heid, formul+ering.
_SUFFIXES = frozenset("lijk lijke heid heden schap baar bare loos loze zaam zame achtig ring ringen".split())


@lru_cache(maxsize=1)
def _domain_words() -> frozenset[str]:
    from index.vocabulary import vocabulary_words

    return frozenset(w for w in vocabulary_words() if len(w) >= MIN_PART and w.isalpha())


class CompoundSplitter:
    """Splits a folded, lowercase word into its parts, the head (last part) last; () when it is no compound."""

    def __init__(self, min_zipf: float = MIN_ZIPF, min_part: int = MIN_PART) -> None:
        self.min_zipf = min_zipf
        self.min_part = min_part
        self._known: dict[str, bool] = {}
        self._parts: dict[str, tuple[str, ...]] = {}

    def _is_word(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            needed = MIN_ZIPF_SHORT if len(word) <= self.min_part else self.min_zipf
            known = word in _domain_words() or zipf_frequency(word, "nl") >= needed
            self._known[word] = known
        return known

    def split(self, word: str) -> tuple[str, ...]:
        parts = self._parts.get(word)
        if parts is None:
            parts = tuple(self._split(word)) if len(word) >= 2 * self.min_part and word.isalpha() else ()
            self._parts[word] = parts
        return parts

    def _split(self, word: str) -> list[str]:
        # Longest head first: "declaratieantwoordbericht" -> declaratieantwoord + bericht -> declaratie + antwoord.
        for cut in range(self.min_part, len(word) - self.min_part + 1):
            head = word[cut:]
            if head in _SUFFIXES or not self._is_word(head):
                continue
            modifier = word[:cut]
            if modifier in _PARTICLES:
                return []
            # A linking -s- ("wijzigingsverzoek") belongs to neither part.
            for first in (modifier, modifier[:-1] if modifier.endswith("s") else ""):
                if len(first) < self.min_part or first in _PARTICLES:
                    continue
                if self._is_word(first):
                    return [first, head]
                if inner := self.split(first):
                    return [*inner, head]
        return []
