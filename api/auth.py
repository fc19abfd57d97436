"""Who is asking: the principal of a request, its role and the regions it may see.

Roles are ordered: `vrager` (ask, chat, feedback) < `documentatie` (coverage, question log, upload) < `beheer`
(users, keys, reindex); a higher role may do everything a lower one may. `regions=None` means all regions.
The open mode (single-user laptop on 127.0.0.1) gives every request the local `beheer` principal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.errors import ErrorCode, VraagbaakError

ROLES = ("vrager", "documentatie", "beheer")


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `regions` None: every region; otherwise these plus national documents."""

    name: str
    role: str
    regions: tuple[str, ...] | None = None
    key_id: str | None = None

    def has_role(self, minimum: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(minimum)


LOCAL = Principal(name="lokaal", role="beheer", regions=None)


def current_principal(request: Request) -> Principal:
    """The caller of this request (open mode: the local user)."""
    return LOCAL


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(minimum: str) -> Callable[[Principal], Principal]:
    """A dependency that lets the request through only for `minimum` or a higher role (403 otherwise)."""
    if minimum not in ROLES:
        raise ValueError(f"Onbekende rol {minimum!r}; kies uit {', '.join(ROLES)}")

    def dependency(principal: PrincipalDep) -> Principal:
        if not principal.has_role(minimum):
            raise VraagbaakError(ErrorCode.FORBIDDEN, f"Hiervoor is de rol '{minimum}' nodig.")
        return principal

    return dependency
