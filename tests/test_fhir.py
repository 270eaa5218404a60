"""FHIR R4 interchange: ServiceRequest in; ServiceRequest, Task, Bundle and OperationOutcome out."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from triage.errors import InputError
from triage.fhir import (
    REFERRER_ID_SYSTEM,
    operation_outcome,
    referral_from_service_request,
    service_request_response,
    task_bundle,
    task_for_referral,
)
from triage.referrals.schemas import ReferralPublic, ReferrerContact, SuggestionDecision
from triage.schemas import Suggestion, TriageResult
from triage.taxonomy import SNOMED, get

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
FOOD_PANTRY = "ServiceRequest-SDOHCC-ServiceRequestActiveFoodPantryApplicationAssistExample.json"
GARDEN = "ServiceRequest-SDOHCC-ServiceRequestSubreferralGardenProgramExample.json"
SUMMER_FOOD = "ServiceRequest-SDOHCC-ServiceRequestSubreferralSummerFoodProgramExample.json"
TASK_EXAMPLES = ("Task-SDOHCC-TaskReferralManagementOrderFulfillmentAcceptedExample.json",
                 "Task-SDOHCC-TaskReferralManagementOrderFulfillmentCompletedExample.json")


def _example(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _request(**changes: Any) -> dict:
    """The food pantry example with some elements replaced (None removes one)."""
    resource = _example(FOOD_PANTRY)
    resource.update(changes)
    return {k: v for k, v in resource.items() if v is not None}


def _referral(*, referral_id: str = "r-1", status: str = "new", needs: tuple[str, ...] = ("loneliness",),
              urgent_review: bool = False, created_at: datetime = datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
              result: TriageResult | None = None,
              decisions: tuple[SuggestionDecision, ...] = ()) -> ReferralPublic:
    return ReferralPublic(
        id=referral_id, created_at=created_at, updated_at=datetime(2024, 5, 3, 16, 0, tzinfo=UTC),
        status=status, source="gp", organisation="Elm Surgery", needs=list(needs),
        risk_flags=["self_harm"] if urgent_review else [], urgent_review=urgent_review, model_version="test",
        external_id="", text="Lives alone.", age=None, date_of_birth=None, latitude=None, longitude=None,
        language=None, delivery=None, referrer=ReferrerContact(), needs_edited=False, result=result,
        decisions=list(decisions))


def _decision(asset_id: str, decision: str, minute: int = 0) -> SuggestionDecision:
    return SuggestionDecision(asset_id=asset_id, decision=decision, reason="", actor="lw",
                              at=datetime(2024, 5, 2, 10, minute, tzinfo=UTC), model_version="test")


# ServiceRequest in

@pytest.mark.parametrize(("name", "service"), [
    (FOOD_PANTRY, "Assistance with application for food pantry program"),
    (GARDEN, "Assistance with application for garden program"),
    (SUMMER_FOOD, "Assistance with application for Summer Food Service Program"),
])
def test_sdohcc_service_requests_convert(name: str, service: str) -> None:
    resource = _example(name)
    read = referral_from_service_request(resource)
    assert read.referral.text == f"{service}. Food Insecurity"
    assert "Social service procedure" not in read.referral.text
    assert (read.referral.source, read.referral.organisation) == ("other", "")
    assert read.referral.external_id == resource["id"]
    assert read.referral.age is None and read.referral.date_of_birth is None
    assert read.resource["code"]["coding"][0]["display"] == service
    json.dumps(read.resource)


def test_unknown_status_is_refused_naming_status() -> None:
    with pytest.raises(InputError) as caught:
        referral_from_service_request(_example(GARDEN) | {"status": "finished"})
    assert caught.value.where == "ServiceRequest.status"
    assert "draft, active" in caught.value.problem


@pytest.mark.parametrize(("reference", "source"), [
    ("Practitioner/p1", "gp"), ("PractitionerRole/r1", "gp"), ("Organization/o1", "other"),
    ("Patient/pat-1", "self"), ("RelatedPerson/rp1", "self"), ("Device/d1", "other"),
    ("https://fhir.example.org/r4/Practitioner/p1/_history/2", "gp"),
])
def test_requester_type_gives_the_source(reference: str, source: str) -> None:
    requester = {"reference": reference, "display": "Elm Surgery"}
    read = referral_from_service_request(_request(requester=requester))
    assert read.referral.source == source
    assert read.referral.organisation == read.referral.referrer.name == "Elm Surgery"


def test_first_identifier_is_the_external_id() -> None:
    identifiers = [{"system": "urn:x", "value": "GP-123"}, {"value": "other"}]
    assert referral_from_service_request(_request(identifier=identifiers)).referral.external_id == "GP-123"


def test_contained_subject_birth_date_is_the_date_of_birth() -> None:
    patient = {"resourceType": "Patient", "id": "pat", "birthDate": "1950-03-04"}
    read = referral_from_service_request(_request(contained=[patient], subject={"reference": "#pat"}))
    assert read.referral.date_of_birth == date(1950, 3, 4)


def test_year_only_birth_date_gives_the_youngest_age() -> None:
    patient = {"resourceType": "Patient", "id": "pat", "birthDate": "1950"}
    read = referral_from_service_request(_request(contained=[patient], subject={"reference": "#pat"}))
    today = date.today()
    youngest = today.year - 1950 - (today < date(today.year, 12, 31))  # born on 31 December 1950
    assert read.referral.age == youngest
    assert read.referral.date_of_birth is None


def test_note_text_joins_every_source_in_order_once() -> None:
    read = referral_from_service_request(_request(
        note=[{"text": "Lives alone since his wife died."}, {"text": ""}],
        code={"text": "Social prescribing referral", "coding": [{"display": "ignored as text is given"}]},
        reasonCode=[{"coding": [{"display": "Social isolation"}]}, {"text": "social isolation"}],
        reasonReference=[{"display": "Bereavement"}], orderDetail=[{"text": "Prefers phone calls"}],
        patientInstruction="Call after 2pm"))
    assert read.referral.text == ("Lives alone since his wife died. Social prescribing referral. "
                                  "Social isolation. Bereavement. Food Insecurity. Prefers phone calls. "
                                  "Call after 2pm")


@pytest.mark.parametrize(("resource", "where"), [
    (_request(status="bogus"), "ServiceRequest.status"),
    (_request(status=3), "ServiceRequest.status"),
    (_request(intent=None), "ServiceRequest.intent"),
    (_request(intent="reflex-order"), "ServiceRequest.intent"),
    (_request(subject="Patient/pat-53234"), "ServiceRequest.subject"),
    (_request(subject={"reference": 5}), "ServiceRequest.subject.reference"),
    (_request(note=[{"text": "ok"}, {"text": ["not", "a", "string"]}]), "ServiceRequest.note[1].text"),
    (_request(contained=[{"resourceType": "Nope"}]), "ServiceRequest.contained[0].resourceType"),
    (_request(contained=[{"resourceType": "Patient", "id": "p", "birthDate": "2999-01-01"}],
              subject={"reference": "#p"}), "ServiceRequest.contained.birthDate"),
    (_request(code=None, category=None, reasonReference=[{"reference": "Condition/c"}]), "ServiceRequest.note"),
    (_request(resourceType="Task"), "resourceType"),
    ([_request()], "resourceType"), ("ServiceRequest", "resourceType"), (None, "resourceType"),
])
def test_invalid_resource_names_the_element(resource: object, where: str) -> None:
    with pytest.raises(InputError) as caught:
        referral_from_service_request(resource)
    assert caught.value.where == where


def test_validation_problem_lists_every_element() -> None:
    with pytest.raises(InputError) as caught:
        referral_from_service_request(_request(priority=7, note=[{"text": 3}]))
    assert caught.value.where == "ServiceRequest.note[0].text"
    assert "note[0].text:" in caught.value.problem and "priority:" in caught.value.problem


def _garbage(rnd: random.Random, depth: int = 0) -> object:
    if depth > 3 or rnd.random() < 0.35:
        return rnd.choice([None, 0, -1, 2.5, True, "", "x", "#p", "Patient/1", "1987", [], {}])
    if rnd.random() < 0.5:
        return [_garbage(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    keys = ["text", "reference", "coding", "display", "resourceType", "id", "value", "extension", "birthDate"]
    return {rnd.choice(keys): _garbage(rnd, depth + 1) for _ in range(rnd.randint(0, 3))}


def test_any_json_gives_a_referral_or_an_input_error() -> None:
    rnd = random.Random(7)
    elements = ["status", "intent", "subject", "note", "code", "category", "requester", "identifier",
                "contained",
                "_status", "priority", "reasonCode", "orderDetail", "patientInstruction", "meta", "extension"]
    for _ in range(400):
        resource: object = _request(**{rnd.choice(elements): _garbage(rnd) for _ in range(rnd.randint(1, 3))})
        if rnd.random() < 0.1:
            resource = _garbage(rnd)
        try:
            json.dumps(referral_from_service_request(resource).resource)
        except InputError:
            pass


# ServiceRequest out

def test_response_codes_the_needs_as_reason_code() -> None:
    read = referral_from_service_request(_request(reasonCode=[{"text": "replaced"}]))
    out = service_request_response(read.resource, _referral(needs=("loneliness", "bereavement")))
    loneliness = [c.code for c in get("loneliness").codes if c.system == SNOMED]
    assert loneliness and {"system": SNOMED, "code": loneliness[0], "display": "Social isolation"} in \
        out["reasonCode"][0]["coding"]
    assert [r["text"] for r in out["reasonCode"]] == [get("loneliness").name, get("bereavement").name]
    assert "priority" not in out
    ServiceRequest.model_validate(out)


def test_response_takes_our_id_and_keeps_the_referrers_id() -> None:
    read = referral_from_service_request(_request(identifier=[{"value": "GP-1"}]))
    out = service_request_response(read.resource, _referral(referral_id="r-42"))
    assert out["id"] == "r-42"
    original = _example(FOOD_PANTRY)["id"]
    assert {"system": REFERRER_ID_SYSTEM, "value": original} in out["identifier"]
    assert {"value": "GP-1"} in out["identifier"]


def test_urgent_review_makes_the_response_urgent() -> None:
    read = referral_from_service_request(_request())
    out = service_request_response(read.resource, _referral(urgent_review=True))
    assert out["priority"] == "urgent"
    assert ServiceRequest.model_validate(out).priority == "urgent"


# Task, Bundle and OperationOutcome

@pytest.mark.parametrize(("status", "task_status"), [
    ("new", "requested"), ("in_review", "accepted"), ("contacted", "in-progress"),
    ("connected", "completed"), ("declined", "cancelled"), ("closed", "completed"),
])
def test_task_status_follows_the_referral(status: str, task_status: str) -> None:
    task = task_for_referral(_referral(status=status))
    assert (task["status"], task["businessStatus"]["text"]) == (task_status, status)
    Task.model_validate(task)


def test_task_tracks_the_service_request_like_the_sdohcc_examples() -> None:
    task = task_for_referral(_referral(referral_id="r-9", created_at=datetime(2024, 5, 1, 9, 30)))
    example = _example(TASK_EXAMPLES[0])
    assert task["code"]["coding"][0]["code"] == example["code"]["coding"][0]["code"] == "fulfill"
    assert task["code"]["coding"][0]["system"] == example["code"]["coding"][0]["system"]
    assert (task["id"], task["intent"]) == ("task-r-9", "order")
    assert task["focus"] == task["basedOn"][0] == {"reference": "ServiceRequest/r-9"}
    assert datetime.fromisoformat(task["authoredOn"]) == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)  # naive is UTC
    assert datetime.fromisoformat(task["lastModified"]) == datetime(2024, 5, 3, 16, 0, tzinfo=UTC)
    assert "output" not in task


def test_accepted_suggestions_are_task_outputs() -> None:
    result = TriageResult(id="r-1", suggestions=[
        Suggestion(asset_id="walk-1", name="Tuesday walking group", score=0.9, needs=["physical_activity"],
                   distance_km=1.2, reasons=[])])
    decisions = (_decision("walk-1", "accepted"), _decision("lunch-2", "accepted"),
                 _decision("choir-3", "rejected"), _decision("cafe-4", "accepted", 1),
                 _decision("cafe-4", "rejected", 2))  # the latest decision counts
    task = task_for_referral(_referral(status="contacted", result=result, decisions=decisions))
    assert [o["valueString"] for o in task["output"]] == ["walk-1 — Tuesday walking group", "lunch-2"]
    assert {o["type"]["text"] for o in task["output"]} == {"accepted community service"}
    assert len(Task.model_validate(task).output) == 2


@pytest.mark.parametrize("name", TASK_EXAMPLES)
def test_sdohcc_task_examples_parse(name: str) -> None:
    assert Task.model_validate(_example(name)).code.coding[0].code == "fulfill"


def test_task_bundle_is_a_valid_searchset() -> None:
    tasks = [task_for_referral(_referral(referral_id="r-1")),
             task_for_referral(_referral(referral_id="r-2", status="closed"))]
    bundle = task_bundle(tasks)
    assert (bundle["type"], bundle["total"]) == ("searchset", 2)
    assert [e["resource"]["id"] for e in bundle["entry"]] == ["task-r-1", "task-r-2"]
    assert Bundle.model_validate(bundle).entry[1].resource.status == "completed"
    assert task_bundle([]) == {"resourceType": "Bundle", "type": "searchset", "total": 0}


def test_operation_outcome_names_the_element() -> None:
    outcome = operation_outcome("ServiceRequest.status", "status 'x' cannot be triaged", code="value")
    issue = OperationOutcome.model_validate(outcome).issue[0]
    assert (issue.severity, issue.code, issue.expression) == ("error", "value", ["ServiceRequest.status"])
    assert issue.diagnostics == "status 'x' cannot be triaged"
    assert operation_outcome("resourceType", "no")["issue"][0]["code"] == "invalid"


def test_response_does_not_change_the_given_resource() -> None:
    read = referral_from_service_request(_request())
    kept = copy.deepcopy(read.resource)
    service_request_response(read.resource, _referral(urgent_review=True))
    assert read.resource == kept
