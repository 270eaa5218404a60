"""The link worker's pages: the queue and one referral, with the review actions as plain forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from service.deps import record, scope
from service.web.highlight import highlight
from service.web.render import page
from service.web.session import page_require
from triage.errors import NotFoundError, TriageError, describe_validation_error
from triage.referrals.schemas import (
    DecisionCreate,
    NeedsUpdate,
    NoteCreate,
    StatusChange,
)
from triage.referrals.stats import status_counts
from triage.store.referrals import ReferralFilter
from triage.store.users import User
from triage.taxonomy import NEED_IDS

router = APIRouter(include_in_schema=False)
Reader = Annotated[User, Depends(page_require("referrals:read"))]
Reviewer = Annotated[User, Depends(page_require("referrals:review"))]
PAGE_SIZE = 25


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, user: Reader, status: str = "", need: str = "", source: str = "",
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> HTMLResponse:
    """Risk-flagged referrals first, then the oldest; filters and counts per status."""
    desk = request.app.state.desk
    where = ReferralFilter(status=status or None, need=need if need in NEED_IDS else None, source=source or None,
                           organisation=scope(user))
    found = desk.list(where, offset=offset, limit=PAGE_SIZE)
    with desk.sessions() as session:
        counts = status_counts(session, scope(user))
    if found.items:
        record(request, user, "list", "referral", *(r.id for r in found.items), detail="queue page")
    return page(request, "queue.html", user, found=found, counts=counts,
                filters={"status": status, "need": need, "source": source}, page_size=PAGE_SIZE)


@router.get("/referrals/{referral_id}", response_class=HTMLResponse)
def referral_page(request: Request, user: Reader, referral_id: str) -> HTMLResponse:
    return _referral_page(request, user, referral_id)


def _referral_page(request: Request, user: User, referral_id: str, error: str = "") -> HTMLResponse:
    """The page; an action that failed shows it again with the problem (422), never a URL carrying text."""
    referral = request.app.state.desk.get(referral_id, organisation=scope(user))
    record(request, user, "read", "referral", referral_id, detail="referral page")
    engine = request.app.state.engine
    assets = {}
    for suggestion in (referral.result.suggestions if referral.result else []):
        try:
            assets[suggestion.asset_id] = engine.assets.get(suggestion.asset_id)
        except NotFoundError:
            pass  # removed from the directory since: the card shows what the suggestion holds
    decisions = {d.asset_id: d for d in referral.decisions}
    response = page(request, "referral.html", user, status_code=422 if error else 200, referral=referral,
                    runs=highlight(referral.text, referral.result), assets=assets, decisions=decisions, error=error)
    if error:
        response.headers["HX-Push-Url"] = f"/referrals/{referral_id}"
    return response


def act(request: Request, user: User, referral_id: str, action: str, change) -> HTMLResponse | RedirectResponse:  # type: ignore[no-untyped-def]
    """Run a review action, then back to the page (303); a problem is shown on the page itself."""
    try:
        change()
    except NotFoundError:
        raise
    except ValidationError as e:
        return _referral_page(request, user, referral_id, "; ".join(describe_validation_error(x) for x in e.errors()))
    except (TriageError, ValueError) as e:
        return _referral_page(request, user, referral_id, str(e))
    record(request, user, action, "referral", referral_id, detail="referral page")
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)


@router.post("/referrals/{referral_id}/needs/remove", response_model=None)
def remove_need(request: Request, user: Reviewer, referral_id: str, need: Annotated[str, Form()]) -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    current = desk.get(referral_id).needs
    return act(request, user, referral_id, "update_needs", lambda: desk.change_needs(
        referral_id, NeedsUpdate(needs=[n for n in current if n != need], reason=f"removed {need}"), actor=user.name))


@router.post("/referrals/{referral_id}/needs/add", response_model=None)
def add_need(request: Request, user: Reviewer, referral_id: str, need: Annotated[str, Form()]) -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    current = desk.get(referral_id).needs
    return act(request, user, referral_id, "update_needs", lambda: desk.change_needs(
        referral_id, NeedsUpdate(needs=[*current, need], reason=f"added {need}"), actor=user.name))


@router.post("/referrals/{referral_id}/decisions", response_model=None)
def decide(request: Request, user: Reviewer, referral_id: str, asset_id: Annotated[str, Form()],
           decision: Annotated[str, Form()], reason: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    return act(request, user, referral_id, f"suggestion_{decision}", lambda: desk.decide(
        referral_id, DecisionCreate(asset_id=asset_id, decision=decision, reason=reason), actor=user.name))


@router.post("/referrals/{referral_id}/notes", response_model=None)
def add_note(request: Request, user: Reviewer, referral_id: str, text: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    return act(request, user, referral_id, "add_note",
                lambda: desk.add_note(referral_id, NoteCreate(text=text), actor=user.name))


@router.post("/referrals/{referral_id}/status", response_model=None)
def change_status(request: Request, user: Reviewer, referral_id: str, status: Annotated[str, Form()],
                  reason: Annotated[str, Form()] = "") -> HTMLResponse | RedirectResponse:
    desk = request.app.state.desk
    return act(request, user, referral_id, "status", lambda: desk.change_status(
        referral_id, StatusChange(status=status, reason=reason), actor=user.name))
