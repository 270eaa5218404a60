"""Reading who a note is about, and whom an asset is for."""

import pytest

from triage.matching.audience import asset_audience, audience_fit, note_age, note_gender, read_person
from triage.matching.rank import Candidate, rank
from triage.schemas import Asset, ReferralIn


@pytest.mark.parametrize(("text", "age"), [
    ("72F, carer for husband (79) with Alzheimer's", 72),
    ("62yo M, lives alone since wife died 3/12", 62),
    ("Adult social care contact: Mr Ray Thornton, 67, widowed in August.", 67),
    ("hi im 19 and i left care last year", 19),
    ("School nurse: Amira, 9, Year 4. Her dad died suddenly.", 9),
    ("I'm 30, single, and I work 4 on 4 off", 30),
    ("Lives with her two children (4 and 9) in a damp flat.", None),
    ("I'm 100% sure he needs help.", None),
    ("Lives with her two children aged 4 and 9", None),
    ("Carer for her husband, Mr Jones, 82, who has dementia", None),
    ("Lives alone. Husband, 80, died in May", None),
    ("Grandson, 7, lives with her", None),
    ("Referral received. Friday, 12 May", None),
    ("Mr J Smith 22 Park Road", None),
    ("Mrs Khan, 5 children", None),
    ("I'm 5 years behind on council tax", None),
    ("I'm 16 stone and out of breath", None),
    ("Rent, 60 a week", None),
])
def test_age_is_read_only_where_the_note_is_clear(text, age):
    assert note_age(text) == age


def test_gender_comes_from_the_first_strong_cue():
    assert note_gender("Mrs Lau, 74, her husband Mr Lau died") == "female"
    assert note_gender("78M, widowed Jan") == "male"
    assert note_gender("I'm 23 and non-binary") is None
    assert note_gender("Referred by Ms Jones (practice nurse) for Mr Ahmed, 60") == "male"
    assert note_gender("Lonely since her husband Mr Lau died") is None


def test_an_age_given_with_the_referral_wins_over_the_note():
    person = read_person(ReferralIn(text="72F, lonely", age=70))
    assert person.age == 70 and not person.age_from_note


def test_assets_for_one_community_or_gender_are_recognised():
    saheli = Asset(id="s", name="Saheli Women's Group", description="A welcoming group for South Asian women.")
    football = Asset(id="f", name="Walking Football", description="For men and women over 50.")
    assert asset_audience(saheli).gender == "female"
    assert asset_audience(saheli).communities == {"South Asian"}
    assert asset_audience(football).gender is None


def test_a_community_asset_fits_its_community_and_not_others():
    dom = asset_audience(Asset(id="d", name="Dom Polski", description="A Polish community centre."))
    polish = read_person(ReferralIn(text="Marek, 44, from Poland, lost his job.", language="pl"))
    other = read_person(ReferralIn(text="Mr Ray Thornton, 67, widowed in August."))
    assert audience_fit(dom, polish) == (1.0, "for the Polish community")
    assert audience_fit(dom, other)[0] == -1.0


def test_an_age_read_from_the_note_excludes_assets_for_other_ages():
    young = Candidate(Asset(id="young", name="Headroom", description="d", needs=["mental_health"],
                            min_age=16, max_age=25), 0.9)
    open_to_all = Candidate(Asset(id="all", name="Talking Space", description="d", needs=["mental_health"]), 0.3)
    ranked = rank(ReferralIn(text="34F, anxiety, can't face the school gates."), {"mental_health": 0.9},
                  [young, open_to_all])
    assert [s.asset_id for s in ranked] == ["all"]


def test_no_travel_suits_someone_housebound():
    phone = Candidate(Asset(id="phone", name="Call Companions", description="d", needs=["loneliness"],
                            delivery=["phone"]), 0.4)
    hall = Candidate(Asset(id="hall", name="Lunch Club", description="d", needs=["loneliness"],
                           delivery=["in_person"]), 0.4)
    housebound = ReferralIn(text="81M, housebound since his fall, sees nobody.")
    out_and_about = ReferralIn(text="81M, walks to the shops daily but sees nobody.")
    assert read_person(housebound).housebound and not read_person(out_and_about).housebound
    assert rank(housebound, {"loneliness": 0.9}, [hall, phone])[0].asset_id == "phone"
    scores = {s.asset_id: s.score for s in rank(out_and_about, {"loneliness": 0.9}, [phone, hall])}
    assert scores["phone"] == scores["hall"]  # no travel is no advantage to someone who gets about
