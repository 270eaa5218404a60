"""The asset directory's CSV format: read with row-numbered errors, write back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from triage.errors import ImportRejected, InputError, describe_validation_error
from triage.schemas import Asset

COLUMNS = ("id", "name", "organisation", "description", "needs", "latitude", "longitude", "postcode",
           "min_age", "max_age", "cost", "delivery", "languages", "contact", "url", "schedule")
REQUIRED = ("id", "name", "description")
LIST_COLUMNS = ("needs", "delivery", "languages")


def read_assets_csv(path: Path) -> list[Asset]:
    """Every row validated; any bad row rejects the whole file (ImportRejected names each row)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ImportRejected([InputError(str(path), f"not UTF-8 text ({e.reason})")]) from e
    return parse_assets_csv(text, source=str(path))


def parse_assets_csv(text: str, *, source: str = "csv") -> list[Asset]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        problem = (f"missing column(s) {missing} " if missing else "") + \
                  (f"unknown column(s) {unknown} " if unknown else "")
        raise ImportRejected([InputError(f"{source} header", f"{problem.strip()}; "
                                         f"expected: {','.join(COLUMNS)}")])
    assets, errors, seen = [], [], {}
    for row in reader:
        where = f"{source} row {reader.line_num}"
        if None in row:
            errors.append(InputError(where, f"{len(header) + len(row[None])} fields, header has {len(header)}"))
            continue
        try:
            asset = row_to_asset(row)
        except ValidationError as e:
            errors.extend(InputError(where, describe_validation_error(err)) for err in e.errors())
            continue
        if asset.id in seen:
            errors.append(InputError(where, f"id '{asset.id}' repeats row {seen[asset.id]}"))
            continue
        seen[asset.id] = reader.line_num
        assets.append(asset)
    if errors:
        raise ImportRejected(errors)
    return assets


def row_to_asset(row: dict[str, str]) -> Asset:
    values: dict[str, object] = {}
    for column, raw in row.items():
        raw = (raw or "").strip()
        if column in LIST_COLUMNS:
            values[column] = [part.strip() for part in raw.split(";") if part.strip()]
        elif raw:
            values[column] = raw
    return Asset.model_validate(values)


def write_assets_csv(assets: Iterable[Asset]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for asset in assets:
        data = asset.model_dump(include=set(COLUMNS))
        for column in LIST_COLUMNS:
            data[column] = ";".join(data[column])
        writer.writerow({k: "" if v is None else v for k, v in data.items()})
    return out.getvalue()

