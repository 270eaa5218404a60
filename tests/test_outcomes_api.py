"""Recording what happened after a referral: outcomes per accepted suggestion, wellbeing, contacts."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest

from triage.outcomes.due import next_follow_up


@pytest.fixture
def accepted(client, tokens):  # type: ignore[no-untyped-def]
    """A referral with its first suggestion accepted: (referral id, asset id)."""
    lw = tokens.header("link_worker")
    referral = client.post("/v1/referrals", json={"text": "Lonely since moving here, would like company.",
                                                  "source": f"outcomes-{uuid.uuid4().hex[:6]}"}, headers=lw).json()
    asset = referral["result"]["suggestions"][0]["asset_id"]
    client.post(f"/v1/referrals/{referral['id']}/decisions", json={"asset_id": asset, "decision": "accepted"}, headers=lw)
    return referral["id"], asset


def test_outcomes_are_recorded_for_accepted_suggestions_only(client, tokens, accepted):
    referral_id, asset = accepted
    lw = tokens.header("link_worker")
    url = f"/v1/referrals/{referral_id}/outcomes"
    first = client.post(url, json={"asset_id": asset, "stage": "attended_first", "on": "2026-11-10"}, headers=lw)
    assert first.status_code == 200
    assert [(o["asset_id"], o["stage"]) for o in first.json()["outcomes"]] == [(asset, "attended_first")]
    other = client.post(url, json={"asset_id": "asset-999", "stage": "contacted", "on": "2026-11-10"}, headers=lw)
    assert other.status_code == 409 and asset in other.json()["message"]
    no_reason = client.post(url, json={"asset_id": asset, "stage": "declined", "on": "2026-11-11"}, headers=lw)
    assert no_reason.status_code == 422 and "give a reason" in no_reason.json()["message"]


def test_wellbeing_is_validated_item_by_item(client, tokens, accepted):
    referral_id, _ = accepted
    lw = tokens.header("link_worker")
    url = f"/v1/referrals/{referral_id}/wellbeing"
    ons4 = {"life_satisfaction": 4, "worthwhile": 5, "happy": 3, "anxious": 7}
    good = client.post(url, json={"timepoint": "first_contact", "on": "2026-11-10", "ons4": ons4,
                                  "swemwbs": [2, 3, 2, 3, 2, 3, 2]}, headers=lw)
    assert good.status_code == 200 and good.json()["wellbeing"][0]["ons4"] == ons4
    bad_item = client.post(url, json={"timepoint": "follow_up", "on": "2026-11-20", "ons4": ons4,
                                      "swemwbs": [2, 3, 2, 6, 2, 3, 2]}, headers=lw)
    assert bad_item.status_code == 422 and "SWEMWBS item 4 is 6" in bad_item.json()["message"]
    bad_ons = client.post(url, json={"timepoint": "follow_up", "on": "2026-11-20", "ons4": ons4 | {"happy": 11}},
                          headers=lw)
    assert bad_ons.status_code == 422 and "ons4.happy" in bad_ons.json()["message"]


def test_contacts_are_counted(client, tokens, accepted):
    referral_id, _ = accepted
    lw = tokens.header("link_worker")
    for day in ("2026-11-10", "2026-11-17"):
        response = client.post(f"/v1/referrals/{referral_id}/contacts", json={"on": day, "mode": "phone", "minutes": 15},
                               headers=lw)
    assert response.json()["contacts"] == 2


def test_the_queue_shows_when_a_follow_up_is_due(client, tokens, accepted):
    referral_id, asset = accepted
    lw = tokens.header("link_worker")
    client.post(f"/v1/referrals/{referral_id}/outcomes", json={"asset_id": asset, "stage": "attended_first",
                                                               "on": "2026-11-02"}, headers=lw)
    listed = client.get("/v1/referrals?limit=200&status=in_review", headers=lw).json()["items"]
    mine = next(r for r in listed if r["id"] == referral_id)
    assert mine["follow_up"] == {"due": "2026-12-14", "what": f"still attending {asset} at 6 weeks?"}


def test_follow_up_rules():
    at = datetime(2026, 11, 1, 9)
    accepted = [("suggestion_accepted", at, {"asset_id": "a"})]
    assert next_follow_up("in_review", accepted).due == date(2026, 11, 15)
    started = [*accepted, ("outcome_recorded", at, {"asset_id": "a", "stage": "attended_first", "on": "2026-11-05"})]
    assert next_follow_up("in_review", started).due == date(2026, 11, 5) + timedelta(days=42)
    ended = [*started, ("outcome_recorded", at, {"asset_id": "a", "stage": "attending_6_weeks", "on": "2026-12-17"})]
    assert next_follow_up("connected", ended) is None
    measured = [*ended, ("wellbeing_recorded", at, {"timepoint": "first_contact", "on": "2026-11-03"})]
    assert next_follow_up("connected", measured).what == "wellbeing follow-up"
    assert next_follow_up("closed", measured) is None


def test_report_and_export_for_a_period(client, tokens, accepted):
    referral_id, asset = accepted
    lw = tokens.header("link_worker")
    client.post(f"/v1/referrals/{referral_id}/outcomes", json={"asset_id": asset, "stage": "attended_first",
                                                               "on": "2026-11-12"}, headers=lw)
    today = date.today().isoformat()
    period = f"start=2026-01-01&end={today}"
    report = client.get(f"/v1/outcomes/report?{period}", headers=tokens.header("data_scientist"))
    assert report.status_code == 200 and "Referrals and outcomes" in report.text
    assert "<5" in report.text or "&lt;5" in report.text
    export = client.get(f"/v1/outcomes/export?{period}", headers=tokens.header("data_scientist"))
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    header, *rows = export.text.splitlines()
    assert rows and referral_id not in export.text and "Lonely since moving here" not in export.text
    assert client.get(f"/v1/outcomes/export?{period}", headers=lw).status_code == 403
    backwards = client.get(f"/v1/outcomes/export?start={today}&end=2026-01-01", headers=tokens.header("admin"))
    assert backwards.status_code == 400


def test_far_off_periods_and_days_are_refused_not_a_server_error(client, tokens, accepted):
    referral_id, asset = accepted
    admin = tokens.header("admin")
    far = client.get("/v1/outcomes/report?start=2020-01-01&end=9999-12-31", headers=admin)
    assert far.status_code == 400 and "outside" in far.json()["message"]
    future = client.post(f"/v1/referrals/{referral_id}/outcomes",
                         json={"asset_id": asset, "stage": "contacted", "on": "2062-01-01"}, headers=admin)
    assert future.status_code == 422 and "2062-01-01" in future.json()["message"]
    too_old = client.post("/v1/referrals", json={"text": "Lonely.", "date_of_birth": "1901-01-01"}, headers=admin)
    assert too_old.status_code == 422 and "date_of_birth" in too_old.json()["message"]
