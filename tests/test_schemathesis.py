"""Schemathesis over the whole OpenAPI, in process: no 5xx, and every response matches the schema.

Every operation of the app's OpenAPI is fuzzed over ASGI (no network) against the session's `app`,
whose lifespan the `client` fixture keeps open, with an admin token so that every operation is
reachable. Phases: the schema's examples, coverage (boundary and invalid values, missing parameters,
unexpected methods) and fuzzing (positive and negative), with a fixed seed so a run is reproducible.
Checks: no 5xx, and the status code, content type, headers and body are the documented ones.

The run shares the session's database and asset directory with the other tests, so:

* it authenticates as its own admin user, so the audit entries it leaves are its own;
* DELETE and PUT /v1/assets/{asset_id} are fuzzed only against ids that were not in the directory
  before the run (an id that was is swapped for one that is not: a 404), so they can delete or change
  only what the run itself created;
* POST /v1/assets/import is fuzzed with `replace=false` only: `replace=true` would remove every asset
  that is not in the (fuzzed) file, i.e. the demo directory the other tests match against;
* afterwards the directory is put back as it was (what the run created is removed, anything an import
  changed is restored), so no fuzzed asset can turn up in another test's suggestions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
ASSET_BY_ID = "/v1/assets/{asset_id}"
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")  # Hypothesis, on big bodies


class SharedLifespan:
    """The app, with its lifespan left to the session's TestClient (the `client` fixture).

    Schemathesis' ASGI transport starts the lifespan of the app it calls and ends it at interpreter
    exit; on the session's app that would run start-up a second time and close the shared engine."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


@pytest.fixture(scope="module")
def fuzz_headers(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from triage.store.users import UserRepository

    _, token = UserRepository(engine.database.sessions).create(f"schemathesis-{uuid.uuid4().hex[:6]}", "admin", "")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def directory_before(engine) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    """The directory as it was before the run; put back afterwards."""
    before = {s.asset.id: s.asset for s in engine.catalogue.repository.all()}
    yield before
    engine.catalogue.write(list(before.values()), replace=True)
    assert {s.asset.id: s.asset for s in engine.catalogue.repository.all()} == before


def _openapi() -> dict:
    """The OpenAPI document of an app built as the session's is (create_app), read at collection time:
    Schemathesis parametrizes by operation when the module is imported, before any fixture exists.
    The `target` fixture checks that the session's app serves this very document."""
    from service.app import create_app

    return create_app().openapi()


OPENAPI = _openapi()
# Stateful testing (chains of calls linked by response values) is not run: `parametrize` runs
# each operation on its own.
schema = schemathesis.openapi.from_dict(OPENAPI, config=schemathesis.config.SchemathesisConfig.from_dict({
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},
    "generation": {"mode": "all"},
    "seed": 1,  # with derandomize below: the same cases every run
}))


@pytest.fixture(scope="module")
def target(app, client) -> SharedLifespan:  # type: ignore[no-untyped-def]
    """The session's app. `client` keeps its lifespan open: the model, directory and database are up."""
    assert client.get("/openapi.json").json() == OPENAPI
    return SharedLifespan(app)


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_schema(case, target, fuzz_headers, directory_before) -> None:  # type: ignore[no-untyped-def]
    # Restrictions on destructive operations; see the module docstring.
    if case.path == ASSET_BY_ID and case.method in ("PUT", "DELETE"):
        asset_id = (case.path_parameters or {}).get("asset_id")
        if str(asset_id) in directory_before:
            case.path_parameters["asset_id"] = f"absent-{asset_id}"
    if case.path == "/v1/assets/import" and case.query and "replace" in case.query:
        case.query["replace"] = "false"
    case.call_and_validate(app=target, headers=fuzz_headers, checks=CHECKS)
