"""Wellbeing scoring: SWEMWBS table, ONS4 bands, paired change, small-number suppression."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from triage.outcomes.scoring import (
    ONS4_BETTER_IS_HIGHER,
    ONS4_ITEMS,
    SUPPRESS_BELOW,
    SWEMWBS_METRIC,
    Change,
    is_suppressed,
    ons4_band,
    paired_change,
    suppressed,
    suppressed_rate,
    swemwbs_metric,
    swemwbs_raw,
)

# --- SWEMWBS -------------------------------------------------------------------------------------------


def test_swemwbs_table_covers_every_raw_score_and_rises():
    assert sorted(SWEMWBS_METRIC) == list(range(7, 36))
    values = [SWEMWBS_METRIC[raw] for raw in range(7, 36)]
    assert values == sorted(values) and len(set(values)) == len(values)


@pytest.mark.parametrize(("raw", "metric"), [
    (7, 7.00), (8, 9.51), (14, 15.32), (21, 19.25), (23, 20.73), (28, 25.03), (34, 32.55), (35, 35.00),
])
def test_swemwbs_table_matches_published_values(raw, metric):
    assert SWEMWBS_METRIC[raw] == metric


def test_swemwbs_raw_and_metric_for_example_answers():
    items = [2, 3, 2, 3, 2, 3, 2]
    assert swemwbs_raw(items) == 17
    assert swemwbs_metric(items) == 16.88


def test_swemwbs_lowest_and_highest_answers():
    assert swemwbs_metric([1] * 7) == 7.00
    assert swemwbs_metric((5,) * 7) == 35.00


@pytest.mark.parametrize("items", [[3] * 6, [3] * 8, []])
def test_swemwbs_wrong_number_of_items_is_named(items):
    with pytest.raises(ValueError, match=rf"SWEMWBS has 7 items; got {len(items)}"):
        swemwbs_raw(items)


@pytest.mark.parametrize(("items", "named"), [
    ([3, 3, 0, 3, 3, 3, 3], "item 3 is 0"),
    ([3, 3, 3, 3, 3, 3, 6], "item 7 is 6"),
    ([2.5, 3, 3, 3, 3, 3, 3], "item 1 is 2.5"),
    ([3, True, 3, 3, 3, 3, 3], "item 2 is True"),
])
def test_swemwbs_invalid_item_is_named_with_the_rule(items, named):
    with pytest.raises(ValueError, match=rf"SWEMWBS {named}; each item is a whole number 1 to 5"):
        swemwbs_metric(items)


# --- ONS4 ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("item", ["life_satisfaction", "worthwhile", "happy"])
@pytest.mark.parametrize(("score", "band"), [
    (0, "low"), (4, "low"), (5, "medium"), (6, "medium"), (7, "high"), (8, "high"),
    (9, "very high"), (10, "very high"),
])
def test_ons4_positive_items_use_ons_thresholds(item, score, band):
    assert ons4_band(item, score) == band


@pytest.mark.parametrize(("score", "band"), [
    (0, "very low"), (1, "very low"), (2, "low"), (3, "low"), (4, "medium"), (5, "medium"),
    (6, "high"), (10, "high"),
])
def test_ons4_anxiety_uses_its_own_thresholds(score, band):
    assert ons4_band("anxious", score) == band


def test_ons4_items_and_direction():
    assert ONS4_ITEMS == ("life_satisfaction", "worthwhile", "happy", "anxious")
    assert ONS4_BETTER_IS_HIGHER == {"life_satisfaction": True, "worthwhile": True, "happy": True,
                                     "anxious": False}


def test_ons4_unknown_item_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown ONS4 item 'lonely'; valid items: life_satisfaction, "):
        ons4_band("lonely", 5)


@pytest.mark.parametrize("score", [-1, 11, 7.5])
def test_ons4_score_out_of_range_is_named(score):
    with pytest.raises(ValueError, match=rf"ONS4 'happy' score is {score}; each score is a whole number 0 to 10"):
        ons4_band("happy", score)


# --- paired change -------------------------------------------------------------------------------------


def test_paired_change_matches_hand_computed_interval():
    # changes 2, 1, 3, 1: mean 1.75, sample sd sqrt(2.75 / 3), t(0.975, df=3) = 3.182446...
    change = paired_change([(4, 6), (5, 6), (3, 6), (6, 7)])
    half = stats.t.ppf(0.975, 3) * math.sqrt(2.75 / 3) / math.sqrt(4)
    assert change is not None
    assert (change.n, change.mean_before, change.mean_after, change.mean_change) == (4, 4.5, 6.25, 1.75)
    assert change.ci_low == pytest.approx(1.75 - half)
    assert change.ci_high == pytest.approx(1.75 + half)
    assert (change.ci_low, change.ci_high) == pytest.approx((0.22652, 3.27348), abs=1e-5)


def test_paired_change_wider_interval_at_higher_confidence():
    pairs = [(4, 6), (5, 6), (3, 6), (6, 7)]
    narrow, wide = paired_change(pairs, confidence=0.9), paired_change(pairs, confidence=0.99)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


@pytest.mark.parametrize("pairs", [[], [(4.0, 6.0)]])
def test_paired_change_needs_two_pairs(pairs):
    assert paired_change(pairs) is None


def test_paired_change_with_no_spread_collapses_to_the_mean():
    assert paired_change([(10, 12), (15, 17), (20, 22)]) == Change(3, 15.0, 17.0, 2.0, 2.0, 2.0)


def test_paired_change_rejects_bad_confidence_and_pairs():
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        paired_change([(1, 2), (2, 3)], confidence=95)
    with pytest.raises(ValueError, match=r"pair 1 is \(2, nan\)"):
        paired_change([(1, 2), (2, float("nan"))])


# --- suppression ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "text", "hidden"), [
    (0, "0", False), (1, "<5", True), (4, "<5", True), (5, "5", False), (123, "123", False),
])
def test_small_counts_are_suppressed(count, text, hidden):
    assert SUPPRESS_BELOW == 5
    assert suppressed(count) == text
    assert is_suppressed(count) is hidden


@pytest.mark.parametrize(("numerator", "denominator", "text"), [
    (2, 3, "<5"),      # both tiny
    (4, 20, "<5"),     # tiny numerator
    (1, 100, "<5"),
    (0, 4, "<5"),      # tiny denominator, even with nothing to show
    (0, 0, "–"),
    (0, 10, "0%"),
    (5, 5, "100%"),
    (10, 15, "67%"),
    (5, 8, "63%"),     # 62.5 rounds half up
    (6, 7, "86%"),
])
def test_rates_are_suppressed_for_small_counts(numerator, denominator, text):
    assert suppressed_rate(numerator, denominator) == text


def test_suppression_rejects_impossible_counts():
    with pytest.raises(ValueError, match="count must be a whole number 0 or more; got -1"):
        suppressed(-1)
    with pytest.raises(ValueError, match="numerator 6 is more than denominator 5"):
        suppressed_rate(6, 5)
