"""Intake and review over HTTP: stored only once committed, idempotent, risk first, every change kept."""

from __future__ import annotations

import logging
import uuid

import pytest

NOTE = ("74 year old widower, lives alone since his wife died in the spring. Used to sing in the chapel choir. "
        "Behind on his council tax and worried about the bills.")
RISK_NOTE = "Recently bereaved. Told the nurse she has been stockpiling tablets and sees no point going on."


@pytest.fixture(scope="module")
def lw(tokens):
    return tokens.header("link_worker")


def _create(client, headers, text=NOTE, **extra):  # type: ignore[no-untyped-def]
    response = client.post("/v1/referrals", json={"text": text, "source": "gp", **extra}, headers=headers)
    assert response.status_code == 201, response.text
    return response


def test_intake_stores_the_triage_result_and_says_where(client, tokens):
    response = _create(client, tokens.header("referrer"), age=74, latitude=53.70, longitude=-1.90,
                       referrer={"name": "Dr Example", "email": "gp@example.org"})
    body = response.json()
    assert response.headers["location"] == f"/v1/referrals/{body['id']}"
    assert body["status"] == "new" and body["organisation"] == "Oak Lane Surgery"
    assert {"loneliness", "bereavement"} <= set(body["needs"])
    assert len(body["result"]["suggestions"]) == 5 and body["model_version"]
    assert [e["kind"] for e in body["history"]] == ["created", "triaged"]
    fetched = client.get(body["location"] if "location" in body else response.headers["location"],
                         headers=tokens.header("referrer")).json()
    assert fetched["text"] == NOTE and fetched["result"] == body["result"]


def test_date_of_birth_gives_the_age(client, lw):
    body = _create(client, lw, date_of_birth="1950-01-01").json()
    assert body["age"] >= 75 and body["date_of_birth"] == "1950-01-01"


def test_idempotency_key_makes_a_retry_safe(client, lw):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/v1/referrals", json={"text": NOTE}, headers=lw | key)
    again = client.post("/v1/referrals", json={"text": NOTE}, headers=lw | key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    clash = client.post("/v1/referrals", json={"text": "A different referral."}, headers=lw | key)
    assert clash.status_code == 409 and "Idempotency-Key" in clash.json()["message"]


def test_risk_flagged_referrals_come_first_then_oldest(client, lw):
    organisation = f"Queue Test {uuid.uuid4().hex[:6]}"
    calm = _create(client, lw, text="Would like to get out more and meet people.", organisation=organisation).json()
    risky = _create(client, lw, text=RISK_NOTE, organisation=organisation).json()
    assert risky["urgent_review"] and "self_harm" in risky["risk_flags"]
    queue = client.get(f"/v1/referrals?organisation={organisation}", headers=lw).json()
    assert [r["id"] for r in queue["items"]] == [risky["id"], calm["id"]] and queue["total"] == 2
    assert "text" not in queue["items"][0]  # lists carry no note text
    only_risk = client.get(f"/v1/referrals?organisation={organisation}&risk=true", headers=lw).json()
    assert [r["id"] for r in only_risk["items"]] == [risky["id"]]


def test_list_filters_by_need_status_and_source_and_pages(client, lw):
    organisation = f"Filter Test {uuid.uuid4().hex[:6]}"
    housing = _create(client, lw, text="Section 21 notice, has to leave the flat by March.", source="housing",
                      organisation=organisation).json()
    _create(client, lw, text="Wants to join a walking group to get fitter.", organisation=organisation)
    by_need = client.get(f"/v1/referrals?organisation={organisation}&need=housing", headers=lw).json()
    assert [r["id"] for r in by_need["items"]] == [housing["id"]]
    by_source = client.get(f"/v1/referrals?organisation={organisation}&source=housing", headers=lw).json()
    assert by_source["total"] == 1
    page = client.get(f"/v1/referrals?organisation={organisation}&limit=1&offset=1", headers=lw).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.get("/v1/referrals?need=unicorns", headers=lw).status_code == 422


def test_changing_needs_rematches_and_is_recorded(client, lw):
    referral = _create(client, lw).json()
    before = [s["asset_id"] for s in referral["result"]["suggestions"]]
    changed = client.put(f"/v1/referrals/{referral['id']}/needs", json={"needs": ["housing"], "reason": "main worry"},
                         headers=lw).json()
    after = [s["asset_id"] for s in changed["result"]["suggestions"]]
    assert changed["needs"] == ["housing"] and changed["needs_edited"] and after != before
    assert "housing" in changed["result"]["suggestions"][0]["needs"]
    event = changed["history"][-1]
    assert event["kind"] == "needs_changed" and event["actor"].startswith("link_worker")
    assert event["data"]["added"] == ["housing"] and "loneliness" in event["data"]["removed"]
    assert event["data"]["model_version"] == changed["model_version"]
    needs_filter = client.get(f"/v1/referrals?need=housing&organisation={changed['organisation']}", headers=lw).json()
    assert referral["id"] in [r["id"] for r in needs_filter["items"]]


def test_decisions_need_a_reason_to_reject_and_are_kept_with_the_model_version(client, lw):
    referral = _create(client, lw).json()
    first, second = (s["asset_id"] for s in referral["result"]["suggestions"][:2])
    url = f"/v1/referrals/{referral['id']}/decisions"
    assert client.post(url, json={"asset_id": second, "decision": "rejected"}, headers=lw).status_code == 400
    client.post(url, json={"asset_id": first, "decision": "accepted"}, headers=lw)
    done = client.post(url, json={"asset_id": second, "decision": "rejected", "reason": "too far"}, headers=lw).json()
    assert {(d["asset_id"], d["decision"]) for d in done["decisions"]} == {(first, "accepted"), (second, "rejected")}
    assert all(d["model_version"] == referral["model_version"] for d in done["decisions"])
    assert done["status"] == "in_review"  # the first decision started the review
    assert client.post(url, json={"asset_id": "no-such-asset", "decision": "accepted"}, headers=lw).status_code == 404


def test_status_moves_only_forward_and_each_move_is_recorded(client, lw):
    referral = _create(client, lw).json()
    url = f"/v1/referrals/{referral['id']}/status"
    jump = client.post(url, json={"status": "connected"}, headers=lw)
    assert jump.status_code == 409 and "allowed: in_review" in jump.json()["message"]
    for status in ("in_review", "contacted", "connected", "closed"):
        assert client.post(url, json={"status": status}, headers=lw).status_code == 200
    final = client.get(f"/v1/referrals/{referral['id']}", headers=lw).json()
    moves = [(e["data"]["from"], e["data"]["to"]) for e in final["history"] if e["kind"] == "status_changed"]
    assert moves == [("new", "in_review"), ("in_review", "contacted"), ("contacted", "connected"),
                     ("connected", "closed")]
    assert client.post(url, json={"status": "in_review"}, headers=lw).status_code == 409


def test_notes_are_kept_with_who_and_when(client, lw):
    referral = _create(client, lw).json()
    noted = client.post(f"/v1/referrals/{referral['id']}/notes", json={"text": "Left a voicemail."}, headers=lw).json()
    assert noted["notes"][0]["text"] == "Left a voicemail." and noted["notes"][0]["at"]
    assert client.post(f"/v1/referrals/{referral['id']}/notes", json={"text": "  "}, headers=lw).status_code == 422


def test_every_read_and_write_is_audited(client, tokens, lw):
    referral = _create(client, tokens.header("referrer")).json()
    client.get(f"/v1/referrals/{referral['id']}", headers=lw)
    client.post(f"/v1/referrals/{referral['id']}/notes", json={"text": "Called."}, headers=lw)
    trail = client.get(f"/v1/audit?resource_id={referral['id']}", headers=tokens.header("admin")).json()
    assert [(e["action"], e["role"]) for e in reversed(trail)] == [
        ("create", "referrer"), ("read", "link_worker"), ("add_note", "link_worker")]
    assert all(e["client"] and e["at"] for e in trail)


def test_referral_text_never_reaches_the_logs(client, lw, caplog):
    marker = f"Zebedee{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.DEBUG):
        referral = _create(client, lw, text=f"{marker} is lonely and behind on rent.").json()
        client.get(f"/v1/referrals/{referral['id']}", headers=lw)
        client.post("/v1/referrals", json={"text": marker, "age": -1}, headers=lw)
    assert caplog.records and marker not in caplog.text


def test_a_referral_is_kept_even_when_triage_fails(client, lw, engine, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the model is unavailable")

    monkeypatch.setattr(engine, "match", broken)
    body = _create(client, lw, text="Lonely and in debt.").json()
    assert body["result"] is None and body["urgent_review"]
    assert body["history"][-1]["data"]["error"].startswith("triage failed")
    monkeypatch.undo()
    assert client.get(f"/v1/referrals/{body['id']}", headers=lw).json()["text"] == "Lonely and in debt."
