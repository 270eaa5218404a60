"""The audit trail, for admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from service.deps import require
from triage.store.audit import AuditEntry
from triage.store.users import User

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=list[AuditEntry])
def audit(request: Request, user: Annotated[User, Depends(require("audit:read"))],
          actor: Annotated[str | None, Query(max_length=200)] = None,
          resource_id: Annotated[str | None, Query(max_length=200)] = None,
          since: datetime | None = None,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
          limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditEntry]:
    """Who read or changed which referral, when and from where; newest first."""
    return request.app.state.audit.query(actor=actor, resource_id=resource_id, since=since, offset=offset, limit=limit)
