"""Users, their API keys and the audit log in the chat database. No HTTP here.

A key is `vbk_<id>_<secret>`: the id finds the row, the secret (256 random bits) is stored only as an argon2id hash
and shown once, at creation. Every request reads the key's row (revoked, expired or its user removed: refused at
once, also when the CLI revoked it while the server runs); the argon2 check itself runs once per key and process
and is then remembered as a SHA-256 digest for `cache_seconds`, so that a request costs one indexed read.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from api.auth import ROLES
from api.errors import ErrorCode, VraagbaakError
from api.storage import api_keys, as_utc, audit_log, users, utcnow
from index.retriever import NATIONAL

TOKEN_PREFIX = "vbk"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
_REGION = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOKEN = re.compile(rf"^{TOKEN_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")
# The secret has 256 random bits, so the hash needs no password-grade work factor; this keeps a first check ~10 ms.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    regions: tuple[str, ...] | None  # None: every region
    created_at: datetime


@dataclass(frozen=True)
class ApiKey:
    id: str
    user_id: str
    user_name: str
    label: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > utcnow())


@dataclass(frozen=True)
class Identity:
    """Who a valid key belongs to (api.auth turns it into a Principal)."""

    user_id: str
    name: str
    role: str
    regions: tuple[str, ...] | None
    key_id: str


def _storage_error(exc: SQLAlchemyError) -> VraagbaakError:
    return VraagbaakError(ErrorCode.STORAGE_UNAVAILABLE,
                          f"De gebruikersdatabase is niet beschikbaar ({exc.__class__.__name__}).")


def check_regions(regions: Sequence[str], known: Sequence[str] | None = None) -> tuple[str, ...]:
    """Region slugs as given, checked: lowercase slugs, not 'landelijk' (always included), in `known` when given."""
    checked: list[str] = []
    for raw in regions:
        region = raw.strip().lower()
        if not _REGION.match(region):
            raise ValueError(f"Ongeldige regio '{raw}': gebruik een slug als 'achterhoek' of 'de-fryske-marren'.")
        if region == NATIONAL:
            raise ValueError("'landelijk' hoeft niet: landelijke documenten zijn voor iedereen zichtbaar.")
        if known is not None and region not in known:
            options = ", ".join(r for r in known if r != NATIONAL) or "(geen)"
            raise ValueError(f"Regio '{region}' staat niet in de index. Kies uit: {options}.")
        if region not in checked:
            checked.append(region)
    if not checked:
        raise ValueError("Geef minstens één regio.")
    return tuple(sorted(checked))


class Accounts:
    """Users, keys and audit rows in one database; `authenticate` is what every request calls."""

    def __init__(self, engine: Engine, cache_seconds: float = 300.0, cache_size: int = 10_000) -> None:
        self.engine = engine
        self.cache_seconds = cache_seconds
        self.cache_size = cache_size
        self._verified: dict[str, tuple[bytes, str, float]] = {}  # key id -> (token digest, hash, until)
        self._lock = threading.Lock()

    # -- users ---------------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, regions: tuple[str, ...] | None, actor: str) -> User:
        if not _NAME.match(name):
            raise ValueError(f"Ongeldige gebruikersnaam '{name}': letters, cijfers en . _ @ - (hoogstens 100).")
        if role not in ROLES:
            raise ValueError(f"Onbekende rol '{role}'; kies uit {', '.join(ROLES)}.")
        user = User(id=uuid.uuid4().hex, name=name, role=role, regions=regions, created_at=utcnow())
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(users).values(id=user.id, name=name, role=role,
                                                  regions=list(regions) if regions is not None else None,
                                                  created_at=user.created_at))
                self._audit(conn, actor, "user.add", user.id)
        except IntegrityError as exc:
            raise ValueError(f"Gebruiker '{name}' bestaat al.") from exc
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        return user

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.name)).all()
        return [_user(row) for row in rows]

    def user(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row is not None else None

    def remove_user(self, name: str, actor: str) -> User:
        """Delete a user and its keys (its conversations stay until they expire, readable by nobody)."""
        user = self.user(name)
        if user is None:
            raise ValueError(f"Gebruiker '{name}' bestaat niet.")
        with self.engine.begin() as conn:
            conn.execute(delete(api_keys).where(api_keys.c.user_id == user.id))
            conn.execute(delete(users).where(users.c.id == user.id))
            self._audit(conn, actor, "user.remove", user.id)
        self._forget(None)
        return user

    # -- keys ----------------------------------------------------------------------------------------
    def create_key(self, user_name: str, actor: str, label: str | None = None,
                   expires_in: timedelta | None = None) -> tuple[ApiKey, str]:
        """A new key for the user; the token is returned once and never stored."""
        user = self.user(user_name)
        if user is None:
            raise ValueError(f"Gebruiker '{user_name}' bestaat niet (maak hem met 'vraagbaak users add').")
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        token = f"{TOKEN_PREFIX}_{key_id}_{secret}"
        now = utcnow()
        key = ApiKey(id=key_id, user_id=user.id, user_name=user.name, label=label, created_at=now,
                     expires_at=now + expires_in if expires_in else None, revoked_at=None)
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(id=key_id, user_id=user.id, label=label,
                                                 secret_hash=_HASHER.hash(secret), created_at=now,
                                                 expires_at=key.expires_at))
            self._audit(conn, actor, "key.create", key_id)
        return key, token

    def list_keys(self, user_name: str | None = None) -> list[ApiKey]:
        query = (select(api_keys, users.c.name.label("user_name")).join(users, users.c.id == api_keys.c.user_id)
                 .order_by(users.c.name, api_keys.c.created_at))
        if user_name:
            query = query.where(users.c.name == user_name)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ApiKey(id=r.id, user_id=r.user_id, user_name=r.user_name, label=r.label,
                       created_at=as_utc(r.created_at), expires_at=_utc(r.expires_at), revoked_at=_utc(r.revoked_at))
                for r in rows]

    def revoke_key(self, key_id: str, actor: str) -> None:
        key_id = key_id.removeprefix(f"{TOKEN_PREFIX}_").split("_")[0]  # a whole token works too
        with self.engine.begin() as conn:
            done = conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                                .values(revoked_at=utcnow())).rowcount
            if not done:
                raise ValueError(f"Sleutel '{key_id}' bestaat niet of is al ingetrokken.")
            self._audit(conn, actor, "key.revoke", key_id)
        self._forget(key_id)

    def authenticate(self, token: str) -> Identity | None:
        """The identity of a valid, unrevoked, unexpired key; None otherwise."""
        match = _TOKEN.match(token.strip())
        if match is None:
            return None
        key_id, secret = match.groups()
        query = (select(api_keys.c.secret_hash, api_keys.c.expires_at, api_keys.c.revoked_at, users.c.id,
                        users.c.name, users.c.role, users.c.regions)
                 .join(users, users.c.id == api_keys.c.user_id).where(api_keys.c.id == key_id))
        try:
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and as_utc(row.expires_at) <= utcnow():
            return None
        if not self._verify(key_id, secret, row.secret_hash):
            return None
        regions = tuple(row.regions) if row.regions is not None else None
        return Identity(user_id=row.id, name=row.name, role=row.role, regions=regions, key_id=key_id)

    def _verify(self, key_id: str, secret: str, secret_hash: str) -> bool:
        digest = hashlib.sha256(secret.encode()).digest()
        now = time.monotonic()
        with self._lock:
            cached = self._verified.get(key_id)
        if cached is not None and cached[1] == secret_hash and cached[2] > now and hmac.compare_digest(cached[0],
                                                                                                       digest):
            return True
        try:
            _HASHER.verify(secret_hash, secret)
        except (VerificationError, InvalidHashError):
            return False
        with self._lock:
            if len(self._verified) >= self.cache_size:
                self._verified.clear()
            self._verified[key_id] = (digest, secret_hash, now + self.cache_seconds)
        return True

    def _forget(self, key_id: str | None) -> None:
        with self._lock:
            if key_id is None:
                self._verified.clear()
            else:
                self._verified.pop(key_id, None)

    # -- audit ---------------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, target: str | None = None) -> None:
        """Record an admin action (reindex, upload ...) by ids only: no names of persons, no questions."""
        with self.engine.begin() as conn:
            self._audit(conn, actor, action, target)

    @staticmethod
    def _audit(conn: object, actor: str, action: str, target: str | None) -> None:
        conn.execute(insert(audit_log).values(at=utcnow(), actor=actor, action=action, target=target))  # type: ignore[attr-defined]

    def audit_rows(self, limit: int = 100) -> list[dict[str, object]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)).mappings().all()
        return [{**dict(r), "at": as_utc(r["at"]).isoformat(timespec="seconds")} for r in rows]

    def count_active_keys(self) -> int:
        return sum(1 for key in self.list_keys() if key.active)


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _user(row: object) -> User:
    regions = row.regions  # type: ignore[attr-defined]
    return User(id=row.id, name=row.name, role=row.role,  # type: ignore[attr-defined]
                regions=tuple(regions) if regions is not None else None,
                created_at=as_utc(row.created_at))  # type: ignore[attr-defined]
