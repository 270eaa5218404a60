"""The outcomes report for commissioners: who was referred, how soon they were contacted, whether they took
up what was offered, how their wellbeing changed and how much link-worker contact it took.

`build_report` turns `ReferralOutcomes` into exact figures; statistics over fewer than 5 people (a median,
a mean, a change in wellbeing) are not computed at all. The figures leave only through
`report_view.render_html`, which suppresses small numbers; `report_files.render_file` writes HTML, PDF or PNG.

    python -m triage.outcomes.report --home DIR --from YYYY-MM-DD --to YYYY-MM-DD --format png --output F
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from triage.errors import InputError, TriageError
from triage.outcomes.records import ReferralOutcomes, period_outcomes
from triage.outcomes.report_files import FORMATS, Format, render_file
from triage.outcomes.scoring import (
    ONS4_BETTER_IS_HIGHER,
    ONS4_ITEMS,
    SUPPRESS_BELOW,
    Change,
    paired_change,
    swemwbs_metric,
)
from triage.settings import Settings
from triage.taxonomy import NEEDS

SWEMWBS = "swemwbs"
ONS4_NAMES = {"life_satisfaction": "Life satisfaction", "worthwhile": "Things done are worthwhile",
              "happy": "Happiness yesterday", "anxious": "Anxiety yesterday"}
NEED_NAMES = {c.id: c.name for c in NEEDS}
SOURCE_NAMES = {"gp": "GP practice", "pharmacy": "Pharmacy", "hospital": "Hospital", "housing": "Housing",
                "jobcentre": "Jobcentre", "police": "Police", "fire": "Fire and rescue", "social_care": "Social care",
                "voluntary": "Voluntary sector", "self": "Self-referral", "other": "Other"}
NOT_REPORTED = f"fewer than {SUPPRESS_BELOW} people with both measures"


# --- the figures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """Days from referral to first contact over the `n` people contacted; None under 5 people."""

    n: int
    median: float | None
    q1: float | None
    q3: float | None


@dataclass(frozen=True)
class Uptake:
    """For a need: people with it who were referred on to at least one service (attended: any of them;
    declined: one, and attended none). For an asset: the suggestions of it that were accepted."""

    key: str
    name: str
    referred: int
    attended_first: int
    attending_6_weeks: int
    declined: int


@dataclass(frozen=True)
class ScoreChange:
    """Follow-up minus first contact, over the `n` people with both; `change` is None when n < 5."""

    measure: str  # an ONS4 item or 'swemwbs'
    name: str
    better_is_higher: bool
    n: int
    change: Change | None


@dataclass(frozen=True)
class Contacts:
    referrals: int
    contacts: int
    mean_per_referral: float | None  # None under 5 referrals


@dataclass(frozen=True)
class Report:
    """Exact figures for referrals received from `start` to `end` (both included): not for publication
    as they are; `render_html` suppresses the small numbers."""

    start: date
    end: date
    referrals: int
    by_source: dict[str, int]
    by_need: dict[str, int]
    first_contact: Spread
    uptake_by_need: list[Uptake]
    uptake_by_asset: list[Uptake]
    wellbeing: list[ScoreChange]
    contacts: Contacts


def build_report(outcomes: Sequence[ReferralOutcomes], *, start: date, end: date,
                 asset_names: Mapping[str, str] | None = None) -> Report:
    """The figures for referrals received from `start` to `end`, both days included."""
    check_period(start, end)
    chosen = [o for o in outcomes if start <= o.created_at.astimezone(UTC).date() <= end]
    return Report(start, end, len(chosen), dict(Counter(o.source for o in chosen)),
                  dict(Counter(n for o in chosen for n in dict.fromkeys(o.needs))), _first_contact(chosen),
                  _uptake_by_need(chosen), _uptake_by_asset(chosen, asset_names or {}), _wellbeing(chosen),
                  _contacts(chosen))


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def check_period(start: date, end: date) -> None:
    for name, day in (("from", start), ("to", end)):
        if not EARLIEST <= day <= LATEST:
            raise InputError(name, f"{day} is outside {EARLIEST} to {LATEST}")
    if end < start:
        raise InputError("to", f"the period ends on {end}, before it starts on {start}; "
                               "give an end on or after the start")


def _first_contact(chosen: list[ReferralOutcomes]) -> Spread:
    days = [max((o.first_contact_on - o.created_at.astimezone(UTC).date()).days, 0)
            for o in chosen if o.first_contact_on is not None]
    if len(days) < SUPPRESS_BELOW:
        return Spread(len(days), None, None, None)
    q1, median, q3 = statistics.quantiles(days, n=4, method="inclusive")
    return Spread(len(days), median, q1, q3)


def _went(o: ReferralOutcomes, asset_id: str) -> tuple[bool, bool, bool]:
    """(attended a first session, still attending at 6 weeks, declined without attending)."""
    six_weeks = o.reached(asset_id, "attending_6_weeks")
    first = six_weeks or o.reached(asset_id, "attended_first")
    return first, six_weeks, not first and o.reached(asset_id, "declined")


def _tally(key: str, name: str, went: list[tuple[bool, bool, bool]]) -> Uptake:
    return Uptake(key, name, len(went), sum(w[0] for w in went), sum(w[1] for w in went), sum(w[2] for w in went))


def _uptake_by_need(chosen: list[ReferralOutcomes]) -> list[Uptake]:
    people: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    for o in chosen:
        if not o.accepted:
            continue
        went = [_went(o, a.asset_id) for a in o.accepted]
        first, six_weeks = any(w[0] for w in went), any(w[1] for w in went)
        person = (first, six_weeks, not first and any(w[2] for w in went))
        for need in dict.fromkeys(o.needs):
            people[need].append(person)
    return [_tally(need, NEED_NAMES.get(need, need), people[need]) for need in _need_order(people)]


def _uptake_by_asset(chosen: list[ReferralOutcomes], names: Mapping[str, str]) -> list[Uptake]:
    pairs: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    for o in chosen:
        for accepted in o.accepted:
            pairs[accepted.asset_id].append(_went(o, accepted.asset_id))
    return [_tally(asset, names.get(asset, asset), pairs[asset]) for asset in sorted(pairs)]


def _need_order(found: Mapping[str, object]) -> list[str]:
    known = [n for n in NEED_NAMES if n in found]
    return known + sorted(n for n in found if n not in NEED_NAMES)


def _wellbeing(chosen: list[ReferralOutcomes]) -> list[ScoreChange]:
    both = [(first, later) for o in chosen
            if (first := o.wellbeing_at("first_contact")) and (later := o.wellbeing_at("follow_up"))]
    changes = [_change(item, ONS4_NAMES[item], ONS4_BETTER_IS_HIGHER[item],
                       [(f.ons4[item], u.ons4[item]) for f, u in both if item in f.ons4 and item in u.ons4])
               for item in ONS4_ITEMS]
    metric = [(swemwbs_metric(f.swemwbs), swemwbs_metric(u.swemwbs)) for f, u in both if f.swemwbs and u.swemwbs]
    return [*changes, _change(SWEMWBS, "SWEMWBS metric score", True, metric)]


def _change(measure: str, name: str, better_is_higher: bool, pairs: list[tuple[float, float]]) -> ScoreChange:
    change = paired_change(pairs) if len(pairs) >= SUPPRESS_BELOW else None
    return ScoreChange(measure, name, better_is_higher, len(pairs), change)


def _contacts(chosen: list[ReferralOutcomes]) -> Contacts:
    total = sum(len(o.contacts) for o in chosen)
    mean = total / len(chosen) if len(chosen) >= SUPPRESS_BELOW and total >= SUPPRESS_BELOW else None
    return Contacts(len(chosen), total, mean)


# --- from the database ---------------------------------------------------------------------------------

def read_period(sessions: sessionmaker, *, start: date, end: date,
                organisation: str | None = None) -> tuple[list[ReferralOutcomes], dict[str, str]]:
    """Outcomes of referrals received from `start` to `end` (both included), and the asset names."""
    from triage.store.assets import AssetRepository

    check_period(start, end)
    outcomes = period_outcomes(sessions, start=start, end=end, organisation=organisation)
    return outcomes, {s.asset.id: s.asset.name for s in AssetRepository(sessions).all()}


def load_period(settings: Settings, *, start: date, end: date,
                organisation: str | None = None) -> tuple[list[ReferralOutcomes], dict[str, str]]:
    """`read_period` on the database of a data directory (the command line's way in)."""
    from triage.store.db import existing_database

    with existing_database(settings) as database:
        return read_period(database.sessions, start=start, end=end, organisation=organisation)


def write_report(settings: Settings, *, start: date, end: date, fmt: Format, output: Path,
                 organisation: str | None = None) -> Path:
    """Load, build, render and write the report for referrals received from `start` to `end`."""
    outcomes, names = load_period(settings, start=start, end=end, organisation=organisation)
    from triage.outcomes.report_view import render_html

    report = build_report(outcomes, start=start, end=end, asset_names=names)
    return render_file(render_html(report), output, fmt)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage.outcomes.report", description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True, help="the data directory")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True, help="YYYY-MM-DD, included")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="html")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        written = write_report(Settings(home=args.home), start=args.start, end=args.end, fmt=args.fmt,
                               output=args.output)
    except TriageError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    sys.stdout.write(f"{written}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
