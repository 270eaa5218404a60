"""The database: migrations, users and their tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from triage.errors import ConflictError, InputError
from triage.store.db import Base, open_database
from triage.store.migrate import current_revision, upgrade
from triage.store.users import UserRepository, hash_token


@pytest.fixture
def database(database_url):  # type: ignore[no-untyped-def]
    return open_database(database_url)


def test_migrations_build_exactly_the_tables_the_code_declares(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if d[0] not in ("remove_index", "add_index")] == []
    assert current_revision(database.engine) == "0002"


def test_a_database_from_before_migrations_is_adopted_and_keeps_its_assets(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    with old.begin() as connection:  # the asset table as the first release created it, with one asset
        connection.exec_driver_sql("CREATE TABLE assets (pk INTEGER PRIMARY KEY, asset_id VARCHAR(200) UNIQUE, "
                                   "data JSON, updated_at DATETIME)")
        connection.exec_driver_sql("INSERT INTO assets VALUES (1, 'a-1', '{}', '2026-01-01')")
    upgrade(old)
    assert {"referrals", "users", "audit"} <= set(inspect(old).get_table_names())
    with old.connect() as connection:
        assert connection.exec_driver_sql("SELECT asset_id FROM assets").scalar() == "a-1"


def test_tokens_are_stored_only_as_hashes(database):
    users = UserRepository(database.sessions)
    _, token = users.create("desk-1", "referrer", "Oak Lane")
    with database.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash FROM users").scalar()
    assert stored == hash_token(token) and token not in stored
    assert users.authenticate(token).organisation == "Oak Lane"
    assert users.authenticate(token + "x") is None


def test_user_rules_name_the_problem(database):
    users = UserRepository(database.sessions)
    with pytest.raises(InputError, match="valid roles"):
        users.create("x", "superuser")
    with pytest.raises(InputError, match="organisation"):
        users.create("y", "referrer")
    users.create("z", "admin")
    with pytest.raises(ConflictError, match="already exists"):
        users.create("z", "admin")
