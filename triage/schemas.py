"""Pydantic models at the boundaries: what comes in and what goes out."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from triage.taxonomy import NEED_IDS, get

Delivery = Literal["in_person", "online", "phone"]
Cost = Literal["free", "low", "paid"]


def need_ids(values: list[str]) -> list[str]:
    """Known need ids, de-duplicated in order; a risk flag or unknown id names the valid ones."""
    for need in values:
        if get(need).kind != "need":
            raise ValueError(f"'{need}' is a risk flag, not a need; valid needs: {', '.join(NEED_IDS)}")
    return list(dict.fromkeys(values))


def written_text(value: str) -> str:
    """Free text a person wrote: not blank, and without NUL characters (which no database stores alike)."""
    if not value.strip():
        raise ValueError("text is blank")
    if "\x00" in value:
        raise ValueError("text contains a NUL character")
    return value


def language_code(tag: str) -> str:
    """The primary language of a tag, lower case: 'en-GB' -> 'en', 'PL' -> 'pl'."""
    return tag.strip().lower().replace("_", "-").split("-")[0]


class Evidence(BaseModel):
    start: int = Field(ge=0, description="offset of the first character in the input text")
    end: int = Field(ge=0, description="offset one past the last character")
    text: str


class NeedPrediction(BaseModel):
    need: str
    score: float = Field(ge=0.0, le=1.0, description="calibrated probability")
    evidence: list[Evidence] = []


class RiskPrediction(BaseModel):
    flag: str
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = []


class Classification(BaseModel):
    id: str
    needs: list[NeedPrediction] = []
    risk_flags: list[RiskPrediction] = []
    model_version: str | None = Field(default=None, description="the model that read the note")


class ReferralIn(BaseModel):
    """One referral to classify or match; only text is required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    id: str = Field(default="", max_length=200)
    text: str = Field(min_length=1, max_length=20_000)
    age: int | None = Field(default=None, ge=0, le=120)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    language: str | None = Field(default=None, min_length=2, max_length=8,
                                 description="ISO 639-1 code of the language the person needs")
    delivery: Delivery | None = None
    needs: list[str] | None = Field(default=None, description="need ids that replace classification")

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        return written_text(value)

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else need_ids(value)

    @field_validator("language")
    @classmethod
    def _lower_language(cls, value: str | None) -> str | None:
        return language_code(value) if value else value


class Suggestion(BaseModel):
    asset_id: str
    name: str
    score: float
    needs: list[str]
    distance_km: float | None
    reasons: list[str]
    features: dict[str, float] = Field(
        default={}, description="the ranking features behind the score (score = sum of weight x feature); "
                                "kept with each decision so the weights can be learnt")


class TriageResult(Classification):
    suggestions: list[Suggestion] = []


class Asset(BaseModel):
    """A community asset in the directory."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "asset-101", "name": "Tuesday Knit and Natter", "organisation": "Castlemere Library",
        "description": "A friendly knitting circle for anyone who would like company and a cuppa.",
        "needs": ["loneliness"], "latitude": 53.70, "longitude": -1.90, "postcode": "CM1 2AB", "min_age": 18,
        "cost": "free", "delivery": ["in_person"], "languages": ["en"], "schedule": "Tuesdays 2-4pm"}]})

    id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1)
    organisation: str = ""
    description: str = Field(min_length=1)
    needs: list[str] = []
    needs_inferred: bool = False
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    postcode: str = ""
    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    cost: Cost | None = None
    delivery: list[Delivery] = []
    languages: list[str] = []
    contact: str = ""
    url: str = ""
    schedule: str = ""

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, value: list[str]) -> list[str]:
        return need_ids(value)

    @field_validator("languages")
    @classmethod
    def _lower_languages(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(language_code(v) for v in value))

    @model_validator(mode="after")
    def _consistent(self) -> Asset:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age {self.min_age} is above max_age {self.max_age}")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude must be given together")
        return self

    @property
    def document(self) -> str:
        """The text embedded for semantic search."""
        return f"{self.name}. {self.description}"
