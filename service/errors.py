"""Uniform JSON errors: {"code", "message"}; the message names the field. FHIR paths answer with an
OperationOutcome. Unexpected errors are logged (without the request body) and answered as a JSON 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from triage.errors import ConflictError, InputError, NotFoundError, TriageError, describe_validation_error

log = logging.getLogger(__name__)
CODES = {400: "bad_input", 401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
         409: "conflict", 413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_request"}


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(NotFoundError, _triage_error)
    app.add_exception_handler(ConflictError, _triage_error)
    app.add_exception_handler(TriageError, _triage_error)
    app.add_exception_handler(Exception, _unexpected)


def error_response(request: Request, status: int, message: str, where: str = "",
                   headers: dict[str, str] | None = None) -> JSONResponse:
    if request.url.path.startswith("/fhir"):
        from triage.fhir import operation_outcome

        code = {401: "login", 403: "forbidden", 404: "not-found", 409: "conflict"}.get(status, "invalid")
        outcome = operation_outcome(where or request.url.path, message, code=code if status < 500 else "exception")
        return JSONResponse(outcome, status_code=status, headers=headers, media_type="application/fhir+json")
    return JSONResponse({"code": CODES.get(status, "error"), "message": message}, status_code=status, headers=headers)


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


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc)
    return error_response(request, 500, "internal error: it has been logged; the request was not completed")
