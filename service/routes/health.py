"""Liveness and readiness: no token needed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "not ready: a check failed"}})
def readyz(request: Request) -> JSONResponse:
    """Model, index and database loaded. 'degraded': serving, but on a fallback (e.g. no registry)."""
    state = request.app.state
    checks = {"model": "ok" if getattr(state, "engine", None) is not None else "not loaded",
              "index": "ok", "database": "ok"}
    if checks["model"] == "ok":
        try:
            state.engine.catalogue.index  # noqa: B018
        except Exception as e:  # noqa: BLE001
            checks["index"] = f"failed ({type(e).__name__})"
        try:
            state.engine.database.ping()
        except Exception as e:  # noqa: BLE001
            checks["database"] = f"failed ({type(e).__name__})"
    choice = getattr(state, "model_choice", None)
    ready = all(v == "ok" for v in checks.values())
    status = "not_ready" if not ready else ("degraded" if choice and choice.degraded else "ready")
    body = {"status": status, "checks": checks,
            "model": {"version": state.engine.model_name if checks["model"] == "ok" else None,
                      "source": choice.source if choice else None,
                      "degraded": choice.degraded if choice else None}}
    return JSONResponse(body, status_code=200 if ready else 503)
