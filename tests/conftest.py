"""Real components, loaded once per session: the shipped model, the embedder, the database and FAISS.

The database is SQLite under a temporary data directory, or, when TRIAGE_TEST_DATABASE_URL names a
PostgreSQL server (CI's second run), a fresh database created on it for this session.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["TRIAGE_MODEL_URI"] = ""  # tests serve the shipped model; registry lookups are tested on their own


def fresh_database_url(prefix: str = "triage_test") -> str | None:
    """A new, empty database on the test PostgreSQL server; None when tests run on SQLite."""
    base = os.environ.get("TRIAGE_TEST_DATABASE_URL")
    if not base:
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("triage-home")
    os.environ["TRIAGE_HOME"] = str(path)
    database = fresh_database_url()
    if database:
        os.environ["TRIAGE_DATABASE_URL"] = database
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


@dataclass(frozen=True)
class Tokens:
    """A bearer token per role; two referrers from different organisations."""

    referrer: str
    other_referrer: str
    link_worker: str
    data_scientist: str
    admin: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


@pytest.fixture(scope="session")
def tokens(engine) -> Tokens:  # type: ignore[no-untyped-def]
    from triage.store.users import UserRepository

    users = UserRepository(engine.database.sessions)
    run = uuid.uuid4().hex[:6]

    def token(role: str, org: str = "") -> str:
        return users.create(f"{role}-{org or 'all'}-{run}", role.removeprefix("other_"), org)[1]

    return Tokens(referrer=token("referrer", "Oak Lane Surgery"), other_referrer=token("other_referrer", "Hillside Housing"),
                  link_worker=token("link_worker"), data_scientist=token("data_scientist"), admin=token("admin"))


@pytest.fixture(scope="session")
def app(engine):  # type: ignore[no-untyped-def]
    from service.app import create_app

    return create_app(engine=engine)


@pytest.fixture(scope="session")
def client(app) -> Iterator:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A new, empty database for one test: on the test PostgreSQL server if there is one, else SQLite."""
    return fresh_database_url() or f"sqlite:///{tmp_path / 'triage.db'}"


def process_env(home: Path) -> dict[str, str]:
    """The environment for a `triage` subprocess with its own data directory and its own database."""
    env = os.environ | {"TRIAGE_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRIAGE_MODEL_URI": ""}
    env.pop("TRIAGE_DATABASE_URL", None)
    if database := fresh_database_url():
        env["TRIAGE_DATABASE_URL"] = database
    return env
