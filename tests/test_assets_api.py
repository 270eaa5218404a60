"""The directory over HTTP: list, search, get, create, update, delete and import, kept in step with the index."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "openreferral"


@pytest.fixture(scope="module")
def lw(tokens):
    return tokens.header("link_worker")


def _asset(asset_id: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"id": asset_id, "name": "Tuesday Knit and Natter", "organisation": "Castlemere Library",
            "description": "A friendly knitting circle at the library for anyone who would like company and a cuppa.",
            "needs": ["loneliness"], "latitude": 53.70, "longitude": -1.90, "delivery": ["in_person"]} | extra


def test_list_pages_and_filters_by_need(client, lw):
    page = client.get("/v1/assets?limit=5", headers=lw).json()
    assert len(page["items"]) == 5 and page["total"] >= 50
    debt = client.get("/v1/assets?need=debt&limit=200", headers=lw).json()
    assert debt["items"] and all("debt" in a["needs"] for a in debt["items"])


def test_search_finds_by_meaning(client, lw):
    hits = client.get("/v1/assets/search", params={"q": "somewhere to sing with other people"}, headers=lw).json()
    assert "choir" in hits[0]["asset"]["name"].lower() or "sing" in hits[0]["asset"]["description"].lower()
    assert hits == sorted(hits, key=lambda h: -h["similarity"])


def test_create_update_delete_keep_the_index_in_step(client, lw, tokens):
    asset_id = f"knit-{uuid.uuid4().hex[:6]}"
    created = client.post("/v1/assets", json=_asset(asset_id), headers=lw)
    assert created.status_code == 201 and created.headers["location"] == f"/v1/assets/{asset_id}"
    assert client.post("/v1/assets", json=_asset(asset_id), headers=lw).status_code == 409
    query = {"q": "knitting circle at the library", "limit": 3}
    assert asset_id in [h["asset"]["id"] for h in client.get("/v1/assets/search", params=query, headers=lw).json()]
    updated = client.put(f"/v1/assets/{asset_id}", json=_asset(asset_id, name="Knit and Natter (Thursdays)"), headers=lw)
    assert updated.json()["name"] == "Knit and Natter (Thursdays)"
    assert client.get(f"/v1/assets/{asset_id}", headers=tokens.header("referrer")).json()["name"].endswith("(Thursdays)")
    assert client.put(f"/v1/assets/{asset_id}", json=_asset("other-id"), headers=lw).status_code == 422
    assert client.delete(f"/v1/assets/{asset_id}", headers=lw).status_code == 204
    assert client.get(f"/v1/assets/{asset_id}", headers=lw).status_code == 404
    assert asset_id not in [h["asset"]["id"] for h in client.get("/v1/assets/search", params=query, headers=lw).json()]


def test_an_asset_without_needs_gets_them_inferred(client, lw):
    asset_id = f"advice-{uuid.uuid4().hex[:6]}"
    body = _asset(asset_id, name="Money Matters Drop-in", needs=[],
                  description="Free debt advice: help with rent arrears, council tax and bills, budgeting and "
                              "dealing with bailiffs.")
    created = client.post("/v1/assets", json=body, headers=lw).json()
    assert created["needs_inferred"] and "debt" in created["needs"]
    client.delete(f"/v1/assets/{asset_id}", headers=lw)


def test_a_bad_asset_is_a_422_naming_the_field(client, lw):
    response = client.post("/v1/assets", json=_asset("bad-ages", min_age=70, max_age=20), headers=lw)
    assert response.status_code == 422 and "max_age" in response.json()["message"]


def test_import_open_referral_json_and_csv(client, lw):
    feed = FIXTURES / "oruk-validator-mocks" / "V3.0-UK-Default" / "service_list.json"
    imported = client.post("/v1/assets/import", content=feed.read_bytes(),
                           headers=lw | {"content-type": "application/json"})
    assert imported.status_code == 200 and imported.json()["added"] + imported.json()["updated"] == 1
    csv = "id,name,description,needs\nimport-walk-1,Riverside Strollers,Gentle weekly walks by the river.,physical_activity\n"
    from_csv = client.post("/v1/assets/import", content=csv.encode(), headers=lw | {"content-type": "text/csv"})
    assert from_csv.status_code == 200, from_csv.text
    assert client.get("/v1/assets/import-walk-1", headers=lw).json()["name"] == "Riverside Strollers"


def test_a_bad_import_names_the_row_and_writes_nothing(client, lw):
    before = client.get("/v1/assets?limit=1", headers=lw).json()["total"]
    csv = ("id,name,description,needs\nok-row-1,Fine Group,A fine group.,loneliness\n"
           "bad-row-2,Broken Group,A broken row.,not_a_need\n")
    response = client.post("/v1/assets/import", content=csv.encode(), headers=lw | {"content-type": "text/csv"})
    assert response.status_code == 400 and "not_a_need" in response.json()["message"]
    assert client.get("/v1/assets?limit=1", headers=lw).json()["total"] == before
    assert client.get("/v1/assets/ok-row-1", headers=lw).status_code == 404
    fail = FIXTURES / "oruk-validator-mocks" / "V3.0-UK-Fail" / "service_list.json"
    rejected = client.post("/v1/assets/import", content=fail.read_bytes(),
                           headers=lw | {"content-type": "application/json"})
    assert rejected.status_code == 400 and "email" in rejected.json()["message"]


def test_import_refuses_other_media_types(client, lw):
    response = client.post("/v1/assets/import", content=json.dumps({}).encode(), headers=lw | {"content-type": "text/xml"})
    assert response.status_code == 415 and "text/csv" in response.json()["message"]
