"""Figures for the dashboard: referrals per week by need and by source, time to first review,
acceptance rate per need, and counts per status."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from triage.store.tables import ReferralEventRow, ReferralNeedRow, ReferralRow

REVIEW_KINDS = ("needs_changed", "suggestion_accepted", "suggestion_rejected", "note_added", "status_changed")


@dataclass(frozen=True)
class Dashboard:
    weeks: list[str]  # ISO dates of each week's Monday, oldest first
    by_need: dict[str, list[int]]  # need -> referrals per week
    by_source: dict[str, list[int]]
    hours_to_first_review: list[float]  # one per reviewed referral
    acceptance: dict[str, tuple[int, int]]  # need -> (accepted, decided)
    status_counts: dict[str, int] = field(default_factory=dict)

    @property
    def median_hours_to_review(self) -> float | None:
        return statistics.median(self.hours_to_first_review) if self.hours_to_first_review else None


def status_counts(session: Session, organisation: str | None = None) -> dict[str, int]:
    statement = select(ReferralRow.status, func.count()).group_by(ReferralRow.status)
    if organisation is not None:
        statement = statement.where(ReferralRow.organisation == organisation)
    return {status: int(count) for status, count in session.execute(statement)}


def dashboard(sessions: sessionmaker, *, now: datetime, weeks: int = 12, organisation: str | None = None) -> Dashboard:
    first_monday = (now - timedelta(days=now.weekday(), weeks=weeks - 1)).date()
    week_starts = [first_monday + timedelta(weeks=i) for i in range(weeks)]
    with sessions() as session:
        rows = session.execute(_scoped(select(ReferralRow.id, ReferralRow.created_at, ReferralRow.source), organisation)
                               .where(ReferralRow.created_at >= datetime.combine(first_monday, datetime.min.time(),
                                                                                 now.tzinfo))).all()
        needs = defaultdict(list)
        for referral_id, need in session.execute(select(ReferralNeedRow.referral_id, ReferralNeedRow.need)
                                                 .where(ReferralNeedRow.referral_id.in_([r.id for r in rows]))):
            needs[referral_id].append(need)
        events = session.execute(_scoped(select(ReferralEventRow.referral_id, ReferralEventRow.at, ReferralEventRow.kind,
                                                ReferralEventRow.data, ReferralRow.created_at)
                                         .join(ReferralRow, ReferralRow.id == ReferralEventRow.referral_id), organisation)
                                 .order_by(ReferralEventRow.id)).all()
        counts = status_counts(session, organisation)
    by_need, by_source = defaultdict(lambda: [0] * weeks), defaultdict(lambda: [0] * weeks)
    for row in rows:
        week = (row.created_at.date() - first_monday).days // 7
        by_source[row.source][week] += 1
        for need in needs[row.id]:
            by_need[need][week] += 1
    return Dashboard([d.isoformat() for d in week_starts], dict(by_need), dict(by_source), _first_review_hours(events),
                     _acceptance(events), counts)


def _scoped(statement, organisation: str | None):  # type: ignore[no-untyped-def]
    return statement if organisation is None else statement.where(ReferralRow.organisation == organisation)


def _first_review_hours(events) -> list[float]:  # type: ignore[no-untyped-def]
    first: dict[str, float] = {}
    for referral_id, at, kind, _data, created_at in events:
        if kind in REVIEW_KINDS and referral_id not in first:
            first[referral_id] = max((at - created_at).total_seconds(), 0.0) / 3600
    return list(first.values())


def _acceptance(events) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    accepted, decided = Counter(), Counter()
    for _id, _at, kind, data, _created in events:
        if kind in ("suggestion_accepted", "suggestion_rejected"):
            for need in data.get("needs", []):
                decided[need] += 1
                accepted[need] += kind == "suggestion_accepted"
    return {need: (accepted[need], decided[need]) for need in decided}
