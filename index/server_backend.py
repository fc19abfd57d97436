"""Server backend: the same schema in a Qdrant server or cluster, through qdrant-client (REST/gRPC)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from qdrant_client import QdrantClient, models

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

logger = logging.getLogger(__name__)
# A "server" in this process: qdrant-client's local mode answers the same client calls (collections, named and sparse
# vectors with IDF, filters, batch queries, scroll) without a server. Slow and unindexed: for testing this backend's
# code where no Qdrant server is reachable, not for serving.
IN_PROCESS = ":memory:"
_SCROLL_PAGE = 512
_UPSERT_BATCH = 256


class _ServerFilters:
    """qdrant-client's filter models for `convert_filter`."""

    all_of = staticmethod(lambda parts: models.Filter(must=parts))
    any_of = staticmethod(lambda parts: models.Filter(should=parts))
    none_of = staticmethod(lambda parts: models.Filter(must_not=parts))
    has_id = staticmethod(lambda ids: models.HasIdCondition(has_id=ids))
    equals = staticmethod(lambda key, value: models.FieldCondition(key=key, match=models.MatchValue(value=value)))
    one_of = staticmethod(lambda key, values: models.FieldCondition(key=key, match=models.MatchAny(any=values)))
    within = staticmethod(lambda key, **bounds: models.FieldCondition(key=key, range=models.Range(**bounds)))


# The region of a passage: every question is filtered on it (the caller's regions plus `landelijk`), so on a server it
# is a tenant index: Qdrant keeps each region's points together and searches within them (see README).
TENANT_FIELD = "scope"


def payload_index_schema(name: str) -> Any:
    """The payload index type of a keyword field; the region field is marked as the tenant key."""
    if name == TENANT_FIELD:
        return models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
    return models.PayloadSchemaType.KEYWORD


def to_filter(filters: dict[str, Any] | None) -> models.Filter | None:
    if not filters:
        return None
    cond = convert_filter(filters, _ServerFilters())
    return cond if isinstance(cond, models.Filter) else models.Filter(must=[cond])


class ServerBackend:
    """A collection on a Qdrant server; the client is created lazily."""

    def __init__(self, url: str, collection: str, api_key: str | None = None, timeout_s: float = 30.0) -> None:
        self.url = url
        self.collection = collection
        self.api_key = api_key
        self.timeout_s = timeout_s
        self._client: QdrantClient | None = None
        # A collection made before passages had a body vector is searched with the header vector alone (rebuild it
        # to get both: `vraagbaak ingest` into a new VRAAGBAAK_QDRANT__COLLECTION).
        self.has_body = True

    @property
    def client(self) -> QdrantClient:
        if self._client is None:
            if self.url == IN_PROCESS:  # qdrant-client's own implementation of the API, for tests without a server
                self._client = QdrantClient(location=IN_PROCESS)
            else:
                self._client = QdrantClient(url=self.url, api_key=self.api_key, timeout=int(self.timeout_s))
        return self._client

    def ensure_collection(self, dense_dim: int) -> None:
        try:
            if self.client.collection_exists(self.collection):
                info = self.client.get_collection(self.collection)
                vectors = info.config.params.vectors
                size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
                if size != dense_dim:
                    raise StoreError(
                        f"collectie '{self.collection}' heeft vectoren van lengte {size}, het model maakt er "
                        f"{dense_dim}: kies een andere collectie (VRAAGBAAK_QDRANT__COLLECTION) of gebruik --rebuild"
                    )
                self.has_body = isinstance(vectors, dict) and BODY in vectors
                if not self.has_body:
                    logger.warning("Collectie '%s' heeft nog geen tekstvector per passage: alleen de vector met kop "
                                   "wordt doorzocht. Bouw een nieuwe collectie voor betere resultaten.",
                                   self.collection)
                for name in KEYWORD_FIELDS:  # a collection made before a field was added gets its index now
                    if name not in (info.payload_schema or {}):
                        self.client.create_payload_index(self.collection, name, payload_index_schema(name))
                return
            self.client.create_collection(
                self.collection,
                vectors_config={name: models.VectorParams(size=dense_dim, distance=models.Distance.COSINE)
                                for name in (DENSE, BODY)},
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
            for name in KEYWORD_FIELDS:
                self.client.create_payload_index(self.collection, name, payload_index_schema(name), wait=True)
            for name in INTEGER_FIELDS:
                self.client.create_payload_index(self.collection, name, models.PayloadSchemaType.INTEGER)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - connection and API errors alike
            raise StoreError(f"Qdrant-server {self.url} niet bereikbaar of weigert: {exc}") from exc

    def drop_collection(self) -> None:
        self.client.delete_collection(self.collection)

    def upsert(self, points: list[PointData]) -> None:
        for start in range(0, len(points), _UPSERT_BATCH):
            batch = [
                models.PointStruct(
                    id=p.id,
                    vector={DENSE: p.dense,
                            **({BODY: p.body if p.body is not None else p.dense} if self.has_body else {}),
                            SPARSE: models.SparseVector(indices=p.sparse_indices, values=p.sparse_values)},
                    payload=p.payload,
                )
                for p in points[start : start + _UPSERT_BATCH]
            ]
            try:
                self.client.upsert(self.collection, points=batch, wait=True)
            except Exception as exc:  # noqa: BLE001
                raise StoreError(f"schrijven naar Qdrant-server mislukt: {exc}") from exc

    def delete(self, ids: list[str]) -> None:
        if ids:
            self.client.delete(self.collection, points_selector=models.PointIdsList(points=list(ids)), wait=True)

    def count(self, filters: dict[str, Any] | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=to_filter(filters), exact=True).count)

    def scroll(
        self, filters: dict[str, Any] | None = None, fields: list[str] | None = None, with_vectors: bool = False
    ) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        offset = None
        flt = to_filter(filters)
        selector: Any = fields if fields is not None else True
        while True:
            records, offset = self.client.scroll(
                self.collection, scroll_filter=flt, limit=_SCROLL_PAGE, offset=offset,
                with_payload=selector, with_vectors=with_vectors,
            )
            for rec in records:
                vectors = None
                if with_vectors and isinstance(rec.vector, dict):
                    vectors = {
                        k: (list(v.indices), list(v.values)) if hasattr(v, "indices") else list(v)
                        for k, v in rec.vector.items()
                    }
                yield str(rec.id), dict(rec.payload or {}), vectors
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
        requests = []
        dense_names = ((DENSE, BODY) if self.has_body else (DENSE,)) if dense is not None else ()
        for name in dense_names:
            requests.append(models.QueryRequest(query=dense, using=name, filter=flt, limit=limit, with_payload=True))
        if sparse is not None and sparse[0]:
            vec = models.SparseVector(indices=sparse[0], values=sparse[1])
            requests.append(models.QueryRequest(query=vec, using=SPARSE, filter=flt, limit=limit, with_payload=True))
        responses = self.client.query_batch_points(self.collection, requests=requests) if requests else []
        hits = [[Hit(str(p.id), float(p.score), dict(p.payload or {})) for p in r.points] for r in responses]
        return channel_rankings(hits, dense_names, limit)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
