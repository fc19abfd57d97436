"""Routes for the `beheer` role: users and keys (read, revoke), the audit log and a re-index of the corpus. Users and
keys are created with the CLI (`vraagbaak users add`, `vraagbaak keys create`), which shows a new key once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.accounts import Accounts
from api.auth import Beheer
from api.document_schemas import JobResponse
from api.errors import ErrorCode, VraagbaakError
from api.schemas import ErrorResponse

_ERRORS = {401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 404: {"model": ErrorResponse}}
router = APIRouter(prefix="/v1/admin", tags=["beheer"])


def get_accounts(request: Request) -> Accounts:
    return request.app.state.accounts


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


@router.get("/users", responses=_ERRORS)
def list_users(accounts: AccountsDep, _: Beheer) -> dict[str, Any]:
    """De gebruikers met hun rol en regio's (zonder sleutels)."""
    return {"users": [{"id": u.id, "name": u.name, "role": u.role, "regions": u.regions,
                       "created_at": u.created_at.isoformat(timespec="seconds")} for u in accounts.list_users()]}


@router.get("/keys", responses=_ERRORS)
def list_keys(accounts: AccountsDep, _: Beheer) -> dict[str, Any]:
    """De sleutels (id, gebruiker, actief); het geheim zelf is nergens opgeslagen."""
    return {"keys": [{"id": k.id, "user": k.user_name, "label": k.label, "active": k.active,
                      "created_at": k.created_at.isoformat(timespec="seconds"),
                      "expires_at": k.expires_at.isoformat(timespec="seconds") if k.expires_at else None,
                      "revoked_at": k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else None}
                     for k in accounts.list_keys()]}


@router.delete("/keys/{key_id}", status_code=204, responses=_ERRORS)
async def revoke_key(key_id: str, accounts: AccountsDep, principal: Beheer) -> None:
    """Trek een sleutel in; hij werkt meteen niet meer."""
    try:
        await run_in_threadpool(accounts.revoke_key, key_id, principal.actor)
    except ValueError as exc:
        raise VraagbaakError(ErrorCode.NOT_FOUND, str(exc)) from exc


@router.get("/audit", responses=_ERRORS)
def audit(accounts: AccountsDep, _: Beheer,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Het auditlogboek van beheeracties (wie als id, actie, doel, tijd), nieuwste eerst."""
    return {"audit": accounts.audit_rows(limit)}


@router.post("/reindex", response_model=JobResponse, status_code=202, responses=_ERRORS)
def reindex(request: Request, principal: Beheer) -> JobResponse:
    """Herindexeer de corpusmap in de draaiende service (alleen wat veranderd is); volg de job met GET /v1/jobs/{id}.
    Staat er al een herindexering in de wachtrij of loopt er een, dan komt die job terug."""
    job, new = request.app.state.documents.reindex(principal)
    if new:
        request.app.state.accounts.audit(principal.actor, "reindex", None)
    return JobResponse.of(job)


def install_admin(app: FastAPI) -> None:
    app.include_router(router)
