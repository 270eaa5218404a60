"""Where a directory comes from: our CSV contract or Open Referral UK (JSON or a tabular CSV package),
told apart by the file itself unless the format is given."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from triage.errors import ImportRejected, InputError
from triage.matching.directory import COLUMNS, read_assets_csv
from triage.matching.openreferral import read_openreferral
from triage.schemas import Asset

Format = Literal["auto", "csv", "openreferral"]
FORMATS = ("auto", "csv", "openreferral")


@dataclass(frozen=True)
class DirectoryFile:
    assets: list[Asset]
    warnings: list[InputError]
    format: str
    withdrawn: list[str] = field(default_factory=list)  # ids the source says are no longer active


def read_directory(path: Path, fmt: Format = "auto") -> DirectoryFile:
    """Every record validated; any bad record rejects the whole file (ImportRejected names each)."""
    if fmt not in FORMATS:
        raise ImportRejected([InputError("format", f"unknown format '{fmt}'; valid: {', '.join(FORMATS)}")])
    if not path.exists():
        raise ImportRejected([InputError(str(path), "no such file or folder")])
    chosen = detect_format(path) if fmt == "auto" else fmt
    try:
        if chosen == "csv":
            return DirectoryFile(read_assets_csv(path), [], "csv")
        result = read_openreferral(path)
    except (OSError, csv.Error) as e:
        problem = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ImportRejected([InputError(str(path), f"cannot read as {chosen}: {problem}")]) from e
    return DirectoryFile(result.assets, result.warnings, "openreferral", result.withdrawn)


def detect_format(path: Path) -> str:
    """A folder or JSON file is Open Referral; a CSV is ours unless it belongs to an Open Referral package."""
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return "openreferral"
    if set(_header(path)) <= set(COLUMNS):
        return "csv"
    in_package = (path.parent / "services.csv").exists() or (path.parent / "datapackage.json").exists()
    return "openreferral" if in_package else "csv"  # read_assets_csv names the unexpected columns


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError):
        return []
