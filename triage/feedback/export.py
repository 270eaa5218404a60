"""`triage export-feedback`: reviewed referrals and suggestion decisions as redacted JSON Lines.

A referral counts as reviewed once a link worker changed its needs or decided on a suggestion. Its note
goes through the PII redactor (names, NHS numbers, phone numbers, emails, postcodes, dates of birth,
address lines); its id becomes the HMAC key of the outcomes export; it is dated by month only. No actor,
referrer, organisation, age, place or exact time is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from triage.feedback.schemas import NeedsFeedback, SuggestionFeedback
from triage.nlp.redact import Redactor
from triage.outcomes.export import referral_key
from triage.outcomes.report import SOURCE_NAMES, check_period
from triage.settings import Settings
from triage.store.tables import ReferralEventRow, ReferralNeedRow, ReferralRow

REVIEW_KINDS = ("needs_changed", "suggestion_accepted", "suggestion_rejected")


def feedback_lines(sessions: sessionmaker, *, salt: bytes, redactor: Redactor,
                   start: datetime | None = None, end: datetime | None = None
                   ) -> Iterator[NeedsFeedback | SuggestionFeedback]:
    """Per reviewed referral (oldest first): one needs line, then one line per decision."""
    with sessions() as session:
        reviewed = select(ReferralEventRow.referral_id).where(ReferralEventRow.kind.in_(REVIEW_KINDS))
        query = select(ReferralRow.id, ReferralRow.created_at, ReferralRow.source, ReferralRow.text,
                       ReferralRow.model_version).where(ReferralRow.id.in_(reviewed)).order_by(ReferralRow.created_at)
        if start is not None:
            query = query.where(ReferralRow.created_at >= start)
        if end is not None:
            query = query.where(ReferralRow.created_at < end)
        rows = session.execute(query).all()
        ids = [r.id for r in rows]
        events: dict[str, list[ReferralEventRow]] = {i: [] for i in ids}
        for event in session.scalars(select(ReferralEventRow).where(ReferralEventRow.referral_id.in_(ids))
                                     .order_by(ReferralEventRow.id)):
            events[event.referral_id].append(event)
        needs: dict[str, list[str]] = {i: [] for i in ids}
        for referral_id, need in session.execute(select(ReferralNeedRow.referral_id, ReferralNeedRow.need)
                                                  .where(ReferralNeedRow.referral_id.in_(ids))):
            needs[referral_id].append(need)
    texts = redactor.redact_many([r.text for r in rows])
    for row, text in zip(rows, texts):
        yield from _lines(row, text, sorted(needs[row.id]), events[row.id], referral_key(row.id, salt), redactor)


def _lines(row, text: str, needs: list[str], events: list[ReferralEventRow], key: str,  # type: ignore[no-untyped-def]
           redactor: Redactor) -> Iterator[NeedsFeedback | SuggestionFeedback]:
    month = row.created_at.astimezone(UTC).strftime("%Y-%m")
    triaged = next((e.data for e in events if e.kind == "triaged"), {})
    predicted = sorted(triaged.get("needs", []))
    added, removed = sorted(set(needs) - set(predicted)), sorted(set(predicted) - set(needs))
    yield NeedsFeedback(
        key=key, month=month, source=row.source if row.source in SOURCE_NAMES else "other", text=text,
        predicted=predicted, needs=needs, added=added, removed=removed, corrected=bool(added or removed),
        model_version=triaged.get("model_version") or row.model_version)
    for event in (e for e in events if e.kind in ("suggestion_accepted", "suggestion_rejected")):
        data = event.data
        yield SuggestionFeedback(
            key=key, month=month, asset_id=data["asset_id"], decision=event.kind.removeprefix("suggestion_"),
            rank=data.get("rank"), needs=data.get("needs", []), features=data.get("features") or {},
            reason=redactor.redact(data["reason"]) if data.get("reason") else "",
            model_version=data.get("model_version") or row.model_version)


def to_jsonl(lines: Iterator[NeedsFeedback | SuggestionFeedback]) -> Iterator[str]:
    for line in lines:
        yield json.dumps(line.model_dump(mode="json"), ensure_ascii=False, sort_keys=True) + "\n"


def export_feedback(settings: Settings, *, start: date | None = None, end: date | None = None) -> list[str]:
    """The export's lines for the referrals received from `start` to `end` (both included; default: all)."""
    from triage.outcomes.export import installation_salt
    from triage.store.db import existing_database

    if start is not None and end is not None:
        check_period(start, end)
    with existing_database(settings) as database:
        return list(to_jsonl(feedback_lines(database.sessions, salt=installation_salt(settings), redactor=Redactor(),
                                            start=midnight(start), end=midnight(end, next_day=True))))


def write_lines(lines: list[str], path: Path) -> Path:
    """Write all lines or nothing: a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(path)
    return path


def midnight(day: date | None, *, next_day: bool = False) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if next_day else day, time.min, tzinfo=UTC)
