"""Outcomes of a referral: how accepted suggestions went, wellbeing measures, link-worker contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from service.deps import Desk, record, require
from triage.outcomes.schemas import ContactCreate, OutcomeCreate, WellbeingCreate
from triage.referrals.schemas import ReferralPublic
from triage.store.users import User

router = APIRouter(prefix="/referrals", tags=["outcomes"])
Reviewer = Annotated[User, Depends(require("referrals:review"))]


@router.post("/{referral_id}/outcomes", response_model=ReferralPublic,
             responses={409: {"description": "the asset is not an accepted suggestion of this referral"}})
def record_outcome(request: Request, desk: Desk, user: Reviewer, referral_id: str,
                   outcome: OutcomeCreate) -> ReferralPublic:
    """Contacted, attended a first session, still attending at 6 weeks, declined or did not attend (with a reason)."""
    referral = desk.record_outcome(referral_id, outcome, actor=user.name)
    record(request, user, "record_outcome", "referral", referral_id, detail=f"{outcome.asset_id} {outcome.stage}")
    return referral


@router.post("/{referral_id}/wellbeing", response_model=ReferralPublic)
def record_wellbeing(request: Request, desk: Desk, user: Reviewer, referral_id: str,
                     wellbeing: WellbeingCreate) -> ReferralPublic:
    """ONS4 personal wellbeing (four 0-10 scores) and optionally SWEMWBS, at first contact or follow-up."""
    referral = desk.record_wellbeing(referral_id, wellbeing, actor=user.name)
    record(request, user, "record_wellbeing", "referral", referral_id, detail=wellbeing.timepoint)
    return referral


@router.post("/{referral_id}/contacts", response_model=ReferralPublic)
def log_contact(request: Request, desk: Desk, user: Reviewer, referral_id: str, contact: ContactCreate) -> ReferralPublic:
    """One contact between the link worker and the person."""
    referral = desk.log_contact(referral_id, contact, actor=user.name)
    record(request, user, "log_contact", "referral", referral_id, detail=contact.mode)
    return referral
