"""Asset uptake: counting accepted suggestions and their outcomes, shrinkage toward the need's average,
the ranking feature, the reason and its small-number suppression, and the engine's cached table."""

import dataclasses
from datetime import date, datetime

import pytest

from triage.engine import UPTAKE_TTL_S
from triage.matching.rank import Candidate, RankingWeights, features, rank
from triage.outcomes.records import Accepted, ReferralOutcomes, StageRecord
from triage.outcomes.uptake import (
    NEUTRAL_RATE,
    PRIOR_STRENGTH,
    Uptake,
    UptakeTable,
    asset_uptake_rows,
    count_uptake,
    uptake_reason,
)
from triage.schemas import Asset, ReferralIn

AT, ON = datetime(2026, 11, 1), date(2026, 11, 20)
NOTE = "Lives alone since his wife died in March, has not left the flat for weeks and is behind on council tax."


def referral(asset_id: str, *stages: str, needs: tuple[str, ...] = ("loneliness",)) -> ReferralOutcomes:
    """One referral whose suggestion of `asset_id` was accepted, and the stages it reached."""
    return ReferralOutcomes("r", AT, "web", "", "open", list(needs), accepted=[Accepted(asset_id, needs, AT)],
                            stages=[StageRecord(asset_id, s, ON, "") for s in stages])


def referrals(asset_id: str, attended: int, total: int, need: str = "loneliness") -> list[ReferralOutcomes]:
    return [referral(asset_id, *(["attended_first"] if i < attended else []), needs=(need,)) for i in range(total)]


def asset(**values):
    return Asset(**({"id": "a", "name": "A", "description": "d", "needs": ["loneliness"]} | values))


def test_each_accepted_suggestion_counts_once_and_for_each_of_its_needs():
    table = count_uptake([
        referral("club", "contacted", "attended_first", "attending_6_weeks", needs=("loneliness", "debt")),
        referral("club", "attending_6_weeks"),  # still attending at 6 weeks: attended a first time
        referral("club", "declined"),
        referral("advice", "did_not_attend", needs=("debt",)),
        ReferralOutcomes("r", AT, "web", "", "open", [], stages=[StageRecord("club", "attended_first", ON, "")]),
    ])
    assert table.of("club") == Uptake(referred=3, attended_first=2, attending_6_weeks=2, declined=1)
    assert table.of("advice") == Uptake(referred=1, did_not_attend=1)
    assert table.needs["loneliness"] == Uptake(3, 2, 2, 1, 0)
    assert table.needs["debt"] == Uptake(2, 1, 1, 0, 1)
    assert table.overall == Uptake(4, 2, 2, 1, 1) and table.of("club").rate == 2 / 3


def test_a_new_asset_gets_exactly_its_needs_average():
    table = count_uptake(referrals("club", 3, 4) + referrals("advice", 1, 4, need="debt"))
    assert table.shrunk("new", "loneliness") == table.need_rate("loneliness") == 0.75
    assert table.shrunk("new", "housing") == table.need_rate("housing") == 0.5  # no data for housing: overall
    assert table.lift("new", "loneliness") == 0.0
    assert count_uptake([]).shrunk("new", "loneliness") == NEUTRAL_RATE


def test_many_referrals_keep_their_rate_but_are_pulled_toward_the_mean():
    table = count_uptake(referrals("busy", 18, 20) + referrals("other", 2, 20))
    mean = table.need_rate("loneliness")
    assert mean == 0.5
    assert table.shrunk("busy", "loneliness") == pytest.approx((18 + PRIOR_STRENGTH * mean) / (20 + PRIOR_STRENGTH))
    assert mean < table.shrunk("busy", "loneliness") < 0.9 and table.shrunk("busy", "loneliness") > 0.8


def test_two_of_two_is_pulled_strongly_toward_the_mean():
    table = count_uptake(referrals("small", 2, 2) + referrals("other", 8, 38))
    mean = table.need_rate("loneliness")
    shrunk = table.shrunk("small", "loneliness")
    assert mean == 0.25 and shrunk == pytest.approx((2 + 5 * 0.25) / 7)
    assert shrunk - mean < (1.0 - mean) / 2  # less than half-way from the mean to the observed 100%


def test_better_uptake_ranks_higher_only_when_the_weight_is_on():
    table = count_uptake(referrals("good", 9, 10) + referrals("poor", 1, 10))
    twins = [Candidate(asset(id="poor"), 0.5), Candidate(asset(id="good"), 0.5)]
    on = rank(ReferralIn(text="x"), {"loneliness": 0.9}, twins, top=2, uptake=table)
    off = rank(ReferralIn(text="x"), {"loneliness": 0.9}, twins, top=2, uptake=table,
               weights=RankingWeights(uptake=0.0))
    assert [s.asset_id for s in on] == ["good", "poor"] and on[0].score > on[1].score
    assert off[0].score == off[1].score
    assert features(twins[0], ReferralIn(text="x"), {"loneliness": 0.9}, None)["uptake"] == 0.0


def test_uptake_is_centred_on_the_need_the_asset_serves_for_this_person():
    table = count_uptake(referrals("debt-advice", 5, 10, need="debt") + referrals("x", 1, 10, need="debt")
                         + referrals("y", 9, 10))
    advice = Candidate(asset(id="debt-advice", needs=["debt", "loneliness"]), 0.5)
    f = features(advice, ReferralIn(text="x"), {"debt": 0.9, "loneliness": 0.5}, None, uptake=table)
    assert f["uptake"] == pytest.approx(table.shrunk("debt-advice", "debt") - 0.3)


def test_the_reason_says_how_many_went_from_five_referrals_never_a_count_under_five():
    assert uptake_reason(Uptake(referred=9, attended_first=7)) == "people referred here usually go: 7 of 9 attended"
    assert uptake_reason(Uptake(referred=6, attended_first=1)) == "few people referred here went: <5 of 6 attended"
    assert uptake_reason(Uptake(referred=8, attended_first=4)) == "some people referred here went: <5 of 8 attended"


def test_no_reason_or_count_is_shown_under_five_referrals():
    table = count_uptake(referrals("small", 4, 4) + referrals("club", 5, 5))
    assert uptake_reason(table.of("small")) is None
    ranked = rank(ReferralIn(text="x"), {"loneliness": 0.9},
                  [Candidate(asset(id="small"), 0.5), Candidate(asset(id="club"), 0.5)], top=2, uptake=table)
    said = {s.asset_id: s.reasons for s in ranked}
    assert not any("attended" in r for r in said["small"])
    assert "people referred here usually go: 5 of 5 attended" in said["club"]
    small, club, new = asset_uptake_rows(table, [asset(id="small"), asset(id="club"), asset(id="new")])
    assert (small.referred, small.attended_first, small.rate, small.shrunk) == (None, None, None, None)
    assert small.summary == "fewer than 5 referrals so far" and new.summary == "no referrals yet"
    assert (club.referred, club.attended_first, club.rate, club.need_rate) == (5, 5, 1.0, 1.0)
    assert club.shrunk == pytest.approx(1.0)


def test_the_needs_average_is_not_shown_from_fewer_than_five_referrals():
    row, = asset_uptake_rows(count_uptake(referrals("small", 1, 3)), [asset(id="new")])
    assert row.need_rate is None and row.need == "loneliness"


def test_without_outcomes_the_engines_ranking_is_as_with_the_weight_off(engine, monkeypatch):
    monkeypatch.setattr(engine, "uptake", lambda: UptakeTable())
    person = ReferralIn(id="u", text=NOTE)
    saved = engine.ranking_weights
    assert saved.uptake > 0
    on = engine.match([person])[0]
    try:
        engine.ranking_weights = dataclasses.replace(saved, uptake=0.0)
        off = engine.match([person])[0]
    finally:
        engine.ranking_weights = saved
    assert on.suggestions == off.suggestions


def test_the_engine_ranks_with_recorded_uptake(engine, monkeypatch):
    person = ReferralIn(id="u", text=NOTE)
    monkeypatch.setattr(engine, "uptake", lambda: UptakeTable())
    before = engine.match([person])[0].suggestions
    last = before[-1]
    need = last.needs[0] if last.needs else "loneliness"
    table = count_uptake(referrals(last.asset_id, 9, 9, need=need) + referrals("x", 3, 9, need=need))
    monkeypatch.setattr(engine, "uptake", lambda: table)
    after = {s.asset_id: s for s in engine.match([person])[0].suggestions}
    assert after[last.asset_id].score > last.score
    assert "people referred here usually go: 9 of 9 attended" in after[last.asset_id].reasons


def test_the_engine_reads_outcomes_again_after_the_time_to_live(engine, monkeypatch):
    clock = [1_000.0]
    monkeypatch.setattr("triage.engine.monotonic", lambda: clock[0])
    monkeypatch.setattr(engine, "_uptake", None)
    first = engine.uptake()
    clock[0] += UPTAKE_TTL_S / 2
    assert engine.uptake() is first
    clock[0] += UPTAKE_TTL_S
    assert engine.uptake() is not first
