"""The FastAPI app: create_app() builds it; the lifespan loads the Triage engine once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from service.routes import health, triage
from triage.errors import TriageError, describe_validation_error
from triage.settings import Settings


def create_app(settings: Settings | None = None, engine: object | None = None) -> FastAPI:
    """The app; pass an already loaded engine to share it (tests), else one is loaded at start."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is not None:
            app.state.engine = engine
        else:
            from triage.engine import Triage

            app.state.engine = Triage(settings or Settings())
        app.state.engine.catalogue  # noqa: B018  (open the directory and index at start)
        yield
        app.state.engine.close()

    app = FastAPI(title="triage", version="0.1.0", lifespan=lifespan,
                  description="Needs, risk flags and community suggestions for social prescribing referrals.")
    app.include_router(health.router)
    app.include_router(triage.router, prefix="/v1")
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(TriageError, _triage_error)
    return app


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [describe_validation_error({**e, "loc": [p for p in e["loc"] if p != "body"]})
                for e in exc.errors()]
    return JSONResponse(status_code=422, content={"code": "invalid_request",
                                                  "message": "; ".join(problems)})


async def _triage_error(request: Request, exc: TriageError) -> JSONResponse:
    return JSONResponse(status_code=400, content={"code": "bad_input", "message": str(exc)})
