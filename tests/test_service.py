"""Operating the service: readiness, a registry that is down, metrics, body limits and uniform errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.model_choice import choose_model
from triage.settings import Settings


def test_readyz_reports_model_index_and_database(client):
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and set(ready["checks"].values()) == {"ok"}
    assert ready["model"]["version"].startswith("triage-needs")


def test_unreachable_registry_falls_back_to_the_shipped_model_and_says_degraded(engine, tokens, tmp_path):
    choice = choose_model(Settings(home=tmp_path, model_uri="models:/triage-needs@champion",
                                   registry_uri="http://127.0.0.1:9"))
    assert choice.model_dir is None and "registry unavailable" in choice.degraded
    with TestClient(create_app(engine=engine, choice=choice)) as degraded:
        ready = degraded.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        triaged = degraded.post("/v1/triage", json={"text": "Lonely since moving."}, headers=tokens.header("referrer"))
        assert triaged.status_code == 200 and triaged.json()["needs"]


def test_a_registry_without_a_champion_serves_the_shipped_model_without_degrading(tmp_path):
    choice = choose_model(Settings(home=tmp_path, model_uri="models:/triage-needs@champion"))
    assert choice.model_dir is None and choice.degraded is None and "not registered" in choice.source


def test_metrics_count_requests_by_route_and_status(client, tokens):
    client.get("/v1/assets?limit=1", headers=tokens.header("data_scientist"))
    text = client.get("/metrics", headers=tokens.header("data_scientist")).text
    assert 'triage_http_requests_total{method="GET",route="/v1/assets",status="200"}' in text
    assert "triage_model_info" in text and "triage_http_request_seconds_bucket" in text


def test_a_body_over_the_limit_is_a_413_declared_or_streamed(client, tokens):
    headers = tokens.header("referrer") | {"content-type": "application/json"}
    big = b'{"text": "' + b"a" * 1_100_000 + b'"}'
    assert client.post("/v1/triage", content=big, headers=headers).status_code == 413

    def chunks():  # no Content-Length: the limit holds while the body streams in
        yield b'{"text": "'
        for _ in range(120):
            yield b"a" * 10_000
        yield b'"}'

    streamed = client.post("/v1/triage", content=chunks(), headers=headers)
    assert streamed.status_code == 413 and streamed.json()["code"] == "body_too_large"


@pytest.mark.parametrize("content", [b"{oops", b"[]", b'"text"', b"\xff\xfe", b'{"text": 12}'])
def test_malformed_bodies_get_a_4xx_with_a_code_and_message(client, tokens, content):
    response = client.post("/v1/referrals", content=content,
                           headers=tokens.header("link_worker") | {"content-type": "application/json"})
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"code", "message"} and response.json()["message"]


def test_unknown_path_and_method_are_uniform_json(client, tokens):
    missing = client.get("/v1/nothing-here", headers=tokens.header("admin"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong = client.delete("/v1/referrals", headers=tokens.header("admin"))
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


def test_fhir_errors_are_operation_outcomes_naming_the_element(client, tokens):
    response = client.post("/fhir/ServiceRequest", json={"resourceType": "ServiceRequest", "status": "active",
                                                         "intent": "order", "subject": "Patient/1"},
                           headers=tokens.header("link_worker"))
    assert response.status_code == 400 and response.json()["resourceType"] == "OperationOutcome"
    assert response.json()["issue"][0]["expression"] == ["ServiceRequest.subject"]


def test_nul_characters_never_cause_a_server_error(client, tokens):
    admin = tokens.header("admin")
    audit = client.get("/v1/audit", params={"actor": "\x00"}, headers=admin)
    assert audit.status_code in (200, 422)  # SQLite can hold NUL; PostgreSQL refuses it: a 422, not a 500
    referral = client.get("/v1/referrals/%00", headers=admin)
    assert referral.status_code in (404, 422)
    intake = client.post("/v1/referrals", json={"text": "Lonely\u0000 and in debt"}, headers=admin)
    assert intake.status_code == 422 and "NUL" in intake.json()["message"]
