"""Roles and what each may do: the one table the service checks every request against."""

from __future__ import annotations

from typing import Literal

Role = Literal["referrer", "link_worker", "data_scientist", "admin"]
ROLES: tuple[Role, ...] = ("referrer", "link_worker", "data_scientist", "admin")

PERMISSIONS: dict[str, frozenset[Role]] = {
    "triage": frozenset({"referrer", "link_worker", "data_scientist", "admin"}),
    "referrals:create": frozenset({"referrer", "link_worker", "admin"}),
    "referrals:read": frozenset({"referrer", "link_worker", "admin"}),
    "referrals:review": frozenset({"link_worker", "admin"}),
    "assets:read": frozenset({"referrer", "link_worker", "data_scientist", "admin"}),
    "assets:write": frozenset({"link_worker", "admin"}),
    "audit:read": frozenset({"admin"}),
    "metrics:read": frozenset({"data_scientist", "admin"}),
    "dashboard:read": frozenset({"referrer", "link_worker", "admin"}),
    "reports:read": frozenset({"referrer", "link_worker", "data_scientist", "admin"}),
    "outcomes:export": frozenset({"data_scientist", "admin"}),
    "feedback:export": frozenset({"data_scientist", "admin"}),
    "models:read": frozenset({"data_scientist", "admin"}),
    "models:reload": frozenset({"admin"}),
}
"""A referrer sees only referrals from their own organisation; a data scientist sees no referral at all
(they learn from redacted feedback exports)."""

ORGANISATION_SCOPED: frozenset[Role] = frozenset({"referrer"})


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}'; valid roles: {', '.join(ROLES)}")
    return role  # type: ignore[return-value]
