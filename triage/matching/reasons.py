"""Reasons a link worker can check, for one suggestion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from triage.matching.audience import (
    Person,
    asset_audience,
    audience_fit,
    is_remote,
    read_person,
)
from triage.matching.languages import LANGUAGE_NAMES
from triage.outcomes.uptake import Uptake, uptake_reason
from triage.schemas import Asset, ReferralIn

if TYPE_CHECKING:
    from triage.matching.rank import Candidate

DELIVERY_WORDS = {"in_person": "in person", "online": "online", "phone": "by phone"}
PASSAGE_REASON_FROM = 0.4  # the closest passage is quoted when at least this similar
QUOTE_WORDS = 14


def reasons(candidate: Candidate, covered: list[str], km: float | None, referral: ReferralIn,
            person: Person | None = None, uptake: Uptake | None = None) -> list[str]:
    """Why this asset is suggested: the needs it addresses, what in the note it matches, how and where
    the person would take part, whom it is for, whether people referred here went (from
    MIN_REPORTED referrals), and anything to check first."""
    asset = candidate.asset
    person = person or read_person(referral)
    out = []
    if covered:
        out.append("addresses " + join([n.replace("_", " ") for n in covered]))
    if candidate.passage and candidate.passage_similarity >= PASSAGE_REASON_FROM:
        out.append(f'matches "{quote(candidate.passage)}"')
    if candidate.declined and candidate.declined_similarity >= PASSAGE_REASON_FROM:
        out.append(f'check first: the note says "{quote(candidate.declined)}"')
    fit, why = audience_fit(asset_audience(asset), person)
    if why:
        out.append(why + (", as the person" if fit > 0 else ": check it suits the person"))
    out.extend(_delivery(asset, km, person.housebound))
    if referral.language and referral.language != "en" and referral.language in asset.languages:
        out.append(f"offered in {LANGUAGE_NAMES.get(referral.language, referral.language)}")
    if asset.min_age is not None or asset.max_age is not None:
        out.append(age_range(asset) + _fits_age(person))
    if asset.cost:
        out.append({"free": "free", "low": "low cost", "paid": "paid"}[asset.cost])
    if uptake is not None and (said := uptake_reason(uptake)):
        out.append(said)
    if asset.needs_inferred and covered:
        out.append("needs inferred from its description")
    return out


def _delivery(asset: Asset, km: float | None, housebound: bool) -> list[str]:
    if is_remote(asset):
        kind = {"phone": "phone-based", "online": "online"} if len(set(asset.delivery)) == 1 else {}
        suits = ": suits someone housebound" if housebound else ""
        return [f"{kind.get(asset.delivery[0], 'by phone or online')}, no travel needed{suits}"]
    if km is not None and "in_person" in asset.delivery:
        return [f"in person, {km:.1f} km away"]
    return [join([DELIVERY_WORDS[d] for d in asset.delivery]).capitalize()] if asset.delivery else []


def _fits_age(person: Person) -> str:
    if person.age is None:
        return ""
    return f", fits age {person.age}" + (" (read from the note)" if person.age_from_note else "")


def quote(passage: str) -> str:
    """The first words of a passage, for a reason."""
    words = passage.split()
    return " ".join(words[:QUOTE_WORDS]) + (" ..." if len(words) > QUOTE_WORDS else "")


def age_range(asset: Asset) -> str:
    """'for ages 60+', 'for ages 16-25' or 'for ages up to 16'."""
    if asset.min_age is not None and asset.max_age is not None:
        return f"for ages {asset.min_age}-{asset.max_age}"
    if asset.min_age is not None:
        return f"for ages {asset.min_age}+"
    return f"for ages up to {asset.max_age}"


def join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
