"""Where a referral may go next: new -> in_review -> contacted -> connected / declined / closed."""

from __future__ import annotations

from triage.errors import ConflictError

NEXT: dict[str, tuple[str, ...]] = {
    "new": ("in_review", "declined", "closed"),
    "in_review": ("contacted", "declined", "closed"),
    "contacted": ("connected", "declined", "closed"),
    "connected": ("closed",),
    "declined": ("closed",),
    "closed": (),
}


def check_move(current: str, wanted: str) -> None:
    """Raise ConflictError naming the allowed moves when `wanted` cannot follow `current`."""
    if wanted not in NEXT[current]:
        allowed = ", ".join(NEXT[current]) or "none: the referral is closed"
        raise ConflictError("status", f"cannot move from '{current}' to '{wanted}'; allowed: {allowed}")
