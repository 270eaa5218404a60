"""The feedback export's lines (JSON Lines): the contract between `triage export-feedback` and
`triage train --with-feedback`. Text is redacted; referrals are named by a pseudonymous key."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.schemas import need_ids

HOLDOUT_SHARE = 0.2  # of reviewed notes, chosen by their text: never trained on, used to compare models


class NeedsFeedback(BaseModel):
    """A reviewed referral: the needs the model gave and the needs the link worker left it with."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["needs"] = "needs"
    key: str = Field(min_length=1, max_length=64, description="pseudonymous referral key (HMAC of its id)")
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="month the referral came in")
    source: str
    text: str = Field(min_length=1, description="the note, with names, numbers, contacts and addresses redacted")
    predicted: list[str] = Field(description="the needs the model gave at intake")
    needs: list[str] = Field(description="the needs after review: the label to learn")
    added: list[str] = []
    removed: list[str] = []
    corrected: bool = Field(description="the needs after review differ from the model's (else the link worker "
                                        "confirmed them by deciding on suggestions)")
    model_version: str

    @field_validator("predicted", "needs", "added", "removed")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return need_ids(value)


class SuggestionFeedback(BaseModel):
    """One decision on a suggestion, with the ranking features it was shown with."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["suggestion"] = "suggestion"
    key: str = Field(min_length=1, max_length=64)
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    asset_id: str
    decision: Literal["accepted", "rejected"]
    rank: int | None = Field(default=None, ge=1, description="its place in the list shown; None if added by hand")
    needs: list[str]
    features: dict[str, float] = Field(description="ranking features when shown (empty for older decisions)")
    reason: str = Field(default="", description="why it was rejected, redacted")
    model_version: str

    @field_validator("needs")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return need_ids(value)


FeedbackLine = Annotated[NeedsFeedback | SuggestionFeedback, Field(discriminator="kind")]


def in_holdout(text: str) -> bool:
    """Whether a reviewed note is held out from training. Fixed by its (redacted) text, so every model
    trained on any export leaves out the same notes, and a note sent twice is never on both sides."""
    bucket = int(hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < HOLDOUT_SHARE
