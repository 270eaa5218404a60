"""Open Referral UK (HSDS 3.0) import into Assets, and export back to an ORUK /services page.

    result = read_openreferral(Path("service_list.json"))   # or service_full.json, or a CSV package
    result.assets, result.warnings
    page = write_openreferral(result.assets)

read_openreferral tells the input apart: a JSON service, a /services page (an object with 'contents'),
a JSON list of services, an organization with its 'services', a service_at_location with its 'service',
or a tabular CSV package (a folder, its datapackage.json or one of its CSV files). Every record is
checked first: any error rejects the whole import (ImportRejected names each record and field) and
nothing is returned. Records sharing an id become one asset, from the newest and most complete copy.
Services whose status is not 'active' are left out, with a warning. The mapping is documented in
openreferral_map.py; needs come only from taxonomy terms (the engine infers the rest).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage.errors import ImportRejected, InputError
from triage.matching.openreferral_csv import read_package
from triage.matching.openreferral_export import write_openreferral
from triage.matching.openreferral_map import READ, Mapped, map_service
from triage.matching.openreferral_vocab import is_uuid
from triage.schemas import Asset

__all__ = ["OpenReferralImport", "parse_openreferral", "read_openreferral", "write_openreferral"]

ORGANIZATION_KEYS = ("services", "website", "logo", "organization_identifiers", "legal_status", "tax_status")
_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class OpenReferralImport:
    """The assets imported, and what was done on the way (duplicates merged, values left out, ...)."""

    assets: list[Asset]
    warnings: list[InputError]
    withdrawn: list[str] = field(default_factory=list)  # ids of services no longer active


def read_openreferral(path: Path) -> OpenReferralImport:
    """Import a JSON file or a tabular CSV package; raises ImportRejected naming every problem."""
    path = Path(path)
    if path.is_dir() or path.name == "datapackage.json" or path.suffix.lower() == ".csv":
        folder = path if path.is_dir() else path.parent
        return _import(read_package(folder), str(folder), [])
    return parse_openreferral(_load_json(path), source=str(path))


def parse_openreferral(data: Any, *, source: str) -> OpenReferralImport:
    """Import already parsed JSON: a service, a /services page, a list, an organization, ..."""
    records, warnings = _records(data, source)
    return _import(records, source, warnings)


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ImportRejected([InputError(str(path), "no such file or folder")]) from None
    except UnicodeDecodeError as e:
        raise ImportRejected([InputError(str(path), f"not UTF-8 text ({e.reason})")]) from e
    except json.JSONDecodeError as e:
        where = f"{path} line {e.lineno} column {e.colno}"
        raise ImportRejected([InputError(where, f"not valid JSON: {e.msg}")]) from e


def _records(data: Any, source: str) -> tuple[list[tuple[str, Any]], list[InputError]]:
    """(where, service record) pairs, and warnings about the page they came in."""
    if isinstance(data, list):
        return [r for i, item in enumerate(data) for r in _expand(f"{source} [{i}]", item)], []
    if not isinstance(data, dict):
        raise ImportRejected([InputError(source, "expected a service, a /services page or a list of "
                                                 f"services, got {type(data).__name__}")])
    if "contents" not in data:
        return _expand(source, data), []
    contents = data["contents"]
    if not isinstance(contents, list):
        raise ImportRejected([InputError(source, "field 'contents': expected a list of services")])
    records = [r for i, item in enumerate(contents) for r in _expand(f"{source} contents[{i}]", item)]
    return records, _paging(data, source, len(contents))


def _expand(where: str, item: Any) -> list[tuple[str, Any]]:
    """A service as it is; an organization's services; a service_at_location's service with its place."""
    if not isinstance(item, dict) or "status" in item:
        return [(where, item)]
    if isinstance(item.get("service"), dict):
        service = dict(item["service"])
        if not service.get("service_at_locations") and isinstance(item.get("location"), dict):
            service["service_at_locations"] = [{"id": item.get("id"), "location": item["location"]}]
        return [(f"{where} service", service)]
    if isinstance(item.get("services"), list):
        organization = {key: item[key] for key in ("id", "name") if key in item}
        return [(f"{where} services[{i}]", {"organization": organization} | s if isinstance(s, dict) else s)
                for i, s in enumerate(item["services"])]
    if any(key in item for key in ORGANIZATION_KEYS):
        raise ImportRejected([InputError(where, "an organization without 'services', not a service: import "
                                                "a /services page, service records or organizations with "
                                                "their services")])
    return [(where, item)]


def _paging(page: dict[str, Any], source: str, count: int) -> list[InputError]:
    pages, total = page.get("total_pages"), page.get("total_items")
    if isinstance(pages, int) and pages > 1:
        return [InputError(source, f"page {page.get('page_number', '?')} of {pages}: only the {count} "
                                   f"item(s) on this page were read; import the other pages too")]
    if isinstance(total, int) and total != count:
        return [InputError(source, f"total_items is {total} but contents holds {count} item(s)")]
    return []


def _import(records: list[tuple[str, Any]], source: str, warnings: list[InputError]) -> OpenReferralImport:
    mapped = [map_service(record, where) for where, record in records]
    errors = [e for m in mapped for e in m.report.errors]
    if errors:
        raise ImportRejected(errors)
    assets: list[Asset] = []
    withdrawn: list[str] = []
    for group in _by_id(mapped):
        kept = _newest(group)
        if len(group) > 1:
            warnings.append(_duplicates(group, kept, source))
        warnings.extend(kept.report.warnings)
        if kept.status != "active" and kept.asset is not None:
            warnings.append(InputError(kept.where, f"field 'status': {kept.status!r}, so not imported "
                                                   "(and removed from the directory if it was there)"))
            withdrawn.append(kept.asset.id)
        elif kept.asset is not None:
            assets.append(kept.asset)
    return OpenReferralImport(assets, warnings + _summaries(mapped, source), withdrawn)


def _by_id(mapped: list[Mapped]) -> list[list[Mapped]]:
    groups: dict[str, list[Mapped]] = {}
    for m in mapped:
        if m.asset is not None:
            groups.setdefault(m.asset.id, []).append(m)
    return list(groups.values())


def _newest(group: list[Mapped]) -> Mapped:
    """The copy changed last, then the one with the most fields filled, then the first."""
    def rank(pair: tuple[int, Mapped]) -> tuple[datetime, int, int]:
        i, m = pair
        return m.modified or _OLDEST, sum(v not in (None, "", [], {}) for v in m.record.values()), -i
    return max(enumerate(group), key=rank)[1]


def _duplicates(group: list[Mapped], kept: Mapped, source: str) -> InputError:
    keys = sorted(set().union(*(m.record for m in group)))
    differ = [k for k in keys if len({json.dumps(m.record.get(k), sort_keys=True) for m in group}) > 1]
    how = f"the copies differ in {', '.join(differ)}" if differ else "the copies are identical"
    asset_id = kept.asset.id if kept.asset else ""
    return InputError(group[0].where, f"id '{asset_id}' appears {len(group)} times; merged into one asset "
                                      f"from {kept.where.removeprefix(source).strip()} (the newest, most "
                                      f"complete copy); {how}")


def _summaries(mapped: Sequence[Mapped], source: str) -> list[InputError]:
    """One warning each, for the whole import: fields with no place in Asset, non-UUID ids, bare languages."""
    out = []
    unmapped = sorted({key for m in mapped for key, value in m.record.items()
                       if key not in READ and value not in (None, "", [])})
    if unmapped:
        out.append(InputError(source, f"fields not carried into assets (Asset has no place for them): "
                                      f"{', '.join(unmapped)}"))
    odd = [m for m in mapped if isinstance(m.record.get("id"), str) and not is_uuid(m.record["id"])]
    if odd:
        out.append(InputError(source, f"{len(odd)} service id(s) are not UUIDs as HSDS 3.0 requires "
                                      f"(first: {odd[0].record['id']!r}); kept as given"))
    bare = [m for m in mapped if _bare_languages(m.record)]
    if bare:
        out.append(InputError(source, f"{len(bare)} record(s) list languages by id only, with no code or name "
                                      f"(the ORUK profile drops both); no languages imported for them"))
    return out


def _bare_languages(record: dict[str, Any]) -> bool:
    languages = record.get("languages")
    return isinstance(languages, list) and bool(languages) and not any(
        isinstance(lang, dict) and (lang.get("code") or lang.get("name")) for lang in languages)
