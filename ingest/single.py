"""One document outside the corpus directory (an upload) into the index, visible all at once or not at all.

The same converter, limits, chunker, embedders and BM25 encoder as `vraagbaak ingest`; the passages are written
in one upsert (the embedded engine applies one update operation as a whole, also to searches running meanwhile)
and carry `origin`, so that `vraagbaak ingest` of the corpus leaves them alone.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from index.embedders import BM25DocumentEncoder, PassageEmbedder
from index.embedding_model import EmbeddingModel
from index.settings import Settings
from index.store import BODY_EMBEDDING, VraagbaakDocumentStore
from ingest.chunker import StructuredChunker
from ingest.converters import ConversionError, FileConverter, SourceFile
from ingest.manifest import DocumentEntry
from ingest.runner import UPLOAD_ORIGIN, source_hash


def document_filter(document_id: str) -> dict[str, object]:
    return {"field": "meta.document_id", "operator": "==", "value": document_id}


def prepare_passages(settings: Settings, model: EmbeddingModel, path: Path, entry: DocumentEntry,
                     origin: str = UPLOAD_ORIGIN) -> list[Document]:
    """Convert, cut, embed and BM25-encode one file; ConversionError with the Dutch reason when it is refused."""
    source = SourceFile(path, entry, source_hash(path, entry, settings))
    converted = FileConverter().run([source])
    if converted["failures"]:
        raise ConversionError(converted["failures"][0].reason)
    chunking = settings.chunking
    chunker = StructuredChunker(chunking.target_words, chunking.max_words, chunking.min_words, chunking.context)
    chunks = [replace(c, meta={**c.meta, "origin": origin}) for c in chunker.run(converted["documents"])["documents"]]
    if not chunks:
        raise ConversionError("geen tekst gevonden in het bestand")
    embedded = PassageEmbedder(model).run(chunks)["documents"]
    return BM25DocumentEncoder(settings.stemmer).run(embedded)["documents"]


def stored_passage_ids(store: VraagbaakDocumentStore, document_id: str) -> list[str]:
    return [pid for pid, _, _ in store.backend.scroll(document_filter(document_id), fields=[])]


def write_passages(store: VraagbaakDocumentStore, document_id: str, passages: list[Document]) -> int:
    """Replace the document's passages: the new ones in one write, then the ones no longer part of it."""
    stale = set(stored_passage_ids(store, document_id)) - {p.id for p in passages}
    store.write_documents(passages, policy=DuplicatePolicy.OVERWRITE)
    store.delete_documents(sorted(stale))
    store.flush()
    return len(passages)


def remove_document(store: VraagbaakDocumentStore, document_id: str) -> int:
    """Delete every passage of a document (one write); returns how many there were."""
    ids = stored_passage_ids(store, document_id)
    store.delete_documents(ids)
    store.flush()
    return len(ids)


def mark_superseded(store: VraagbaakDocumentStore, old_id: str, newer: DocumentEntry | None) -> int:
    """Set (or with `newer` None clear) `superseded_by` on an older document's passages, keeping their vectors."""
    old = store.filter_documents(document_filter(old_id))
    if not old:
        return 0
    vectors = store.vectors_of([d.id for d in old])
    fields = {"superseded_by": newer.id if newer else None, "superseded_by_title": newer.title if newer else None,
              "superseded_by_date": newer.date if newer else None}
    rewritten = []
    for doc in old:
        if doc.id not in vectors:
            continue
        dense, sparse, _, body = vectors[doc.id]
        meta = {**doc.meta, **fields}
        if body is not None:
            meta[BODY_EMBEDDING] = body
        rewritten.append(replace(doc, embedding=dense, sparse_embedding=sparse, meta=meta, score=None))
    store.write_documents(rewritten, policy=DuplicatePolicy.OVERWRITE)
    store.flush()
    return len(rewritten)
