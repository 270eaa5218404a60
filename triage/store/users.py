"""Users and their bearer tokens: a token is shown once at creation; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from triage.access import Role, check_role
from triage.errors import ConflictError, InputError, NotFoundError
from triage.store.db import now
from triage.store.tables import UserRow

TOKEN_PREFIX = "tri_"


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    organisation: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserRepository:
    def __init__(self, sessions: sessionmaker) -> None:
        self.sessions = sessions

    def create(self, name: str, role: str, organisation: str = "") -> tuple[User, str]:
        """A new user and their token (returned once, never stored)."""
        if not name.strip() or len(name) > 200:
            raise InputError("name", "give a name of 1 to 200 characters")
        try:
            role = check_role(role)
        except ValueError as e:
            raise InputError("role", str(e)) from e
        if role == "referrer" and not organisation.strip():
            raise InputError("organisation", "a referrer needs an organisation (--org): they see only its referrals")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = UserRow(name=name, role=role, organisation=organisation.strip(), token_hash=hash_token(token))
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError as e:
            raise ConflictError("name", f"a user named '{name}' already exists") from e
        return _user(row), token

    def list(self) -> list[User]:
        with self.sessions() as session:
            return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]

    def revoke(self, name: str) -> User:
        with self.sessions.begin() as session:
            row = session.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFoundError("user", name)
            row.revoked_at = row.revoked_at or now()
            return _user(row)

    def authenticate(self, token: str) -> User | None:
        """The active user holding this token, or None."""
        with self.sessions() as session:
            row = session.scalar(select(UserRow).where(UserRow.token_hash == hash_token(token)))
            return _user(row) if row is not None and row.revoked_at is None else None


def _user(row: UserRow) -> User:
    return User(row.name, row.role, row.organisation, row.created_at, row.revoked_at)  # type: ignore[arg-type]
