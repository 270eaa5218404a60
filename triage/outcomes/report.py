"""The outcomes report for commissioners: who was referred, how soon they were contacted, whether they took
up what was offered, how their wellbeing changed and how much link-worker contact it took.

`build_report` turns `ReferralOutcomes` into exact figures; statistics over fewer than 5 people (a median,
a mean, a change in wellbeing) are not computed at all. `render_html` is the way figures leave: every count
under 5 is shown as '<5', every rate built on one is suppressed, and a chart draws a suppressed count as a
marker of no length, so no bar gives the number away. `render_file` writes the page as HTML, or as PDF or
PNG through Debian's headless Chromium.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from triage.errors import InputError, TriageError
from triage.outcomes.records import ReferralOutcomes, load_outcomes
from triage.outcomes.scoring import (
    ONS4_BETTER_IS_HIGHER,
    ONS4_ITEMS,
    SUPPRESS_BELOW,
    Change,
    is_suppressed,
    paired_change,
    suppressed,
    suppressed_rate,
    swemwbs_metric,
)
from triage.settings import REPO_ROOT, Settings
from triage.taxonomy import NEEDS

Format = Literal["html", "pdf", "png"]
FORMATS: tuple[str, ...] = ("html", "pdf", "png")
SWEMWBS = "swemwbs"
ONS4_NAMES = {"life_satisfaction": "Life satisfaction", "worthwhile": "Things done are worthwhile",
              "happy": "Happiness yesterday", "anxious": "Anxiety yesterday"}
NEED_NAMES = {c.id: c.name for c in NEEDS}
SOURCE_NAMES = {"gp": "GP practice", "pharmacy": "Pharmacy", "hospital": "Hospital", "housing": "Housing",
                "jobcentre": "Jobcentre", "police": "Police", "fire": "Fire and rescue", "social_care": "Social care",
                "voluntary": "Voluntary sector", "self": "Self-referral", "other": "Other"}
NOT_REPORTED = f"fewer than {SUPPRESS_BELOW} people with both measures"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGE_WIDTH = 1200
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class RenderError(TriageError):
    """Chromium could not turn the report into a PDF or PNG."""


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


def check_period(start: date, end: date) -> None:
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
    mean = total / len(chosen) if len(chosen) >= SUPPRESS_BELOW else None
    return Contacts(len(chosen), total, mean)


# --- what the page shows: text, already suppressed ----------------------------------------------------

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


# --- files: HTML as it is, PDF and PNG through Chromium ------------------------------------------------

def render_file(html: str, path: Path, fmt: Format) -> Path:
    """Write the page to `path` as HTML, or as a PDF or full-page PNG printed by headless Chromium."""
    if fmt not in FORMATS:
        raise InputError("format", f"'{fmt}' is not a report format; use one of: {', '.join(FORMATS)}")
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        path.write_text(html, encoding="utf-8")
        return path
    with tempfile.TemporaryDirectory(prefix="triage-report-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        if fmt == "pdf":
            _chromium(Path(folder), page, [f"--print-to-pdf={path}", "--no-pdf-header-footer"], path)
        else:
            height = _page_height(Path(folder), html)
            _chromium(Path(folder), page, [f"--screenshot={path}", f"--window-size={PAGE_WIDTH},{height}",
                                           "--hide-scrollbars"], path)
    return path


def chromium_path() -> str:
    """Debian's Chromium: on the PATH, or installed by scripts/chromium.sh."""
    found = shutil.which("chromium")
    if found:
        return found
    script = REPO_ROOT / "scripts" / "chromium.sh"
    done = subprocess.run([str(script)], check=False, capture_output=True, text=True, timeout=900)
    if done.returncode != 0 or not done.stdout.strip():
        raise RenderError(f"no chromium to print the report with: {script} failed ({done.stderr.strip()[-500:]}); "
                          "install Debian's chromium (apt-get install chromium) or write --format html")
    return done.stdout.strip().splitlines()[-1]


def _run_chromium(folder: Path, page: Path, flags: list[str]) -> subprocess.CompletedProcess[str]:
    profile = tempfile.mkdtemp(prefix="profile-", dir=folder)  # a fresh profile every run
    command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *flags, page.as_uri()]
    try:
        return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired as e:
        raise RenderError("chromium did not finish printing the report within 120 s; try --format html") from e


def _chromium(folder: Path, page: Path, flags: list[str], output: Path) -> None:
    output.unlink(missing_ok=True)
    done = _run_chromium(folder, page, flags)
    if done.returncode != 0 or not output.exists() or output.stat().st_size == 0:
        raise RenderError(f"chromium could not write '{output}' (exit code {done.returncode}): "
                          f"{done.stderr.strip()[-800:] or 'no message'}; check the folder is writable, "
                          "or write --format html")


def _page_height(folder: Path, html: str) -> int:
    """The page's height at PAGE_WIDTH, measured by Chromium on a copy that writes it into the DOM."""
    probe = folder / "measure.html"
    script = "<script>document.body.dataset.height = document.documentElement.scrollHeight;</script>"
    head, _, tail = html.rpartition("</body>")
    probe.write_text(f"{head}{script}</body>{tail}" if head else html + script, encoding="utf-8")
    done = _run_chromium(folder, probe, ["--dump-dom", f"--window-size={PAGE_WIDTH},900"])
    found = re.search(r'data-height="(\d+)"', done.stdout)
    if done.returncode != 0 or not found:
        raise RenderError(f"chromium could not lay out the report (exit code {done.returncode}): "
                          f"{done.stderr.strip()[-800:] or 'no message'}")
    return min(int(found.group(1)) + 8, 30_000)


# --- from the database ---------------------------------------------------------------------------------

def load_period(settings: Settings, *, start: date, end: date,
                organisation: str | None = None) -> tuple[list[ReferralOutcomes], dict[str, str]]:
    """Outcomes of referrals received from `start` to `end` (both included), and the asset names."""
    from triage.store.assets import AssetRepository
    from triage.store.db import open_database

    if settings.database_url is None and not (settings.home / "triage.db").exists():
        raise InputError("home", f"no database at '{settings.home / 'triage.db'}'; give the data directory "
                                 "with --home or TRIAGE_HOME")
    database = open_database(settings.resolved_database_url)
    try:
        outcomes = load_outcomes(database.sessions, start=datetime.combine(start, time.min, UTC),
                                 end=datetime.combine(end + timedelta(days=1), time.min, UTC),
                                 organisation=organisation)
        names = {s.asset.id: s.asset.name for s in AssetRepository(database.sessions).all()}
    finally:
        database.engine.dispose()
    return outcomes, names


def write_report(settings: Settings, *, start: date, end: date, fmt: Format, output: Path,
                 organisation: str | None = None) -> Path:
    """Load, build, render and write the report for referrals received from `start` to `end`."""
    outcomes, names = load_period(settings, start=start, end=end, organisation=organisation)
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
