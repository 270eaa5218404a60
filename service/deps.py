"""Dependencies declared once: the engine, the referral desk, the caller (bearer token) and the audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from triage.access import ORGANISATION_SCOPED, allowed
from triage.engine import Triage
from triage.referrals.desk import ReferralDesk
from triage.store.audit import AuditEntry
from triage.store.db import now
from triage.store.users import User
from triage.taxonomy import NEED_IDS

bearer = HTTPBearer(auto_error=False, description="a token from `triage users create`")


def get_engine(request: Request) -> Triage:
    return request.app.state.engine


def get_desk(request: Request) -> ReferralDesk:
    return request.app.state.desk


def current_user(request: Request,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token: send 'Authorization: Bearer <token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    user = request.app.state.users.authenticate(credentials.credentials)
    if user is None:
        raise HTTPException(401, "invalid or revoked token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    request.state.user = user
    return user


def require(permission: str) -> Callable[..., User]:
    """A dependency: the caller, if their role has `permission`; else 403 (and the refusal is audited)."""

    def check(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
        if not allowed(user.role, permission):
            record(request, user, "denied", "endpoint", request.url.path, detail=permission)
            raise HTTPException(403, f"role '{user.role}' may not do '{permission}'")
        return user

    return check


def scope(user: User) -> str | None:
    """The organisation a user's referral access is limited to (None: all)."""
    return user.organisation if user.role in ORGANISATION_SCOPED else None


def record(request: Request, user: User, action: str, resource: str, *ids: str, detail: str = "") -> None:
    """Append to the audit trail: one entry per record touched."""
    client = request.client.host if request.client else ""
    request.app.state.audit.record([
        AuditEntry(at=now(), actor=user.name, role=user.role, action=action, resource=resource,
                   resource_id=i[:200], client=client[:100], detail=detail[:500]) for i in ids])


Engine = Annotated[Triage, Depends(get_engine)]
Desk = Annotated[ReferralDesk, Depends(get_desk)]
Caller = Annotated[User, Depends(current_user)]
NeedId = Literal[tuple(NEED_IDS)]  # type: ignore[valid-type]
