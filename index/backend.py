"""What the store needs from a Qdrant engine; implemented by the embedded engine and by a server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

DENSE = "dense"
SPARSE = "bm25"
KEYWORD_FIELDS = ("document_id", "scope", "doc_type", "source_hash")
INTEGER_FIELDS = ("date_int",)


class StoreError(RuntimeError):
    """The index could not be read or written; raised from the engine's own error."""


@dataclass(frozen=True)
class PointData:
    """One passage as stored: id, dense vector, BM25 sparse vector and payload."""

    id: str
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    payload: dict[str, Any]


@dataclass(frozen=True)
class Hit:
    """A search result from one of the two retrieval channels."""

    id: str
    score: float
    payload: dict[str, Any]


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
