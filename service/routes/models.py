"""The model being served: what it is, and reloading the registry's champion without a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from service.deps import record, require
from service.model_reload import ReloadResult
from triage.store.users import User

router = APIRouter(prefix="/admin/model", tags=["models"])


class ServedModelInfo(BaseModel):
    """The model answering requests now."""

    version: str
    source: str
    degraded: str | None
    kind: str | None
    created: str | None
    dev_metrics: dict[str, float]


@router.get("", response_model=ServedModelInfo)
def served_model(request: Request, user: Annotated[User, Depends(require("models:read"))]) -> ServedModelInfo:
    """The served model's version, where it came from and its figures on dev."""
    state = request.app.state
    manifest = state.engine.manifest
    return ServedModelInfo(version=state.engine.model_name, source=state.model_choice.source,
                           degraded=state.model_choice.degraded, kind=manifest.get("kind"),
                           created=manifest.get("created"), dev_metrics=manifest.get("dev_metrics") or {})


@router.post("/reload", response_model=ReloadResult)
def reload_model(request: Request, user: Annotated[User, Depends(require("models:reload"))]) -> ReloadResult:
    """Serve the model the registry now names (the `champion` alias), without dropping requests: the new
    model is loaded beside the old one and swapped in; requests in flight finish on the old one."""
    result = request.app.state.reloader.reload()
    record(request, user, "reload_model", "model", result.current,
           detail=f"{result.previous} -> {result.current}" if result.changed else "unchanged")
    return result
