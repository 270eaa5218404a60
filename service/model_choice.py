"""Which model the service loads: the registry's champion when it has one, else the shipped model.

A registry that cannot be reached does not stop the service: it serves the shipped model and /readyz
reports 'degraded' with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from triage.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelChoice:
    model_dir: Path | None  # None: the shipped default
    source: str
    degraded: str | None = None
    version: str | None = None  # 'triage-needs v3' for a registered version; None: the folder's name


def choose_model(settings: Settings) -> ModelChoice:
    if settings.model_dir is not None:
        return ModelChoice(settings.model_dir, f"folder {settings.model_dir}")
    if not settings.model_uri:
        return ModelChoice(None, "shipped")
    try:
        from training.registry import NotRegistered, resolve
        from training.tracking import MODEL_NAME

        folder, version = resolve(settings, settings.model_uri)
    except NotRegistered:
        log.info("no %s in the registry: serving the shipped model", settings.model_uri)
        return ModelChoice(None, f"shipped ({settings.model_uri} not registered)")
    except Exception as e:  # noqa: BLE001  (any registry failure: fall back, and say so)
        log.warning("model registry unavailable (%s): serving the shipped model", type(e).__name__)
        return ModelChoice(None, "shipped", degraded=f"model registry unavailable ({type(e).__name__})")
    return ModelChoice(folder, f"{settings.model_uri} (version {version})", version=f"{MODEL_NAME} v{version}")
