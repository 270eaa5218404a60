"""The pieces behind the pages: highlighting evidence, dashboard figures, sign-in rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.web.highlight import highlight
from service.web.session import safe_next
from triage.schemas import Evidence, NeedPrediction, RiskPrediction, TriageResult


def _result(text: str, needs: dict[str, list[str]], risks: dict[str, list[str]] | None = None) -> TriageResult:
    def spans(phrases: list[str]) -> list[Evidence]:
        return [Evidence(start=text.index(p), end=text.index(p) + len(p), text=p) for p in phrases]

    return TriageResult(id="r", needs=[NeedPrediction(need=n, score=0.9, evidence=spans(p)) for n, p in needs.items()],
                        risk_flags=[RiskPrediction(flag=f, score=0.9, evidence=spans(p)) for f, p in (risks or {}).items()])


def test_runs_cover_the_text_exactly_once_and_keep_overlaps():
    text = "Lonely since his wife died, behind on rent."
    result = _result(text, {"loneliness": ["Lonely since his wife died"], "bereavement": ["his wife died"],
                            "debt": ["behind on rent"]})
    runs = highlight(text, result)
    assert "".join(r.text for r in runs) == text
    labelled = {r.text: r.labels for r in runs if r.labels}
    assert labelled == {"Lonely since ": ("loneliness",), "his wife died": ("loneliness", "bereavement"),
                        "behind on rent": ("debt",)}


def test_risk_evidence_is_marked_as_risk():
    text = "Sees no point going on. Lonely."
    runs = highlight(text, _result(text, {"loneliness": ["Lonely"]}, {"self_harm": ["Sees no point going on"]}))
    assert [(r.text, r.risk) for r in runs if r.labels] == [("Sees no point going on", True), ("Lonely", False)]


def test_no_result_is_one_plain_run():
    assert highlight("<b>x</b>", None)[0].labels == ()


@pytest.mark.parametrize("given,expected", [("/referrals/1", "/referrals/1"), ("//evil.example", "/"),
                                            ("https://evil.example/", "/"), ("", "/"), (None, "/")])
def test_sign_in_only_returns_to_our_own_pages(given, expected):
    assert safe_next(given) == expected


def test_dashboard_counts_weeks_review_time_and_acceptance(engine, tokens, client):
    import uuid

    from triage.referrals.stats import dashboard

    source = f"stats-{uuid.uuid4().hex[:6]}"
    lw = tokens.header("link_worker")
    referral = client.post("/v1/referrals", json={"text": "Lonely since moving here.", "source": source}, headers=lw).json()
    first = referral["result"]["suggestions"][0]["asset_id"]
    client.post(f"/v1/referrals/{referral['id']}/decisions", json={"asset_id": first, "decision": "accepted"}, headers=lw)
    figures = dashboard(engine.database.sessions, now=datetime.now(UTC) + timedelta(minutes=1))
    assert figures.by_source[source][-1] == 1 and sum(figures.by_source[source]) == 1
    assert figures.median_hours_to_review is not None and min(figures.hours_to_first_review) >= 0
    accepted, decided = figures.acceptance["loneliness"]
    assert 1 <= accepted <= decided
    assert figures.status_counts["in_review"] >= 1


def test_a_failed_review_action_shows_the_problem_on_the_page(client, tokens):
    lw = tokens.header("link_worker")
    referral = client.post("/v1/referrals", json={"text": "Lonely since moving here."}, headers=lw).json()
    client.cookies.set("triage_session", tokens.link_worker)
    try:
        response = client.post(f"/referrals/{referral['id']}/decisions",
                               data={"asset_id": referral["result"]["suggestions"][0]["asset_id"],
                                     "decision": "rejected", "reason": ""}, follow_redirects=False)
        assert response.status_code == 422 and "give a reason when rejecting" in response.text
        assert 'id="note"' in response.text and 'id="suggestions"' in response.text  # the page itself
        moved = client.post(f"/referrals/{referral['id']}/status", data={"status": "connected"}, follow_redirects=False)
        assert moved.status_code == 422 and "cannot move from" in moved.text
        ok = client.post(f"/referrals/{referral['id']}/notes", data={"text": "Rang, no answer."}, follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == f"/referrals/{referral['id']}"
    finally:
        client.cookies.clear()


def test_pages_need_a_session_and_say_so_with_a_redirect(client):
    response = client.get("/directory?q=choir", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fdirectory%3Fq%3Dchoir"


def test_a_form_posted_from_another_site_is_refused(client, tokens):
    client.cookies.set("triage_session", tokens.link_worker)
    try:
        response = client.post("/logout", headers={"origin": "https://evil.example"}, follow_redirects=False)
        assert response.status_code == 403
    finally:
        client.cookies.clear()


def test_outcome_forms_record_outcomes_wellbeing_and_contacts(client, tokens):
    lw = tokens.header("link_worker")
    referral = client.post("/v1/referrals", json={"text": "Lonely since moving here."}, headers=lw).json()
    asset = referral["result"]["suggestions"][0]["asset_id"]
    client.post(f"/v1/referrals/{referral['id']}/decisions", json={"asset_id": asset, "decision": "accepted"}, headers=lw)
    client.cookies.set("triage_session", tokens.link_worker)
    try:
        page = client.get(f"/referrals/{referral['id']}")
        assert 'id="outcomes"' in page.text and "Follow-up due" in page.text
        base = f"/referrals/{referral['id']}"
        assert client.post(f"{base}/outcomes", data={"asset_id": asset, "stage": "attended_first", "on": "2026-11-12"},
                           follow_redirects=False).status_code == 303
        wellbeing = {"timepoint": "first_contact", "on": "2026-11-12", "life_satisfaction": "4", "worthwhile": "5",
                     "happy": "3", "anxious": "7"} | {f"swemwbs_{i}": "3" for i in range(1, 8)}
        assert client.post(f"{base}/wellbeing", data=wellbeing, follow_redirects=False).status_code == 303
        bad = client.post(f"{base}/wellbeing", data=wellbeing | {"happy": "12"}, follow_redirects=False)
        assert bad.status_code == 422 and "ons4.happy" in bad.text
        assert client.post(f"{base}/contacts", data={"on": "2026-11-12", "mode": "phone", "minutes": "20"},
                           follow_redirects=False).status_code == 303
    finally:
        client.cookies.clear()
    stored = client.get(f"/v1/referrals/{referral['id']}", headers=lw).json()
    assert stored["outcomes"][0]["stage"] == "attended_first" and stored["contacts"] == 1
    assert stored["wellbeing"][0]["swemwbs"] == [3] * 7
    assert stored["follow_up"]["what"].startswith("still attending")


def test_odd_form_values_are_named_on_the_page_not_a_server_error(client, tokens):
    lw = tokens.header("link_worker")
    referral = client.post("/v1/referrals", json={"text": "Lonely since moving here."}, headers=lw).json()
    client.cookies.set("triage_session", tokens.link_worker)
    try:
        wellbeing = {"timepoint": "first_contact", "on": "2026-11-12", "life_satisfaction": "4", "worthwhile": "5",
                     "happy": "3", "anxious": "7", "swemwbs_1": "\u00b2"}
        response = client.post(f"/referrals/{referral['id']}/wellbeing", data=wellbeing, follow_redirects=False)
        assert response.status_code == 422 and "swemwbs" in response.text
    finally:
        client.cookies.clear()


def test_the_dashboard_is_for_people_who_work_with_referrals(client, tokens):
    client.cookies.set("triage_session", tokens.data_scientist)
    try:
        assert client.get("/dashboard").status_code == 403
        assert client.get("/outcomes/report").status_code == 200  # the report suppresses small numbers
    finally:
        client.cookies.clear()
