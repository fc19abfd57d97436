"""Which region a question is about: the one it names.

A question that names one region, one of its places or its publisher ("Hoe werkt de indexering in Doetinchem?",
"Als SDD ...") is answered from that region's documents and national ones, as if the user had chosen the region:
another region's rule is not its answer. The chat's rewriter does the same for a conversation (followups.py); this
gives /v1/ask, `vraagbaak ask` and search the same behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from api.answering.followup_terms import folded, term_pattern


class PlaceScope:
    """The region a question names, from each region's names (`aliases`: slug -> its name, publishers, short forms,
    municipalities and towns; see followup_terms.region_aliases and the manifest's `regions:`)."""

    def __init__(self, aliases: Mapping[str, Sequence[str]]) -> None:
        self.aliases = {slug: list(names) for slug, names in aliases.items()}
        self._patterns = [(term_pattern(name), slug) for slug, names in self.aliases.items()
                          for name in names if name.strip()]

    def regions_named(self, question: str) -> set[str]:
        text = folded(question)
        return {slug for pattern, slug in self._patterns if pattern.search(text)}

    def region_of(self, question: str) -> str | None:
        """The one region the question names; None when it names none, or two or more (a comparison)."""
        named = self.regions_named(question)
        return next(iter(named)) if len(named) == 1 else None
