"""What the store needs from a Qdrant engine; implemented by the embedded engine and by a server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

DENSE = "dense"  # the passage with its context header (title | section)
# The passage text alone. A long header (a rule's title) dominates the first vector of every section under it, so a
# question that matches one section's own words finds it by this one (dev split: hit@5 0.758 -> 0.802).
BODY = "body"
SPARSE = "bm25"
# `codes` is a list (the codes of a table row); a keyword index matches any element ("in" and "==").
KEYWORD_FIELDS = ("document_id", "scope", "doc_type", "source_hash", "codes")
INTEGER_FIELDS = ("date_int",)


class StoreError(RuntimeError):
    """The index could not be read or written; raised from the engine's own error."""


@dataclass(frozen=True)
class PointData:
    """One passage as stored: id, dense vectors (with header, body alone), BM25 sparse vector and payload."""

    id: str
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    payload: dict[str, Any]
    body: list[float] | None = None  # None: the passage has no header, its body vector is `dense`


@dataclass(frozen=True)
class Hit:
    """A search result from one of the two retrieval channels."""

    id: str
    score: float
    payload: dict[str, Any]


def channel_rankings(results: list[list[Hit]], dense_names: tuple[str, ...],
                     limit: int) -> tuple[list[Hit], list[Hit]]:
    """(dense, BM25) from a batch of one request per dense vector in `dense_names`, then the BM25 request if any.
    The dense ranking scores each passage by its closest representation (with header, body alone), once."""
    best: dict[str, Hit] = {}
    for ranking in results[: len(dense_names)]:
        for hit in ranking:
            if hit.id not in best or hit.score > best[hit.id].score:
                best[hit.id] = hit
    dense = sorted(best.values(), key=lambda h: h.score, reverse=True)[:limit]
    return dense, results[len(dense_names)] if len(results) > len(dense_names) else []


class IndexBackend(Protocol):
    """The operations Vraagbaak uses; both backends keep the same collection schema."""

    def ensure_collection(self, dense_dim: int) -> None: ...
    def upsert(self, points: list[PointData]) -> None: ...
    def delete(self, ids: list[str]) -> None: ...
    def count(self, filters: dict[str, Any] | None = None) -> int: ...
    def scroll(
        self, filters: dict[str, Any] | None = None, fields: list[str] | None = None, with_vectors: bool = False
    ) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]: ...
    def search(
        self,
        dense: list[float] | None,
        sparse: tuple[list[int], list[float]] | None,
        filters: dict[str, Any] | None,
        limit: int,
    ) -> tuple[list[Hit], list[Hit]]: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def field_key(field: str) -> str:
    """Haystack filter fields are 'meta.x' (or 'id'); payload keys are 'x'."""
    return field[5:] if field.startswith("meta.") else field


def date_int(value: str | None) -> int | None:
    """'2022-09' -> 20220900, '2024-09-17' -> 20240917: an orderable integer for range filters."""
    if not value:
        return None
    parts = [int(p) for p in str(value).split("-")] + [0, 0]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


class FilterFactory(Protocol):
    """Builds one engine's filter objects; qdrant-edge and qdrant-client spell them differently."""

    def all_of(self, parts: list[Any]) -> Any: ...
    def any_of(self, parts: list[Any]) -> Any: ...
    def none_of(self, parts: list[Any]) -> Any: ...
    def has_id(self, ids: list[Any]) -> Any: ...
    def equals(self, key: str, value: Any) -> Any: ...
    def one_of(self, key: str, values: list[Any]) -> Any: ...
    def within(self, key: str, **bounds: float) -> Any: ...


_RANGES = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}


def convert_filter(flt: dict[str, Any], make: FilterFactory) -> Any:
    """A Haystack filter dict (comparison or AND/OR/NOT logic) as the engine's filter condition."""
    op = flt.get("operator")
    if "conditions" in flt:
        parts = [convert_filter(c, make) for c in flt["conditions"]]
        logic = {"AND": make.all_of, "OR": make.any_of, "NOT": lambda p: make.none_of([make.all_of(p)])}
        if op not in logic:
            raise StoreError(f"onbekende filter-operator {op}")
        return logic[op](parts)
    key, value = field_key(flt["field"]), flt["value"]
    if key == "id":
        cond = make.has_id(value if isinstance(value, list) else [value])
    elif op in ("==", "!="):
        cond = make.equals(key, value)
    elif op in ("in", "not in"):
        cond = make.one_of(key, list(value))
    elif op in _RANGES:
        return make.within(key, **{_RANGES[op]: float(value)})
    else:
        raise StoreError(f"onbekende filter-operator {op}")
    return make.none_of([cond]) if op in ("!=", "not in") else cond
