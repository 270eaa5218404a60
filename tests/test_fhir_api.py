"""FHIR over HTTP: the HL7 SDOH Clinical Care ServiceRequests come in; the Task follows the referral."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent / "fixtures" / "fhir").glob("ServiceRequest-*.json"))
FHIR_JSON = {"content-type": "application/fhir+json"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_sdohcc_service_requests_become_referrals_with_coded_needs(client, tokens, path):
    resource = json.loads(path.read_text())
    response = client.post("/fhir/ServiceRequest", content=path.read_bytes(),
                           headers=tokens.header("link_worker") | FHIR_JSON)
    assert response.status_code == 201, response.text
    echoed = response.json()
    assert echoed["resourceType"] == "ServiceRequest" and response.headers["location"].endswith(echoed["id"])
    codes = {c["code"] for concept in echoed["reasonCode"] for c in concept["coding"]}
    assert "food-insecurity" in codes  # every example is about food
    assert {"system": "urn:triage:referrer-id", "value": resource["id"]} in echoed["identifier"]
    stored = client.get(f"/v1/referrals/{echoed['id']}", headers=tokens.header("link_worker")).json()
    assert "food_insecurity" in stored["needs"] and stored["external_id"] == resource["id"]


def test_the_task_follows_the_referral_back_to_the_referrer(client, tokens):
    resource = json.loads(EXAMPLES[0].read_text())
    referrer, worker = tokens.header("referrer"), tokens.header("link_worker")
    created = client.post("/fhir/ServiceRequest", json=resource, headers=referrer).json()
    search = f"/fhir/Task?based-on=ServiceRequest/{created['id']}"
    task = client.get(search, headers=referrer).json()["entry"][0]["resource"]
    assert (task["status"], task["businessStatus"]["text"]) == ("requested", "new")
    stored = client.get(f"/v1/referrals/{created['id']}", headers=worker).json()
    first = stored["result"]["suggestions"][0]
    client.post(f"/v1/referrals/{created['id']}/decisions", json={"asset_id": first["asset_id"], "decision": "accepted"},
                headers=worker)
    for status in ("contacted", "connected"):  # the decision moved it to in_review
        client.post(f"/v1/referrals/{created['id']}/status", json={"status": status}, headers=worker)
    task = client.get(search, headers=referrer).json()["entry"][0]["resource"]
    assert (task["status"], task["businessStatus"]["text"]) == ("completed", "connected")
    assert first["name"] in task["output"][0]["valueString"]
    again = client.get(f"/fhir/ServiceRequest/{created['id']}", headers=referrer)
    assert again.status_code == 200 and again.json()["id"] == created["id"]


def test_a_risk_flag_makes_the_service_request_urgent(client, tokens):
    resource = {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
                "subject": {"reference": "Patient/example"},
                "note": [{"text": "Lives alone, lost her job. Said last week she has thought about ending her life."}]}
    echoed = client.post("/fhir/ServiceRequest", json=resource, headers=tokens.header("referrer")).json()
    assert echoed["priority"] == "urgent"


@pytest.mark.parametrize("body,where", [
    (b"{not json", "ServiceRequest"),
    (b'{"resourceType": "Patient"}', "resourceType"),
    (b'{"resourceType": "ServiceRequest", "status": "active", "intent": "order"}', "ServiceRequest.subject"),
])
def test_an_invalid_resource_gets_an_operation_outcome_naming_the_element(client, tokens, body, where):
    response = client.post("/fhir/ServiceRequest", content=body, headers=tokens.header("referrer") | FHIR_JSON)
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/fhir+json")
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["expression"] == [where]
