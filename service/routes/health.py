"""Liveness."""

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(request: Request) -> dict[str, str]:
    engine = getattr(request.app.state, "engine", None)
    return {"status": "ok", "model": engine.model_name if engine else "loading"}
