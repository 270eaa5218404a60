"""Referral records at the boundary: intake, review actions and what a reader gets back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.outcomes.due import FollowUp
from triage.outcomes.schemas import OutcomeCreate, WellbeingCreate
from triage.schemas import (
    Delivery,
    ReferralIn,
    TriageResult,
    language_code,
    need_ids,
    written_text,
)

Status = Literal["new", "in_review", "contacted", "connected", "declined", "closed"]
Decision = Literal["accepted", "rejected"]
EventKind = Literal["created", "triaged", "needs_changed", "suggestion_accepted", "suggestion_rejected",
                    "note_added", "status_changed", "outcome_recorded", "wellbeing_recorded", "contact_logged"]


class ReferrerContact(BaseModel):
    """Who sent the referral, so the outcome can be sent back."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    role: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str = Field(default="", max_length=40)


class ReferralCreate(BaseModel):
    """A new referral: only the text is required."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000, description="the referral note, as written")
    source: str = Field(default="other", min_length=1, max_length=60,
                        description="referring agency type, e.g. gp, pharmacy, hospital, housing, jobcentre, "
                                    "police, fire, self, other")
    organisation: str = Field(default="", max_length=200,
                              description="referring organisation; a referrer's own is always used")
    external_id: str = Field(default="", max_length=200, description="the referrer's own reference")
    age: int | None = Field(default=None, ge=0, le=120)
    date_of_birth: date | None = Field(default=None, description="gives the age when age is not given")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    language: str | None = Field(default=None, min_length=2, max_length=8,
                                 description="ISO 639-1 code of the language the person needs")
    delivery: Delivery | None = None
    referrer: ReferrerContact = Field(default_factory=ReferrerContact)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return written_text(value)

    @field_validator("source")
    @classmethod
    def _source_slug(cls, value: str) -> str:
        return value.strip().lower().replace(" ", "_")

    @field_validator("language")
    @classmethod
    def _lower_language(cls, value: str | None) -> str | None:
        return language_code(value) if value else value

    @field_validator("date_of_birth")
    @classmethod
    def _born_in_the_past(cls, value: date | None) -> date | None:
        earliest = date.today().replace(year=date.today().year - 120, day=1)
        if value is not None and not earliest <= value <= date.today():
            raise ValueError(f"date of birth {value} is not between {earliest} and today")
        return value

    def age_on(self, day: date) -> int | None:
        """The given age, or the age from the date of birth on `day`."""
        if self.age is not None or self.date_of_birth is None:
            return self.age
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def as_referral_in(self, referral_id: str, *, today: date, needs: list[str] | None = None) -> ReferralIn:
        return ReferralIn(id=referral_id, text=self.text, age=self.age_on(today), latitude=self.latitude,
                          longitude=self.longitude, language=self.language, delivery=self.delivery, needs=needs)


class NeedsUpdate(BaseModel):
    """A link worker's needs for the referral: they replace the classified ones and re-match."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"needs": ["loneliness", "debt"], "reason": "bereavement is not what he wants help with"}]})

    needs: list[str] = Field(max_length=13)
    reason: str = Field(default="", max_length=2_000)

    @field_validator("needs")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return need_ids(value)


class DecisionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"asset_id": "asset-003", "decision": "accepted"},
        {"asset_id": "asset-054", "decision": "rejected", "reason": "two buses away; he does not travel"}]})

    asset_id: str = Field(min_length=1, max_length=200)
    decision: Decision
    reason: str = Field(default="", max_length=2_000, description="required when rejecting")


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Phoned, no answer; letter sent."}]})

    text: str = Field(min_length=1, max_length=10_000)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return written_text(value)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"status": "contacted", "reason": "first call made"}]})

    status: Status
    reason: str = Field(default="", max_length=2_000)


class Event(BaseModel):
    """One entry of a referral's history."""

    at: datetime
    actor: str
    kind: EventKind
    data: dict = {}


class SuggestionDecision(BaseModel):
    asset_id: str
    decision: Decision
    reason: str
    actor: str
    at: datetime
    model_version: str


class ReviewNote(BaseModel):
    text: str
    actor: str
    at: datetime


class RecordedOutcome(OutcomeCreate):
    actor: str
    at: datetime


class RecordedWellbeing(WellbeingCreate):
    actor: str
    at: datetime


class ReferralSummary(BaseModel):
    """A referral in a list: no note text."""

    id: str
    created_at: datetime
    updated_at: datetime
    status: Status
    source: str
    organisation: str
    needs: list[str]
    risk_flags: list[str]
    urgent_review: bool = Field(description="a risk flag was raised: send to urgent human review")
    model_version: str
    follow_up: FollowUp | None = Field(default=None, description="the next outcome follow-up due, if any")


class ReferralPublic(ReferralSummary):
    """A referral in full: the note, its triage result, decisions, notes and history."""

    external_id: str
    text: str
    age: int | None
    date_of_birth: date | None
    latitude: float | None
    longitude: float | None
    language: str | None
    delivery: Delivery | None
    referrer: ReferrerContact
    needs_edited: bool = Field(description="the needs were set by a link worker")
    result: TriageResult | None = Field(description="null when triage failed at intake: review by hand")
    decisions: list[SuggestionDecision] = []
    notes: list[ReviewNote] = []
    outcomes: list[RecordedOutcome] = Field(default=[], description="how accepted suggestions went, oldest first")
    wellbeing: list[RecordedWellbeing] = Field(default=[], description="ONS4 / SWEMWBS measurements, oldest first")
    contacts: int = Field(default=0, description="link-worker contacts logged")
    history: list[Event] = []


class ReferralPage(BaseModel):
    items: list[ReferralSummary]
    total: int
    offset: int
    limit: int
