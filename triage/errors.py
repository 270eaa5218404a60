"""The TriageError hierarchy: every message names the field, line or row at fault and the fix."""

from __future__ import annotations

from collections.abc import Iterable


class TriageError(Exception):
    """Base class of every error the library raises on purpose."""


class UnknownLabelError(TriageError, ValueError):
    def __init__(self, value: str, valid: Iterable[str]) -> None:
        self.value = value
        super().__init__(f"unknown need or risk flag id '{value}'; valid ids: {', '.join(valid)}")


class InputError(TriageError, ValueError):
    """Bad input at a known place: a JSON Lines line or a CSV row."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class ImportRejected(TriageError):
    """An import in which some rows were invalid: nothing was written."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} problem(s); nothing was processed:\n{shown}{more}")


class ModelNotFoundError(TriageError, FileNotFoundError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"no trained model at '{path}': run `triage train` or set TRIAGE_MODEL_DIR to a model folder"
        )


def describe_validation_error(error: dict) -> str:
    """One pydantic error as "field 'x': problem (got value)"."""
    field = ".".join(str(p) for p in error["loc"]) or "record"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, (str, int, float)) and len(str(value)) < 80 else ""
    return f"field '{field}': {message}{shown}"


class NotFoundError(TriageError, LookupError):
    """No such record, or not one the caller may see."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} '{key}'")


class ConflictError(TriageError):
    """The request is valid but clashes with the record's state (a status move not allowed, a reused key)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")
