"""The Vraagbaak document store: Haystack's DocumentStore protocol plus hybrid search, on Qdrant.

Embedded by default (qdrant-edge, a shard under the data directory, guarded by a lock); with a
server URL the same schema lives in a Qdrant server collection (qdrant-client).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from haystack import Document, default_from_dict, default_to_dict
from haystack.dataclasses import SparseEmbedding
from haystack.document_stores.types import DuplicatePolicy

from index.backend import Hit, IndexBackend, PointData, StoreError, date_int
from index.lock import DataDirLock

__all__ = ["StoreError", "VraagbaakDocumentStore"]


SCHEMA = 2  # 1: one dense vector per passage; 2: also the body alone (index/backend.BODY)
BODY_EMBEDDING = "body_embedding"  # meta key that carries a passage's body vector from the embedder to the store


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "model"


class VraagbaakDocumentStore:
    """Passages with a dense and a BM25 vector; `search` returns both channels' ranked hits."""

    def __init__(
        self,
        data_dir: str = ".vraagbaak",
        model_name: str = "default",
        qdrant_url: str | None = None,
        collection: str = "vraagbaak",
        api_key: str | None = None,
        purpose: str = "ask",
        public_url: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.model_name = model_name
        self.qdrant_url = qdrant_url
        self.collection = collection
        self.api_key = api_key
        self.purpose = purpose
        self.public_url = public_url
        self._backend: IndexBackend | None = None
        self._lock: DataDirLock | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def embedded(self) -> bool:
        return not self.qdrant_url

    @property
    def shard_path(self) -> Path:
        """The embedded index of this model; `-2` since passages have two dense vectors (an index of the earlier
        schema stays where it was, unused: the new one is built from the corpus on first use)."""
        return Path(self.data_dir) / "index" / f"{_slug(self.model_name)}-{SCHEMA}"

    def open(self, dense_dim: int) -> VraagbaakDocumentStore:
        """Lock the data directory (embedded) and open or create the collection."""
        if self._backend is not None:
            return self
        if self.embedded:
            from index.edge_backend import EdgeBackend

            self._lock = DataDirLock(Path(self.data_dir), self.purpose, self.public_url)
            self._lock.acquire()
            backend: IndexBackend = EdgeBackend(self.shard_path)
        else:
            from index.server_backend import ServerBackend

            backend = ServerBackend(self.qdrant_url or "", self.collection, self.api_key)
        try:
            backend.ensure_collection(dense_dim)
        except Exception:
            self.close()
            raise
        self._backend = backend
        return self

    def exists(self) -> bool:
        """Whether an embedded index has been built before (no side effects)."""
        return not self.embedded or (self.shard_path / "wal").exists()

    @property
    def backend(self) -> IndexBackend:
        if self._backend is None:
            raise StoreError("de index is niet geopend")
        return self._backend

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def flush(self) -> None:
        self.backend.flush()

    # -- Haystack DocumentStore protocol ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self, data_dir=self.data_dir, model_name=self.model_name, qdrant_url=self.qdrant_url,
            collection=self.collection, purpose=self.purpose, public_url=self.public_url,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VraagbaakDocumentStore:
        return default_from_dict(cls, data)

    def count_documents(self) -> int:
        return self.backend.count()

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        return [_to_document(pid, payload, None) for pid, payload, _ in self.backend.scroll(filters)]

    def passages_of(self, document_id: str) -> list[Document]:
        """Every passage of one document (any order)."""
        return self.filter_documents({"field": "meta.document_id", "operator": "==", "value": document_id})

    def write_documents(self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE) -> int:
        """Upsert passages that carry both embeddings; ids are derived, so a rewrite is idempotent."""
        if policy == DuplicatePolicy.FAIL:
            existing = {pid for pid, _, _ in self.backend.scroll(
                {"field": "id", "operator": "in", "value": [d.id for d in documents]}, fields=[])}
            if existing:
                raise StoreError(f"{len(existing)} passages bestaan al")
        points = []
        for doc in documents:
            if doc.embedding is None or doc.sparse_embedding is None:
                raise StoreError(f"passage {doc.id} heeft geen embedding; draai eerst de embedders")
            meta = {k: v for k, v in doc.meta.items() if k != BODY_EMBEDDING}
            payload = {**meta, "content": doc.content, "date_int": date_int(doc.meta.get("date"))}
            body = doc.meta.get(BODY_EMBEDDING)
            points.append(PointData(doc.id, list(doc.embedding), list(doc.sparse_embedding.indices),
                                    list(doc.sparse_embedding.values), payload,
                                    list(body) if body is not None else None))
        self.backend.upsert(points)
        return len(points)

    def delete_documents(self, document_ids: list[str]) -> None:
        self.backend.delete(list(document_ids))

    # -- Vraagbaak specifics ---------------------------------------------------------------------
    def search(
        self,
        dense: list[float] | None,
        sparse: SparseEmbedding | None,
        filters: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[Document], list[Document]]:
        """The dense and the BM25 ranking, each as Documents with their channel's score."""
        sparse_pair = (list(sparse.indices), list(sparse.values)) if sparse is not None else None
        dense_hits, sparse_hits = self.backend.search(dense, sparse_pair, filters, limit)
        return [_hit_document(h) for h in dense_hits], [_hit_document(h) for h in sparse_hits]

    def index_state(self) -> dict[str, dict[str, Any]]:
        """Per document id: the stored passage ids, their source hashes, the declared passage count and where the
        document came from (`origin`: "upload" for documents uploaded through the API, else None: the corpus)."""
        state: dict[str, dict[str, Any]] = {}
        fields = ["document_id", "source_hash", "chunk_count", "position", "origin"]
        for pid, payload, _ in self.backend.scroll(fields=fields):
            entry = state.setdefault(payload.get("document_id", "?"),
                                     {"ids": set(), "hashes": set(), "counts": set(), "positions": [],
                                      "origin": payload.get("origin")})
            entry["ids"].add(pid)
            entry["hashes"].add(payload.get("source_hash"))
            entry["counts"].add(payload.get("chunk_count"))
            entry["positions"].append(payload.get("position"))
        return state

    def vectors_of(self, ids: list[str]) -> dict[str, tuple[list[float], SparseEmbedding, str, list[float] | None]]:
        """Stored vectors by passage id (to reuse them for moved passages instead of re-embedding): the dense
        vector with header, the BM25 vector, the content hash and the body vector."""
        if not ids:
            return {}
        out = {}
        flt = {"field": "id", "operator": "in", "value": ids}
        for pid, payload, vectors in self.backend.scroll(flt, fields=["content_hash"], with_vectors=True):
            if vectors and "dense" in vectors and "bm25" in vectors:
                idx, vals = vectors["bm25"]
                out[pid] = (vectors["dense"], SparseEmbedding(indices=idx, values=vals), payload.get("content_hash"),
                            vectors.get("body"))
        return out

    def texts(self) -> list[tuple[str, str | None]]:
        """Every passage's text with its context header (the words a question can be corrected to), with the
        passage's scope (its region, or "landelijk")."""
        return [(f"{p.get('context') or ''}\n{p.get('content') or ''}", p.get("scope"))
                for _, p, _ in self.backend.scroll(fields=["context", "content", "scope"])]

    def regions(self) -> list[str]:
        return sorted({p.get("scope") for _, p, _ in self.backend.scroll(fields=["scope"]) if p.get("scope")})


def _to_document(pid: str, payload: dict[str, Any], score: float | None) -> Document:
    meta = {k: v for k, v in payload.items() if k not in ("content", "date_int")}
    return Document(id=pid, content=payload.get("content"), meta=meta, score=score)


def _hit_document(hit: Hit) -> Document:
    return _to_document(hit.id, hit.payload, hit.score)


def with_score(doc: Document, score: float) -> Document:
    return replace(doc, score=score)
