"""One Open Referral service record (HSDS 3.0, ORUK profile) checked and mapped to an Asset.

Errors (a missing id, name or status, a bad email or URL, ages outside 0-120, a wrong type) reject the
import; warnings (a placeholder or impossible value left out, a description borrowed from the name)
are reported with the asset. Only the fields the mapping reads are checked. The mapping:

- id: the service id, or our own id when the record was written by write_openreferral.
- description: description, else short_description or summary, else the name (with a warning).
- organisation: organization.name. url: url (absolute http or https only).
- contact: 'first phone number; email' from the service, its contacts and its locations, as the
  directory writes it; a contact's name (and title) when there is neither.
- min_age, max_age: minimum_age, maximum_age, else wording such as 'aged 12 and over' in
  eligibility_description.
- latitude, longitude, postcode: the first service_at_locations[].location with possible coordinates,
  and its first address's postal_code. Impossible coordinates and (0, 0) are left out with a warning.
- languages: languages[].code (ISO 639-2 codes and 'en-GB' become 'en'), else languages[].name.
- cost: the cheapest cost option: 0 free, up to 10 low, more paid; without amounts, the wording of the
  options, then of fees and fees_description ('Free', 'Low cost', '£50 per hour').
- schedule: each schedule as 'Thu, Fri 10:00-18:00: description', joined with '; '.
- needs: taxonomy terms of the service's attributes whose name clearly names a need (see
  openreferral_vocab.NEED_PATTERNS); else none, for the engine to infer.
- delivery: physical location -> in_person, virtual -> online; plus attending_type and term names
  ('in person', 'online', 'video', 'helpline'), and a description that names a phone line -> phone.
Records written by write_openreferral carry our id, needs and delivery as terms, and those are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic import ValidationError

from triage.errors import InputError, describe_validation_error
from triage.matching import openreferral_vocab as vocab
from triage.matching.openreferral_check import Report, got, is_phone
from triage.schemas import Asset
from triage.taxonomy import NEED_IDS

STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
ASSET_FIELDS = {"min_age": "minimum_age", "max_age": "maximum_age", "organisation": "organization.name"}
READ = frozenset({"id", "name", "description", "short_description", "summary", "url", "email", "status",
                  "minimum_age", "maximum_age", "eligibility_description", "organization", "organization_id",
                  "service_at_locations", "languages", "cost_options", "fees", "fees_description",
                  "schedules", "attributes", "contacts", "phones", "last_modified"})


@dataclass(frozen=True)
class Mapped:
    """One record's outcome: its asset (None when it has errors), status and last change."""

    where: str
    record: dict[str, Any]
    asset: Asset | None
    report: Report
    status: str = ""
    modified: datetime | None = None


class Term(NamedTuple):
    link_type: str
    taxonomy: str
    term: str
    name: str


class Place(NamedTuple):
    path: str
    kind: str
    coordinates: tuple[float, float] | None
    postcode: str


def map_service(record: object, where: str) -> Mapped:
    """Check one service record and map it to an Asset."""
    report = Report(where)
    if not isinstance(record, dict):
        report.errors.append(InputError(where, f"expected a service object{got(record)}"))
        return Mapped(where, {}, None, report)
    values = _values(record, report)
    status, modified = _status(record, report), _modified(record, report)
    if report.errors:
        return Mapped(where, record, None, report, status, modified)
    try:
        asset = Asset.model_validate(values)
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(ASSET_FIELDS.get(str(p), str(p)) for p in err["loc"])
            report.errors.append(InputError(where, describe_validation_error(err | {"loc": loc})))
        return Mapped(where, record, None, report, status, modified)
    return Mapped(where, record, asset, report, status, modified)


def _values(record: dict[str, Any], r: Report) -> dict[str, Any]:
    terms, places = _terms(record, r), _places(record, r)
    name = r.required(record, "name")
    organization = r.object(record, "organization")
    return {"id": _asset_id(r.required(record, "id"), terms, r), "name": name,
            "organisation": r.text(organization, "name", "organization.") if organization else "",
            "description": _description(record, name, r), "url": r.url(record, "url"),
            "contact": _contact(record, r), **_ages(record, r), **_place(places, r),
            "languages": _languages(record, r), "cost": _cost(record, r), "schedule": _schedule(record, r),
            **_needs(terms), "delivery": _delivery(record, places, terms, r)}


# --- fields ----------------------------------------------------------------------------------------

def _status(record: dict[str, Any], r: Report) -> str:
    status = r.required(record, "status")
    if status and status not in STATUSES:
        r.error("status", f"must be one of {', '.join(STATUSES)} (got {status!r})")
    return status


def _modified(record: dict[str, Any], r: Report) -> datetime | None:
    value = r.string(record, "last_modified")
    try:
        stamp = datetime.fromisoformat(value) if value else None
    except ValueError:
        r.warn("last_modified", f"not an ISO 8601 date-time (got {value!r}); ignored")
        return None
    return stamp.replace(tzinfo=UTC) if stamp and stamp.tzinfo is None else stamp


def _asset_id(service_id: str, terms: list[Term], r: Report) -> str:
    """Our own id when the record was written by write_openreferral, else the service id."""
    ours = next((t.term for t in terms if t.taxonomy == vocab.ID_VOCABULARY and t.term), "")
    if not ours or not service_id:
        return service_id
    if vocab.export_id(ours) == service_id:
        return ours
    r.warn("attributes", f"triage asset id {ours!r} does not belong to id {service_id!r}; the id is kept")
    return service_id


def _description(record: dict[str, Any], name: str, r: Report) -> str:
    for key in ("description", "short_description", "summary"):
        if text := r.string(record, key):
            return text
    if name:
        r.warn("description", "missing; the service name is used as its description")
    return name


def _contact(record: dict[str, Any], r: Report) -> str:
    """'first phone; email' (the directory's form), else a named contact."""
    contacts = r.objects(record, "contacts")
    email = r.email(record, "email") or next(
        (e for at, c in contacts if (e := r.email(c, "email", at))), "")
    phone = _first_phone(record, contacts, r)
    if phone or email:
        return "; ".join(p for p in (phone, email) if p)
    for at, c in contacts:
        name, title = r.text(c, "name", at), r.text(c, "title", at)
        if name:
            return f"{name} ({title})" if title else name
    return ""


def _first_phone(record: dict[str, Any], contacts: list[tuple[str, dict[str, Any]]], r: Report) -> str:
    holders = [("", record), *contacts, *r.objects(record, "service_at_locations")]
    for at, holder in holders:
        for path, phone in r.objects(holder, "phones", at):
            number = r.string(phone, "number", path).strip("\"' ")
            extension = r.number(phone, "extension", path)
            if is_phone(number):
                return f"{number} ext. {extension:g}" if extension else number
            if number:
                r.warn(f"{path}number", f"not a phone number (got {number!r}); left out")
    return ""


def _ages(record: dict[str, Any], r: Report) -> dict[str, int | None]:
    low, high = _age(record, "minimum_age", r), _age(record, "maximum_age", r)
    if record.get("minimum_age") is None and record.get("maximum_age") is None:
        low, high = vocab.ages_in(r.text(record, "eligibility_description"))
        if low is not None or high is not None:
            r.warn("eligibility_description", f"ages {low if low is not None else 0}-"
                   f"{high if high is not None else 'any'} read from its wording")
    if low is not None and high is not None and low > high:
        r.error("minimum_age", f"{low} is above maximum_age {high}")
    return {"min_age": low, "max_age": high}


def _age(record: dict[str, Any], key: str, r: Report) -> int | None:
    value = r.number(record, key)
    if value is not None and (value != int(value) or not 0 <= value <= 120):
        r.error(key, f"must be a whole number of years from 0 to 120 (got {value!r})")
        return None
    return None if value is None else int(value)


def _places(record: dict[str, Any], r: Report) -> list[Place]:
    places = []
    for at, sal in r.objects(record, "service_at_locations"):
        location = r.object(sal, "location", at)
        if location is None:
            continue
        path = f"{at}location."
        kind = r.string(location, "location_type", path)
        if kind and kind not in LOCATION_TYPES:
            r.error(f"{path}location_type", f"must be one of {', '.join(LOCATION_TYPES)} (got {kind!r})")
        postcode = next((p for a, address in r.objects(location, "addresses", path)
                         if (p := r.text(address, "postal_code", a))), "")
        coordinates = _coordinates(location, r, path)
        places.append(Place(path, kind or ("physical" if coordinates or postcode else ""), coordinates, postcode))
    return places


def _coordinates(location: dict[str, Any], r: Report, at: str) -> tuple[float, float] | None:
    lat, lon = r.number(location, "latitude", at), r.number(location, "longitude", at)
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        r.warn(f"{at}latitude", "latitude and longitude must be given together; coordinates left out")
    elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
        r.warn(f"{at}latitude", f"impossible coordinates ({lat:g}, {lon:g}): latitude must be within ±90 "
                                f"and longitude within ±180; coordinates left out, the location kept")
    elif lat == 0 and lon == 0:
        r.warn(f"{at}latitude", "coordinates (0, 0) are a placeholder; coordinates left out")
    else:
        return float(lat), float(lon)
    return None


def _place(places: list[Place], r: Report) -> dict[str, Any]:
    """The first location with coordinates (and its postcode), else the first postcode."""
    located = [p for p in places if p.coordinates or p.postcode]
    if len(located) > 1:
        r.warn("service_at_locations", f"{len(located)} locations; the asset keeps one "
                                       f"({located[0].path.rstrip('.')})")
    chosen = next((p for p in located if p.coordinates), located[0] if located else None)
    lat, lon = chosen.coordinates if chosen and chosen.coordinates else (None, None)
    return {"latitude": lat, "longitude": lon, "postcode": chosen.postcode if chosen else ""}


def _languages(record: dict[str, Any], r: Report) -> list[str]:
    codes: list[str] = []
    for at, language in r.objects(record, "languages"):
        code, name = r.string(language, "code", at), r.text(language, "name", at)
        if not code and not name:
            continue  # the ORUK profile keeps only the id; reported once per import
        found = vocab.language_code(code, name)
        if found is None:
            r.warn(at + ("code" if code else "name"), f"unknown language {code or name!r} left out; "
                                                      f"expected an ISO 639 code such as 'en' or 'pl'")
        elif found not in codes:
            codes.append(found)
    return codes


def _cost(record: dict[str, Any], r: Report) -> str | None:
    """From the cheapest cost option's amount, else from the options' and fees' wording."""
    amounts, words = [], []
    for at, option in r.objects(record, "cost_options"):
        amount = r.number(option, "amount", at)
        if amount is not None and amount < 0:
            r.warn(f"{at}amount", f"negative amount {amount:g} left out")
        elif amount is not None:
            amounts.append(amount)
        words += [r.text(option, "option", at), r.text(option, "amount_description", at)]
    if amounts:
        return vocab.cost_band(min(amounts))
    if not any(words):
        words = [r.text(record, "fees"), r.text(record, "fees_description")]
    return vocab.cost_from_text(" ".join(words))


def _schedule(record: dict[str, Any], r: Report) -> str:
    """Each schedule as 'Thu, Fri 10:00-18:00: description', joined with '; '."""
    schedules = r.objects(record, "schedules") or [
        s for at, sal in r.objects(record, "service_at_locations") for s in r.objects(sal, "schedules", at)]
    texts: list[str] = []
    for at, s in schedules:
        when = " ".join(p for p in (
            vocab.days_text(r.string(s, "byday", at)),
            vocab.hours_text(r.string(s, "opens_at", at), r.string(s, "closes_at", at))) if p)
        note = r.text(s, "description", at)
        text = f"{when}: {note}" if when and note else when or note
        if text and text not in texts:
            texts.append(text)
    return "; ".join(texts)


def _terms(record: dict[str, Any], r: Report) -> list[Term]:
    terms = []
    for at, attribute in r.objects(record, "attributes"):
        term = r.object(attribute, "taxonomy_term", at)
        if term is not None:
            tat = f"{at}taxonomy_term."
            terms.append(Term(r.string(attribute, "link_type", at), r.string(term, "taxonomy", tat),
                              r.string(term, "term", tat), r.string(term, "name", tat)))
    return terms


def _needs(terms: list[Term]) -> dict[str, Any]:
    """Our own need terms as written; other terms by keyword (needs_inferred: only our inferred ones)."""
    own = [t for t in terms if t.taxonomy == vocab.NEEDS_VOCABULARY and t.term in NEED_IDS]
    others = [n for t in terms if not t.taxonomy.startswith("triage-")
              for n in vocab.needs_for_term(f"{t.name} {t.term}")]
    needs = list(dict.fromkeys([t.term for t in own] + others))
    inferred = bool(own) and not others and all(t.link_type == vocab.INFERRED_NEED for t in own)
    return {"needs": needs, "needs_inferred": inferred}


def _delivery(record: dict[str, Any], places: list[Place], terms: list[Term], r: Report) -> list[str]:
    """Our own delivery terms when written by triage; else location types, attending_type and wording."""
    if any(t.taxonomy == vocab.ID_VOCABULARY for t in terms):
        return list(dict.fromkeys(t.term for t in terms
                                  if t.taxonomy == vocab.DELIVERY_VOCABULARY and t.term in vocab.DELIVERY_NAMES))
    kinds = {"physical": "in_person", "virtual": "online"}
    found = {kinds[p.kind] for p in places if p.kind in kinds}
    attending = [r.string(s, "attending_type", at) for at, s in r.objects(record, "schedules")]
    found |= vocab.delivery_in(" ".join(attending + [f"{t.name} {t.term}" for t in terms]))
    found |= vocab.delivery_in(r.string(record, "description"), ("phone",))
    return [mode for mode in vocab.DELIVERY_NAMES if mode in found]
