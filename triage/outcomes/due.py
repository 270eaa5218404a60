"""When a referral next needs following up, read from its history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from triage.outcomes.schemas import FOLLOW_UP_AFTER_DAYS, STILL_ATTENDING_AFTER_DAYS

FIRST_CONTACT_WITHIN_DAYS = 14  # check that the person and the service have been in touch
CLOSED = ("declined", "closed")
ENDED = ("attending_6_weeks", "declined", "did_not_attend")


class FollowUp(BaseModel):
    due: date
    what: str


def next_follow_up(status: str, events: Iterable[tuple[str, datetime, dict]]) -> FollowUp | None:
    """The earliest follow-up still open, from (kind, at, data) events in order; None when nothing is due."""
    if status in CLOSED:
        return None
    accepted: dict[str, date] = {}
    stages: dict[str, list[tuple[str, date]]] = {}
    first_contact: date | None = None
    followed_up = False
    for kind, at, data in events:
        if kind == "suggestion_accepted":
            accepted[data["asset_id"]] = at.date()
        elif kind == "suggestion_rejected":
            accepted.pop(data["asset_id"], None)
        elif kind == "outcome_recorded":
            stages.setdefault(data["asset_id"], []).append((data["stage"], date.fromisoformat(data["on"])))
        elif kind == "wellbeing_recorded":
            on = date.fromisoformat(data["on"])
            if data["timepoint"] == "first_contact":
                first_contact = on
            else:
                followed_up = True
    due = [_asset_due(asset, on, stages.get(asset, [])) for asset, on in accepted.items()]
    if first_contact is not None and not followed_up:
        due.append(FollowUp(due=first_contact + timedelta(days=FOLLOW_UP_AFTER_DAYS), what="wellbeing follow-up"))
    return min((d for d in due if d is not None), key=lambda d: d.due, default=None)


def _asset_due(asset_id: str, accepted_on: date, stages: list[tuple[str, date]]) -> FollowUp | None:
    reached = {stage: on for stage, on in stages}
    if any(stage in reached for stage in ENDED):
        return None
    if "attended_first" in reached:
        return FollowUp(due=reached["attended_first"] + timedelta(days=STILL_ATTENDING_AFTER_DAYS),
                        what=f"still attending {asset_id} at 6 weeks?")
    return FollowUp(due=accepted_on + timedelta(days=FIRST_CONTACT_WITHIN_DAYS), what=f"did they start {asset_id}?")
