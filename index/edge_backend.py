"""Embedded backend: Qdrant's own engine in-process (qdrant-edge-py), one shard in a directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from index.backend import (
    BODY,
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    SPARSE,
    Hit,
    PointData,
    StoreError,
    channel_rankings,
    convert_filter,
)

_SCROLL_PAGE = 512


class _EdgeFilters:
    """qdrant-edge's filter classes for `convert_filter`."""

    all_of = staticmethod(lambda parts: qe.Filter(must=parts))
    any_of = staticmethod(lambda parts: qe.Filter(should=parts))
    none_of = staticmethod(lambda parts: qe.Filter(must_not=parts))
    has_id = staticmethod(lambda ids: qe.HasIdCondition(set(ids)))
    equals = staticmethod(lambda key, value: qe.FieldCondition(key=key, match=qe.MatchValue(value)))
    one_of = staticmethod(lambda key, values: qe.FieldCondition(key=key, match=qe.MatchAny(values)))
    within = staticmethod(lambda key, **bounds: qe.FieldCondition(key=key, range=qe.RangeFloat(**bounds)))


def to_filter(filters: dict[str, Any] | None) -> qe.Filter | None:
    if not filters:
        return None
    cond = convert_filter(filters, _EdgeFilters())
    return cond if isinstance(cond, qe.Filter) else qe.Filter(must=[cond])


class EdgeBackend:
    """A qdrant-edge shard at `path`, created on first use with the dense + BM25 schema."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._shard: qe.EdgeShard | None = None

    def _config(self, dense_dim: int) -> qe.EdgeConfig:
        return qe.EdgeConfig(
            vectors={name: qe.EdgeVectorParams(size=dense_dim, distance=qe.Distance.Cosine) for name in (DENSE, BODY)},
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise StoreError("index is niet geopend (ensure_collection ontbreekt)")
        return self._shard

    def ensure_collection(self, dense_dim: int) -> None:
        if self._shard is not None:
            return
        try:
            if (self.path / "wal").exists() or any(self.path.glob("segments*")):
                self._shard = qe.EdgeShard.load(str(self.path))
                indexed = self._shard.info().payload_schema
                for name in KEYWORD_FIELDS:  # an index made before a field was added gets it now
                    if name not in indexed:
                        self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._shard = qe.EdgeShard.create(str(self.path), self._config(dense_dim))
                for name in KEYWORD_FIELDS:
                    self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword))
                for name in INTEGER_FIELDS:
                    self._shard.update(qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Integer))
        except Exception as exc:  # noqa: BLE001 - the engine raises plain Exception
            raise StoreError(f"kan de index in {self.path} niet openen: {exc}") from exc

    def upsert(self, points: list[PointData]) -> None:
        if not points:
            return
        qpoints = [
            qe.Point(
                id=p.id,
                vector={DENSE: p.dense, BODY: p.body if p.body is not None else p.dense,
                        SPARSE: qe.SparseVector(indices=p.sparse_indices, values=p.sparse_values)},
                payload=p.payload,
            )
            for p in points
        ]
        self._update(qe.UpdateOperation.upsert_points(qpoints))

    def delete(self, ids: list[str]) -> None:
        if ids:
            self._update(qe.UpdateOperation.delete_points(list(ids)))

    def _update(self, operation: qe.UpdateOperation) -> None:
        try:
            self.shard.update(operation)
        except Exception as exc:  # noqa: BLE001
            raise StoreError(f"schrijven naar de index mislukt: {exc}") from exc

    def count(self, filters: dict[str, Any] | None = None) -> int:
        return int(self.shard.count(qe.CountRequest(exact=True, filter=to_filter(filters))))

    def scroll(
        self, filters: dict[str, Any] | None = None, fields: list[str] | None = None, with_vectors: bool = False
    ) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        selector: Any = qe.PayloadSelector.Include(fields) if fields is not None else True
        offset = None
        flt = to_filter(filters)
        while True:
            records, offset = self.shard.scroll(
                qe.ScrollRequest(offset=offset, limit=_SCROLL_PAGE, filter=flt, with_payload=selector,
                                 with_vector=with_vectors)
            )
            for rec in records:
                yield str(rec.id), dict(rec.payload or {}), _vectors(rec.vector) if with_vectors else None
            if offset is None:
                return

    def search(
        self,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        filters: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[Hit], list[Hit]]:
        flt = to_filter(filters)
        requests: list[qe.QueryRequest] = []
        dense_names = (DENSE, BODY) if dense is not None else ()
        for name in dense_names:
            requests.append(qe.QueryRequest(limit=limit, query=qe.Query.Nearest(dense, using=name),
                                            filter=flt, with_payload=True))
        if sparse is not None and sparse[0]:
            vec = qe.SparseVector(indices=sparse[0], values=sparse[1])
            requests.append(qe.QueryRequest(limit=limit, query=qe.Query.Nearest(vec, using=SPARSE),
                                            filter=flt, with_payload=True))
        results = self.shard.query_batch(qe.QueryBatchRequest(requests)) if requests else []
        hits = [[Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in res] for res in results]
        return channel_rankings(hits, dense_names, limit)

    def flush(self) -> None:
        if self._shard is not None:
            self._shard.flush()

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None


def _vectors(vector: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in (vector or {}).items():
        out[name] = (list(value.indices), list(value.values)) if hasattr(value, "indices") else list(value)
    return out
