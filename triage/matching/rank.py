"""Ranking: eligibility as hard filters, then need coverage, semantic fit and distance, then a top-K
that covers each of the person's main needs. Every suggestion says why."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from triage.schemas import Asset, ReferralIn, Suggestion

COVERAGE_WEIGHT = 0.6
SEMANTIC_WEIGHT = 0.3
DISTANCE_WEIGHT = 0.1
DISTANCE_SCALE_KM = 5.0
LANGUAGE_NAMES = {"en": "English", "pl": "Polish", "ur": "Urdu", "pa": "Punjabi", "ar": "Arabic",
                  "ro": "Romanian", "bn": "Bengali", "so": "Somali", "uk": "Ukrainian",
                  "pt": "Portuguese", "fa": "Farsi", "ti": "Tigrinya", "zh": "Chinese"}
DELIVERY_WORDS = {"in_person": "in person", "online": "online", "phone": "by phone"}


@dataclass(frozen=True)
class Candidate:
    asset: Asset
    similarity: float


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
    if None in (asset.latitude, asset.longitude, referral.latitude, referral.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (referral.latitude, referral.longitude,
                                                asset.latitude, asset.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def rank(referral: ReferralIn, need_scores: dict[str, float], candidates: Sequence[Candidate],
         *, top: int = 5) -> list[Suggestion]:
    total = sum(need_scores.values())
    scored = []
    for c in candidates:
        if eligibility_problem(c.asset, referral):
            continue
        covered = [n for n in c.asset.needs if n in need_scores]
        coverage = sum(need_scores[n] for n in covered) / total if total else 0.0
        km = distance_km(c.asset, referral)
        nearness = _nearness(c.asset, km)
        score = COVERAGE_WEIGHT * coverage + SEMANTIC_WEIGHT * max(c.similarity, 0.0) + \
            DISTANCE_WEIGHT * nearness
        scored.append((score, c, covered, km))
    scored.sort(key=lambda s: -s[0])
    chosen = _cover_main_needs(scored, need_scores, top)
    return [Suggestion(asset_id=c.asset.id, name=c.asset.name, score=round(score, 4), needs=covered,
                       distance_km=None if km is None else round(km, 2),
                       reasons=reasons(c, covered, km, referral))
            for score, c, covered, km in chosen]


def _nearness(asset: Asset, km: float | None) -> float:
    if km is not None:
        return math.exp(-km / DISTANCE_SCALE_KM)
    remote = asset.delivery and set(asset.delivery) <= {"online", "phone"}
    return 1.0 if remote else 0.5


def _cover_main_needs(scored: list, need_scores: dict[str, float], top: int) -> list:
    """The best asset for each need first (strongest need first), then the best of the rest."""
    chosen, used = [], set()
    for need in sorted(need_scores, key=lambda n: -need_scores[n]):
        if len(chosen) >= top:
            break
        for item in scored:
            if need in item[2] and item[1].asset.id not in used:
                chosen.append(item)
                used.add(item[1].asset.id)
                break
    for item in scored:
        if len(chosen) >= top:
            break
        if item[1].asset.id not in used:
            chosen.append(item)
            used.add(item[1].asset.id)
    return sorted(chosen, key=lambda s: -s[0])


def reasons(candidate: Candidate, covered: list[str], km: float | None, referral: ReferralIn) -> list[str]:
    asset = candidate.asset
    out = []
    if covered:
        out.append("addresses " + _join([n.replace("_", " ") for n in covered]))
    modes = [DELIVERY_WORDS[d] for d in asset.delivery]
    if km is not None and "in_person" in asset.delivery:
        out.append(f"in person, {km:.1f} km away")
    elif modes:
        out.append(_join(modes).capitalize())
    if asset.delivery and set(asset.delivery) <= {"phone", "online"}:
        out.append("no travel needed, suits someone housebound")
    if referral.language and referral.language != "en" and referral.language in asset.languages:
        out.append(f"offered in {LANGUAGE_NAMES.get(referral.language, referral.language)}")
    if asset.min_age is not None or asset.max_age is not None:
        out.append(_age_range(asset))
    if asset.cost:
        out.append({"free": "free", "low": "low cost", "paid": "paid"}[asset.cost])
    if candidate.similarity >= 0.35:
        out.append(f"close to what the note describes (similarity {candidate.similarity:.2f})")
    if asset.needs_inferred and covered:
        out.append("needs inferred from its description")
    return out


def _age_range(asset: Asset) -> str:
    if asset.min_age is not None and asset.max_age is not None:
        return f"for ages {asset.min_age}-{asset.max_age}"
    if asset.min_age is not None:
        return f"for ages {asset.min_age}+"
    return f"for ages up to {asset.max_age}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
