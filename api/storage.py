"""The chat database: one SQLAlchemy Core schema behind a URL (SQLite file by default, a server database by URL).

Tables: conversations, answers (every answer given, in a conversation or not, so that feedback can refer to
it), feedback, users with their API keys, and the audit log of admin actions. A question log or other
operational tables are added to `metadata` next to them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from api.errors import ErrorCode, VraagbaakError

logger = logging.getLogger(__name__)

metadata = MetaData()

conversations = Table(
    "conversations", metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("region", String(100)),  # the region the user chose (selector), to notice when it changes
    Column("owner", String(36), index=True),  # the user id that started it (None: open mode); only it may read it
)

answers = Table(
    "answers", metadata,
    Column("id", String(36), primary_key=True),
    Column("conversation_id", String(36), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True),
    Column("turn", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=True, index=True),  # only outside a conversation
    Column("question", Text, nullable=False),  # as typed
    Column("standalone_question", Text, nullable=False),  # what was searched (rewritten follow-up)
    Column("region", String(100)),
    Column("region_source", String(20)),
    Column("answered", Boolean, nullable=False),
    Column("answer", Text, nullable=False),
    Column("relevance", Float, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("codes", JSON, nullable=False),  # codes in the cited quotes, carried into follow-ups
    Column("owner", String(36)),  # the asking user's id (None: open mode); only it may give feedback on it
    Column("scope", String(400)),  # the regions the asker may search (api.tenancy), None = all
    Index("ix_answers_conversation_turn", "conversation_id", "turn"),
)

feedback = Table(
    "feedback", metadata,
    Column("id", String(36), primary_key=True),
    Column("answer_id", String(36), nullable=False, index=True),  # no foreign key: feedback outlives answers
    Column("conversation_id", String(36), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("rating", String(8), nullable=False),
    Column("comment", Text),
    Column("question", Text, nullable=False),
    Column("standalone_question", Text, nullable=False),
    Column("region", String(100)),
    Column("answer", Text, nullable=False),
    Column("citations", JSON, nullable=False),
    Column("owner", String(36), index=True),  # copied from the answer: whose feedback it is
    Column("scope", String(400)),  # copied from the answer: who may read it (api.tenancy)
)

# Users and their API keys (api/accounts.py). A key is stored only as an argon2 hash of its secret; its id is the
# public lookup part of the token. The audit log records admin actions by ids only (no names, no questions).
users = Table(
    "users", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("regions", JSON),  # list of region slugs; None = every region
    Column("created_at", DateTime(timezone=True), nullable=False),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(100)),
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(40), nullable=False),  # a user id, "cli" or "lokaal"
    Column("action", String(40), nullable=False),  # user.add, user.remove, key.create, key.revoke, reindex, upload
    Column("target", String(200)),  # a user id, key id or document id
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def open_database(url: str) -> Engine:
    """An engine for the URL with the tables created; a clear VraagbaakError when the URL or database is bad."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE, f"Ongeldige database-URL '{url}': {exc}") from exc
    kwargs: dict[str, object] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    try:
        engine = create_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        metadata.create_all(engine)
        add_missing_columns(engine)
    except SQLAlchemyError as exc:
        raise VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE,
                             f"De gespreksdatabase ({parsed.render_as_string(hide_password=True)}) "
                             f"is niet bereikbaar: {exc.__class__.__name__}") from exc
    return engine


def add_missing_columns(engine: Engine) -> None:
    """Add nullable columns that a database made by an earlier version lacks (create_all makes only new tables)."""
    existing_tables = set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {c["name"] for c in inspect(conn).get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def _sqlite_pragmas(connection, _record) -> None:  # noqa: ANN001
    # WAL: readers do not block the writer (the server answers in several threads); foreign keys for cascades.
    # synchronous=NORMAL: in WAL mode a commit no longer waits for fsync (the WAL is synced at checkpoints), so
    # chat turns do not queue behind the disk; a crash of the process loses nothing, a power cut at most the last
    # turns.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
