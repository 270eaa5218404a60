"""Open Referral words mapped to ours: languages, need keywords, costs, delivery, schedules and ids.

Data only, plus the small pure functions that read it; shared by the importer and the exporter.
"""

from __future__ import annotations

import re
import uuid

from triage.matching.languages import LANGUAGE_NAMES

# Vocabularies of the taxonomy terms that write_openreferral adds as service attributes.
ID_VOCABULARY = "triage-asset-id"
NEEDS_VOCABULARY = "triage-needs"
DELIVERY_VOCABULARY = "triage-delivery"
INFERRED_NEED = "inferred_need"
DELIVERY_NAMES = {"in_person": "In person", "online": "Online", "phone": "By phone"}
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:triage:openreferral")

_NAME_ALIASES = {"persian": "fa", "panjabi": "pa", "bangla": "bn", "mandarin": "zh", "gaelic": "gd",
                 "bsl": "bfi", "sign language": "bfi", "czech": "cs", "slovakian": "sk"}
_ALPHA3 = {  # ISO 639-2 (bibliographic and terminology) codes of the languages above
    "eng": "en", "cym": "cy", "wel": "cy", "gle": "ga", "gla": "gd", "pol": "pl", "urd": "ur", "pan": "pa",
    "ben": "bn", "guj": "gu", "hin": "hi", "tam": "ta", "nep": "ne", "ara": "ar", "fas": "fa", "per": "fa",
    "pus": "ps", "kur": "ku", "tur": "tr", "som": "so", "tir": "ti", "amh": "am", "ron": "ro", "rum": "ro",
    "bul": "bg", "ukr": "uk", "rus": "ru", "lit": "lt", "lav": "lv", "slk": "sk", "slo": "sk", "ces": "cs",
    "cze": "cs", "hun": "hu", "sqi": "sq", "alb": "sq", "ell": "el", "gre": "el", "por": "pt", "spa": "es",
    "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "ita": "it", "zho": "zh", "chi": "zh", "vie": "vi",
}
_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | _NAME_ALIASES

# A taxonomy term whose name matches one of these patterns names that need.
NEED_PATTERNS: dict[str, re.Pattern[str]] = {need: re.compile(pattern, re.IGNORECASE) for need, pattern in {
    "loneliness": r"lonel|befriend|isolation|social (contact|connection)",
    "mental_health": r"mental (health|wellbeing|well-being)|emotional (health|wellbeing)|anxiety|depression"
                     r"|counsell?ing|talking therap",
    "debt": r"\bdebts?\b|money (advice|management|worries)|financial (hardship|difficult)|fuel poverty|budgeting",
    "welfare_benefits": r"\bbenefits?\b|\bwelfare\b|universal credit",
    "housing": r"housing|homeless|tenancy|eviction|accommodation",
    "employment": r"employ|\bjobs?\b|\bcareers?\b|work skills|job ?club|volunteering",
    "physical_activity": r"physical activity|exercise|fitness|\bsports?\b|\bwalking\b|weight management",
    "food_insecurity": r"\bfood\b|\bmeals?\b|\bhunger\b",
    "bereavement": r"bereave|\bgrief\b",
    "carer_support": r"\bcarers?\b|caregiv|\brespite\b",
    "substance_use": r"alcohol|\bdrugs?\b|substance|addiction|gambling",
    "long_term_condition": r"long[- ]term (health )?conditions?|chronic|diabetes|\bcopd\b|asthma|arthritis"
                           r"|heart (disease|failure)|\bstroke\b|cancer|dementia",
    "digital_inclusion": r"digital|internet|computer skills|getting online",
}.items()}

# How a service is delivered, read from attending_type and taxonomy term names (all three modes) and
# from the description (phone only: "online" there too often means booking online).
DELIVERY_PATTERNS: dict[str, re.Pattern[str]] = {
    "in_person": re.compile(r"in[- ]person|face[- ]to[- ]face|drop[- ]in", re.IGNORECASE),
    "online": re.compile(r"online|remote|video|virtual|zoom|web ?chat", re.IGNORECASE),
    "phone": re.compile(r"help ?line|(tele)?phone (line|support|service|advice|befriending|counselling|calls?)"
                        r"|advice line|by (tele)?phone|over the (tele)?phone", re.IGNORECASE),
}

LOW_COST_MAX = 10.0  # pounds: the most a "low" cost option costs
_FREE = re.compile(r"\bfree\b|no charge|no cost|\bnil\b", re.IGNORECASE)
_LOW = re.compile(r"low[- ]cost|subsidi[sz]ed|donation|concession", re.IGNORECASE)
_POUNDS = re.compile(r"£\s?(\d+(?:\.\d+)?)")
_PAID = re.compile(r"\bpaid\b|\bcharges?\b|\bfees?\b|\bpay\b", re.IGNORECASE)

_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}
_DAY = re.compile(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)")
_ORDINALS = {"1": "1st", "2": "2nd", "3": "3rd", "4": "4th", "5": "5th", "-1": "last", "+1": "1st"}


def language_code(code: str, name: str) -> str | None:
    """An ISO 639 code (639-1 where one exists) from a code such as 'ur', 'URD', 'en-GB' or a name."""
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    if re.fullmatch(r"[a-z]{2,3}", primary):
        return _ALPHA3.get(primary, primary)
    return _BY_NAME.get((name or code).strip().lower())


_AGE_RANGE = re.compile(r"\bage[sd]? ?(\d{1,3}) ?(?:-|–|to) ?(\d{1,3})\b|"
                        r"\b(\d{1,3}) ?(?:-|–|to) ?(\d{1,3}) ?(?:years?|yrs?|year-olds)\b", re.IGNORECASE)
_AGE_FROM = re.compile(r"\b(?:aged? )?(\d{1,3}) ?(?:\+|years? and over|and over|or over|and above|and older|or older)|"
                       r"\b(?:aged|adults?|people|those|anyone) over (\d{1,3})\b|\bover[- ](\d{1,3})s\b", re.IGNORECASE)
_AGE_UNDER = re.compile(r"\baged under (\d{1,3})\b|\bunder (\d{1,3}) ?(?:years|yrs)\b|\bunder-(\d{1,3})s\b",
                        re.IGNORECASE)


def ages_in(text: str) -> tuple[int | None, int | None]:
    """Ages from wording that says they are ages: 'aged 12 and over', '18+', 'ages 8 to 12',
    '16-25 year-olds', 'adults over 18', 'aged under 25'; anything else gives (None, None)."""
    if m := _AGE_RANGE.search(text):
        low, high = (int(g) for g in m.groups() if g is not None)
        return (low, high) if low <= high <= 120 else (None, None)
    if m := _AGE_FROM.search(text):
        return (min(int(m[1] or m[2] or m[3]), 120), None)
    if m := _AGE_UNDER.search(text):
        return (None, min(max(int(next(g for g in m.groups() if g)) - 1, 0), 120))
    return None, None


def needs_for_term(text: str) -> list[str]:
    """The need ids a taxonomy term's name or term clearly names (often none)."""
    return [need for need, pattern in NEED_PATTERNS.items() if pattern.search(text)]


def delivery_in(text: str, modes: tuple[str, ...] = tuple(DELIVERY_PATTERNS)) -> set[str]:
    return {mode for mode in modes if DELIVERY_PATTERNS[mode].search(text)}


def cost_band(amount: float) -> str:
    return "free" if amount == 0 else "low" if amount <= LOW_COST_MAX else "paid"


def cost_from_text(text: str) -> str | None:
    """'free', 'low' or 'paid' from fee wording such as "Free", "Low cost" or "£50 per hour"."""
    if _FREE.search(text):
        return "free"
    if _LOW.search(text):
        return "low"
    if amounts := [float(m) for m in _POUNDS.findall(text)]:
        return cost_band(min(amounts))
    return "paid" if _PAID.search(text) else None


def days_text(byday: str) -> str:
    """'TH,FR' as 'Thu, Fri'; '1MO' as '1st Mon'; unknown tokens are kept as given."""
    words = []
    for token in (t.strip().upper() for t in byday.split(",") if t.strip()):
        match = _DAY.fullmatch(token)
        if not match:
            words.append(token)
            continue
        ordinal, day = match.groups()
        words.append(f"{_ORDINALS.get(ordinal, ordinal)} {_DAYS[day]}" if ordinal else _DAYS[day])
    return ", ".join(words)


def hours_text(opens_at: str, closes_at: str) -> str:
    """'10:00:00', '18:00:00' as '10:00-18:00'."""
    opens, closes = opens_at[:5], closes_at[:5]
    if opens and closes:
        return f"{opens}-{closes}"
    return f"from {opens}" if opens else f"until {closes}" if closes else ""


def export_id(asset_id: str) -> str:
    """The ORUK service id (HSDS requires a UUID): our id when it is one, else a UUID derived from it."""
    return asset_id if is_uuid(asset_id) else uid(asset_id)


def uid(*parts: str) -> str:
    """A stable UUID (version 5) named by the parts."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
