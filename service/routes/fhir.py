"""FHIR R4 intake and progress: a ServiceRequest becomes a referral; its Task tells the referrer what happened."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from service.deps import Desk, record, require, scope
from triage.errors import InputError, NotFoundError
from triage.fhir import (
    referral_from_service_request,
    service_request_response,
    task_bundle,
    task_for_referral,
)
from triage.store.users import User

FHIR_JSON = "application/fhir+json"


class FHIRResponse(JSONResponse):
    media_type = FHIR_JSON


router = APIRouter(prefix="/fhir", tags=["fhir"], default_response_class=FHIRResponse)
Creator = Annotated[User, Depends(require("referrals:create"))]
Reader = Annotated[User, Depends(require("referrals:read"))]


@router.post("/ServiceRequest", status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 FHIR_JSON: {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}}}},
             responses={201: {"description": "the ServiceRequest with the needs as coded reasonCode entries"},
                        200: {"description": "replayed: the Idempotency-Key was used before",
                              "content": {FHIR_JSON: {"schema": {"type": "object"}}}},
                        400: {"description": "an OperationOutcome naming the element at fault"},
                        409: {"description": "the Idempotency-Key was used for a different referral"}})
async def create_service_request(request: Request, desk: Desk, user: Creator,
                                 idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None
                                 ) -> JSONResponse:
    """A FHIR R4 ServiceRequest (e.g. an HL7 SDOH Clinical Care referral) becomes a referral."""
    try:
        resource = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError("ServiceRequest", f"the body is not JSON ({e})") from e
    incoming = referral_from_service_request(resource)
    data = incoming.referral
    organisation = scope(user) or data.organisation
    intake = await run_in_threadpool(desk.intake, data, actor=user.name, organisation=organisation,
                                     idempotency_key=idempotency_key, fhir=incoming.resource)
    record(request, user, "create" if intake.created else "replay", "referral", intake.referral.id, detail="fhir")
    return JSONResponse(service_request_response(incoming.resource, intake.referral),
                        status_code=201 if intake.created else 200, media_type=FHIR_JSON,
                        headers={"Location": f"/fhir/ServiceRequest/{intake.referral.id}"})


@router.get("/ServiceRequest/{referral_id}", responses={404: {"description": "an OperationOutcome"}})
def read_service_request(request: Request, desk: Desk, user: Reader, referral_id: str) -> JSONResponse:
    referral = desk.get(referral_id, organisation=scope(user))
    record(request, user, "read", "referral", referral_id, detail="fhir")
    resource = referral_resource(referral.id, desk)
    return JSONResponse(service_request_response(resource, referral), media_type=FHIR_JSON)


@router.get("/Task", responses={200: {"description": "a searchset Bundle of the referral's Task"}})
def search_tasks(request: Request, desk: Desk, user: Reader,
                 based_on: Annotated[str, Query(alias="based-on", pattern=r"^ServiceRequest/[A-Za-z0-9\-\.]{1,64}$",
                                                description="ServiceRequest/{id}")]) -> JSONResponse:
    """The referral's progress as a FHIR Task: the closed loop back to the referrer."""
    referral_id = based_on.removeprefix("ServiceRequest/")
    try:
        referral = desk.get(referral_id, organisation=scope(user))
    except NotFoundError:
        return JSONResponse(task_bundle([]), media_type=FHIR_JSON)
    record(request, user, "read", "referral", referral_id, detail="fhir task")
    return JSONResponse(task_bundle([task_for_referral(referral)]), media_type=FHIR_JSON)


def referral_resource(referral_id: str, desk: Desk) -> dict:
    """The ServiceRequest a referral came as, or a minimal one for referrals that came by our own API."""
    stored = desk.fhir_resource(referral_id)
    return stored or {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
                      "subject": {"display": "the referred person"}}
