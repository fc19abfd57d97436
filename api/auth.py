"""Who is asking: the principal of a request, its role and the regions it may see.

Roles are ordered: `vrager` (ask, chat, feedback) < `documentatie` (coverage, question log, upload) < `beheer`
(users, keys, reindex); a higher role may do everything a lower one may. `regions=None` means all regions.
The open mode (single-user laptop on 127.0.0.1, `auth.enabled` off) gives every request the local `beheer`
principal; with auth on, every request that depends on the principal needs `Authorization: Bearer <API key>`
(api/accounts.py), is rate-limited per key, and gets 401 without a valid key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ErrorCode, VraagbaakError

ROLES = ("vrager", "documentatie", "beheer")
_BEARER = {"WWW-Authenticate": "Bearer"}

bearer_scheme = HTTPBearer(auto_error=False, scheme_name="API-sleutel",
                           description="Een API-sleutel van 'vraagbaak keys create' als Bearer-token.")
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `regions` None: every region; otherwise these plus national documents.
    `user_id` owns the conversations and answers it creates (None in open mode)."""

    name: str
    role: str
    regions: tuple[str, ...] | None = None
    key_id: str | None = None
    user_id: str | None = None

    def has_role(self, minimum: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(minimum)

    @property
    def actor(self) -> str:
        """How the audit log names this caller: an id, never a person's name."""
        return self.user_id or "lokaal"


LOCAL = Principal(name="lokaal", role="beheer", regions=None)


def auth_enabled(request: Request) -> bool:
    return bool(request.app.state.settings.auth.enabled)


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal | None:
    """The principal of a valid key (rate-limited per key), None without a key; 401 for a bad key."""
    if credentials is None:
        return None
    token = credentials.credentials
    request.app.state.limiter.take(token.split("_")[1] if token.count("_") >= 2 else token[:16])
    identity = request.app.state.accounts.authenticate(token)
    if identity is None:
        raise VraagbaakError(ErrorCode.UNAUTHENTICATED, "Deze API-sleutel is ongeldig, verlopen of ingetrokken.",
                             _BEARER)
    return Principal(name=identity.name, role=identity.role, regions=identity.regions, key_id=identity.key_id,
                     user_id=identity.user_id)


def current_principal(request: Request, credentials: CredentialsDep) -> Principal:
    """The caller of this request: open mode the local user; with auth a valid key's user, else 401."""
    if not auth_enabled(request):
        return LOCAL
    principal = _authenticate(request, credentials)
    if principal is None:
        raise VraagbaakError(ErrorCode.UNAUTHENTICATED,
                             "Vraagbaak vraagt om een API-sleutel: stuur 'Authorization: Bearer <sleutel>'.", _BEARER)
    return principal


def optional_principal(request: Request, credentials: CredentialsDep) -> Principal | None:
    """For public pages (/health): the caller when known, None for an anonymous caller with auth on."""
    if not auth_enabled(request):
        return LOCAL
    try:
        return _authenticate(request, credentials)
    except VraagbaakError as exc:
        if exc.code is ErrorCode.RATE_LIMITED:
            raise
        return None


PrincipalDep = Annotated[Principal, Depends(current_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def require_role(minimum: str) -> Callable[[Principal], Principal]:
    """A dependency that lets the request through only for `minimum` or a higher role (403 otherwise)."""
    if minimum not in ROLES:
        raise ValueError(f"Onbekende rol {minimum!r}; kies uit {', '.join(ROLES)}")

    def dependency(principal: PrincipalDep) -> Principal:
        if not principal.has_role(minimum):
            raise VraagbaakError(ErrorCode.FORBIDDEN, f"Hiervoor is de rol '{minimum}' nodig.")
        return principal

    return dependency


Vrager = Annotated[Principal, Depends(require_role("vrager"))]
Documentatie = Annotated[Principal, Depends(require_role("documentatie"))]
Beheer = Annotated[Principal, Depends(require_role("beheer"))]
