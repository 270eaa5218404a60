"""The MLflow model registry, as the learning loop uses it: versions, aliases and their tags."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from training.tracking import MODEL_NAME
from triage.errors import InputError
from triage.settings import Settings

CHAMPION_ALIAS = "champion"


@dataclass(frozen=True)
class VersionInfo:
    version: str
    aliases: tuple[str, ...]
    created: int  # ms since the epoch
    tags: dict[str, str]
    run_id: str | None


def client(settings: Settings) -> MlflowClient:
    """A client of the settings' registry; also points the process's MLflow there, for downloads."""
    settings.ensure_home()
    mlflow.set_tracking_uri(settings.mlflow_uri)
    mlflow.set_registry_uri(settings.mlflow_uri)
    return MlflowClient(tracking_uri=settings.mlflow_uri, registry_uri=settings.mlflow_uri)


def alias_version(settings: Settings, alias: str) -> str | None:
    """The version holding `alias`, or None when no version does."""
    try:
        return str(client(settings).get_model_version_by_alias(MODEL_NAME, alias).version)
    except MlflowException as e:
        if e.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE", "NOT_FOUND"):
            return None
        raise


def set_alias(settings: Settings, alias: str, version: str) -> None:
    client(settings).set_registered_model_alias(MODEL_NAME, alias, version)


def set_tags(settings: Settings, version: str, tags: dict[str, str]) -> None:
    registry = client(settings)
    for key, value in tags.items():
        registry.set_model_version_tag(MODEL_NAME, version, key, value)


def get_version(settings: Settings, version: str) -> VersionInfo:
    """One registered version, or an InputError naming the versions there are."""
    registry = client(settings)
    try:
        found = registry.get_model_version(MODEL_NAME, str(version))
    except MlflowException as e:
        known = ", ".join(v.version for v in list_versions(settings)) or "none yet (run triage train)"
        raise InputError("version", f"{MODEL_NAME} has no version '{version}'; registered: {known}") from e
    return VersionInfo(str(found.version), tuple(found.aliases or ()), int(found.creation_timestamp or 0),
                       dict(found.tags or {}), found.run_id)


def list_versions(settings: Settings) -> list[VersionInfo]:
    """Every registered version, newest first."""
    registry = client(settings)
    try:
        found = registry.search_model_versions(f"name = '{MODEL_NAME}'")
        aliases = dict(registry.get_registered_model(MODEL_NAME).aliases or {})  # search results leave them out
    except MlflowException:
        return []
    return sorted((VersionInfo(str(v.version), tuple(a for a, n in sorted(aliases.items()) if str(n) == str(v.version)),
                               int(v.creation_timestamp or 0), dict(v.tags or {}), v.run_id) for v in found),
                  key=lambda v: -int(v.version))


def version_folder(settings: Settings, version: str) -> Path:
    """The model folder of a registered version, downloaded once into the data directory."""
    get_version(settings, version)
    dest = settings.home / "registry-models" / f"{MODEL_NAME}-v{version}"
    if not dest.exists():
        client(settings)
        tmp = dest.with_name(dest.name + ".tmp")
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{MODEL_NAME}/{version}",
                                                         dst_path=str(tmp)))
        next((local / "artifacts").iterdir()).rename(dest)
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class NotRegistered(LookupError):
    """The registry answered, but holds no such model version or alias."""


def resolve(settings: Settings, uri: str) -> tuple[Path, str]:
    """The model folder and version a model URI names ('models:/triage-needs@champion',
    'models:/triage-needs/3'). Raises NotRegistered, or any error reaching the registry (a registry
    over HTTP is asked once, with a short timeout)."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    name, _, alias = uri.removeprefix("models:/").partition("@")
    name, _, number = name.partition("/")
    if name != MODEL_NAME:
        raise NotRegistered(f"{uri}: this service serves {MODEL_NAME}")
    version = number or alias_version(settings, alias or CHAMPION_ALIAS)
    if version is None:
        raise NotRegistered(f"{uri}: no version holds the alias '{alias or CHAMPION_ALIAS}'")
    try:
        return version_folder(settings, version), version
    except InputError as e:
        raise NotRegistered(f"{uri}: {e}") from e
