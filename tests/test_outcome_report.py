"""The commissioners' outcomes report and the evaluators' export, on small hand-made outcome records.

No model and no database: `ReferralOutcomes` are built by hand. One test prints through Debian's Chromium
(installed by scripts/chromium.sh when missing), so it fails rather than skips without it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from triage.errors import InputError
from triage.outcomes.export import COLUMNS, deidentified_rows, referral_key, write_csv
from triage.outcomes.records import (
    Accepted,
    Contact,
    ReferralOutcomes,
    StageRecord,
    Wellbeing,
)
from triage.outcomes.report import build_report
from triage.outcomes.report_files import RenderError, render_file
from triage.outcomes.report_view import render_html
from triage.outcomes.scoring import paired_change

START, END = date(2026, 3, 2), date(2026, 5, 24)
SALT = "a-test-salt-of-enough-length"
NOTE_REASON = "did not want a group, prefers one to one"


def ons4(life: int, anxious: int = 5) -> dict[str, int]:
    return {"life_satisfaction": life, "worthwhile": 6, "happy": 5, "anxious": anxious}


def referral(i: int, *, source: str = "gp", needs: tuple[str, ...] = ("loneliness",),
             contact_after: int | None = None, asset: str | None = None, stages: tuple[str, ...] = (),
             before: int | None = None, after: int | None = None, swemwbs: bool = False) -> ReferralOutcomes:
    """Referral i, received on 3 March 2026 + i days, from Castlemere Medical Centre."""
    created = datetime(2026, 3, 3, 9, 30, tzinfo=UTC) + timedelta(days=i)
    o = ReferralOutcomes(f"ref-{i:03d}-secret-id", created, source, "Castlemere Medical Centre", "in_review",
                         list(needs))
    day = created.date()
    if contact_after is not None:
        o.contacts += [Contact(day + timedelta(days=contact_after), "phone", 20),
                       Contact(day + timedelta(days=contact_after + 7), "in_person", 45)]
    if asset:
        o.accepted.append(Accepted(asset, needs, created))
        o.stages += [StageRecord(asset, s, day + timedelta(days=10 + k), NOTE_REASON if s == "declined" else "")
                     for k, s in enumerate(stages)]
    items = (3, 3, 3, 3, 3, 3, 3) if swemwbs else None
    if before is not None and after is not None:
        o.wellbeing += [Wellbeing("first_contact", day + timedelta(days=2), ons4(before, 7), items),
                        Wellbeing("follow_up", day + timedelta(days=90), ons4(after, 4),
                                  (4, 4, 3, 4, 3, 4, 4) if swemwbs else None)]
    return o


@pytest.fixture
def outcomes() -> list[ReferralOutcomes]:
    """6 GP referrals for loneliness (5 referred on to asset-001) and 3 from pharmacies for debt."""
    return [
        referral(0, contact_after=1, asset="asset-001", stages=("contacted", "attended_first", "attending_6_weeks"),
                 before=4, after=6, swemwbs=True),
        referral(1, contact_after=2, asset="asset-001", stages=("attended_first",), before=5, after=6, swemwbs=True),
        referral(2, contact_after=3, asset="asset-001", stages=("attended_first",), before=3, after=5, swemwbs=True),
        referral(3, contact_after=4, asset="asset-001", stages=("declined",), before=6, after=7),
        referral(4, contact_after=10, asset="asset-001", before=4, after=4),
        referral(5),
        referral(6, source="pharmacy", needs=("debt",), contact_after=5, asset="asset-020", stages=("declined",)),
        referral(7, source="pharmacy", needs=("debt",)),
        referral(8, source="pharmacy", needs=("debt",)),
    ]


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.DOTALL)]


# --- the figures -----------------------------------------------------------------------------------

def test_referrals_are_counted_by_source_and_need(outcomes):
    report = build_report(outcomes, start=START, end=END)
    assert report.referrals == 9
    assert report.by_source == {"gp": 6, "pharmacy": 3}
    assert report.by_need == {"loneliness": 6, "debt": 3}


def test_referrals_outside_the_period_are_left_out(outcomes):
    report = build_report(outcomes, start=date(2026, 3, 4), end=date(2026, 3, 6))
    assert report.referrals == 3  # received on the 4th, 5th and 6th


def test_time_to_first_contact_has_median_and_iqr(outcomes):
    spread = build_report(outcomes, start=START, end=END).first_contact
    assert spread.n == 6  # days 1, 2, 3, 4, 10 and 5
    assert spread.median == 3.5
    assert (spread.q1, spread.q3) == (2.25, 4.75)


def test_uptake_counts_people_per_need_and_referrals_per_asset(outcomes):
    report = build_report(outcomes, start=START, end=END, asset_names={"asset-001": "Castlemere Men's Shed"})
    loneliness = next(u for u in report.uptake_by_need if u.key == "loneliness")
    assert (loneliness.referred, loneliness.attended_first, loneliness.attending_6_weeks,
            loneliness.declined) == (5, 3, 1, 1)
    shed = next(u for u in report.uptake_by_asset if u.key == "asset-001")
    assert shed.name == "Castlemere Men's Shed" and shed.referred == 5
    debt = next(u for u in report.uptake_by_need if u.key == "debt")
    assert (debt.referred, debt.attended_first, debt.declined) == (1, 0, 1)


def test_uptake_rates_are_shown_as_percentages():
    rows = [referral(i, asset="asset-001", stages=("attended_first",) if i < 6 else ()) for i in range(10)]
    html = render_html(build_report(rows, start=START, end=END))
    assert re.search(r"<td>Loneliness and isolation</td><td>10</td><td>6</td><td>60%</td>", html)


def test_wellbeing_change_is_paired_between_first_contact_and_follow_up(outcomes):
    life = next(s for s in build_report(outcomes, start=START, end=END).wellbeing if s.measure == "life_satisfaction")
    assert life.n == 5
    assert life.change == paired_change([(4, 6), (5, 6), (3, 5), (6, 7), (4, 4)])
    assert life.change.mean_change == pytest.approx(1.2)
    assert life.change.ci_low < 1.2 < life.change.ci_high


def test_mean_contacts_per_referral(outcomes):
    contacts = build_report(outcomes, start=START, end=END).contacts
    assert (contacts.referrals, contacts.contacts) == (9, 12)
    assert contacts.mean_per_referral == pytest.approx(12 / 9)


# --- suppression --------------------------------------------------------------------------------------

def test_a_change_for_fewer_than_5_people_is_not_reported(outcomes):
    report = build_report(outcomes, start=START, end=END)
    swemwbs = next(s for s in report.wellbeing if s.measure == "swemwbs")
    assert swemwbs.n == 3 and swemwbs.change is None
    html = render_html(report)
    assert "not reported: fewer than 5 people with both measures" in html


def test_a_count_of_3_is_shown_as_under_5(outcomes):
    html = render_html(build_report(outcomes, start=START, end=END))
    assert re.search(r"<td>Pharmacy</td><td>&lt;5</td>", html)
    assert not re.search(r"<td>Pharmacy</td><td>3</td>", html)
    small = [c for c in cells(html) if c in {"1", "2", "3", "4"}]
    assert small == [], f"counts under 5 shown as they are: {small}"


def test_a_rate_built_on_a_small_count_is_suppressed(outcomes):
    html = render_html(build_report(outcomes, start=START, end=END))
    debt = re.search(r"<tr><td>Debt and money</td>(.*?)</tr>", html, flags=re.DOTALL).group(1)
    assert "%" not in debt and "&lt;5" in debt


def test_a_suppressed_count_is_drawn_without_a_bar_length(outcomes):
    html = render_html(build_report(outcomes, start=START, end=END))
    assert re.search(r">Pharmacy</text>\s*<rect class=\"hidden-count\"[^>]*width=\"26\"", html)


def test_services_with_fewer_than_5_referrals_are_grouped():
    rows = [referral(i, asset="asset-001" if i < 6 else f"asset-0{i}", stages=("attended_first",)) for i in range(10)]
    html = render_html(build_report(rows, start=START, end=END, asset_names={"asset-001": "Castlemere Men's Shed"}))
    assert "<tr><td>Castlemere Men&#39;s Shed</td><td>6</td><td>6</td><td>100%</td>" in html
    assert "<tr><td>Other services (4, each with fewer than 5 referrals)</td><td>&lt;5</td>" in html
    assert "asset-06" not in html


def test_every_value_is_escaped():
    rows = [referral(i, source="<b>x</b>") for i in range(5)]
    html = render_html(build_report(rows, start=START, end=END))
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


# --- the export -------------------------------------------------------------------------------------

def test_export_has_one_row_per_accepted_suggestion_or_referral(outcomes):
    rows = deidentified_rows(outcomes, salt=SALT)
    assert len(rows) == 9  # each referral accepted at most one suggestion
    assert list(rows[0]) == list(COLUMNS)
    first = rows[0]
    assert first["referral_key"] == referral_key("ref-000-secret-id", SALT.encode())
    assert re.fullmatch(r"[0-9a-f]{12}", first["referral_key"])
    assert (first["referral_month"], first["asset_id"]) == ("2026-03", "asset-001")
    assert first["furthest_stage"] == "attending_6_weeks"
    assert (first["days_to_first_contact"], first["contacts"]) == (1, 2)
    assert (first["ons4_life_satisfaction_first_contact"], first["ons4_life_satisfaction_follow_up"]) == (4, 6)
    assert first["swemwbs_first_contact"] == 19.25  # raw 21


def test_export_has_no_ids_text_organisation_or_days_of_the_month(outcomes):
    text = write_csv(deidentified_rows(outcomes + [referral(9, source="castlemere_medical_centre")], salt=SALT))
    assert "secret-id" not in text
    assert NOTE_REASON not in text and "castlemere" not in text.lower()
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    months = {line.split(",")[1] for line in text.splitlines()[1:]}
    assert months == {"2026-03"}


def test_export_refuses_a_short_salt(outcomes):
    with pytest.raises(InputError, match="salt"):
        deidentified_rows(outcomes, salt="short")


# --- files ----------------------------------------------------------------------------------------------

def test_report_prints_to_pdf_and_png_through_chromium(outcomes, tmp_path):
    html = render_html(build_report(outcomes, start=START, end=END))
    pdf = render_file(html, tmp_path / "report.pdf", "pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    png = render_file(html, tmp_path / "report.png", "png")
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert width == 1200 and height > 1500  # the whole page, not one screenful


def test_html_is_written_as_it_is(tmp_path):
    html = render_html(build_report([], start=START, end=END))
    assert render_file(html, tmp_path / "r.html", "html").read_text(encoding="utf-8") == html


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(InputError, match="html, pdf, png"):
        render_file("<p>x</p>", tmp_path / "r.docx", "docx")  # type: ignore[arg-type]


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(InputError, match="before it starts"):
        build_report([], start=END, end=START)


def test_render_error_is_a_triage_error():
    from triage.errors import TriageError

    assert issubclass(RenderError, TriageError)
