"""Asset uptake: of the people referred to each asset (accepted suggestions), how many went.

Observed rates from a handful of referrals are noise, so ranking uses a rate shrunk toward the need's
average: `(attended + k * need_rate) / (referred + k)`. A new service starts exactly at its need's
average, neither buried nor promoted, and earns its own rate as referrals accumulate. Counts under
`MIN_REPORTED` referrals are never shown (small-number suppression).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from triage.outcomes.scoring import suppressed
from triage.schemas import Asset

if TYPE_CHECKING:
    from triage.outcomes.records import Accepted, ReferralOutcomes

PRIOR_STRENGTH = 5  # k: the need's average weighs like 5 referrals
NEUTRAL_RATE = 0.5  # the prior when no outcome has been recorded anywhere
MIN_REPORTED = 5  # fewer referrals than this: no counts, rates or reasons are shown
USUALLY_FROM, FEW_BELOW = 0.6, 0.3  # observed rates worded as 'usually go' and 'few went'


@dataclass(frozen=True)
class Uptake:
    """Counts of accepted suggestions: each counts once as referred, and once for each stage it reached."""

    referred: int = 0
    attended_first: int = 0  # attending at 6 weeks implies a first attendance
    attending_6_weeks: int = 0
    declined: int = 0
    did_not_attend: int = 0

    def __add__(self, other: Uptake) -> Uptake:
        return Uptake(self.referred + other.referred, self.attended_first + other.attended_first,
                      self.attending_6_weeks + other.attending_6_weeks, self.declined + other.declined,
                      self.did_not_attend + other.did_not_attend)

    @property
    def rate(self) -> float | None:
        """Observed uptake, attended_first / referred; None before any referral."""
        return self.attended_first / self.referred if self.referred else None

    @property
    def reportable(self) -> bool:
        return self.referred >= MIN_REPORTED


NO_UPTAKE = Uptake()


def shrunk_rate(uptake: Uptake, prior: float, k: float = PRIOR_STRENGTH) -> float:
    """The observed rate pulled toward `prior` as if k more referrals had gone at the prior's rate."""
    return (uptake.attended_first + k * prior) / (uptake.referred + k)


@dataclass(frozen=True)
class UptakeTable:
    """Uptake per asset, per need (a referral counts toward each of its needs) and overall."""

    assets: Mapping[str, Uptake] = field(default_factory=dict)
    needs: Mapping[str, Uptake] = field(default_factory=dict)
    overall: Uptake = NO_UPTAKE

    def of(self, asset_id: str) -> Uptake:
        return self.assets.get(asset_id, NO_UPTAKE)

    def prior_pool(self, need: str | None) -> Uptake:
        """The pool a need's average comes from: the need's own referrals, else all referrals."""
        pooled = self.needs.get(need, NO_UPTAKE) if need else NO_UPTAKE
        return pooled if pooled.referred else self.overall

    def need_rate(self, need: str | None) -> float:
        """The need's pooled rate, else the overall pooled rate, else NEUTRAL_RATE."""
        rate = self.prior_pool(need).rate
        return NEUTRAL_RATE if rate is None else rate

    def shrunk(self, asset_id: str, need: str | None) -> float:
        return shrunk_rate(self.of(asset_id), self.need_rate(need))

    def lift(self, asset_id: str, need: str | None) -> float:
        """The shrunk rate centred on the need's average, in [-1, 1]; 0 for an asset without outcomes."""
        return self.shrunk(asset_id, need) - self.need_rate(need)


def count_uptake(outcomes: Iterable[ReferralOutcomes]) -> UptakeTable:
    """Add up every accepted suggestion in the referrals' outcomes."""
    assets: dict[str, Uptake] = defaultdict(Uptake)
    needs: dict[str, Uptake] = defaultdict(Uptake)
    overall = NO_UPTAKE
    for referral in outcomes:
        for accepted in referral.accepted:
            one = _one_suggestion(referral, accepted)
            assets[accepted.asset_id] += one
            for need in dict.fromkeys(accepted.needs):
                needs[need] += one
            overall += one
    return UptakeTable(dict(assets), dict(needs), overall)


def _one_suggestion(referral: ReferralOutcomes, accepted: Accepted) -> Uptake:
    reached = {s.stage for s in referral.stages if s.asset_id == accepted.asset_id}
    return Uptake(referred=1, attended_first=int(bool(reached & {"attended_first", "attending_6_weeks"})),
                  attending_6_weeks=int("attending_6_weeks" in reached), declined=int("declined" in reached),
                  did_not_attend=int("did_not_attend" in reached))


def uptake_reason(uptake: Uptake) -> str | None:
    """What a link worker is told about an asset's uptake; None below MIN_REPORTED referrals."""
    if not uptake.reportable or uptake.rate is None:
        return None
    counts = f"{suppressed(uptake.attended_first)} of {uptake.referred} attended"
    if uptake.rate >= USUALLY_FROM:
        return f"people referred here usually go: {counts}"
    if uptake.rate < FEW_BELOW:
        return f"few people referred here went: {counts}"
    return f"some people referred here went: {counts}"


@dataclass(frozen=True)
class AssetUptakeRow:
    """One directory row. Counts and rates are None below MIN_REPORTED referrals (the asset's, or
    for `need_rate` the pool's), so a small number is never shown."""

    asset_id: str
    name: str
    need: str | None  # the asset's main need, whose average its estimate is pulled toward
    need_rate: float | None
    referred: int | None
    attended_first: int | None
    attending_6_weeks: int | None
    declined: int | None
    did_not_attend: int | None
    rate: float | None  # observed: attended_first / referred
    shrunk: float | None  # the estimate ranking uses
    summary: str  # the suggestion's reason, or why there is none


def asset_uptake_rows(table: UptakeTable, assets: Iterable[Asset]) -> list[AssetUptakeRow]:
    """Uptake for the directory page, one row per asset in the order given."""
    return [_row(table, asset) for asset in assets]


def _row(table: UptakeTable, asset: Asset) -> AssetUptakeRow:
    need = asset.needs[0] if asset.needs else None
    need_rate = table.need_rate(need) if table.prior_pool(need).reportable else None
    u = table.of(asset.id)
    if not u.reportable:
        summary = f"fewer than {MIN_REPORTED} referrals so far" if u.referred else "no referrals yet"
        return AssetUptakeRow(asset.id, asset.name, need, need_rate, None, None, None, None, None, None, None,
                              summary)
    return AssetUptakeRow(asset.id, asset.name, need, need_rate, u.referred, u.attended_first,
                          u.attending_6_weeks, u.declined, u.did_not_attend, u.rate, table.shrunk(asset.id, need),
                          uptake_reason(u) or "")
