"""The indexing pipeline: convert -> chunk -> reconcile -> embed -> BM25 -> write -> remove stale.

Passages whose content is already stored skip the embedder (their dense vector is reused) but still get
a fresh BM25 vector.
"""

from __future__ import annotations

from haystack import Pipeline
from haystack.components.writers import DocumentWriter
from haystack.document_stores.types import DuplicatePolicy

from index.embedders import BM25DocumentEncoder, PassageEmbedder
from index.embedding_model import EmbeddingModel
from index.settings import Settings
from index.store import VraagbaakDocumentStore
from ingest.chunker import StructuredChunker
from ingest.converters import FileConverter
from ingest.reconcile import ChunkReconciler, StaleChunkRemover


def build_indexing_pipeline(
    settings: Settings, store: VraagbaakDocumentStore, model: EmbeddingModel, progress_bar: bool = False
) -> Pipeline:
    """Wire the ingestion components; run it with {"converter": {"sources": [...]}, "reconciler": {"stored": ...}}."""
    pipe = Pipeline()
    chunking = settings.chunking
    pipe.add_component("converter", FileConverter())
    pipe.add_component("chunker", StructuredChunker(chunking.target_words, chunking.max_words, chunking.min_words,
                                                          chunking.context))
    pipe.add_component("reconciler", ChunkReconciler(store))
    pipe.add_component("embedder", PassageEmbedder(model, progress_bar=progress_bar))
    pipe.add_component("bm25", BM25DocumentEncoder(settings.stemmer))
    pipe.add_component("writer", DocumentWriter(store, policy=DuplicatePolicy.OVERWRITE))
    # Reused passages keep their dense vector but get BM25 anew: cheap, and right after an analyzer change.
    pipe.add_component("reused_bm25", BM25DocumentEncoder(settings.stemmer))
    pipe.add_component("reused_writer", DocumentWriter(store, policy=DuplicatePolicy.OVERWRITE))
    pipe.add_component("remover", StaleChunkRemover(store))
    pipe.connect("converter.documents", "chunker.documents")
    pipe.connect("chunker.documents", "reconciler.documents")
    pipe.connect("reconciler.to_embed", "embedder.documents")
    pipe.connect("embedder.documents", "bm25.documents")
    pipe.connect("bm25.documents", "writer.documents")
    pipe.connect("reconciler.reused", "reused_bm25.documents")
    pipe.connect("reused_bm25.documents", "reused_writer.documents")
    pipe.connect("writer.documents_written", "remover.written")
    pipe.connect("reused_writer.documents_written", "remover.reused_written")
    pipe.connect("reconciler.stale_ids", "remover.stale_ids")
    return pipe
