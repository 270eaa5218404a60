"""Stored referrals: intake, the queue, one referral, and the link worker's review actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response

from service.deps import Desk, NeedId, record, require, scope
from triage.referrals.schemas import (
    DecisionCreate,
    NeedsUpdate,
    NoteCreate,
    ReferralCreate,
    ReferralPage,
    ReferralPublic,
    Status,
    StatusChange,
)
from triage.store.referrals import ReferralFilter
from triage.store.users import User

router = APIRouter(prefix="/referrals", tags=["referrals"])
Creator = Annotated[User, Depends(require("referrals:create"))]
Reader = Annotated[User, Depends(require("referrals:read"))]
Reviewer = Annotated[User, Depends(require("referrals:review"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="retrying with the same key returns the same referral")]

EXAMPLE = {"text": "62yo M, lives alone since wife died 3/12, low mood, behind on council tax. ?befriending",
           "source": "gp", "organisation": "Castlemere Medical Practice", "age": 62,
           "latitude": 53.70, "longitude": -1.90, "referrer": {"name": "Dr A. Example", "role": "GP"}}


@router.post("", status_code=201, response_model=ReferralPublic,
             responses={200: {"model": ReferralPublic, "description": "replayed: the Idempotency-Key was used before"},
                        409: {"description": "the Idempotency-Key was used for a different referral"}})
def create_referral(request: Request, response: Response, desk: Desk, user: Creator,
                    referral: Annotated[ReferralCreate, Body(examples=[EXAMPLE])],
                    idempotency_key: IdempotencyKey = None) -> ReferralPublic:
    """Triage and store a referral. `201` only once it is committed; a risk flag marks it for urgent review."""
    organisation = scope(user) or referral.organisation
    intake = desk.intake(referral, actor=user.name, organisation=organisation, idempotency_key=idempotency_key)
    response.status_code = 201 if intake.created else 200
    response.headers["Location"] = f"/v1/referrals/{intake.referral.id}"
    if not intake.created:
        response.headers["Idempotent-Replayed"] = "true"
    record(request, user, "create" if intake.created else "replay", "referral", intake.referral.id)
    return intake.referral


@router.get("", response_model=ReferralPage)
def list_referrals(request: Request, desk: Desk, user: Reader,
                   status: Status | None = None, need: NeedId | None = None,
                   risk: Annotated[bool | None, Query(description="only (or only not) risk-flagged")] = None,
                   source: Annotated[str | None, Query(max_length=60)] = None,
                   organisation: Annotated[str | None, Query(max_length=200)] = None,
                   offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ReferralPage:
    """The queue: risk-flagged referrals first, then the oldest. A referrer sees only their organisation's."""
    where = ReferralFilter(status=status, need=need, urgent=risk, source=source,
                           organisation=scope(user) if scope(user) is not None else organisation)
    found = desk.list(where, offset=offset, limit=limit)
    if found.items:
        record(request, user, "list", "referral", *(r.id for r in found.items))
    return found


@router.get("/{referral_id}", response_model=ReferralPublic, responses={404: {"description": "no such referral"}})
def get_referral(request: Request, desk: Desk, user: Reader, referral_id: str) -> ReferralPublic:
    referral = desk.get(referral_id, organisation=scope(user))
    record(request, user, "read", "referral", referral_id)
    return referral


@router.put("/{referral_id}/needs", response_model=ReferralPublic,
            responses={409: {"description": "matching failed: the needs were not changed, try again"}})
def change_needs(request: Request, desk: Desk, user: Reviewer, referral_id: str, update: NeedsUpdate) -> ReferralPublic:
    """Replace the needs (a link worker's correction) and re-match; the change is kept as feedback."""
    referral = desk.change_needs(referral_id, update, actor=user.name)
    record(request, user, "update_needs", "referral", referral_id)
    return referral


@router.post("/{referral_id}/decisions", response_model=ReferralPublic,
             responses={400: {"description": "a rejection without a reason"},
                        404: {"description": "no such referral, or no such asset"}})
def decide(request: Request, desk: Desk, user: Reviewer, referral_id: str, decision: DecisionCreate) -> ReferralPublic:
    """Accept or reject a suggestion (a rejection needs a reason)."""
    referral = desk.decide(referral_id, decision, actor=user.name)
    record(request, user, f"suggestion_{decision.decision}", "referral", referral_id, detail=decision.asset_id)
    return referral


@router.post("/{referral_id}/notes", response_model=ReferralPublic)
def add_note(request: Request, desk: Desk, user: Reviewer, referral_id: str, note: NoteCreate) -> ReferralPublic:
    referral = desk.add_note(referral_id, note, actor=user.name)
    record(request, user, "add_note", "referral", referral_id)
    return referral


@router.post("/{referral_id}/status", response_model=ReferralPublic,
             responses={409: {"description": "that status cannot follow the current one"}})
def change_status(request: Request, desk: Desk, user: Reviewer, referral_id: str, change: StatusChange) -> ReferralPublic:
    """Move the referral on: new -> in_review -> contacted -> connected / declined / closed."""
    referral = desk.change_status(referral_id, change, actor=user.name)
    record(request, user, "status", "referral", referral_id, detail=change.status)
    return referral
