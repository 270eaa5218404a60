"""Who may call what: every endpoint against every role, and a referrer's view of one organisation."""

from __future__ import annotations

import pytest

from triage.access import PERMISSIONS, ROLES

MISSING = "00000000-0000-0000-0000-000000000000"
# Every endpoint, the permission it needs and a request that is harmless when allowed (a 404 or a 422).
ENDPOINTS: dict[tuple[str, str], tuple[str, str, dict | None]] = {
    ("POST", "/v1/triage"): ("triage", "/v1/triage", {"text": "Feels lonely since moving here."}),
    ("POST", "/v1/referrals"): ("referrals:create", "/v1/referrals", {}),
    ("GET", "/v1/referrals"): ("referrals:read", "/v1/referrals?limit=1", None),
    ("GET", "/v1/referrals/{referral_id}"): ("referrals:read", f"/v1/referrals/{MISSING}", None),
    ("PUT", "/v1/referrals/{referral_id}/needs"): ("referrals:review", f"/v1/referrals/{MISSING}/needs", {"needs": []}),
    ("POST", "/v1/referrals/{referral_id}/decisions"): ("referrals:review", f"/v1/referrals/{MISSING}/decisions",
                                                        {"asset_id": "x", "decision": "accepted"}),
    ("POST", "/v1/referrals/{referral_id}/notes"): ("referrals:review", f"/v1/referrals/{MISSING}/notes", {"text": "x"}),
    ("POST", "/v1/referrals/{referral_id}/status"): ("referrals:review", f"/v1/referrals/{MISSING}/status",
                                                     {"status": "closed"}),
    ("POST", "/v1/referrals/{referral_id}/outcomes"): ("referrals:review", f"/v1/referrals/{MISSING}/outcomes",
                                                       {"asset_id": "x", "stage": "contacted", "on": "2026-11-20"}),
    ("POST", "/v1/referrals/{referral_id}/wellbeing"): ("referrals:review", f"/v1/referrals/{MISSING}/wellbeing", {}),
    ("POST", "/v1/referrals/{referral_id}/contacts"): ("referrals:review", f"/v1/referrals/{MISSING}/contacts",
                                                       {"on": "2026-11-20", "mode": "phone"}),
    ("GET", "/v1/outcomes/report"): ("reports:read", "/v1/outcomes/report?start=2026-11-01&end=2026-11-02", None),
    ("GET", "/v1/outcomes/export"): ("outcomes:export", "/v1/outcomes/export?start=2026-11-01&end=2026-11-02", None),
    ("GET", "/v1/assets"): ("assets:read", "/v1/assets?limit=1", None),
    ("GET", "/v1/assets/search"): ("assets:read", "/v1/assets/search?q=choir&limit=1", None),
    ("GET", "/v1/assets/{asset_id}"): ("assets:read", "/v1/assets/no-such-asset", None),
    ("POST", "/v1/assets"): ("assets:write", "/v1/assets", {}),
    ("PUT", "/v1/assets/{asset_id}"): ("assets:write", "/v1/assets/no-such-asset", {}),
    ("DELETE", "/v1/assets/{asset_id}"): ("assets:write", "/v1/assets/no-such-asset", None),
    ("POST", "/v1/assets/import"): ("assets:write", "/v1/assets/import", {}),
    ("GET", "/v1/audit"): ("audit:read", "/v1/audit?limit=1", None),
    ("POST", "/fhir/ServiceRequest"): ("referrals:create", "/fhir/ServiceRequest", {"resourceType": "Patient"}),
    ("GET", "/fhir/ServiceRequest/{referral_id}"): ("referrals:read", f"/fhir/ServiceRequest/{MISSING}", None),
    ("GET", "/fhir/Task"): ("referrals:read", f"/fhir/Task?based-on=ServiceRequest/{MISSING}", None),
    ("GET", "/metrics"): ("metrics:read", "/metrics", None),
    ("GET", "/v1/feedback/export"): ("feedback:export", "/v1/feedback/export?start=2026-11-01&end=2026-11-02", None),
    ("GET", "/v1/admin/model"): ("models:read", "/v1/admin/model", None),
    ("POST", "/v1/admin/model/reload"): ("models:reload", "/v1/admin/model/reload", None),
}
PUBLIC = {("GET", "/healthz"), ("GET", "/readyz")}


def _call(client, method: str, url: str, body: dict | None, headers: dict):  # type: ignore[no-untyped-def]
    return client.request(method, url, json=body, headers=headers)


def test_every_endpoint_is_in_the_access_matrix(app):
    served = {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}
    assert served == set(ENDPOINTS) | PUBLIC


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS), ids=lambda e: f"{e[0]} {e[1]}")
def test_no_token_is_401_and_a_bad_token_too(client, endpoint):
    _, url, body = ENDPOINTS[endpoint]
    assert _call(client, endpoint[0], url, body, {}).status_code == 401
    assert _call(client, endpoint[0], url, body, {"Authorization": "Bearer tri_forged"}).status_code == 401


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS), ids=lambda e: f"{e[0]} {e[1]}")
def test_each_role_gets_exactly_its_permissions(client, tokens, role, endpoint):
    permission, url, body = ENDPOINTS[endpoint]
    status = _call(client, endpoint[0], url, body, tokens.header(role)).status_code
    if role in PERMISSIONS[permission]:
        assert status not in (401, 403), f"{role} refused on {endpoint}"
        assert status < 500
    else:
        assert status == 403, f"{role} allowed on {endpoint}"


def test_a_revoked_token_stops_working_at_once(client, engine):
    from triage.store.users import UserRepository

    users = UserRepository(engine.database.sessions)
    _, token = users.create("leaver-link-worker", "link_worker")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/referrals?limit=1", headers=headers).status_code == 200
    users.revoke("leaver-link-worker")
    assert client.get("/v1/referrals?limit=1", headers=headers).status_code == 401


def test_a_referrer_sees_only_their_organisations_referrals(client, tokens):
    mine = client.post("/v1/referrals", json={"text": "Struggling with the stairs and lonely.", "source": "gp",
                                               "organisation": "Somewhere Else"}, headers=tokens.header("referrer"))
    theirs = client.post("/v1/referrals", json={"text": "Rent arrears, eviction notice.", "source": "housing"},
                         headers=tokens.header("other_referrer"))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["organisation"] == "Oak Lane Surgery"  # their own, whatever the body says
    assert client.get(f"/v1/referrals/{theirs.json()['id']}", headers=tokens.header("referrer")).status_code == 404
    assert client.get(f"/fhir/ServiceRequest/{theirs.json()['id']}", headers=tokens.header("referrer")).status_code == 404
    tasks = client.get(f"/fhir/Task?based-on=ServiceRequest/{theirs.json()['id']}", headers=tokens.header("referrer"))
    assert tasks.json()["total"] == 0
    listed = client.get("/v1/referrals?limit=200&organisation=Hillside%20Housing", headers=tokens.header("referrer"))
    assert {r["organisation"] for r in listed.json()["items"]} == {"Oak Lane Surgery"}
    assert client.get(f"/v1/referrals/{theirs.json()['id']}", headers=tokens.header("link_worker")).status_code == 200


def test_refusals_are_audited(client, tokens):
    client.get("/v1/audit", headers=tokens.header("link_worker"))
    entries = client.get("/v1/audit?limit=20", headers=tokens.header("admin")).json()
    assert any(e["action"] == "denied" and e["resource_id"] == "/v1/audit" and e["role"] == "link_worker"
               for e in entries)
