"""Wellbeing scores and small statistics: SWEMWBS, ONS4 bands, paired change, and small-number
suppression so that no person can be picked out of a report. Pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean, stdev

from triage.outcomes.schemas import ONS4_ITEMS

__all__ = [
    "ONS4_BETTER_IS_HIGHER", "ONS4_ITEMS", "SUPPRESS_BELOW", "SWEMWBS_INDIVIDUAL_CHANGE", "SWEMWBS_METRIC",
    "Change", "is_suppressed", "ons4_band", "paired_change", "suppressed", "suppressed_rate",
    "swemwbs_metric", "swemwbs_raw",
]

# SWEMWBS raw total (7 items, each 1-5) -> metric (Rasch-transformed) score: the conversion table published
# by Warwick Medical School with its SWEMWBS user guidance (scale: Stewart-Brown et al. 2009, Health Qual Life
# Outcomes 7:15). Warwick's "Collect, score, analyse and interpret WEMWBS" page says the raw scores "need to be
# transformed": https://warwick.ac.uk/fac/sci/med/research/platform/wemwbs/using/howto . The table sits in
# guides behind Warwick's registration; these 29 values match independent public research code, not the PDF.
SWEMWBS_METRIC: dict[int, float] = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32, 15: 15.84,
    16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54,
    25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70,
    34: 32.55, 35: 35.00,
}
SWEMWBS_ITEMS = 7

# For one person, a SWEMWBS change of between 1 and 3 points "meets thresholds for statistically important
# change, depending on standard used" (1 SEM = 1.03 points; 2.77 SEM = 2.87 points). Source (2018):
# "Responsiveness of the Short Warwick Edinburgh Mental Well-Being Scale (SWEMWBS): evaluation a clinical
# sample", Health Qual Life Outcomes 16:239, doi:10.1186/s12955-018-1060-2. The authors say anchor-based
# studies are still needed to show this is a *minimally important* change for the person. The abstract does
# not say whether these are raw or metric points.
SWEMWBS_INDIVIDUAL_CHANGE: tuple[float, float] = (1.0, 3.0)

# ONS personal well-being thresholds, as the ONS publishes them: (lowest score in band, band).
# Source: ONS FOI response "A set of annual UK SWB score distributions", https://www.ons.gov.uk/aboutus/
# transparencyandgovernance/freedomofinformationfoi/asetofannualukswbscoredistributions : 0-4 low, 5-6 medium,
# 7-8 high, 9-10 very high; anxiety (higher is worse) 0-1 very low, 2-3 low, 4-5 medium, 6-10 high.
_POSITIVE_BANDS = ((9, "very high"), (7, "high"), (5, "medium"), (0, "low"))
_ANXIETY_BANDS = ((6, "high"), (4, "medium"), (2, "low"), (0, "very low"))
ONS4_BETTER_IS_HIGHER: dict[str, bool] = {
    "life_satisfaction": True, "worthwhile": True, "happy": True, "anxious": False,
}

SUPPRESS_BELOW = 5
_SUPPRESSED = f"<{SUPPRESS_BELOW}"
_NO_RATE = "–"  # en dash: nothing to divide by


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def swemwbs_raw(items: Sequence[int]) -> int:
    """The SWEMWBS raw total (7 to 35): the sum of the 7 items, each 1 to 5."""
    if len(items) != SWEMWBS_ITEMS:
        raise ValueError(f"SWEMWBS has {SWEMWBS_ITEMS} items; got {len(items)}")
    for i, item in enumerate(items, start=1):
        if not _is_whole(item) or not 1 <= item <= 5:
            raise ValueError(f"SWEMWBS item {i} is {item!r}; each item is a whole number 1 to 5")
    return sum(items)


def swemwbs_metric(items: Sequence[int]) -> float:
    """The SWEMWBS metric score (7.00 to 35.00): the raw total through the published conversion table."""
    return SWEMWBS_METRIC[swemwbs_raw(items)]


def ons4_band(item: str, score: int) -> str:
    """The ONS threshold band of one ONS4 answer, e.g. ('happy', 8) -> 'high'."""
    if item not in ONS4_BETTER_IS_HIGHER:
        raise ValueError(f"unknown ONS4 item '{item}'; valid items: {', '.join(ONS4_ITEMS)}")
    if not _is_whole(score) or not 0 <= score <= 10:
        raise ValueError(f"ONS4 '{item}' score is {score!r}; each score is a whole number 0 to 10")
    bands = _POSITIVE_BANDS if ONS4_BETTER_IS_HIGHER[item] else _ANXIETY_BANDS
    return next(band for lowest, band in bands if score >= lowest)


@dataclass(frozen=True)
class Change:
    """Mean before, after and change (after - before) over paired scores, with a t-based interval."""

    n: int
    mean_before: float
    mean_after: float
    mean_change: float
    ci_low: float
    ci_high: float


def paired_change(pairs: Sequence[tuple[float, float]], *, confidence: float = 0.95) -> Change | None:
    """Mean of (after - before) with a t confidence interval; None when there are fewer than 2 pairs."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95); got {confidence}")
    for i, pair in enumerate(pairs):
        if len(pair) != 2 or not all(math.isfinite(v) for v in pair):
            raise ValueError(f"pair {i} is {pair!r}; each pair is (before, after) as two finite numbers")
    n = len(pairs)
    if n < 2:
        return None
    # scipy.stats takes about a second to import, so only when an interval is wanted
    from scipy import stats

    changes = [after - before for before, after in pairs]
    mean = fmean(changes)
    spread = stdev(changes)
    half = 0.0 if spread == 0 else float(stats.t.ppf((1 + confidence) / 2, n - 1)) * spread / math.sqrt(n)
    return Change(n=n, mean_before=fmean(b for b, _ in pairs), mean_after=fmean(a for _, a in pairs),
                  mean_change=mean, ci_low=mean - half, ci_high=mean + half)


def _check_count(name: str, count: int) -> None:
    if not _is_whole(count) or count < 0:
        raise ValueError(f"{name} must be a whole number 0 or more; got {count!r}")


def is_suppressed(count: int) -> bool:
    """True for counts 1 to 4, which could identify someone; 0 is shown as it is."""
    _check_count("count", count)
    return 0 < count < SUPPRESS_BELOW


def suppressed(count: int) -> str:
    """A count as report text: '<5' for 1 to 4, else the number ('0' stays '0')."""
    return _SUPPRESSED if is_suppressed(count) else str(count)


def suppressed_rate(numerator: int, denominator: int) -> str:
    """A percentage as report text, e.g. '67%'; '<5' when either count is 1 to 4, '–' when nothing to divide."""
    _check_count("numerator", numerator)
    _check_count("denominator", denominator)
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} is more than denominator {denominator}")
    if denominator == 0:
        return _NO_RATE
    if is_suppressed(numerator) or is_suppressed(denominator):
        return _SUPPRESSED
    return f"{(200 * numerator + denominator) // (2 * denominator)}%"  # whole percent, halves round up
