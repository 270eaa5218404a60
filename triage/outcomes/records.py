"""Outcome records read back from the referral history: one `ReferralOutcomes` per referral, the
shared input of follow-up dates, asset uptake, reports and the evaluators' export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import sessionmaker

from triage.store.tables import ReferralEventRow, ReferralNeedRow, ReferralRow

OUTCOME_KINDS = ("outcome_recorded", "wellbeing_recorded", "contact_logged")
EVENT_KINDS = ("suggestion_accepted", "suggestion_rejected", *OUTCOME_KINDS)


@dataclass(frozen=True)
class Accepted:
    asset_id: str
    needs: tuple[str, ...]  # the referral's needs when the suggestion was accepted
    at: datetime


@dataclass(frozen=True)
class StageRecord:
    asset_id: str
    stage: str  # contacted, attended_first, attending_6_weeks, declined, did_not_attend
    on: date
    reason: str


@dataclass(frozen=True)
class Wellbeing:
    timepoint: str  # first_contact or follow_up
    on: date
    ons4: dict[str, int]
    swemwbs: tuple[int, ...] | None


@dataclass(frozen=True)
class Contact:
    on: date
    mode: str
    minutes: int | None


@dataclass
class ReferralOutcomes:
    referral_id: str
    created_at: datetime
    source: str
    organisation: str
    status: str
    needs: list[str]
    accepted: list[Accepted] = field(default_factory=list)  # latest decision per asset is 'accepted'
    stages: list[StageRecord] = field(default_factory=list)
    wellbeing: list[Wellbeing] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)

    def latest_stage(self, asset_id: str) -> StageRecord | None:
        found = [s for s in self.stages if s.asset_id == asset_id]
        return found[-1] if found else None

    def reached(self, asset_id: str, stage: str) -> bool:
        return any(s.asset_id == asset_id and s.stage == stage for s in self.stages)

    @property
    def first_contact_on(self) -> date | None:
        days = [c.on for c in self.contacts] + [s.on for s in self.stages if s.stage == "contacted"]
        return min(days) if days else None

    def wellbeing_at(self, timepoint: str) -> Wellbeing | None:
        found = [w for w in self.wellbeing if w.timepoint == timepoint]
        return found[-1] if found else None


def load_outcomes(sessions: sessionmaker, *, start: datetime | None = None, end: datetime | None = None,
                  organisation: str | None = None) -> list[ReferralOutcomes]:
    """Referrals received in [start, end) (all when not given), oldest first, with their outcomes.

    Reads no note text, and selects needs and events by subquery, so it scales past any id-list limit."""
    statement = select(ReferralRow.id, ReferralRow.created_at, ReferralRow.source, ReferralRow.organisation,
                       ReferralRow.status).order_by(ReferralRow.created_at)
    if start is not None:
        statement = statement.where(ReferralRow.created_at >= start)
    if end is not None:
        statement = statement.where(ReferralRow.created_at < end)
    if organisation is not None:
        statement = statement.where(ReferralRow.organisation == organisation)
    chosen = statement.with_only_columns(ReferralRow.id).order_by(None).scalar_subquery()
    with sessions() as session:
        rows = session.execute(statement).all()
        needs = defaultdict(list)
        for referral_id, need in session.execute(select(ReferralNeedRow.referral_id, ReferralNeedRow.need)
                                                 .where(ReferralNeedRow.referral_id.in_(chosen))):
            needs[referral_id].append(need)
        events = defaultdict(list)
        for event in session.scalars(select(ReferralEventRow).where(ReferralEventRow.referral_id.in_(chosen),
                                                                    ReferralEventRow.kind.in_(EVENT_KINDS))
                                     .order_by(ReferralEventRow.id)):
            events[event.referral_id].append(event)
    return [_outcomes(row, needs[row.id], events[row.id]) for row in rows]


def _outcomes(row: Row, needs: list[str], events: list[ReferralEventRow]) -> ReferralOutcomes:
    found = ReferralOutcomes(row.id, row.created_at, row.source, row.organisation, row.status, needs)
    decisions: dict[str, Accepted | None] = {}
    for e in events:
        data = e.data
        if e.kind in ("suggestion_accepted", "suggestion_rejected"):
            accepted = e.kind == "suggestion_accepted"
            decisions[data["asset_id"]] = Accepted(data["asset_id"], tuple(data.get("needs", [])), e.at) if accepted else None
        elif e.kind == "outcome_recorded":
            found.stages.append(StageRecord(data["asset_id"], data["stage"], date.fromisoformat(data["on"]),
                                            data.get("reason", "")))
        elif e.kind == "wellbeing_recorded":
            items = data.get("swemwbs")
            found.wellbeing.append(Wellbeing(data["timepoint"], date.fromisoformat(data["on"]), dict(data["ons4"]),
                                             tuple(items) if items else None))
        elif e.kind == "contact_logged":
            found.contacts.append(Contact(date.fromisoformat(data["on"]), data["mode"], data.get("minutes")))
    found.accepted = [a for a in decisions.values() if a is not None]
    return found


def period_outcomes(sessions: sessionmaker, *, start: date, end: date,
                    organisation: str | None = None) -> list[ReferralOutcomes]:
    """Referrals received from `start` to `end`, both days included (UTC)."""
    from datetime import UTC, time, timedelta

    return load_outcomes(sessions, start=datetime.combine(start, time.min, UTC),
                         end=datetime.combine(end + timedelta(days=1), time.min, UTC), organisation=organisation)
