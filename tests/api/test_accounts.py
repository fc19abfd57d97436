"""Users, API keys and the audit log in a real SQLite file; region visibility rules; older databases upgraded."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from api.accounts import Accounts, check_regions
from api.errors import VraagbaakError
from api.hardening import RateLimiter, check_bind, is_loopback
from api.storage import audit_log, open_database, utcnow
from api.tenancy import encode_scope, visibility_clause, visible_to
from index.settings import Settings


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    return Accounts(open_database(f"sqlite:///{tmp_path / 'chat.sqlite3'}"))


def test_a_key_is_shown_once_and_stored_only_as_a_hash(accounts: Accounts, tmp_path: Path) -> None:
    user = accounts.add_user("ann", "vrager", ("achterhoek",), "cli")
    key, token = accounts.create_key("ann", "cli", label="laptop")
    assert token.startswith(f"vbk_{key.id}_") and len(token.split("_", 2)[2]) == 43
    secret = token.split("_", 2)[2]
    raw = (tmp_path / "chat.sqlite3").read_bytes()
    assert secret.encode() not in raw
    with sqlite3.connect(tmp_path / "chat.sqlite3") as db:
        stored = db.execute("SELECT secret_hash FROM api_keys WHERE id = ?", (key.id,)).fetchone()[0]
    assert stored.startswith("$argon2id$")
    identity = accounts.authenticate(token)
    assert identity is not None
    assert (identity.user_id, identity.role, identity.regions, identity.key_id) == (user.id, "vrager",
                                                                                    ("achterhoek",), key.id)


def test_wrong_revoked_expired_and_removed_keys_fail(accounts: Accounts) -> None:
    accounts.add_user("bob", "documentatie", None, "cli")
    key, token = accounts.create_key("bob", "cli")
    assert accounts.authenticate(token) is not None
    assert accounts.authenticate(token[:-1] + ("a" if token[-1] != "a" else "b")) is None  # same id, wrong secret
    assert accounts.authenticate("Bearer " + token) is None
    accounts.revoke_key(key.id, "cli")
    assert accounts.authenticate(token) is None  # although it was verified (and remembered) a moment ago
    with pytest.raises(ValueError, match="al ingetrokken"):
        accounts.revoke_key(key.id, "cli")

    _, short = accounts.create_key("bob", "cli", expires_in=timedelta(microseconds=1))
    assert accounts.authenticate(short) is None
    _, kept = accounts.create_key("bob", "cli")
    assert accounts.authenticate(kept) is not None
    accounts.remove_user("bob", "cli")
    assert accounts.authenticate(kept) is None
    assert accounts.list_keys() == []


def test_users_are_validated(accounts: Accounts) -> None:
    accounts.add_user("piet@gemeente.nl", "beheer", None, "cli")
    with pytest.raises(ValueError, match="bestaat al"):
        accounts.add_user("piet@gemeente.nl", "vrager", None, "cli")
    with pytest.raises(ValueError, match="Onbekende rol"):
        accounts.add_user("kees", "admin", None, "cli")
    with pytest.raises(ValueError, match="Ongeldige gebruikersnaam"):
        accounts.add_user("kees jansen", "vrager", None, "cli")
    with pytest.raises(ValueError, match="bestaat niet"):
        accounts.create_key("niemand", "cli")


def test_regions_are_checked() -> None:
    assert check_regions(["Drechtsteden", "achterhoek", "achterhoek"]) == ("achterhoek", "drechtsteden")
    with pytest.raises(ValueError, match="Ongeldige regio"):
        check_regions(["Achterhoek Oost"])
    with pytest.raises(ValueError, match="landelijk"):
        check_regions(["landelijk"])
    with pytest.raises(ValueError, match="staat niet in de index. Kies uit: achterhoek"):
        check_regions(["utrecht"], known=["achterhoek", "landelijk"])


def test_audit_rows_name_ids_not_people(accounts: Accounts) -> None:
    user = accounts.add_user("marie.de.vries", "vrager", ("achterhoek",), "cli")
    key, _ = accounts.create_key("marie.de.vries", "cli", label="marie thuis")
    accounts.revoke_key(key.id, user.id)
    accounts.remove_user("marie.de.vries", "cli")
    rows = accounts.audit_rows()
    assert [(r["action"], r["target"]) for r in reversed(rows)] == [
        ("user.add", user.id), ("key.create", key.id), ("key.revoke", key.id), ("user.remove", user.id)]
    assert "marie" not in repr(rows)


def test_visibility_in_sql_matches_the_rule(tmp_path: Path) -> None:
    """Every combination of asker scope and searched region against every viewer: SQL and Python agree, and a
    row of a region B asker never reaches a region A viewer."""
    engine = open_database(f"sqlite:///{tmp_path / 'v.sqlite3'}")
    from api.question_log import question_log  # a table with region and scope columns

    regions = ["a", "b", "c"]
    scopes = [None, *[encode_scope(s) for n in (1, 2) for s in itertools.combinations(regions, n)]]
    rows = []
    with engine.begin() as conn:
        for i, (scope, region) in enumerate(itertools.product(scopes, [None, "landelijk", *regions])):
            rows.append((str(i), region, scope))
            conn.execute(insert(question_log).values(
                id=str(i), created_at=utcnow(), source="ask", question="q",
                standalone_question="q", region=region, answered=True, relevance=1.0, cited=[], latency_ms=1.0,
                scope=scope))
    for viewer in [None, ("a",), ("b",), ("a", "b"), ("a", "b", "c")]:
        query = select(question_log.c.id)
        clause = visibility_clause(question_log.c.region, question_log.c.scope, viewer)
        if clause is not None:
            query = query.where(clause)
        with engine.connect() as conn:
            got = {r.id for r in conn.execute(query)}
        assert got == {i for i, region, scope in rows if visible_to(region, scope, viewer)}, viewer
    assert not visible_to("a", encode_scope(["b"]), ("a",))  # a B user's question about... anything
    assert visible_to("a", None, ("a",)) and not visible_to(None, None, ("a",))


def test_an_older_database_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE conversations (id VARCHAR(36) PRIMARY KEY, created_at DATETIME NOT NULL, "
                   "updated_at DATETIME NOT NULL, expires_at DATETIME NOT NULL, region VARCHAR(100))")
        db.execute("INSERT INTO conversations VALUES ('c1', '2026-01-01', '2026-01-01', '2099-01-01', NULL)")
    engine = open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(conversations)")}
        assert "owner" in columns
        assert db.execute("SELECT owner FROM conversations WHERE id = 'c1'").fetchone() == (None,)
    with engine.begin() as conn:
        conn.execute(insert(audit_log).values(at=utcnow(), actor="cli",
                                              action="reindex"))


def test_rate_limiter_token_bucket() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    for _ in range(3):
        limiter.take("k")
    with pytest.raises(VraagbaakError) as caught:
        limiter.take("k")
    assert caught.value.headers == {"Retry-After": "1"}
    limiter.take("other")  # per key
    RateLimiter(per_minute=0, burst=1).take("k")  # off


def test_open_mode_only_on_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    check_bind(Settings(), "127.0.0.1")
    with pytest.raises(ValueError, match="zonder aanmelding"):
        check_bind(Settings(), "0.0.0.0")
    check_bind(Settings(auth={"enabled": True}), "0.0.0.0")
