"""Templates and what every page needs: need names and colours, labels, the signed-in user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from triage.access import allowed
from triage.outcomes.scoring import suppressed
from triage.referrals.workflow import NEXT
from triage.store.users import User
from triage.taxonomy import NEED_IDS, RISK_IDS, get

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["small"] = suppressed  # counts 1 to 4 shown as "<5"

# Light backgrounds that keep dark text above 7:1 contrast; each need also has a name in the legend,
# so colour is never the only cue.
NEED_COLOURS = dict(zip(NEED_IDS, (
    "#fde2a8", "#cde7f7", "#d9f2c4", "#f4d3e8", "#e3dcfa", "#fbd5c5", "#c8efe6",
    "#f6efb0", "#d9cbb8", "#f9c9d1", "#d2e0f9", "#e6f0c2", "#f3dcc0")))
STATUS_NAMES = {"new": "New", "in_review": "In review", "contacted": "Contacted", "connected": "Connected",
                "declined": "Declined", "closed": "Closed"}
LABEL_NAMES = {label: get(label).name for label in (*NEED_IDS, *RISK_IDS)}


def page(request: Request, template: str, user: User | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, template, status_code=status_code, context={
        "user": user, "can": (lambda permission: user is not None and allowed(user.role, permission)),
        "need_ids": NEED_IDS, "need_colours": NEED_COLOURS, "names": LABEL_NAMES, "status_names": STATUS_NAMES,
        "next_statuses": NEXT, **context})
