"""The referral desk: intake, reading and review of stored referrals, on top of the Triage engine.

Every change is one transaction that also appends to the referral's history. Intake never loses a
referral: if triage fails, the referral is stored without a result and marked for urgent human review.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from triage.engine import Triage
from triage.errors import ConflictError, InputError, NotFoundError
from triage.outcomes.schemas import ContactCreate, OutcomeCreate, WellbeingCreate
from triage.referrals.schemas import (
    DecisionCreate,
    NeedsUpdate,
    NoteCreate,
    ReferralCreate,
    ReferralPage,
    ReferralPublic,
    StatusChange,
)
from triage.referrals.workflow import check_move
from triage.schemas import TriageResult
from triage.store import referrals as store
from triage.store.db import now
from triage.store.tables import IdempotencyRow, ReferralRow

log = logging.getLogger(__name__)
SUGGESTIONS = 5


@dataclass(frozen=True)
class Intake:
    referral: ReferralPublic
    created: bool  # False when an Idempotency-Key replayed an earlier intake


class ReferralDesk:
    """Stored referrals. `organisation` scopes reads and writes to one organisation (a referrer's)."""

    def __init__(self, engine: Triage) -> None:
        self.engine = engine
        self.sessions = engine.database.sessions

    def intake(self, data: ReferralCreate, *, actor: str, organisation: str, idempotency_key: str | None = None,
               fhir: dict | None = None) -> Intake:
        """Triage and store a referral; committed before returning."""
        request_hash = hashlib.sha256(data.model_dump_json().encode("utf-8")).hexdigest()
        if idempotency_key and (earlier := self._replay(actor, idempotency_key, request_hash)):
            return earlier
        referral_id = str(uuid.uuid4())
        result = self._triage(data, referral_id)
        try:
            with self.sessions.begin() as session:
                row = self._new_row(referral_id, data, organisation, result, fhir)
                session.add(row)
                session.flush()
                store.set_needs(session, row, [n.need for n in result.needs] if result else [])
                store.add_event(session, row, actor, "created", {"source": row.source})
                store.add_event(session, row, actor, "triaged", _triaged(result, row.model_version))
                if idempotency_key:
                    session.add(IdempotencyRow(user_name=actor, key=idempotency_key, request_hash=request_hash,
                                               referral_id=referral_id))
                session.flush()
                referral = store.public(session, row)
        except IntegrityError:
            if idempotency_key and (earlier := self._replay(actor, idempotency_key, request_hash)):
                return earlier  # a concurrent retry with the same key won the race
            raise
        return Intake(referral, created=True)

    def _replay(self, actor: str, key: str, request_hash: str) -> Intake | None:
        with self.sessions() as session:
            earlier = store.idempotent_referral(session, actor, key)
            if earlier is None:
                return None
            if earlier.request_hash != request_hash:
                raise ConflictError("Idempotency-Key", f"'{key}' was already used for a different referral; "
                                                       "use a new key for a new referral")
            return Intake(store.public(session, session.get(ReferralRow, earlier.referral_id)), created=False)

    def _triage(self, data: ReferralCreate, referral_id: str, needs: list[str] | None = None) -> TriageResult | None:
        try:
            referral = data.as_referral_in(referral_id, today=now().date(), needs=needs)
            return self.engine.match([referral], top=SUGGESTIONS)[0]
        except Exception:  # store the referral anyway, for review by hand
            log.exception("triage failed for referral %s; stored for review by hand", referral_id)
            return None

    def _new_row(self, referral_id: str, data: ReferralCreate, organisation: str, result: TriageResult | None,
                 fhir: dict | None) -> ReferralRow:
        row = ReferralRow(
            id=referral_id, status="new", source=data.source, organisation=organisation,
            external_id=data.external_id, text=data.text, age=data.age_on(now().date()),
            date_of_birth=data.date_of_birth, latitude=data.latitude, longitude=data.longitude,
            language=data.language, delivery=data.delivery, referrer=data.referrer.model_dump(mode="json"),
            needs_edited=False, urgent=False, fhir=fhir)
        store.set_result(row, result, self.engine.model_name)
        return row

    def list(self, where: store.ReferralFilter, *, offset: int = 0, limit: int = 50) -> ReferralPage:
        with self.sessions() as session:
            items, total = store.page(session, where, offset, limit)
        return ReferralPage(items=items, total=total, offset=offset, limit=limit)

    def get(self, referral_id: str, *, organisation: str | None = None) -> ReferralPublic:
        with self.sessions() as session:
            return store.public(session, self._row(session, referral_id, organisation, for_update=False))

    def fhir_resource(self, referral_id: str) -> dict | None:
        """The FHIR ServiceRequest the referral came as, if it came as one."""
        with self.sessions() as session:
            row = session.get(ReferralRow, referral_id)
            return row.fhir if row is not None else None

    def change_needs(self, referral_id: str, update: NeedsUpdate, *, actor: str) -> ReferralPublic:
        """Replace the needs, re-match with them (risk flags are read again) and record the change."""
        referral = self.get(referral_id)
        data = ReferralCreate(text=referral.text, age=referral.age, latitude=referral.latitude,
                              longitude=referral.longitude, language=referral.language, delivery=referral.delivery)
        result = self._triage(data, referral_id, needs=update.needs)
        if result is None:
            raise ConflictError("needs", "matching failed; the needs were not changed, try again")
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            before, produced_by = list(referral.needs), row.model_version
            store.set_result(row, result, self.engine.model_name)
            row.needs_edited = True
            store.set_needs(session, row, update.needs)
            store.add_event(session, row, actor, "needs_changed", {
                "before": before, "after": update.needs, "added": [n for n in update.needs if n not in before],
                "removed": [n for n in before if n not in update.needs], "reason": update.reason,
                "model_version": produced_by})  # the model whose needs were corrected
            session.flush()
            return store.public(session, row)

    def decide(self, referral_id: str, decision: DecisionCreate, *, actor: str) -> ReferralPublic:
        """Accept or reject one suggestion (a rejection needs a reason); a new referral moves to in_review."""
        if decision.decision == "rejected" and not decision.reason.strip():
            raise InputError("reason", "give a reason when rejecting a suggestion")
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            shown = {s["asset_id"]: s for s in (row.result or {}).get("suggestions", [])}
            suggested = list(shown)
            if decision.asset_id not in suggested and self.engine.catalogue.repository.get(decision.asset_id) is None:
                raise NotFoundError("asset", decision.asset_id)
            store.add_event(session, row, actor, f"suggestion_{decision.decision}", {
                "asset_id": decision.asset_id, "reason": decision.reason, "model_version": row.model_version,
                "rank": suggested.index(decision.asset_id) + 1 if decision.asset_id in suggested else None,
                "needs": store.needs_of(session, [row.id]).get(row.id, []),
                "features": shown.get(decision.asset_id, {}).get("features", {})})
            if row.status == "new":  # the first decision starts the review
                store.add_event(session, row, actor, "status_changed",
                                {"from": "new", "to": "in_review", "reason": "first suggestion decided"})
                row.status = "in_review"
            session.flush()
            return store.public(session, row)

    def add_note(self, referral_id: str, note: NoteCreate, *, actor: str) -> ReferralPublic:
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            store.add_event(session, row, actor, "note_added", {"text": note.text})
            session.flush()
            return store.public(session, row)

    def change_status(self, referral_id: str, change: StatusChange, *, actor: str) -> ReferralPublic:
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            check_move(row.status, change.status)
            store.add_event(session, row, actor, "status_changed",
                            {"from": row.status, "to": change.status, "reason": change.reason})
            row.status = change.status
            session.flush()
            return store.public(session, row)

    def record_outcome(self, referral_id: str, outcome: OutcomeCreate, *, actor: str) -> ReferralPublic:
        """How an accepted suggestion went: contacted, attended, still attending at 6 weeks, or not."""
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            accepted = {d.asset_id for d in store.public(session, row).decisions if d.decision == "accepted"}
            if outcome.asset_id not in accepted:
                raise ConflictError("asset_id", f"'{outcome.asset_id}' is not an accepted suggestion of this referral; "
                                                f"accepted: {', '.join(sorted(accepted)) or 'none yet'}")
            return self._append(session, row, actor, "outcome_recorded", outcome.model_dump(mode="json"))

    def record_wellbeing(self, referral_id: str, wellbeing: WellbeingCreate, *, actor: str) -> ReferralPublic:
        """ONS4 (and optionally SWEMWBS) at first contact or at follow-up."""
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            return self._append(session, row, actor, "wellbeing_recorded", wellbeing.model_dump(mode="json"))

    def log_contact(self, referral_id: str, contact: ContactCreate, *, actor: str) -> ReferralPublic:
        with self.sessions.begin() as session:
            row = self._row(session, referral_id, None)
            return self._append(session, row, actor, "contact_logged", contact.model_dump(mode="json"))

    @staticmethod
    def _append(session, row: ReferralRow, actor: str, kind: str, data: dict) -> ReferralPublic:  # type: ignore[no-untyped-def]
        store.add_event(session, row, actor, kind, data)
        session.flush()
        return store.public(session, row)

    @staticmethod
    def _row(session, referral_id: str, organisation: str | None, *,  # type: ignore[no-untyped-def]
             for_update: bool = True) -> ReferralRow:
        row = store.find_row(session, referral_id, organisation, for_update=for_update)
        if row is None:
            raise NotFoundError("referral", referral_id)
        return row


def _triaged(result: TriageResult | None, model_version: str) -> dict:
    if result is None:
        return {"model_version": model_version, "error": "triage failed: review by hand"}
    return {"model_version": model_version, "needs": [n.need for n in result.needs],
            "risk_flags": [r.flag for r in result.risk_flags],
            "suggestions": [s.asset_id for s in result.suggestions]}
