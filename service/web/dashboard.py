"""The dashboard (referrals per week by need and source, time to first review, acceptance per need)
and the admin pages (audit trail, users, the model served)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from service.deps import record, scope
from service.web.render import page
from service.web.session import page_require
from triage.errors import TriageError
from triage.outcomes.report import check_period
from triage.outcomes.report_view import period_report_html
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


@router.get("/outcomes/report", response_class=HTMLResponse)
def outcomes_report(request: Request, user: Annotated[User, Depends(page_require("reports:read"))], start: date | None = None, end: date | None = None) -> HTMLResponse:
    """The commissioners' report as a page (a referrer: their organisation's referrals only)."""
    try:
        end = end or now().date()
        start = start or end - timedelta(weeks=12)
        check_period(start, end)
    except (TriageError, OverflowError) as e:
        return page(request, "error.html", user, status_code=422, title="Check the dates", message=str(e))
    return HTMLResponse(period_report_html(request.app.state.desk.sessions, start=start, end=end,
                                           organisation=scope(user)))


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Admin, actor: str = "", resource_id: str = "") -> HTMLResponse:
    entries = request.app.state.audit.query(actor=actor or None, resource_id=resource_id or None, limit=200)
    return page(request, "audit.html", user, entries=entries, actor=actor, resource_id=resource_id)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> HTMLResponse:
    return page(request, "users.html", user, users=request.app.state.users.list())


@router.get("/admin/model", response_class=HTMLResponse)
def model_page(request: Request, user: Annotated[User, Depends(page_require("models:reload"))],
               reloaded: str = "") -> HTMLResponse:
    """The model being served, and a button to serve the registry's champion now."""
    state = request.app.state
    return page(request, "model.html", user, engine=state.engine, choice=state.model_choice, reloaded=reloaded)


@router.post("/admin/model/reload", response_model=None)
def reload_model(request: Request, user: Annotated[User, Depends(page_require("models:reload"))]) -> RedirectResponse:
    result = request.app.state.reloader.reload()
    record(request, user, "reload_model", "model", result.current,
           detail=f"{result.previous} -> {result.current}" if result.changed else "unchanged")
    outcome = "changed" if result.changed else ("registry-unavailable" if result.degraded else "unchanged")
    return RedirectResponse(f"/admin/model?reloaded={outcome}", status_code=303)
