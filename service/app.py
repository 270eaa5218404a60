"""The FastAPI app: create_app() builds it; the lifespan loads the model, directory and database once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response

from service import errors, web
from service.deps import require
from service.limits import BodyLimit
from service.metrics import Metrics, MetricsMiddleware
from service.model_choice import ModelChoice, choose_model
from service.model_reload import ModelReloader
from service.routes import assets, audit, feedback, fhir, health, models, outcomes, referrals, reports, triage
from triage.settings import Settings

log = logging.getLogger(__name__)
DESCRIPTION = """Needs, risk flags and community suggestions for social prescribing referrals.

Every endpoint but `/healthz` and `/readyz` needs `Authorization: Bearer <token>` (tokens come from
`triage users create`). Roles: **referrer** (sends referrals, sees only their organisation's),
**link_worker** (reviews referrals, curates the directory), **data_scientist** (stateless triage,
directory, metrics; no referral records), **admin** (everything, including the audit trail)."""


def create_app(settings: Settings | None = None, engine: object | None = None,
               choice: ModelChoice | None = None) -> FastAPI:
    """The app. Pass a loaded engine (and how its model was chosen) to share it, as tests do; else the
    model is chosen (registry champion, else shipped) and loaded at start."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _start(app, settings, engine, choice)
        yield
        app.state.reloader.stop()
        app.state.engine.close()
        log.info("stopped: index flushed, database closed")

    app = FastAPI(title="triage", version="0.1.0", lifespan=lifespan, description=DESCRIPTION)
    app.state.metrics = Metrics()
    for router in (triage.router, referrals.router, outcomes.router, reports.router, assets.router, audit.router,
                   feedback.router, models.router):
        app.include_router(router, prefix="/v1")
    app.include_router(fhir.router)
    app.include_router(health.router)
    app.add_api_route("/metrics", _metrics, methods=["GET"], tags=["health"], include_in_schema=True,
                      dependencies=[Depends(require("metrics:read"))], response_class=Response,
                      summary="Prometheus metrics",
                      responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
    errors.install(app)
    web.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes,
                       paths={"/v1/assets/import": settings.max_import_bytes,
                              "/directory/import": settings.max_import_bytes})
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    return app


def _start(app: FastAPI, settings: Settings, engine: object | None, choice: ModelChoice | None) -> None:
    from triage.engine import Triage
    from triage.referrals.desk import ReferralDesk
    from triage.store.audit import AuditLog
    from triage.store.users import UserRepository

    if engine is None:
        choice = choose_model(settings)
        engine = Triage(settings.model_copy(update={"model_dir": choice.model_dir}), model_version=choice.version)
    elif choice is None:
        choice = ModelChoice(engine.model_dir, "given engine")  # type: ignore[attr-defined]
    app.state.engine, app.state.model_choice = engine, choice
    engine.catalogue  # noqa: B018  (open the directory and index at start)
    sessions = engine.database.sessions  # type: ignore[attr-defined]
    app.state.desk, app.state.users, app.state.audit = ReferralDesk(engine), UserRepository(sessions), AuditLog(sessions)
    app.state.metrics.model.labels(engine.model_name, choice.source, choice.degraded or "").set(1)  # type: ignore[attr-defined]
    app.state.reloader = ModelReloader(settings, app.state)
    app.state.reloader.start_polling(settings.model_poll_seconds if settings.model_uri else 0)
    log.info("serving model %s from %s%s", engine.model_name, choice.source,  # type: ignore[attr-defined]
             f" (degraded: {choice.degraded})" if choice.degraded else "")


def _openapi(app: FastAPI) -> dict:
    """FastAPI's OpenAPI, with the errors every operation can answer with declared (built once)."""
    if app.openapi_schema is None:
        errors.document(FastAPI.openapi(app))
    return app.openapi_schema  # type: ignore[return-value]


def _metrics(request: Request) -> Response:
    body, media_type = request.app.state.metrics.render()
    return Response(body, media_type=media_type)
