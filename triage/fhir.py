"""FHIR R4 at the edge: a ServiceRequest comes in; ServiceRequest, Task, Bundle and OperationOutcome go out.

The only module that imports fhir.resources. It uses the R4B models, the closest to R4 the package ships.
"""

from __future__ import annotations

import calendar
import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task
from pydantic import BaseModel, ValidationError

from triage.errors import InputError
from triage.referrals.schemas import ReferralCreate, ReferralPublic
from triage.taxonomy import Code, get

# the FHIR R4 request-status value set: the SDOHCC sub-referral examples arrive "completed"
STATUSES = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown")
INTENTS = ("order", "original-order", "plan", "proposal")
GENERIC_CATEGORY = "social service procedure"
REFERRER_ID_SYSTEM = "urn:triage:referrer-id"
FULFILL = {"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill",
           "display": "Fulfill the focal request"}
TASK_STATUS = {"new": "requested", "in_review": "accepted", "contacted": "in-progress",
               "connected": "completed", "declined": "cancelled", "closed": "completed"}
SOURCE_BY_REQUESTER = {"Practitioner": "gp", "PractitionerRole": "gp", "Organization": "other",
                       "Patient": "self", "RelatedPerson": "self"}
REFERRAL_FIELD_PATHS = {"text": "ServiceRequest.note", "age": "ServiceRequest.contained.birthDate",
                        "date_of_birth": "ServiceRequest.contained.birthDate",
                        "organisation": "ServiceRequest.requester.display",
                        "referrer": "ServiceRequest.requester.display",
                        "external_id": "ServiceRequest.identifier.value"}
MAX_PROBLEMS = 10


@dataclass(frozen=True)
class FhirReferral:
    """A referral read from a ServiceRequest, with the validated resource as JSON."""

    referral: ReferralCreate
    resource: dict


def referral_from_service_request(resource: object) -> FhirReferral:
    """Our referral from a FHIR R4 ServiceRequest; raises InputError naming the element at fault."""
    data = _validated_request(resource)
    _check_profile(data)
    fields: dict[str, Any] = {"text": _note_text(data), "external_id": _external_id(data)}
    requester = data.get("requester", {})
    fields["source"] = SOURCE_BY_REQUESTER.get(_reference_type(requester, data), "other")
    fields["organisation"] = requester.get("display", "")
    fields["referrer"] = {"name": requester.get("display", "")}
    fields.update(_birth_fields(_subject_birth_date(data), date.today()))
    try:
        return FhirReferral(ReferralCreate(**fields), data)
    except ValidationError as e:
        first = e.errors()[0]
        where = REFERRAL_FIELD_PATHS.get(str(first["loc"][0]) if first["loc"] else "", "ServiceRequest")
        raise InputError(where, str(first["msg"]).removeprefix("Value error, ")) from e


def service_request_response(resource: dict, referral: ReferralPublic) -> dict:
    """The ServiceRequest echoed back under our id, with the needs found as reasonCode."""
    out = copy.deepcopy(resource)
    if out.get("text", {}).get("status") == "generated":
        del out["text"]  # the generated narrative no longer matches the resource
    identifiers = [i for i in out.get("identifier", []) if i.get("system") != REFERRER_ID_SYSTEM]
    if out.get("id") and out["id"] != referral.id:
        identifiers.append({"system": REFERRER_ID_SYSTEM, "value": out["id"]})
    out.update(id=referral.id, identifier=identifiers or None,
               reasonCode=[_concept(get(need).codes, get(need).name) for need in referral.needs] or None)
    if referral.urgent_review:
        out["priority"] = "urgent"
    return _validated(ServiceRequest, {k: v for k, v in out.items() if v is not None})


def task_for_referral(referral: ReferralPublic) -> dict:
    """A referral-management Task (as in the SDOHCC examples) that tracks the referral's status."""
    request = {"reference": f"ServiceRequest/{referral.id}"}
    task = {"resourceType": "Task", "id": f"task-{referral.id}", "status": TASK_STATUS[referral.status],
            "businessStatus": {"text": referral.status}, "intent": "order", "code": {"coding": [FULFILL]},
            "basedOn": [request], "focus": request, "authoredOn": _instant(referral.created_at),
            "lastModified": _instant(referral.updated_at), "output": _accepted_outputs(referral) or None}
    return _validated(Task, {k: v for k, v in task.items() if v is not None})


def task_bundle(tasks: list[dict]) -> dict:
    """A searchset Bundle of Tasks."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(tasks)}
    if tasks:  # FHIR allows no empty arrays
        bundle["entry"] = [{"resource": task} for task in tasks]
    return _validated(Bundle, bundle)


def operation_outcome(where: str, problem: str, *, code: str = "invalid") -> dict:
    """An OperationOutcome with one error issue at `where` (a FHIRPath expression)."""
    issue = {"severity": "error", "code": code, "diagnostics": problem, "expression": [where]}
    return _validated(OperationOutcome, {"resourceType": "OperationOutcome", "issue": [issue]})


def _validated(model: type[BaseModel], data: dict) -> dict:
    return model.model_validate(data).model_dump(mode="json", exclude_none=True)


def _validated_request(resource: object) -> dict:
    """The resource validated by the R4B model, as JSON; every failure is one InputError."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "ServiceRequest":
        found = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        raise InputError("resourceType", f"expected a FHIR ServiceRequest JSON object, got {found!r}")
    _check_contained(resource)
    try:
        return _validated(ServiceRequest, resource)
    except ValidationError as e:
        raise _input_error(e) from e
    except (AttributeError, TypeError, KeyError, ValueError) as e:  # fhir.resources bugs on some garbage
        raise InputError("ServiceRequest", f"not a valid FHIR R4 ServiceRequest: {e}") from e


def _input_error(error: ValidationError) -> InputError:
    """One InputError at the first element at fault, listing every problem briefly."""
    errors = error.errors()
    problems = [f"{_path(e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}" for e in errors]
    more = [f"and {len(problems) - MAX_PROBLEMS} more"] if len(problems) > MAX_PROBLEMS else []
    where = f"ServiceRequest.{_path(errors[0]['loc'])}".rstrip(".")
    return InputError(where, "; ".join(problems[:MAX_PROBLEMS] + more))


def _check_contained(resource: dict) -> None:
    contained = resource.get("contained")
    for i, item in enumerate(contained if isinstance(contained, list) else []):
        kind = item.get("resourceType") if isinstance(item, dict) else None
        if isinstance(item, dict) and not _is_resource_type(kind):
            raise InputError(f"ServiceRequest.contained[{i}].resourceType",
                             f"{kind!r} is not a FHIR R4 resource type")


def _is_resource_type(kind: object) -> bool:
    try:
        return isinstance(kind, str) and get_fhir_model_class(kind) is not None
    except (ValueError, KeyError):
        return False


def _path(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a FHIR element path: ('note', 0, 'text') -> 'note[0].text'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("root", "__root__"):
            path += f".{part}" if path else str(part)
    return path


def _check_profile(data: dict) -> None:
    if data["status"] not in STATUSES:
        raise InputError("ServiceRequest.status", f"status '{data['status']}' is not a FHIR request status; "
                                                  f"valid values: {', '.join(STATUSES)}")
    if data["intent"] not in INTENTS:
        raise InputError("ServiceRequest.intent", f"intent '{data['intent']}' cannot be triaged; "
                                                  f"valid values: {', '.join(INTENTS)}")


def _note_text(data: dict) -> str:
    """The text to triage, from notes, code, reasons, categories, order details and instructions."""
    parts = [note.get("text", "") for note in data.get("note", [])]
    parts += _concept_texts(data.get("code", {}))
    for reason in data.get("reasonCode", []):
        parts += _concept_texts(reason)
    parts += [ref.get("display", "") for ref in data.get("reasonReference", [])]
    for category in data.get("category", []):
        parts += [t for t in _concept_texts(category) if t.strip().lower() != GENERIC_CATEGORY]
    for detail in data.get("orderDetail", []):
        parts += _concept_texts(detail)
    parts.append(data.get("patientInstruction", ""))
    first: dict[str, str] = {}
    for part in parts:
        first.setdefault(part.strip().lower(), part.strip())
    unique = [part for part in first.values() if part]
    if not unique:
        raise InputError("ServiceRequest.note", "no text to triage: give note[].text, code or reasonCode")
    return _sentences(unique)


def _concept_texts(concept: dict) -> list[str]:
    """A CodeableConcept's text, or else its codings' displays."""
    if concept.get("text"):
        return [concept["text"]]
    return [coding["display"] for coding in concept.get("coding", []) if coding.get("display")]


def _sentences(parts: list[str]) -> str:
    """Parts joined as sentences: 'A', 'B.' and 'C' -> 'A. B. C'."""
    return " ".join(p if p[-1] in ".!?" or i == len(parts) - 1 else p + "." for i, p in enumerate(parts))


def _external_id(data: dict) -> str:
    values = [i["value"] for i in data.get("identifier", []) if i.get("value")]
    return values[0] if values else data.get("id", "")


def _reference_type(reference: dict, data: dict) -> str:
    """The resource type a Reference points at: its type, a contained resource or the URL."""
    if reference.get("type"):
        return str(reference["type"]).rsplit("/", 1)[-1]
    target = reference.get("reference", "")
    if target.startswith("#"):
        found = _contained(data, target[1:])
        return found.get("resourceType", "") if found else ""
    parts = target.split("/_history/")[0].split("/")
    return parts[-2] if len(parts) >= 2 else ""


def _contained(data: dict, resource_id: str) -> dict | None:
    return next((c for c in data.get("contained", []) if c.get("id") == resource_id), None)


def _subject_birth_date(data: dict) -> str:
    """The birthDate of a contained Patient that `subject` points at, else ''."""
    target = data.get("subject", {}).get("reference", "")
    patient = _contained(data, target[1:]) if target.startswith("#") else None
    return patient.get("birthDate", "") if patient and patient.get("resourceType") == "Patient" else ""


def _birth_fields(birth_date: str, today: date) -> dict[str, Any]:
    """A full birthDate is the date of birth; a year or year-month gives the youngest possible age."""
    if not birth_date:
        return {}
    parts = [int(p) for p in birth_date.split("-")]
    if len(parts) == 3:
        return {"date_of_birth": date(*parts)}
    year, month = parts[0], parts[1] if len(parts) == 2 else 12
    last = date(year, month, calendar.monthrange(year, month)[1])
    return {"age": today.year - last.year - ((today.month, today.day) < (last.month, last.day))}


def _concept(codes: tuple[Code, ...], text: str) -> dict:
    """A CodeableConcept with every code, and `text` as its text."""
    codings = [{"system": c.system, "code": c.code, "display": c.display} for c in codes]
    return {"coding": codings, "text": text} if codings else {"text": text}


def _accepted_outputs(referral: ReferralPublic) -> list[dict]:
    """One Task output per suggestion whose latest decision is 'accepted'."""
    latest = {d.asset_id: d for d in referral.decisions}
    names = {s.asset_id: s.name for s in referral.result.suggestions} if referral.result else {}
    return [{"type": {"text": "accepted community service"},
             "valueString": asset_id + (f" — {names[asset_id]}" if asset_id in names else "")}
            for asset_id, decision in latest.items() if decision.decision == "accepted"]


def _instant(value: datetime) -> str:
    """ISO 8601 with a time zone; a naive time (as SQLite returns) is taken as UTC."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
