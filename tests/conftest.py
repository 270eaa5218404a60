"""Real components, loaded once per session: the shipped model, the embedder, SQLite and FAISS."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("triage-home")
    os.environ["TRIAGE_HOME"] = str(path)
    return path


@pytest.fixture(scope="session")
def engine(home: Path):  # type: ignore[no-untyped-def]
    from triage.engine import Triage
    from triage.settings import Settings

    return Triage(Settings(home=home))


@pytest.fixture(scope="session")
def parser(engine):  # type: ignore[no-untyped-def]
    return engine.parser


@pytest.fixture(scope="session")
def embedder(engine):  # type: ignore[no-untyped-def]
    return engine.embedder
