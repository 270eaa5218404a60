"""The referral repository: rows in, typed records out. Every write also appends to the history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from triage.outcomes.due import next_follow_up
from triage.referrals.schemas import (
    Event,
    RecordedOutcome,
    RecordedWellbeing,
    ReferralPublic,
    ReferralSummary,
    ReviewNote,
    SuggestionDecision,
)
from triage.schemas import TriageResult
from triage.store.db import now
from triage.store.tables import (
    IdempotencyRow,
    ReferralEventRow,
    ReferralNeedRow,
    ReferralRow,
)


@dataclass(frozen=True)
class ReferralFilter:
    status: str | None = None
    need: str | None = None
    urgent: bool | None = None
    source: str | None = None
    organisation: str | None = None


def add_event(session: Session, row: ReferralRow, actor: str, kind: str, data: dict) -> None:
    row.updated_at = now()
    session.add(ReferralEventRow(referral_id=row.id, actor=actor, kind=kind, data=data, at=row.updated_at))


def set_needs(session: Session, row: ReferralRow, needs: list[str]) -> None:
    session.execute(delete(ReferralNeedRow).where(ReferralNeedRow.referral_id == row.id))
    session.add_all(ReferralNeedRow(referral_id=row.id, need=need) for need in dict.fromkeys(needs))


def set_result(row: ReferralRow, result: TriageResult | None, model_version: str) -> None:
    row.result = result.model_dump(mode="json") if result else None
    row.risk_flags = [r.flag for r in result.risk_flags] if result else []
    row.urgent = row.urgent or bool(row.risk_flags) or result is None
    row.model_version = (result.model_version if result else None) or model_version


def find_row(session: Session, referral_id: str, organisation: str | None, *,
             for_update: bool = False) -> ReferralRow | None:
    """The row, if the caller may see it; `for_update` locks it until the transaction ends (PostgreSQL), so
    two link workers cannot both move a referral on from the same status."""
    row = session.get(ReferralRow, referral_id, with_for_update=for_update or None)
    if row is None or (organisation is not None and row.organisation != organisation):
        return None
    return row


def idempotent_referral(session: Session, user: str, key: str) -> IdempotencyRow | None:
    return session.scalar(select(IdempotencyRow).where(IdempotencyRow.user_name == user, IdempotencyRow.key == key))


def page(session: Session, where: ReferralFilter, offset: int, limit: int) -> tuple[list[ReferralSummary], int]:
    """Urgent (risk-flagged) first, then oldest first."""
    statement = select(ReferralRow)
    if where.status:
        statement = statement.where(ReferralRow.status == where.status)
    if where.source:
        statement = statement.where(ReferralRow.source == where.source)
    if where.organisation is not None:
        statement = statement.where(ReferralRow.organisation == where.organisation)
    if where.urgent is not None:
        statement = statement.where(ReferralRow.urgent == where.urgent)
    if where.need:
        statement = statement.where(ReferralRow.id.in_(
            select(ReferralNeedRow.referral_id).where(ReferralNeedRow.need == where.need)))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(ReferralRow.urgent.desc(), ReferralRow.created_at, ReferralRow.id)
                           .offset(offset).limit(limit)).all()
    needs = needs_of(session, [row.id for row in rows])
    events = events_of(session, [row.id for row in rows])
    return [summary(row, needs.get(row.id, []), events.get(row.id, [])) for row in rows], int(total)


def events_of(session: Session, ids: list[str]) -> dict[str, list[ReferralEventRow]]:
    found: dict[str, list[ReferralEventRow]] = {}
    for event in session.scalars(select(ReferralEventRow).where(ReferralEventRow.referral_id.in_(ids))
                                 .order_by(ReferralEventRow.id)):
        found.setdefault(event.referral_id, []).append(event)
    return found


def needs_of(session: Session, ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for referral_id, need in session.execute(select(ReferralNeedRow.referral_id, ReferralNeedRow.need)
                                             .where(ReferralNeedRow.referral_id.in_(ids))):
        found.setdefault(referral_id, []).append(need)
    return found


def summary(row: ReferralRow, needs: list[str], events: Sequence[ReferralEventRow] = ()) -> ReferralSummary:
    return ReferralSummary(id=row.id, created_at=row.created_at, updated_at=row.updated_at, status=row.status,
                           source=row.source, organisation=row.organisation, needs=_ordered(row, needs),
                           risk_flags=row.risk_flags, urgent_review=row.urgent, model_version=row.model_version,
                           follow_up=next_follow_up(row.status, ((e.kind, e.at, e.data) for e in events)))


def public(session: Session, row: ReferralRow) -> ReferralPublic:
    """The whole record: decisions, notes and history are read from the events."""
    needs = needs_of(session, [row.id]).get(row.id, [])
    events = events_of(session, [row.id]).get(row.id, [])
    history = [Event(at=e.at, actor=e.actor, kind=e.kind, data=e.data) for e in events]
    decisions: dict[str, SuggestionDecision] = {}
    notes, outcomes, wellbeing = [], [], []
    for e in history:
        if e.kind in ("suggestion_accepted", "suggestion_rejected"):
            decisions[e.data["asset_id"]] = SuggestionDecision(
                asset_id=e.data["asset_id"], decision=e.kind.removeprefix("suggestion_"), reason=e.data["reason"],
                actor=e.actor, at=e.at, model_version=e.data["model_version"])
        elif e.kind == "note_added":
            notes.append(ReviewNote(text=e.data["text"], actor=e.actor, at=e.at))
        elif e.kind == "outcome_recorded":
            outcomes.append(RecordedOutcome(**e.data, actor=e.actor, at=e.at))
        elif e.kind == "wellbeing_recorded":
            wellbeing.append(RecordedWellbeing(**e.data, actor=e.actor, at=e.at))
    return ReferralPublic(
        **summary(row, needs, events).model_dump(), external_id=row.external_id, text=row.text, age=row.age,
        date_of_birth=row.date_of_birth, latitude=row.latitude, longitude=row.longitude, language=row.language,
        delivery=row.delivery, referrer=row.referrer, needs_edited=row.needs_edited,
        result=TriageResult.model_validate(row.result) if row.result else None,
        decisions=list(decisions.values()), notes=notes, history=history, outcomes=outcomes, wellbeing=wellbeing,
        contacts=sum(e.kind == "contact_logged" for e in history))


def _ordered(row: ReferralRow, needs: list[str]) -> list[str]:
    """Needs in the order of the triage result (highest score first), any others after."""
    order = [n["need"] for n in (row.result or {}).get("needs", [])]
    return sorted(needs, key=lambda n: (order.index(n) if n in order else len(order), n))
