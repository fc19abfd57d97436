"""Exact code lookup: a question that names a code (54001, 54Z01, 'productcategorie 54') gets the table rows
that hold that code first, found by a payload filter on `meta.codes`, not by similarity.

Similarity only orders the rows that match exactly (a code such as 01 occurs in several code lists); the
hybrid results follow them. A code that no row holds changes nothing: the hybrid ranking stands.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from index.codes import codes_in_question
from index.fusion import fuse
from index.retriever import without_copies
from index.store import VraagbaakDocumentStore

EXACT = "exact"


def code_filter(codes: list[str], filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Haystack filter: passages whose `codes` include one of `codes`, within `filters` (region, type, date)."""
    match = {"field": "meta.codes", "operator": "in", "value": list(codes)}
    return match if not filters else {"operator": "AND", "conditions": [filters, match]}


def _each_code_in_turn(rows: list[Document], codes: list[str]) -> list[Document]:
    """With several codes asked ("het verschil tussen 315 en 317"), the best row of each code in the question's
    order, then the second best of each, and so on; with one code, the order as it is."""
    if len(codes) < 2:
        return rows
    queues: dict[str, list[Document]] = {code: [] for code in codes}
    for row in rows:
        held = set(row.meta.get("codes", []))
        code = next((c for c in codes if c == row.meta.get("key_code")), None) or next(
            (c for c in codes if c in held), codes[0])
        queues[code].append(row)
    ordered: list[Document] = []
    while any(queues.values()):
        for queue in queues.values():
            if queue:
                ordered.append(queue.pop(0))
    return ordered


@component
class CodeLookup:
    """Puts up to `max_rows` exact-code rows (meta match="exact", matched_codes) before the hybrid results.

    Rows that define the code (it is in their first column) go before rows that only use it, then by similarity.
    Their scores stay above the best hybrid score and in that order, so the order holds wherever it is sorted.
    """

    def __init__(self, document_store: VraagbaakDocumentStore, max_rows: int = 3, candidates: int = 20) -> None:
        if max_rows < 0 or candidates < max(max_rows, 1):
            raise ValueError("code lookup: need 0 <= max_rows <= candidates and candidates >= 1 (0 rows: off)")
        self.document_store = document_store
        self.max_rows = max_rows
        self.candidates = candidates

    @component.output_types(documents=list[Document], codes=list[str])
    def run(
        self,
        query: str,
        documents: list[Document],
        query_embedding: list[float] | None = None,
        query_sparse_embedding: SparseEmbedding | None = None,
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
    ) -> dict[str, Any]:
        codes = codes_in_question(query) if self.max_rows else []
        if not codes:
            return {"documents": documents, "codes": []}
        dense, sparse = self.document_store.search(query_embedding, query_sparse_embedding,
                                                   code_filter(codes, filters), self.candidates)
        rows = fuse(dense, sparse, "weighted") if (dense or sparse) else []
        if not rows and query_embedding is None:  # no vectors to order by: the filter alone
            rows = self.document_store.filter_documents(code_filter(codes, filters))[: self.candidates]
        if not rows:
            return {"documents": documents, "codes": codes}
        wanted = set(codes)
        # A row that defines the code (it is the row's key, "Code: 8848; Betekenis: ...") before rows that use it.
        rows.sort(key=lambda d: (d.meta.get("key_code") in wanted, d.score or 0.0), reverse=True)
        # The same row in two documents (a table published twice) takes one place, as in the hybrid ranking.
        rows = _each_code_in_turn(without_copies(rows), codes)
        top = max((d.score or 0.0 for d in documents), default=0.0)
        exact = [
            replace(d, score=top + float(self.max_rows - rank),
                    # The row's own closeness to the question (the dense cosine), not its min-max fused score: among
                    # two rows min-max gives the second 0 in any channel where it is behind, however close it is.
                    meta={**d.meta, "match": EXACT,
                          "exact_score": float(d.meta.get("dense_score") or d.score or 0.0),
                          "matched_codes": sorted(wanted & set(d.meta.get("codes", [])))})
            for rank, d in enumerate(rows[: self.max_rows])
        ]
        ids = {d.id for d in exact}
        rest = [d for d in documents if d.id not in ids]
        limit = max(top_k or len(documents), len(exact))
        return {"documents": (exact + rest)[:limit], "codes": codes}
