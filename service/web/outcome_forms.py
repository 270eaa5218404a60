"""The outcome forms on the referral page: how an accepted suggestion went, wellbeing, contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from service.web.pages import act
from service.web.session import page_require
from triage.outcomes.schemas import (
    ONS4_ITEMS,
    ContactCreate,
    OutcomeCreate,
    WellbeingCreate,
)
from triage.store.users import User

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[User, Depends(page_require("referrals:review"))]
SWEMWBS_ITEMS = 7


@router.post("/referrals/{referral_id}/outcomes", response_model=None)
def record_outcome(request: Request, user: Reviewer, referral_id: str, asset_id: Annotated[str, Form()],
                   stage: Annotated[str, Form()], on: Annotated[str, Form()],
                   reason: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    return act(request, user, referral_id, "record_outcome", lambda: desk.record_outcome(
        referral_id, OutcomeCreate(asset_id=asset_id, stage=stage, on=on, reason=reason), actor=user.name))


@router.post("/referrals/{referral_id}/wellbeing", response_model=None)
async def record_wellbeing(request: Request, user: Reviewer, referral_id: str) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    items = [str(form.get(f"swemwbs_{i}", "")).strip() for i in range(1, SWEMWBS_ITEMS + 1)]
    data = {"timepoint": form.get("timepoint"), "on": form.get("on"),
            "ons4": {item: form.get(item) for item in ONS4_ITEMS},
            "swemwbs": items if any(items) else None}  # pydantic parses '3' and names anything else
    desk = request.app.state.desk
    return act(request, user, referral_id, "record_wellbeing", lambda: desk.record_wellbeing(
        referral_id, WellbeingCreate.model_validate(data), actor=user.name))


@router.post("/referrals/{referral_id}/contacts", response_model=None)
def log_contact(request: Request, user: Reviewer, referral_id: str, on: Annotated[str, Form()],
                mode: Annotated[str, Form()], minutes: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    return act(request, user, referral_id, "log_contact", lambda: desk.log_contact(
        referral_id, ContactCreate(on=on, mode=mode, minutes=minutes.strip() or None),
        actor=user.name))
