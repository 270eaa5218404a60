"""Assets written as an Open Referral UK /services page of HSDS 3.0 service records.

HSDS requires UUID ids, so a service's id is our id when that is a UUID, else a UUID derived from it
(version 5, stable). Our id, needs and delivery travel as service attributes whose taxonomy terms are in
the vocabularies 'triage-asset-id', 'triage-needs' (link_type 'need', or 'inferred_need' when the engine
inferred them) and 'triage-delivery'; read_openreferral prefers them, so writing then reading gives
back the same assets. What does not travel exactly: a url that is not an absolute http(s) URL (left
out, as ORUK requires); a contact other than 'phone; email', 'phone', 'email' or text with neither
(the first phone and first email come back); coordinates (0, 0), read as a placeholder; and
surrounding whitespace of text fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from triage.matching import openreferral_vocab as vocab
from triage.matching.openreferral_check import EMAIL, is_phone, is_web_address
from triage.schemas import Asset
from triage.taxonomy import get

COST_WORDS = {"free": "Free", "low": "Low cost", "paid": "Paid"}


def write_openreferral(assets: Iterable[Asset]) -> dict[str, Any]:
    """One ORUK /services page holding every asset."""
    contents = [service_record(asset) for asset in assets]
    return {"total_items": len(contents), "total_pages": 1, "page_number": 1, "size": len(contents),
            "first_page": True, "last_page": True, "empty": not contents, "contents": contents}


def service_record(asset: Asset) -> dict[str, Any]:
    """One asset as a service shaped like HSDS service_full.json."""
    sid = vocab.export_id(asset.id)
    email, phones, other = split_contact(asset.contact)
    record = {
        "id": sid, "name": asset.name, "description": asset.description,
        "url": asset.url if is_web_address(asset.url) else None, "email": email, "status": "active",
        "minimum_age": asset.min_age, "maximum_age": asset.max_age,
        "organization": {"id": vocab.uid("organisation", asset.organisation), "name": asset.organisation,
                         "description": ""} if asset.organisation else None,
        "service_at_locations": _locations(asset),
        "languages": [{"id": vocab.uid(asset.id, "language", code), "code": code}
                      | ({"name": vocab.LANGUAGE_NAMES[code]} if code in vocab.LANGUAGE_NAMES else {})
                      for code in asset.languages],
        "cost_options": [{"id": vocab.uid(asset.id, "cost_option"), "amount_description": COST_WORDS[asset.cost]}
                         | ({"amount": 0} if asset.cost == "free" else {})] if asset.cost else [],
        "schedules": [{"id": vocab.uid(asset.id, "schedule"), "description": asset.schedule}]
        if asset.schedule else [],
        "contacts": _contacts(asset.id, phones, other),
        "attributes": _attributes(asset, sid),
    }
    return {key: value for key, value in record.items() if value not in (None, [], "")}


def split_contact(contact: str) -> tuple[str, list[str], str]:
    """'01632 960114; hello@x.example' as (the first email, the phone numbers, any other text)."""
    parts = [p.strip() for p in contact.split(";") if p.strip()]
    email = next((p for p in parts if EMAIL.fullmatch(p)), "")
    phones = [p for p in parts if is_phone(p)]
    other = "; ".join(p for p in parts if p != email and p not in phones)
    return email, phones, other


def _locations(asset: Asset) -> list[dict[str, Any]]:
    """A physical location when the asset has coordinates or a postcode; a virtual one when online."""
    out = []
    if asset.latitude is not None or asset.postcode:
        location: dict[str, Any] = {"id": vocab.uid(asset.id, "location"), "location_type": "physical",
                                    "name": asset.name}
        if asset.latitude is not None:
            location |= {"latitude": asset.latitude, "longitude": asset.longitude}
        if asset.postcode:
            location["addresses"] = [{"id": vocab.uid(asset.id, "address"), "address_1": "", "city": "",
                                      "state_province": "", "postal_code": asset.postcode, "country": "GB",
                                      "address_type": "physical"}]
        out.append({"id": vocab.uid(asset.id, "service_at_location"), "location": location})
    if "online" in asset.delivery:
        out.append({"id": vocab.uid(asset.id, "service_at_location", "online"),
                    "location": {"id": vocab.uid(asset.id, "location", "online"), "location_type": "virtual",
                                 "name": f"{asset.name} (online)"}})
    return out


def _contacts(asset_id: str, phones: list[str], other: str) -> list[dict[str, Any]]:
    if not phones and not other:
        return []
    contact: dict[str, Any] = {"id": vocab.uid(asset_id, "contact")}
    if other:
        contact["name"] = other
    if phones:
        contact["phones"] = [{"id": vocab.uid(asset_id, "phone", str(i)), "number": number}
                             for i, number in enumerate(phones)]
    return [contact]


def _attributes(asset: Asset, sid: str) -> list[dict[str, Any]]:
    """Our id, then the needs, then the delivery modes, each as a taxonomy term on the service."""
    link = vocab.INFERRED_NEED if asset.needs_inferred else "need"
    terms = [(vocab.ID_VOCABULARY, asset.id, asset.id, "identifier", "The asset's id in the triage directory")]
    terms += [(vocab.NEEDS_VOCABULARY, n, get(n).name, link, get(n).definition) for n in asset.needs]
    terms += [(vocab.DELIVERY_VOCABULARY, mode, vocab.DELIVERY_NAMES[mode], "delivery",
               f"The service is offered {vocab.DELIVERY_NAMES[mode].lower()}") for mode in asset.delivery]
    return [_attribute(asset.id, sid, *term) for term in terms]


def _attribute(asset_id: str, sid: str, taxonomy: str, term: str, name: str, link_type: str,
               description: str) -> dict[str, Any]:
    term_id = vocab.uid(taxonomy, term)
    return {"id": vocab.uid(asset_id, "attribute", taxonomy, term), "link_id": sid, "link_type": link_type,
            "taxonomy_term_id": term_id,
            "taxonomy_term": {"id": term_id, "name": name, "description": description, "taxonomy": taxonomy,
                              "term": term}}
