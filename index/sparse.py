"""BM25 as sparse vectors: term-frequency saturation on the document side, IDF applied by Qdrant."""

from __future__ import annotations

import zlib
from collections import Counter

from haystack.dataclasses import SparseEmbedding

from index.analyzer import DutchAnalyzer

# Typical passage length in terms; BM25's length normalisation is relative to it.
AVG_PASSAGE_TERMS = 80.0
# Query weight of a compound's parts ("aanbieder" from "zorgaanbieder"): below the word the user typed.
COMPOUND_PART_WEIGHT = 0.5


def term_id(term: str) -> int:
    """A stable 32-bit id for a term (the same in every process and on the server)."""
    return zlib.crc32(term.encode("utf-8"))


class BM25Encoder:
    """Encodes passages and queries into BM25 sparse vectors over the Dutch analyzer's terms.

    Qdrant multiplies query and document weights and, with the IDF modifier on the sparse
    vector, weighs each term by its inverse document frequency; that product is BM25.
    """

    def __init__(self, analyzer: DutchAnalyzer, k1: float = 1.2, b: float = 0.75) -> None:
        self.analyzer = analyzer
        self.k1 = k1
        self.b = b

    def encode_passage(self, text: str) -> SparseEmbedding:
        terms = self.analyzer.terms(text)
        counts = Counter(terms)
        norm = self.k1 * (1 - self.b + self.b * len(terms) / AVG_PASSAGE_TERMS)
        weights: dict[int, float] = {}
        for term, tf in counts.items():
            weights[term_id(term)] = tf * (self.k1 + 1) / (tf + norm)
        return _to_sparse(weights)

    def encode_query(self, text: str, extra_terms: dict[str, float] | None = None) -> SparseEmbedding:
        """Each distinct query term weighs 1; compound parts and expansion terms carry their own (lower) weight.
        Only the query is split: a question about a "zorgaanbieder" finds "aanbieder" (measured: splitting the
        passages as well helped on one question set and hurt on three)."""
        words = set(self.analyzer.terms(text))
        weights: dict[int, float] = {term_id(t): 1.0 if t in words else COMPOUND_PART_WEIGHT
                                     for t in self.analyzer.terms(text, compounds=True)}
        for term, weight in (extra_terms or {}).items():
            tid = term_id(term)
            weights[tid] = max(weights.get(tid, 0.0), weight)
        return _to_sparse(weights)


def _to_sparse(weights: dict[int, float]) -> SparseEmbedding:
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[float(weights[i]) for i in indices])
