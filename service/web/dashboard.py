"""The dashboard (referrals per week by need and source, time to first review, acceptance per need)
and the admin pages (audit trail, users)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from service.deps import scope
from service.web.render import page
from service.web.session import page_require
from triage.referrals.stats import dashboard as dashboard_figures
from triage.store.db import now
from triage.store.users import User

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(page_require("dashboard:read"))]
Admin = Annotated[User, Depends(page_require("audit:read"))]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, user: Viewer) -> HTMLResponse:
    figures = dashboard_figures(request.app.state.desk.sessions, now=now(), organisation=scope(user))
    return page(request, "dashboard.html", user, figures=figures)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Admin, actor: str = "", resource_id: str = "") -> HTMLResponse:
    entries = request.app.state.audit.query(actor=actor or None, resource_id=resource_id or None, limit=200)
    return page(request, "audit.html", user, entries=entries, actor=actor, resource_id=resource_id)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> HTMLResponse:
    return page(request, "users.html", user, users=request.app.state.users.list())
