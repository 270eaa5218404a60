"""Stateless triage over HTTP, in process, sharing the session's engine."""

import pytest


@pytest.fixture(scope="module")
def headers(tokens):
    return tokens.header("referrer")


def test_healthz_needs_no_token(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_triage_returns_what_match_returns(client, engine, headers):
    from triage.schemas import ReferralIn

    body = {"id": "r1", "text": "Behind on rent, lonely since moving here, wants to get fitter.", "age": 40}
    response = client.post("/v1/triage", json=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == engine.match([ReferralIn(**body)])[0].model_dump(mode="json")


@pytest.mark.parametrize("body,field", [({"id": "x"}, "text"), ({"text": "x", "age": -3}, "age"),
                                        ({"text": "x", "needs": ["nope"]}, "needs"),
                                        ({"text": "x", "delivery": "post"}, "delivery")])
def test_bad_body_is_a_422_naming_the_field(client, body, field, headers):
    response = client.post("/v1/triage", json=body, headers=headers)
    assert response.status_code == 422
    assert f"field '{field}" in response.json()["message"]


def test_malformed_json_is_a_4xx(client, headers):
    response = client.post("/v1/triage", content=b"{oops", headers=headers | {"content-type": "application/json"})
    assert response.status_code == 422
