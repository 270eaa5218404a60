"""Outcome reports and the evaluators' export."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from service.deps import record, require, scope
from triage.outcomes.export import deidentified_rows, installation_salt, write_csv
from triage.outcomes.records import period_outcomes
from triage.outcomes.report import check_period
from triage.outcomes.report_view import period_report_html
from triage.store.users import User

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


@router.get("/report", response_class=HTMLResponse,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}},
                       400: {"description": "the period ends before it starts"}})
def outcomes_report(request: Request, user: Annotated[User, Depends(require("reports:read"))],
                    start: date, end: date) -> HTMLResponse:
    """The commissioners' report for referrals received from `start` to `end` (a referrer: their organisation's)."""
    return HTMLResponse(period_report_html(request.app.state.desk.sessions, start=start, end=end,
                                           organisation=scope(user)))


@router.get("/export", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
                       400: {"description": "the period ends before it starts"}})
def outcomes_export(request: Request, user: Annotated[User, Depends(require("outcomes:export"))],
                    start: date, end: date) -> Response:
    """De-identified outcomes (CSV) for evaluators: pseudonymous keys, months, no text, names or places."""
    check_period(start, end)
    outcomes = period_outcomes(request.app.state.desk.sessions, start=start, end=end)
    record(request, user, "export", "outcomes", f"{start}..{end}", detail=f"{len(outcomes)} referrals")
    body = write_csv(deidentified_rows(outcomes, salt=installation_salt(request.app.state.engine.settings)))
    return Response(body, media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="outcomes-{start}-{end}.csv"'})
