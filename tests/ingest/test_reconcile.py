"""ChunkReconciler and StaleChunkRemover against a real embedded store (small hand-made vectors, no model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from haystack import Document

from index.analyzer import DutchAnalyzer
from index.sparse import BM25Encoder
from index.store import VraagbaakDocumentStore
from ingest.chunker import chunk_id
from ingest.reconcile import ChunkReconciler, StaleChunkRemover

_BM25 = BM25Encoder(DutchAnalyzer())


def _passage(
    doc_id: str,
    position: int,
    content_hash: str,
    text: str,
    vector: list[float] | None = None,
    **meta: object,
) -> Document:
    return Document(
        id=chunk_id(doc_id, position, content_hash),
        content=text,
        meta={
            "document_id": doc_id,
            "position": position,
            "content_hash": content_hash,
            "scope": "landelijk",
            "source_hash": "oud",
            **meta,
        },
        embedding=vector,
        sparse_embedding=_BM25.encode_passage(text) if vector else None,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[VraagbaakDocumentStore]:
    store = VraagbaakDocumentStore(str(tmp_path / "data"), model_name="test").open(3)
    try:
        yield store
    finally:
        store.close()


def test_init_keeps_the_store(store: VraagbaakDocumentStore) -> None:
    assert ChunkReconciler(store).document_store is store
    assert StaleChunkRemover(store).document_store is store


def test_run_splits_into_new_kept_moved_and_stale(store: VraagbaakDocumentStore) -> None:
    kept = _passage("doc", 0, "h-kept", "Deze passage blijft staan.", [1.0, 0.0, 0.0])
    moved = _passage("doc", 1, "h-moved", "Deze passage schuift een plek op.", [0.0, 1.0, 0.0])
    dropped = _passage("doc", 2, "h-dropped", "Deze passage verdwijnt.", [0.0, 0.0, 1.0])
    store.write_documents([kept, moved, dropped])
    new_doc = [
        _passage("doc", 0, "h-kept", kept.content, source_hash="nieuw"),
        _passage("doc", 1, "h-new", "Een nieuwe passage.", source_hash="nieuw"),
        _passage("doc", 2, "h-moved", moved.content, source_hash="nieuw"),
    ]

    result = ChunkReconciler(store).run(new_doc, {"doc": {kept.id, moved.id, dropped.id}})

    assert [d.id for d in result["to_embed"]] == [new_doc[1].id]
    reused = {d.id: d for d in result["reused"]}
    assert set(reused) == {new_doc[0].id, new_doc[2].id}
    assert reused[new_doc[0].id].embedding == pytest.approx([1.0, 0.0, 0.0])
    assert reused[new_doc[2].id].embedding == pytest.approx([0.0, 1.0, 0.0])  # vectors of the moved passage
    assert all(d.meta["source_hash"] == "nieuw" for d in reused.values())
    assert sorted(result["stale_ids"]) == sorted([moved.id, dropped.id])
    assert new_doc[0].embedding is None  # inputs untouched


def test_documents_not_in_the_batch_are_left_alone(store: VraagbaakDocumentStore) -> None:
    other = _passage("ander", 0, "h", "Een ander document.", [1.0, 0.0, 0.0])
    store.write_documents([other])
    fresh = _passage("doc", 0, "h2", "Nieuw document.")

    result = ChunkReconciler(store).run([fresh], {"doc": set()})

    assert result["stale_ids"] == [] and [d.id for d in result["to_embed"]] == [fresh.id]


def test_remover_deletes_stale_ids(store: VraagbaakDocumentStore) -> None:
    a = _passage("doc", 0, "a", "Eerste passage.", [1.0, 0.0, 0.0])
    b = _passage("doc", 1, "b", "Tweede passage.", [0.0, 1.0, 0.0])
    store.write_documents([a, b])

    assert StaleChunkRemover(store).run([b.id], written=0, reused_written=0) == {"removed": 1}
    assert [d.id for d in store.filter_documents()] == [a.id]
