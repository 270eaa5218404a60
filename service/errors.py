"""Uniform JSON errors: {"code", "message"}; the message names the field. FHIR paths answer with an
OperationOutcome. Unexpected errors are logged (without the request body) and answered as a JSON 500.
document() declares them in the OpenAPI of every operation that can answer with them."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from triage.errors import ConflictError, InputError, NotFoundError, TriageError, describe_validation_error

log = logging.getLogger(__name__)
CODES = {400: "bad_input", 401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_request"}
FHIR_JSON = "application/fhir+json"
ERROR_SCHEMA = {"title": "Error", "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string", "enum": sorted({*CODES.values(), "error"})},
                               "message": {"type": "string"}}}
OUTCOME_SCHEMA = {"title": "OperationOutcome", "type": "object", "required": ["resourceType", "issue"],
                  "properties": {"resourceType": {"type": "string", "enum": ["OperationOutcome"]},
                                 "issue": {"type": "array", "minItems": 1, "items": {
                                     "type": "object", "required": ["severity", "code"],
                                     "properties": {"severity": {"type": "string"}, "code": {"type": "string"},
                                                    "diagnostics": {"type": "string"},
                                                    "expression": {"type": "array", "items": {"type": "string"}}}}}}}
DESCRIPTIONS = {400: "bad input: a body that cannot be parsed, or the message names the field, line or row",
                401: "no bearer token, or an invalid or revoked one", 403: "the caller's role may not do this",
                404: "no such record, or not one the caller may see", 409: "the request clashes with the record's state",
                413: "the request body is over the size limit", 415: "the body's content type is not accepted",
                422: "the request is invalid: the message names the field"}


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(NotFoundError, _triage_error)
    app.add_exception_handler(ConflictError, _triage_error)
    app.add_exception_handler(TriageError, _triage_error)
    app.add_exception_handler(DataError, _refused_by_database)
    app.add_exception_handler(Exception, _unexpected)


API_PREFIXES = ("/v1", "/fhir", "/metrics", "/healthz", "/readyz", "/openapi", "/docs", "/redoc", "/static")


def error_response(request: Request, status: int, message: str, where: str = "",
                   headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    if not request.url.path.startswith(API_PREFIXES):  # a web page: an error page, not JSON
        from service.web.render import page

        title = {404: "Not found", 403: "Not allowed"}.get(status, "Something went wrong")
        return page(request, "error.html", getattr(request.state, "user", None), status_code=status, title=title,
                    message=message if status < 500 else "The request was not completed; it has been logged.")
    if request.url.path.startswith("/fhir"):
        from triage.fhir import operation_outcome

        code = {401: "login", 403: "forbidden", 404: "not-found", 409: "conflict"}.get(status, "invalid")
        outcome = operation_outcome(where or request.url.path, message, code=code if status < 500 else "exception")
        return JSONResponse(outcome, status_code=status, headers=headers, media_type="application/fhir+json")
    return JSONResponse({"code": CODES.get(status, "error"), "message": message}, status_code=status, headers=headers)


def document(openapi: dict) -> dict:
    """Declare these errors in an OpenAPI document (in place), with the body error_response() gives them:
    401/403 on operations that need a token, 404 where a record is named in the path, 400 (a body that
    cannot be parsed) and 413 where there is a body, 422 where there are parameters or a body, and a
    body for each error an operation declares itself (409, 415). FastAPI's own 422 schema
    (`{"detail": [...]}`) is replaced: the app never answers with it."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas |= {"Error": ERROR_SCHEMA, "OperationOutcome": OUTCOME_SCHEMA}
    for path, operations in openapi.get("paths", {}).items():
        media, name = (FHIR_JSON, "OperationOutcome") if path.startswith("/fhir") else ("application/json", "Error")
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            has_body = "requestBody" in operation
            needs_token = bool(operation.get("security"))
            applies = {400: has_body, 401: needs_token, 403: needs_token, 404: "{" in path, 413: has_body,
                       422: has_body or bool(operation.get("parameters"))}
            declared = {int(k) for k in responses if str(k).isdigit() and int(k) in DESCRIPTIONS}
            for status in sorted({s for s, yes in applies.items() if yes} | declared):
                entry = responses.setdefault(str(status), {})
                entry.setdefault("description", DESCRIPTIONS[status])
                entry["content"] = {media: {"schema": {"$ref": f"#/components/schemas/{name}"}}}
    if "HTTPValidationError" not in json.dumps(openapi["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return openapi


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [describe_validation_error({**e, "loc": [p for p in e["loc"] if p != "body"]}) for e in exc.errors()]
    first = ".".join(str(p) for p in exc.errors()[0]["loc"] if p != "body") if exc.errors() else ""
    return error_response(request, 422, "; ".join(problems), first)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return error_response(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _triage_error(request: Request, exc: TriageError) -> JSONResponse:
    status = 404 if isinstance(exc, NotFoundError) else 409 if isinstance(exc, ConflictError) else 400
    where = exc.where if isinstance(exc, InputError) else getattr(exc, "field", "")
    return error_response(request, status, str(exc), where)


async def _refused_by_database(request: Request, exc: DataError) -> JSONResponse:
    """A value the database cannot hold (PostgreSQL refuses NUL characters in text): nothing was written."""
    nul = "NUL" in str(exc.orig)
    log.info("database refused a value on %s %s (%s)", request.method, request.url.path, type(exc.orig).__name__)
    return error_response(request, 422, "a value contains a NUL (\\u0000) character, which cannot be stored"
                          if nul else "a value was refused by the database; nothing was written")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal error: it has been logged; the request was not completed")
