"""The HTTP app, in process, sharing the session's engine."""

import pytest
from fastapi.testclient import TestClient

from service.app import create_app


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(engine=engine)) as c:
        yield c


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"


def test_triage_returns_what_match_returns(client, engine):
    from triage.schemas import ReferralIn

    body = {"id": "r1", "text": "Behind on rent, lonely since moving here, wants to get fitter.", "age": 40}
    response = client.post("/v1/triage", json=body)
    assert response.status_code == 200
    assert response.json() == engine.match([ReferralIn(**body)])[0].model_dump(mode="json")


@pytest.mark.parametrize("body,field", [({"id": "x"}, "text"), ({"text": "x", "age": -3}, "age"),
                                        ({"text": "x", "needs": ["nope"]}, "needs"),
                                        ({"text": "x", "delivery": "post"}, "delivery")])
def test_bad_body_is_a_422_naming_the_field(client, body, field):
    response = client.post("/v1/triage", json=body)
    assert response.status_code == 422
    assert f"field '{field}" in response.json()["message"]


def test_malformed_json_is_a_4xx(client):
    response = client.post("/v1/triage", content=b"{oops", headers={"content-type": "application/json"})
    assert response.status_code == 422
