"""Settings: every path lives under one data directory, TRIAGE_HOME (default ./.triage)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = REPO_ROOT / "models"
DEMO_ASSETS = REPO_ROOT / "demo" / "castlemere_assets.csv"


def default_model_dir() -> Path:
    """The shipped model named in models/DEFAULT."""
    name = (MODELS_DIR / "DEFAULT").read_text(encoding="utf-8").strip()
    return MODELS_DIR / name


class Settings(BaseSettings):
    """Built when asked (never at import); read from TRIAGE_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    home: Path = Field(default=Path(".triage"), description="the data directory")
    model_dir: Path | None = Field(default=None, description="a trained model folder; default: shipped")
    database_url: str | None = Field(default=None, description="default: SQLite under home")
    seed_demo: bool = Field(default=True, description="load the demo directory into an empty store")
    model_uri: str | None = Field(default="models:/triage-needs@champion",
                                  description="the registered model to serve; the shipped model when unset or "
                                              "when the registry cannot give it")
    model_poll_seconds: float = Field(default=300.0, ge=0,
                                      description="how often the service asks the registry for a new champion "
                                                  "(0: only when an admin asks)")
    registry_uri: str | None = Field(default=None, description="MLflow tracking/registry URI; default: under home")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1_000_000, ge=1_000, description="larger request bodies get a 413")
    export_salt: str | None = Field(default=None, description="secret for pseudonymous keys in outcome exports; "
                                                             "default: one made once under home")
    max_import_bytes: int = Field(default=50_000_000, ge=1_000, description="limit for directory imports")

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir or default_model_dir()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'triage.db').resolve()}"

    @property
    def mlflow_uri(self) -> str:
        return self.registry_uri or f"sqlite:///{(self.home / 'mlflow.db').resolve()}"

    @property
    def mlflow_artifacts(self) -> Path:
        return (self.home / "mlartifacts").resolve()

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def ensure_home(self) -> None:
        """Create the data directory and its sub-folders on first use."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.index_dir.mkdir(exist_ok=True)
