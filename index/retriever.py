"""Hybrid retrieval over the Vraagbaak store: dense + BM25 in Qdrant, fused, with metadata filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from index.fusion import fuse
from index.store import VraagbaakDocumentStore

NATIONAL = "landelijk"


def region_filter(region: str | None, doc_types: list[str] | None = None,
                  date_from: str | None = None, allowed: Sequence[str] | None = None) -> dict[str, Any] | None:
    """Haystack filter: passages of the region and national ones; optional document types and start date.
    `allowed` (the regions a caller is bound to; None = all) bounds the scope condition whatever `region` asks:
    never more than those regions plus national passages."""
    from index.backend import date_int

    conditions: list[dict[str, Any]] = []
    scopes = {region, NATIONAL} if region else None
    if allowed is not None:
        bound = {*allowed, NATIONAL}
        scopes = bound if scopes is None else scopes & bound
    if scopes is not None:
        conditions.append({"field": "meta.scope", "operator": "in", "value": sorted(scopes)})
    if doc_types:
        conditions.append({"field": "meta.doc_type", "operator": "in", "value": doc_types})
    if date_from:
        conditions.append({"field": "meta.date_int", "operator": ">=", "value": date_int(date_from)})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"operator": "AND", "conditions": conditions}


@component
class HybridRetriever:
    """Runs both channels in one batch against the store and fuses them (RRF by default)."""

    def __init__(
        self,
        document_store: VraagbaakDocumentStore,
        top_k: int = 5,
        candidates: int = 50,
        fusion: str = "rrf",
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        sparse_weight: float = 1.0,
        superseded_penalty: float = 0.8,
    ) -> None:
        if fusion not in ("rrf", "weighted", "dense", "bm25"):
            raise ValueError(f"fusion must be rrf, weighted, dense or bm25, not {fusion!r}")
        self.document_store = document_store
        self.top_k = top_k
        self.candidates = candidates
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.sparse_weight = sparse_weight
        self.superseded_penalty = superseded_penalty

    @component.output_types(documents=list[Document])
    def run(
        self,
        query_embedding: list[float],
        query_sparse_embedding: SparseEmbedding,
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
    ) -> dict[str, Any]:
        limit = max(self.candidates, top_k or self.top_k)
        dense = query_embedding if self.fusion != "bm25" else None
        sparse = query_sparse_embedding if self.fusion != "dense" else None
        dense_hits, sparse_hits = self.document_store.search(dense, sparse, filters, limit)
        if self.fusion in ("dense", "bm25"):
            # Single-channel modes (for evaluation): still annotate with the channel's scores.
            fused = fuse(dense_hits, sparse_hits, "weighted", weights=(1.0, 1.0))
        else:
            fused = fuse(dense_hits, sparse_hits, self.fusion, self.rrf_k, (self.dense_weight, self.sparse_weight))
        ranked = prefer_current(fused, self.superseded_penalty)
        return {"documents": without_copies(ranked)[: top_k or self.top_k]}


def without_copies(documents: list[Document]) -> list[Document]:
    """The same passage text in two documents (the iJw and iWmo copy of a rule) takes one place in the ranking:
    the best-ranked copy stays, so the places below go to passages that add something."""
    seen: set[str] = set()
    kept = []
    for doc in documents:
        key = " ".join((doc.content or "").lower().split())
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(doc)
    return kept


def prefer_current(documents: list[Document], penalty: float) -> list[Document]:
    """Passages of superseded versions lose part of their score, so the current version ranks first."""
    if penalty >= 1.0 or not any(d.meta.get("superseded_by") for d in documents):
        return documents
    scored = [replace(d, score=(d.score or 0.0) * penalty) if d.meta.get("superseded_by") else d for d in documents]
    return sorted(scored, key=lambda d: d.score or 0.0, reverse=True)
