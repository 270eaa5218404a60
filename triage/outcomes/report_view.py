"""What the outcomes report shows, already suppressed: every count under 5 as '<5', every rate built on
one suppressed, and a suppressed count drawn as a fixed marker listed last, so no bar gives the number away."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import sessionmaker

from triage.outcomes.report import (
    NEED_NAMES,
    NOT_REPORTED,
    SOURCE_NAMES,
    SWEMWBS,
    Report,
    ScoreChange,
    Uptake,
    build_report,
    read_period,
)
from triage.outcomes.scoring import (
    SUPPRESS_BELOW,
    is_suppressed,
    suppressed,
    suppressed_rate,
)

_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    fraction: float  # of the chart's width; 0 when suppressed
    suppressed: bool


@dataclass(frozen=True)
class Interval:
    label: str
    note: str
    text: str  # the change and its interval, or why it is not shown
    reported: bool
    x: tuple[float, float, float] = (0.0, 0.0, 0.0)  # low, mean, high as fractions of the axis


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source.replace("_", " ").capitalize())


def _count_bars(counts: Mapping[str, int], name: Callable[[str], str]) -> list[Bar]:
    """Largest first; the suppressed ones last in name order, so the order tells nothing either."""
    shown = sorted((c, k) for k, c in counts.items() if not is_suppressed(c))
    top = max((c for c, _ in shown), default=0) or 1
    bars = [Bar(name(k), suppressed(c), c / top, False) for c, k in sorted(shown, key=lambda p: (-p[0], name(p[1])))]
    hidden = sorted(name(k) for k, c in counts.items() if is_suppressed(c))
    return bars + [Bar(label, suppressed(1), 0.0, True) for label in hidden]


def _rate_bar(label: str, numerator: int, denominator: int) -> Bar:
    text = suppressed_rate(numerator, denominator)
    hidden = is_suppressed(numerator) or is_suppressed(denominator)
    return Bar(label, text, 0.0 if hidden or not denominator else numerator / denominator, hidden)


def _ordered(uptake: list[Uptake]) -> list[Uptake]:
    """In the given order, except that those with fewer than 5 referred go last, by name."""
    return sorted(uptake, key=lambda u: (is_suppressed(u.referred), u.name if is_suppressed(u.referred) else ""))


def _grouped(uptake: list[Uptake]) -> list[Uptake]:
    """Services with fewer than 5 referrals in one row: a list of '<5' rows says nothing."""
    small = [u for u in uptake if is_suppressed(u.referred)]
    shown = sorted((u for u in uptake if not is_suppressed(u.referred)), key=lambda u: (-u.referred, u.name))
    if len(small) < 2:
        return shown + small
    name = f"Other services ({len(small)}, each with fewer than {SUPPRESS_BELOW} referrals)"
    return shown + [Uptake("", name, *(
        sum(getattr(u, f) for u in small) for f in ("referred", "attended_first", "attending_6_weeks", "declined")))]


def _uptake_rows(uptake: list[Uptake]) -> list[dict[str, str]]:
    return [{"name": u.name, "referred": suppressed(u.referred),
             "attended": suppressed(u.attended_first), "attended_rate": suppressed_rate(u.attended_first, u.referred),
             "six_weeks": suppressed(u.attending_6_weeks),
             "six_weeks_rate": suppressed_rate(u.attending_6_weeks, u.referred),
             "declined": suppressed(u.declined), "declined_rate": suppressed_rate(u.declined, u.referred)}
            for u in _ordered(uptake)]


def _signed(value: float) -> str:
    shown = round(value, 1)
    return "0.0" if shown == 0 else f"{shown:+.1f}".replace("-", "\u2212")


def _interval(score: ScoreChange, bound: float) -> Interval:
    note = "higher is better" if score.better_is_higher else "lower is better"
    c = score.change
    if c is None:
        return Interval(score.name, note, NOT_REPORTED, False)
    text = f"{_signed(c.mean_change)} (95% CI {_signed(c.ci_low)} to {_signed(c.ci_high)})"
    low, mean, high = ((v + bound) / (2 * bound) for v in (c.ci_low, c.mean_change, c.ci_high))
    return Interval(score.name, note, text, True, (low, mean, high))


def _wellbeing_row(score: ScoreChange) -> dict[str, str]:
    row = {"name": score.name, "note": "higher is better" if score.better_is_higher else "lower is better",
           "n": suppressed(score.n), "before": "", "after": "", "change": NOT_REPORTED, "ci": ""}
    if (c := score.change) is not None:
        row |= {"before": f"{c.mean_before:.1f}", "after": f"{c.mean_after:.1f}", "change": _signed(c.mean_change),
                "ci": f"{_signed(c.ci_low)} to {_signed(c.ci_high)}"}
    return row


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _days(value: float) -> str:
    return "1 day" if _number(value) == "1" else f"{_number(value)} days"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _view(report: Report, today: date) -> dict[str, object]:
    spread, contacts = report.first_contact, report.contacts
    ons4 = [s for s in report.wellbeing if s.measure != SWEMWBS]
    bound = max([1.0] + [max(abs(s.change.ci_low), abs(s.change.ci_high)) for s in ons4 if s.change])
    step = 1 if bound <= 4 else 2
    bound = float(step * math.ceil(bound / step))
    return {
        "start": _day(report.start), "end": _day(report.end), "made": _day(today), "threshold": SUPPRESS_BELOW,
        "referrals": suppressed(report.referrals),
        "by_need": _count_bars({NEED_NAMES.get(k, k): v for k, v in report.by_need.items()}, str),
        "by_source": _count_bars(report.by_source, source_name),
        "first_contact": {"n": suppressed(spread.n),
                          "median": _days(spread.median) if spread.median is not None else "",
                          "iqr": f"{_number(spread.q1)} to {_days(spread.q3)}"
                          if spread.q1 is not None and spread.q3 is not None else ""},
        "uptake_chart": [(u.name, _rate_bar("attended a first session", u.attended_first, u.referred),
                          _rate_bar("still attending at 6 weeks", u.attending_6_weeks, u.referred))
                         for u in _ordered(report.uptake_by_need)],
        "uptake_by_need": _uptake_rows(report.uptake_by_need),
        "uptake_by_asset": _uptake_rows(_grouped(report.uptake_by_asset)),
        "intervals": [_interval(s, bound) for s in ons4],
        "ticks": [((t + bound) / (2 * bound), _signed(t) if t else "0")
                  for t in range(-int(bound), int(bound) + 1, step)],
        "wellbeing": [_wellbeing_row(s) for s in report.wellbeing],
        "contacts": {"referrals": suppressed(contacts.referrals), "total": suppressed(contacts.contacts),
                     "mean": f"{contacts.mean_per_referral:.1f}" if contacts.mean_per_referral is not None else ""},
    }


def render_html(report: Report, *, today: date | None = None) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; no scripts, no links out)."""
    return _templates.get_template("report.html").render(v=_view(report, today or date.today()))


def period_report_html(sessions: sessionmaker, *, start: date, end: date, organisation: str | None = None) -> str:
    """The report of referrals received from `start` to `end`, read from the database behind `sessions`."""
    outcomes, names = read_period(sessions, start=start, end=end, organisation=organisation)
    return render_html(build_report(outcomes, start=start, end=end, asset_names=names))
