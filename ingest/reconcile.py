"""Compares freshly cut passages with what the index holds for their documents."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from haystack import Document, component

from index.store import BODY_EMBEDDING, VraagbaakDocumentStore


@component
class ChunkReconciler:
    """Splits passages into those to embed, those whose vectors can be reused, and stale ids to delete.

    Passage ids are derived from document id, position and content; a passage whose id is already
    stored needs nothing, one that only moved reuses the stored vectors of the same content.
    """

    def __init__(self, document_store: VraagbaakDocumentStore) -> None:
        self.document_store = document_store

    @component.output_types(to_embed=list[Document], reused=list[Document], stale_ids=list[str])
    def run(self, documents: list[Document], stored: dict[str, set[str]]) -> dict[str, Any]:
        wanted_by_doc: dict[str, set[str]] = {}
        for doc in documents:
            wanted_by_doc.setdefault(doc.meta["document_id"], set()).add(doc.id)
        stale = [pid for doc_id, wanted in wanted_by_doc.items()
                 for pid in stored.get(doc_id, set()) - wanted]
        present = {pid for ids in stored.values() for pid in ids}
        missing = [d for d in documents if d.id not in present]
        # A passage that is already stored is rewritten as well: its document changed, so its payload
        # (source hash, passage count, scope, date, ...) must become the current one; its vectors are kept.
        kept = [d for d in documents if d.id in present]
        old_vectors = self.document_store.vectors_of([d.id for d in kept] + (stale if missing else []))
        by_hash = {old_vectors[pid][2]: old_vectors[pid] for pid in stale if pid in old_vectors}
        to_embed, reused = [], []
        kept_ids = {d.id for d in kept}
        for doc in kept + missing:
            old = old_vectors.get(doc.id) if doc.id in kept_ids else by_hash.get(doc.meta.get("content_hash"))
            if old is None or (old[3] is None and doc.meta.get("context")):
                to_embed.append(doc)  # new, or stored without its body vector
                continue
            dense, sparse, _, body = old
            meta = {**doc.meta, BODY_EMBEDDING: body} if body is not None else doc.meta
            reused.append(replace(doc, embedding=dense, sparse_embedding=sparse, meta=meta))
        return {"to_embed": to_embed, "reused": reused, "stale_ids": stale}


@component
class StaleChunkRemover:
    """Deletes passages that no longer belong to their document, after the new ones are written."""

    def __init__(self, document_store: VraagbaakDocumentStore) -> None:
        self.document_store = document_store

    @component.output_types(removed=int)
    def run(self, stale_ids: list[str], written: int, reused_written: int) -> dict[str, Any]:
        self.document_store.delete_documents(stale_ids)
        return {"removed": len(stale_ids)}
