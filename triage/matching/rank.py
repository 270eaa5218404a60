"""Ranking: eligibility as hard filters, then a weighted sum of explainable features (need coverage,
semantic fit, fit to the person, nearness, uptake), then a top-K that covers each of the person's main
needs. Every suggestion says why."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from triage.matching.audience import (
    Person,
    asset_audience,
    audience_fit,
    is_remote,
    read_person,
)
from triage.matching.languages import LANGUAGE_NAMES
from triage.matching.reasons import DELIVERY_WORDS, reasons
from triage.outcomes.uptake import UptakeTable
from triage.schemas import Asset, ReferralIn, Suggestion

DISTANCE_SCALE_KM = 5.0
UNKNOWN_NEARNESS = 0.5
SECONDARY_NEED = 0.6  # an asset's first need is its main purpose; the others count for less
OLDER_FROM, YOUNGER_UNTIL = 50, 30  # an age limit at or past these marks an asset for an age group


@dataclass(frozen=True)
class Candidate:
    """An asset found by the index, with how close it is to the note and to the note's closest passage."""

    asset: Asset
    similarity: float
    passage: str = ""
    passage_similarity: float = 0.0
    need_fit: float = 0.0  # closeness to the evidence of the need it addresses
    declined: str = ""  # the closest passage the person turns down ('declines talking therapy')
    declined_similarity: float = 0.0


@dataclass(frozen=True)
class RankingWeights:
    """One weight per feature; the score is their weighted sum, logged with every evaluation. The
    defaults were chosen by coordinate ascent on the matching set's dev cases (never its test cases).

    `uptake` could not be tuned there (the matching set has no outcomes), so it is set modestly as a
    tie-breaker: its feature is the shrunk uptake minus the need's average, rarely beyond +/-0.3 (18 of
    20 attended against an average of 0.5 gives +0.32), so it moves a score by about 0.03, as much as
    nearness, and cannot overturn need coverage or semantic fit. 0 switches it off.
    """

    need: float = 0.5
    extra_needs: float = 0.0
    semantic: float = 0.65
    need_fit: float = 0.15
    passage: float = 0.5
    person_fit: float = 0.1
    nearness: float = 0.05
    declined: float = -0.3
    audience: float = 0.2
    uptake: float = 0.1

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


FEATURES = tuple(RankingWeights().as_dict())


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    covered: tuple[str, ...]
    km: float | None
    features: dict[str, float]


def eligibility_problem(asset: Asset, referral: ReferralIn) -> str | None:
    """Why the person cannot use this asset, or None when they can."""
    if referral.age is not None:
        if asset.min_age is not None and referral.age < asset.min_age:
            return f"for ages {asset.min_age}+"
        if asset.max_age is not None and referral.age > asset.max_age:
            return f"for ages up to {asset.max_age}"
    if referral.language and asset.languages and referral.language not in asset.languages:
        return f"not offered in {LANGUAGE_NAMES.get(referral.language, referral.language)}"
    if referral.delivery and asset.delivery and referral.delivery not in asset.delivery:
        return f"not offered {DELIVERY_WORDS[referral.delivery]}"
    return None


def distance_km(asset: Asset, referral: ReferralIn) -> float | None:
    """Great-circle km between the person and an asset they would travel to; None when either place is
    unknown or the asset needs no travel."""
    if is_remote(asset) or None in (asset.latitude, asset.longitude, referral.latitude, referral.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (referral.latitude, referral.longitude,
                                                asset.latitude, asset.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def features(candidate: Candidate, referral: ReferralIn, need_scores: Mapping[str, float],
             km: float | None, person: Person | None = None, uptake: UptakeTable | None = None
             ) -> dict[str, float]:
    """The ranking features of one eligible candidate, each in [0, 1] ('audience' in [-1, 1]: made for
    the person's community or gender, or for others; 'uptake' in [-1, 1]: how often people referred
    here went, shrunk and centred on the need's average, 0 without outcomes); 'declined' weighs against."""
    person = person or read_person(referral)
    lift = 0.0 if uptake is None else uptake.lift(candidate.asset.id, main_need(candidate.asset, need_scores))
    covered = sorted((need_scores[n] * (1.0 if i == 0 else SECONDARY_NEED)
                      for i, n in enumerate(candidate.asset.needs) if n in need_scores), reverse=True)
    strongest = max(need_scores.values(), default=0.0)
    return {"need": covered[0] / strongest if covered and strongest else 0.0,
            "extra_needs": min(1.0, sum(covered[1:]) / strongest) if covered and strongest else 0.0,
            "semantic": max(candidate.similarity, 0.0),
            "need_fit": max(candidate.need_fit, 0.0),
            "passage": max(candidate.passage_similarity, 0.0),
            "person_fit": person_fit(candidate.asset, referral, person.housebound),
            "nearness": nearness(km),
            "declined": max(candidate.declined_similarity, 0.0),
            "audience": audience_fit(asset_audience(candidate.asset), person)[0],
            "uptake": lift}


def main_need(asset: Asset, need_scores: Mapping[str, float]) -> str | None:
    """The person's need this asset serves best (its own first need counting most), else its first need."""
    served = [(need_scores[n] * (1.0 if i == 0 else SECONDARY_NEED), n)
              for i, n in enumerate(asset.needs) if n in need_scores]
    if served:
        return max(served, key=lambda pair: pair[0])[1]
    return asset.needs[0] if asset.needs else None


def person_fit(asset: Asset, referral: ReferralIn, housebound: bool = False) -> float:
    """Marks of an asset made for this person: their age group, their language, their way of taking
    part (stated, or no travel for someone housebound)."""
    marks = 0
    if housebound and is_remote(asset):
        marks += 1
    if referral.age is not None and is_age_targeted(asset):
        marks += 1
    if referral.language and referral.language != "en" and referral.language in asset.languages:
        marks += 1
    if referral.delivery and referral.delivery in asset.delivery:
        marks += 1
    return min(1.0, float(marks))


def is_age_targeted(asset: Asset) -> bool:
    """An asset for an age group (older people, young people), not just for adults."""
    return (asset.min_age is not None and asset.min_age >= OLDER_FROM) or \
        (asset.max_age is not None and asset.max_age <= YOUNGER_UNTIL)


def nearness(km: float | None) -> float:
    """Distance decay; unknown distance, or no travel, counts like a place about 3.5 km away."""
    return math.exp(-km / DISTANCE_SCALE_KM) if km is not None else UNKNOWN_NEARNESS


def score_candidates(referral: ReferralIn, need_scores: Mapping[str, float], candidates: Sequence[Candidate],
                     weights: RankingWeights, person: Person | None = None,
                     uptake: UptakeTable | None = None) -> list[Scored]:
    """Eligible candidates, best first. An age read from the note counts when the referral gives none."""
    w = weights.as_dict()
    person = person or read_person(referral)
    referral = with_age(referral, person.age)
    scored = []
    for c in candidates:
        if eligibility_problem(c.asset, referral):
            continue
        km = distance_km(c.asset, referral)
        f = features(c, referral, need_scores, km, person, uptake)
        covered = tuple(n for n in c.asset.needs if n in need_scores)
        scored.append(Scored(c, sum(w[name] * f[name] for name in FEATURES), covered, km, f))
    return sorted(scored, key=lambda s: -s.score)


def with_age(referral: ReferralIn, age: int | None) -> ReferralIn:
    """The referral with an age read from its note, when it gives none."""
    return referral if referral.age is not None or age is None else referral.model_copy(update={"age": age})


def rank(referral: ReferralIn, need_scores: Mapping[str, float], candidates: Sequence[Candidate],
         *, top: int = 5, weights: RankingWeights | None = None,
         uptake: UptakeTable | None = None) -> list[Suggestion]:
    """The top suggestions for one referral, each with its needs, distance and reasons; `uptake`, the
    recorded outcomes, informs the score and, from enough referrals, the reasons."""
    person = read_person(referral)
    scored = score_candidates(referral, need_scores, candidates, weights or RankingWeights(), person, uptake)
    return [Suggestion(asset_id=s.candidate.asset.id, name=s.candidate.asset.name, score=round(s.score, 4),
                       needs=list(s.covered), distance_km=None if s.km is None else round(s.km, 2),
                       reasons=reasons(s.candidate, list(s.covered), s.km, referral, person,
                                       uptake.of(s.candidate.asset.id) if uptake is not None else None),
                       features={name: round(value, 4) for name, value in s.features.items()})
            for s in cover_main_needs(scored, need_scores, top)]


def cover_main_needs(scored: list[Scored], need_scores: Mapping[str, float], top: int) -> list[Scored]:
    """The best asset for each need first (strongest need first), then the best of the rest."""
    chosen: dict[str, Scored] = {}
    for need in sorted(need_scores, key=lambda n: -need_scores[n]):
        if len(chosen) >= top:
            break
        best = next((s for s in scored if need in s.covered and s.candidate.asset.id not in chosen), None)
        if best is not None:
            chosen[best.candidate.asset.id] = best
    for s in scored:
        if len(chosen) >= top:
            break
        chosen.setdefault(s.candidate.asset.id, s)
    return sorted(chosen.values(), key=lambda s: -s.score)
