"""Matching against the demo directory with the real embedder, FAISS and SQLite."""

import numpy as np

from triage.matching.index import AssetIndex
from triage.matching.rank import Candidate, distance_km, eligibility_problem, rank
from triage.schemas import Asset, ReferralIn

NOTE = "Lives alone since his wife died in March, has not left the flat for weeks and is behind on council tax."


def asset(**values):
    return Asset(**({"id": "a", "name": "A", "description": "d"} | values))


def test_widower_gets_five_suggestions_covering_each_need(engine):
    result = engine.match([ReferralIn(id="1", text=NOTE)])[0]
    assert len(result.suggestions) == 5
    covered = {n for s in result.suggestions for n in s.needs}
    assert {"loneliness", "debt", "bereavement"} <= covered
    assert all(s.reasons for s in result.suggestions)


def test_given_needs_replace_classification(engine):
    result = engine.match([ReferralIn(text=NOTE, needs=["employment"])])[0]
    assert [n.need for n in result.needs] == ["employment"]
    assert "employment" in result.suggestions[0].needs


def test_ineligible_assets_are_never_suggested(engine):
    referral = ReferralIn(text=NOTE, age=19, language="pl", delivery="phone")
    for suggestion in engine.match([referral], top=10)[0].suggestions:
        stored = engine.catalogue.repository.get(suggestion.asset_id).asset
        assert eligibility_problem(stored, referral) is None


def test_eligibility_filters_age_language_and_delivery():
    person = ReferralIn(text="x", age=30, language="pl", delivery="phone")
    assert eligibility_problem(asset(min_age=60), person) == "for ages 60+"
    assert eligibility_problem(asset(max_age=25), person) == "for ages up to 25"
    assert eligibility_problem(asset(languages=["en"]), person) == "not offered in Polish"
    assert eligibility_problem(asset(delivery=["in_person"]), person) == "not offered by phone"
    assert eligibility_problem(asset(languages=["en", "pl"], delivery=["phone"]), person) is None


def test_distance_is_reported_and_nearer_ranks_higher():
    person = ReferralIn(text="x", latitude=53.700, longitude=-1.900)
    near = asset(id="near", needs=["loneliness"], latitude=53.701, longitude=-1.901, delivery=["in_person"])
    far = asset(id="far", needs=["loneliness"], latitude=53.800, longitude=-1.700, delivery=["in_person"])
    assert 0.1 < distance_km(near, person) < 0.2
    ranked = rank(person, {"loneliness": 0.9}, [Candidate(far, 0.3), Candidate(near, 0.3)])
    assert [s.asset_id for s in ranked] == ["near", "far"]
    assert any(r.startswith("in person, 0.1 km away") for r in ranked[0].reasons)


def test_top_k_covers_each_main_need_before_repeating():
    candidates = [Candidate(asset(id=f"l{i}", needs=["loneliness"]), 0.6) for i in range(5)]
    candidates.append(Candidate(asset(id="debt", needs=["debt"]), 0.1))
    ranked = rank(ReferralIn(text="x"), {"loneliness": 0.9, "debt": 0.5}, candidates, top=3)
    assert "debt" in [s.asset_id for s in ranked]


def test_index_adds_updates_and_removes_one_asset(embedder, tmp_path):
    index = AssetIndex(embedder.dimension, embedder.name)
    vectors = embedder.encode(["walking group", "debt advice", "food bank"])
    index.upsert([1, 2, 3], vectors)
    index.upsert([2], embedder.encode(["choir for older people"]))
    index.remove([3])
    assert index.ids() == {1, 2} and index.size == 2
    _, ids = index.search(embedder.encode(["singing"])[0], 1)
    assert ids.tolist() == [2]
    index.save(tmp_path)
    loaded = AssetIndex.load(tmp_path, embedder.dimension, embedder.name)
    assert loaded.ids() == {1, 2}
    assert np.allclose(loaded.vectors([1]), index.vectors([1]))


def test_a_suggestion_quotes_what_the_note_says_about_the_person(engine):
    note = ("72M, lives alone since his wife died, very low and isolated. "
            "Used to sing in the chapel choir for thirty years and misses it.")
    result = engine.match([ReferralIn(text=note, needs=["loneliness"])])[0]
    quoted = [r for s in result.suggestions for r in s.reasons if r.startswith("matches")]
    assert any("sing" in r for r in quoted)
    choirs = [s for s in result.suggestions if "choir" in s.name.lower() or "sing" in s.name.lower()]
    assert choirs, [s.name for s in result.suggestions]


def test_needs_given_by_a_link_worker_carry_evidence_from_the_note(engine):
    note = "Drinks most of a bottle of whisky a day since losing his job. Lives with his sister."
    result = engine.match([ReferralIn(text=note, needs=["substance_use", "employment"])])[0]
    evidence = {n.need: [e.text for e in n.evidence] for n in result.needs}
    assert any("whisky" in t for t in evidence["substance_use"])
    assert any("job" in t for t in evidence["employment"])


def test_alcohol_help_ranks_above_gambling_help_for_a_drinker(engine):
    note = "Drinks most of a bottle of whisky a day and wants to cut down. Works full time."
    ranked = [s.name for s in engine.match([ReferralIn(text=note, needs=["substance_use"])], top=10)[0].suggestions]
    assert ranked.index("Gamble Free North") > 2, ranked


def test_open_referral_services_without_needs_get_inferred_needs(engine):
    from pathlib import Path

    from triage.matching.openreferral import read_openreferral

    feed = Path(__file__).parent / "fixtures" / "openreferral" / "oruk-validator-mocks" / "V3.0-UK-Default"
    imported = read_openreferral(feed / "service_full.json")
    assert imported.assets[0].needs == []
    inferred = engine.infer_asset_needs(imported.assets)[0]
    assert inferred.needs_inferred and "mental_health" in inferred.needs
    assert inferred.latitude is None  # the feed's latitude 100 was not trusted


def test_inferred_needs_leave_out_what_a_service_is_not_for(engine):
    from triage.schemas import Asset

    walkers = Asset(id="x-walk", name="Riverside Striders", description=(
        "A weekly walking group for people who want to get more active and meet others. Not suitable for "
        "people with alcohol problems or active drug use."))
    inferred = engine.infer_asset_needs([walkers])[0]
    assert "physical_activity" in inferred.needs and "substance_use" not in inferred.needs


def test_catalogue_brings_a_stale_index_back_in_step(embedder, tmp_path):
    from triage.matching.catalogue import AssetCatalogue
    from triage.store.assets import AssetRepository
    from triage.store.db import open_database

    def open_catalogue() -> AssetCatalogue:
        database = open_database(f"sqlite:///{tmp_path / 'assets.db'}")
        return AssetCatalogue(AssetRepository(database.sessions), embedder, tmp_path / "index")

    catalogue = open_catalogue()
    catalogue.write([asset(id="walk", description="A walking group"), asset(id="debt", description="Debt advice")])
    catalogue.repository.remove("walk")  # the database changes behind the index's back
    catalogue.repository.upsert([asset(id="food", description="A food bank"),
                                 asset(id="debt", description="A choir for older people")])
    reopened = open_catalogue()
    assert reopened.index.ids() == {s.pk for s in reopened.repository.all()}
    found, _ = reopened.candidates(embedder.encode(["somewhere to get food"])[0], k=1)
    assert found[0].asset.id == "food"
    changed = reopened.repository.get("debt")
    assert np.allclose(reopened.index.vectors([changed.pk])[0], embedder.encode([changed.asset.document])[0],
                       atol=1e-5)  # re-embedded, not its old text


def test_the_search_widens_when_too_few_nearest_assets_are_eligible(engine, monkeypatch):
    import triage.engine

    referral = ReferralIn(text="Lonely since his wife died, misses company and sits in all day.", age=9)
    nearest = engine.match_inputs([referral], depth=20)[0].candidates
    assert sum(eligibility_problem(c.asset, referral) is None for c in nearest) < 5  # most are for adults
    monkeypatch.setattr(triage.engine, "SEARCH_DEPTH", 20)
    suggestions = engine.match([referral], top=5)[0].suggestions
    assert len(suggestions) == 5
    assert all(eligibility_problem(engine.catalogue.repository.get(s.asset_id).asset, referral) is None
               for s in suggestions)


def test_a_large_index_is_saved_on_flush_and_a_crash_before_it_loses_nothing(embedder, tmp_path):
    from triage.matching.catalogue import AssetCatalogue
    from triage.store.assets import AssetRepository
    from triage.store.db import open_database

    def open_catalogue(**saving) -> AssetCatalogue:
        database = open_database(f"sqlite:///{tmp_path / 'assets.db'}")
        return AssetCatalogue(AssetRepository(database.sessions), embedder, tmp_path / "index", **saving)

    lazy = open_catalogue(save_eagerly_up_to=0, save_interval_s=3600)  # every index counts as large
    lazy.write([asset(id="walk", description="A walking group")])
    assert lazy.unsaved and open_catalogue().index.ids() == {lazy.repository.get("walk").pk}  # rebuilt in step
    lazy.write([asset(id="food", description="A food bank")])
    lazy.flush()
    assert not lazy.unsaved
    assert open_catalogue().index.ids() == {s.pk for s in lazy.repository.all()}
