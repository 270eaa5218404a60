"""Ranking features, weights, the top-K rule, reasons and the matching metrics, on small inline assets."""

from training.matching_set import hit_at, ndcg_at, precision_at
from triage.matching.rank import (
    Candidate,
    RankingWeights,
    features,
    is_age_targeted,
    person_fit,
    rank,
)
from triage.matching.reasons import reasons
from triage.schemas import Asset, ReferralIn

PERSON = ReferralIn(text="x", age=74)


def asset(**values):
    return Asset(**({"id": "a", "name": "A", "description": "d"} | values))


def test_main_need_counts_more_than_a_secondary_one():
    main = features(Candidate(asset(needs=["loneliness", "debt"]), 0.3), PERSON, {"loneliness": 0.9}, None)
    side = features(Candidate(asset(needs=["debt", "loneliness"]), 0.3), PERSON, {"loneliness": 0.9}, None)
    assert main["need"] == 1.0 and 0 < side["need"] < main["need"]


def test_an_asset_for_the_persons_age_group_fits_better():
    older = asset(min_age=60)
    assert is_age_targeted(older) and not is_age_targeted(asset(min_age=18))
    assert person_fit(older, PERSON) > person_fit(asset(min_age=18), PERSON)
    assert person_fit(older, ReferralIn(text="x")) == 0.0  # age unknown: no credit


def test_stated_language_offered_is_a_mark_of_fit():
    polish = ReferralIn(text="x", language="pl")
    assert person_fit(asset(languages=["en", "pl"]), polish) == 1.0
    assert person_fit(asset(languages=["en"]), ReferralIn(text="x", language="en")) == 0.0


def test_weights_decide_between_need_and_semantic_fit():
    exact_need = Candidate(asset(id="need", needs=["debt"]), 0.1)
    close_text = Candidate(asset(id="text", needs=["housing"]), 0.9)
    scores = {"debt": 0.9, "housing": 0.3}
    by_need = rank(PERSON, scores, [exact_need, close_text], top=2,
                   weights=RankingWeights(need=1, semantic=0, need_fit=0, passage=0, person_fit=0, nearness=0))
    by_text = rank(PERSON, scores, [exact_need, close_text], top=2,
                   weights=RankingWeights(need=0, semantic=1, need_fit=0, passage=0, person_fit=0, nearness=0))
    assert [s.asset_id for s in by_need] == ["need", "text"]
    assert [s.asset_id for s in by_text] == ["text", "need"]


def test_closest_need_evidence_breaks_a_tie_between_two_services_for_one_need():
    alcohol = Candidate(asset(id="alcohol", needs=["substance_use"]), 0.4, need_fit=0.7)
    gambling = Candidate(asset(id="gambling", needs=["substance_use"]), 0.4, need_fit=0.2)
    ranked = rank(PERSON, {"substance_use": 0.9}, [gambling, alcohol], top=2)
    assert [s.asset_id for s in ranked] == ["alcohol", "gambling"]


def test_reasons_quote_the_matching_passage_and_suit_the_housebound():
    phone = Candidate(asset(delivery=["phone"], min_age=60), 0.5, passage="used to sing in a choir at chapel",
                      passage_similarity=0.55)
    said = reasons(phone, ["loneliness"], None, ReferralIn(text="Housebound since his fall.", age=74))
    assert said[0] == "addresses loneliness"
    assert 'matches "used to sing in a choir at chapel"' in said
    assert "phone-based, no travel needed: suits someone housebound" in said
    assert "for ages 60+, fits age 74" in said
    assert "phone-based, no travel needed" in reasons(phone, [], None, PERSON)


def test_an_age_read_from_the_note_is_shown_as_such():
    older = Candidate(asset(min_age=60), 0.5)
    assert "for ages 60+, fits age 74 (read from the note)" in reasons(older, [], None, ReferralIn(text="74F, alone."))


def test_weak_passages_are_not_quoted():
    weak = Candidate(asset(), 0.2, passage="Lives Netherfold", passage_similarity=0.2)
    assert not any(r.startswith("matches") for r in reasons(weak, [], None, PERSON))


def test_ranking_metrics_on_known_rankings():
    relevance = {"a": 2, "b": 1, "c": 1}
    assert ndcg_at(["a", "b", "c", "x", "y"], relevance) == 1.0
    assert ndcg_at(["x", "y", "z", "w", "v"], relevance) == 0.0
    assert 0 < ndcg_at(["c", "b", "a"], relevance) < 1
    assert hit_at(["b", "c", "a"], relevance) == 1.0 and hit_at(["b", "c"], relevance) == 0.0
    assert precision_at(["a", "x", "b", "y", "z"], relevance) == 0.4


def test_what_the_person_turns_down_counts_against_and_is_shown():
    therapy = Candidate(asset(id="therapy", needs=["mental_health"]), 0.5,
                        declined="Declines talking therapy", declined_similarity=0.7)
    group = Candidate(asset(id="group", needs=["mental_health"]), 0.5)
    ranked = rank(PERSON, {"mental_health": 0.9}, [therapy, group], top=2)
    assert [s.asset_id for s in ranked] == ["group", "therapy"]
    assert 'check first: the note says "Declines talking therapy"' in ranked[1].reasons


def test_refusals_are_told_apart_from_negated_needs(parser):
    from triage.matching.passages import note_passages

    note = parser.parse("Declines talking therapy but would like to meet people. Can't afford food this week.")
    assert note_passages(note, declined=True) == ["Declines talking therapy"]
    assert "Can't afford food this week" in note_passages(note)


def test_referrer_headers_times_and_addresses_are_handled(parser):
    from triage.matching.passages import note_passages

    passages = note_passages(parser.parse("Adult social care contact: widowed in August and feeling very low. "
                                          "Lives near Brackley Park."))
    assert passages == ["widowed in August", "feeling very low"]
    assert "Seen 10:30 today" in note_passages(parser.parse("Seen 10:30 today, lonely since the summer"))


def test_language_tags_are_read_as_their_primary_language():
    assert ReferralIn(text="x", language="en-GB").language == "en"
    assert asset(languages=["EN", "pl_PL"]).languages == ["en", "pl"]
