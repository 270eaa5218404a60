"""Reading referrals from JSON Lines: every bad line is named before anything is processed."""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import ValidationError

from triage.errors import ImportRejected, InputError, describe_validation_error
from triage.schemas import ReferralIn


def read_referrals(lines: Iterable[str], *, source: str = "input") -> list[ReferralIn]:
    """Parse every line; raise ImportRejected listing each bad line (1-based) and its problem."""
    referrals, errors = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(InputError(where, f"not valid JSON ({e.msg} at column {e.colno})"))
            continue
        if not isinstance(raw, dict):
            errors.append(InputError(where, f"expected a JSON object, got {type(raw).__name__}"))
            continue
        if "id" in raw and not isinstance(raw["id"], str):
            raw["id"] = str(raw["id"])
        try:
            referrals.append(ReferralIn.model_validate(raw))
        except ValidationError as e:
            errors.extend(InputError(where, describe_validation_error(err)) for err in e.errors())
    if errors:
        raise ImportRejected(errors)
    return referrals

