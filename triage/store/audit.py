"""The audit trail: every read and write of a referral, who, what, when and from where."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from triage.store.tables import AuditRow


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    role: str
    action: str
    resource: str
    resource_id: str
    client: str
    detail: str


class AuditLog:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def record(self, entries: list[AuditEntry]) -> None:
        """Write entries in one transaction."""
        with self.sessions.begin() as session:
            session.add_all(AuditRow(**entry.model_dump()) for entry in entries)

    def query(self, *, actor: str | None = None, resource_id: str | None = None, since: datetime | None = None,
              offset: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""
        statement = select(AuditRow).order_by(AuditRow.id.desc()).offset(offset).limit(limit)
        if actor:
            statement = statement.where(AuditRow.actor == actor)
        if resource_id:
            statement = statement.where(AuditRow.resource_id == resource_id)
        if since:
            statement = statement.where(AuditRow.at >= since)
        with self.sessions() as session:
            return [AuditEntry.model_validate(row, from_attributes=True) for row in session.scalars(statement)]
