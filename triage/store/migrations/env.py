"""Alembic environment: the engine comes from triage.store.migrate (no alembic.ini, no URL here)."""

from alembic import context

from triage.store import tables  # noqa: F401  (registers every table on Base.metadata)
from triage.store.db import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    context.run_migrations()
