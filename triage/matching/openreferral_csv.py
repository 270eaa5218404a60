"""The Open Referral tabular package (HSDS 3.0 and ORUK CSV) joined into nested service records.

Each row of services.csv becomes one record shaped like service_full.json, so the JSON checks and
mapping apply unchanged. File names differ between HSDS and ORUK (schedules.csv or schedule.csv, ...):
every known name is read, and a row whose id an earlier file already gave is skipped.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from triage.errors import ImportRejected, InputError

Row = dict[str, Any]

TABLES: dict[str, tuple[str, ...]] = {
    "services": ("services.csv", "service.csv"),
    "organizations": ("organizations.csv", "organization.csv"),
    "locations": ("locations.csv", "location.csv"),
    "service_at_locations": ("service_at_location.csv", "service_at_locations.csv"),
    "addresses": ("addresses.csv", "address.csv", "physical_addresses.csv"),
    "schedules": ("schedules.csv", "schedule.csv"),
    "languages": ("languages.csv", "language.csv"),
    "cost_options": ("cost_options.csv", "cost_option.csv"),
    "taxonomy_terms": ("taxonomy_terms.csv", "taxonomy_term.csv"),
    "attributes": ("attributes.csv", "attribute.csv"),
    "phones": ("phones.csv", "phone.csv"),
    "contacts": ("contacts.csv", "contact.csv"),
    "eligibility": ("eligibility.csv", "eligibilities.csv", "eligibilitys.csv"),
}
NUMBERS = ("minimum_age", "maximum_age", "latitude", "longitude", "amount", "extension")


class Tables:
    """The package's rows by table, with lookups by any column."""

    def __init__(self, rows: dict[str, list[Row]]) -> None:
        self.rows = rows
        self._index: dict[tuple[str, str], dict[Any, list[Row]]] = {}

    def many(self, table: str, column: str, value: Any) -> list[Row]:
        if value is None:
            return []
        if (table, column) not in self._index:
            index: dict[Any, list[Row]] = defaultdict(list)
            for row in self.rows[table]:
                index[row.get(column)].append(row)
            self._index[table, column] = index
        return self._index[table, column].get(value, [])

    def one(self, table: str, column: str, value: Any) -> Row | None:
        found = self.many(table, column, value)
        return dict(found[0]) if found else None


def read_package(folder: Path) -> list[tuple[str, Row]]:
    """(where, record) for every row of services.csv; unreadable cells reject the package."""
    source = str(folder)
    if not any((folder / name).is_file() for name in TABLES["services"]):
        raise ImportRejected([InputError(source, "no services.csv: an Open Referral tabular package holds "
                                                 "services.csv, organizations.csv, locations.csv, ...")])
    errors: list[InputError] = []
    read = {table: _table(folder, names, errors) for table, names in TABLES.items()}
    if errors:
        raise ImportRejected(errors)
    tables = Tables({table: [row for _, row in rows] for table, rows in read.items()})
    return [(where, service_record(row, tables)) for where, row in read["services"]]


def service_record(service: Row, t: Tables) -> Row:
    """One services.csv row with its organization, locations, schedules, ... nested as in the API."""
    sid = service.get("id")
    sals = [{**sal, "location": _location(sal, t)} for sal in t.many("service_at_locations", "service_id", sid)]
    record = {**service, "organization": t.one("organizations", "id", service.get("organization_id")),
              "service_at_locations": sals,
              "schedules": t.many("schedules", "service_id", sid) or [
                  s for sal in sals for s in t.many("schedules", "service_at_location_id", sal.get("id"))],
              "languages": t.many("languages", "service_id", sid),
              "cost_options": t.many("cost_options", "service_id", sid),
              "phones": t.many("phones", "service_id", sid),
              "contacts": [{**c, "phones": t.many("phones", "contact_id", c.get("id"))}
                           for c in t.many("contacts", "service_id", sid)],
              "attributes": [{**a, "taxonomy_term": t.one("taxonomy_terms", "id", a.get("taxonomy_term_id"))}
                             for a in t.many("attributes", "link_id", sid)]}
    for rule in t.many("eligibility", "service_id", sid):
        for key, column in (("minimum_age", "minimum_age"), ("maximum_age", "maximum_age"),
                            ("eligibility_description", "eligibility")):
            if record.get(key) is None and rule.get(column) is not None:
                record[key] = rule[column]
    return {key: value for key, value in record.items() if value not in (None, [])}


def _location(sal: Row, t: Tables) -> Row | None:
    location = t.one("locations", "id", sal.get("location_id"))
    if location is not None:
        location["addresses"] = t.many("addresses", "location_id", location.get("id"))
    return location


def _table(folder: Path, names: tuple[str, ...], errors: list[InputError]) -> list[tuple[str, Row]]:
    """The rows of every file the table may be named by; ids an earlier file gave are skipped."""
    rows: list[tuple[str, Row]] = []
    for name in names:
        if (folder / name).is_file():
            seen = {row.get("id") for _, row in rows} - {None}
            rows += [(where, row) for where, row in _read(folder / name, f"{folder} {name}", errors)
                     if row.get("id") not in seen]
    return rows


def _read(path: Path, label: str, errors: list[InputError]) -> list[tuple[str, Row]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        errors.append(InputError(label, f"not UTF-8 text ({e.reason})"))
        return []
    reader = csv.DictReader(io.StringIO(text))
    out = []
    for number, raw in enumerate(reader, start=2):  # records, not lines: cells may hold line breaks
        where = f"{label} row {number}"
        if None in raw:
            errors.append(InputError(where, f"{len(raw) - 1 + len(raw[None])} fields, "
                                            f"header has {len(reader.fieldnames or [])}"))
            continue
        row = {key.strip(): value.strip() or None if value else None for key, value in raw.items()}
        for key in NUMBERS:
            row[key] = _number(row, key, where, errors)
        out.append((where, {k: v for k, v in row.items() if v is not None}))
    return out


def _number(row: Row, key: str, where: str, errors: list[InputError]) -> int | float | None:
    text = row.get(key)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append(InputError(where, f"field '{key}': not a number (got {text!r})"))
        return None
    return int(value) if value.is_integer() else value
