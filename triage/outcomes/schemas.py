"""Outcome records at the boundary: what happened after the referral, and how the person was doing.

Stored as referral events (kinds `outcome_recorded`, `wellbeing_recorded`, `contact_logged`) with these
models' JSON as the event data, so every record keeps who recorded it and when.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

Stage = Literal["contacted", "attended_first", "attending_6_weeks", "declined", "did_not_attend"]
Timepoint = Literal["first_contact", "follow_up"]
ContactMode = Literal["phone", "in_person", "video", "message"]
ONS4_ITEMS = ("life_satisfaction", "worthwhile", "happy", "anxious")
FOLLOW_UP_AFTER_DAYS = 84  # wellbeing measured again about 12 weeks after the first contact
STILL_ATTENDING_AFTER_DAYS = 42  # 'still attending at 6 weeks'


def _past_day(value: date) -> date:
    """A day that has happened (a day's grace for time zones), from 2000 on."""
    if not date(2000, 1, 1) <= value <= date.today() + timedelta(days=1):
        raise ValueError(f"{value} is not a day between 2000-01-01 and today")
    return value


Day = Annotated[date, AfterValidator(_past_day)]


class OutcomeCreate(BaseModel):
    """How one accepted suggestion went for the person."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"asset_id": "asset-003", "stage": "attended_first", "on": "2026-11-20"},
        {"asset_id": "asset-054", "stage": "declined", "reason": "did not want a group", "on": "2026-11-21"}]})

    asset_id: str = Field(min_length=1, max_length=200)
    stage: Stage
    on: Day = Field(description="the day it happened")
    reason: str = Field(default="", max_length=2_000, description="required when declined or did not attend")

    @model_validator(mode="after")
    def _reason_when_not_going(self) -> OutcomeCreate:
        if self.stage in ("declined", "did_not_attend") and not self.reason.strip():
            raise ValueError(f"give a reason when the stage is '{self.stage}'")
        return self


class Ons4(BaseModel):
    """The ONS personal wellbeing questions, each 0 to 10 (anxious: higher is worse)."""

    model_config = ConfigDict(extra="forbid")

    life_satisfaction: int = Field(ge=0, le=10)
    worthwhile: int = Field(ge=0, le=10)
    happy: int = Field(ge=0, le=10)
    anxious: int = Field(ge=0, le=10)


class WellbeingCreate(BaseModel):
    """Wellbeing at first contact or at follow-up: ONS4, and optionally the 7 SWEMWBS items (1 to 5)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"timepoint": "first_contact", "on": "2026-11-20",
         "ons4": {"life_satisfaction": 4, "worthwhile": 5, "happy": 3, "anxious": 7},
         "swemwbs": [2, 3, 2, 3, 2, 3, 2]}]})

    timepoint: Timepoint
    on: Day
    ons4: Ons4
    swemwbs: list[int] | None = Field(default=None, min_length=7, max_length=7,
                                      description="the 7 items in order, each 1 (none of the time) to 5 (all of the time)")

    @model_validator(mode="after")
    def _items_in_range(self) -> WellbeingCreate:
        for i, item in enumerate(self.swemwbs or [], start=1):
            if not 1 <= item <= 5:
                raise ValueError(f"SWEMWBS item {i} is {item}; each item is 1 to 5")
        return self


class ContactCreate(BaseModel):
    """One contact between the link worker and the person."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"on": "2026-11-20", "mode": "phone", "minutes": 20}]})

    on: Day
    mode: ContactMode
    minutes: int | None = Field(default=None, ge=0, le=600)
