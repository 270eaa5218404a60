"""Who a note is about and whom an asset is for: the facts a link worker reads first.

From the note: the person's age when the referral gives none ('72F', 'Mr Ray Thornton, 67', "I'm 30"),
their gender when a strong cue gives it ('Mrs', '34F', 'widower'), and the communities it names
('Polish', 'speaks Somali', 'seeking asylum'). From the asset: whether it is for women or men only, and
for which community ('a Polish community centre', 'for Ukrainians', 'supporting Somali families').
Conservative patterns: a fact is read only where the wording leaves little doubt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from triage.schemas import Asset, ReferralIn

COMMUNITIES = {  # community -> (words that name it, languages that imply it)
    "Polish": (r"polish|poland|polski", {"pl"}),
    "Ukrainian": (r"ukrain\w*", {"uk"}),
    "Somali": (r"somali\w*", {"so"}),
    "Chinese": (r"chinese|cantonese|mandarin|hong kong", {"zh", "yue"}),
    "South Asian": (r"south asian|pakistani|bangladeshi|indian|punjabi|urdu|bengali|gujarati|sikh",
                    {"ur", "pa", "bn", "gu", "hi"}),
    "refugee": (r"refugees?|asylum", set()),
    "migrant worker": ((r"migrant|by agency|agency work\w*|through an agency|"
                        r"from (?:romania|poland|portugal|lithuania|latvia|bulgaria|slovakia)"), set()),
}
_AGE_END = r"(?=\s*(?:[,;.)!]|$)|\s+(?:and|but|now|yo|y/o|years? old|yrs? old)\b)"
_AGE_PATTERNS = [re.compile(p + _AGE_END, flags) for p, flags in [
    (r"^(?:[^.:\n]{0,60}:\s*)?\W*(\d{1,3}) ?(?:yo|y/o|y\.o\.|yrs?|years?)? ?(?:old )?(?:M|F|male|female)\b", 0),
    (r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.? [A-Z][\w'-]*(?: [A-Z][\w'-]*)?,? \(?(?:aged )?(\d{1,3})", 0),
    (r"\bI(?:'m| am|m) (?:a )?(\d{1,3})", re.IGNORECASE),
    (r"^[^.\n]{0,80}?\baged (\d{1,3})", re.IGNORECASE),
    (r"(?:^\W*|[.:;]\s+)[A-Z][a-z'-]+(?: [A-Z][\w'-]*)?\.?, (\d{1,3})", 0),
]]
_SOMEONE_ELSE = re.compile(r"\b(?:husband|wife|partner|son|daughter|child|children|kids?|grand\w*|mum|mother|"
                           r"dad|father|brother|sister|neighbour|friend|baby|boy|girl|nephew|niece|cares? for|"
                           r"caring for|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE)
_REFERRER = re.compile(r"\b(?:by|from|per|dear|dr|gp|nurse|worker|officer)\W*$", re.IGNORECASE)
_FEMALE = re.compile(r"\b\d{1,3} ?(?:yo|y/o)? ?F\b|\b(?:Mrs|Ms|Miss)\b|\b(?:woman|lady|widow|mum of|mother of)\b")
_MALE = re.compile(r"\b\d{1,3} ?(?:yo|y/o)? ?M\b|\bMr\b|\b(?:gentleman|widower|dad of|father of)\b")
_WOMEN_ONLY = re.compile(r"\bwomen[- ]only\b|\bfor (?:\w+ ){0,2}women\b|\bladies'? group\b", re.IGNORECASE)
_MEN_ONLY = re.compile(r"\bmen's shed\b|\bfor (?:\w+ ){0,2}men\b|\bmen[- ]only\b", re.IGNORECASE)
_BOTH_GENDERS = re.compile(r"\b(?:men,? (?:\w+ )?(?:and|or) women|women,? (?:\w+ )?(?:and|or) men|"
                           r"men, women|women, men)\b", re.IGNORECASE)
_FOR_COMMUNITY = r"\b(?:for|supporting|serving|from) (?:\w+ ){{0,3}}(?:{words})\b|\b(?:{words}) community\b"


_HOUSEBOUND = re.compile(r"\bhouse-?bound|\bbed-?bound|can(?:'|no)?t (?:get|go) out|unable to (?:get|go) out|"
                        r"\b(?:hasn't|has not|haven't|not) (?:left|been out of) the (?:house|flat|home)|"
                        r"\bagoraphob|\bfrail\b|\bonly (?:manage|do) phone", re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    """What a referral says about the person that matching needs."""

    age: int | None
    age_from_note: bool
    gender: str | None  # 'female' or 'male', only from a strong cue
    communities: frozenset[str]
    housebound: bool = False


def read_person(referral: ReferralIn) -> Person:
    """What the referral says about the person; a field given with the referral wins over the text."""
    text = referral.text
    age = referral.age if referral.age is not None else note_age(text)
    return Person(age, referral.age is None and age is not None, note_gender(text),
                  frozenset(c for c, (words, languages) in COMMUNITIES.items()
                            if referral.language in languages or re.search(rf"\b(?:{words})\b", text, re.IGNORECASE)),
                  _HOUSEBOUND.search(text) is not None)


def note_age(text: str) -> int | None:
    """The person's age where the wording leaves little doubt; never an age that follows a word for
    someone else ('husband, 80', 'children aged 4') or a day ('Friday, 12 May')."""
    for pattern in _AGE_PATTERNS:
        for found in pattern.finditer(text):
            before = text[max(0, found.start() - 25):found.start(1)]
            if 4 <= int(found.group(1)) <= 105 and not _SOMEONE_ELSE.search(before):
                return int(found.group(1))
    return None


def note_gender(text: str) -> str | None:
    """The first strong cue that is about the person, not the referrer ('referred by Ms Jones') or a
    relative ('her husband Mr Lau')."""
    cues = sorted([(m.start(), "female") for m in _FEMALE.finditer(text)] +
                  [(m.start(), "male") for m in _MALE.finditer(text)])
    for start, gender in cues:
        before = text[max(0, start - 25):start]
        if not (_SOMEONE_ELSE.search(before) or _REFERRER.search(before)):
            return gender
    return None


@dataclass(frozen=True)
class Audience:
    """Whom an asset is made for; empty when it is for anyone."""

    gender: str | None
    communities: frozenset[str]


def asset_audience(asset: Asset) -> Audience:
    """Whom an asset is for, from its name and description ('for South Asian women', 'men's shed')."""
    return _audience(asset.document)


@lru_cache(maxsize=100_000)
def _audience(document: str) -> Audience:
    text = _BOTH_GENDERS.sub("everyone", document)
    gender = "female" if _WOMEN_ONLY.search(text) else "male" if _MEN_ONLY.search(text) else None
    return Audience(gender, frozenset(c for c, (words, _) in COMMUNITIES.items()
                                      if re.search(_FOR_COMMUNITY.format(words=words), text, re.IGNORECASE)))


def audience_fit(audience: Audience, person: Person) -> tuple[float, str]:
    """+1 for an asset made for the person's community or gender, -1 for one made for others, with why."""
    if audience.gender and person.gender and audience.gender != person.gender:
        return -1.0, f"for {'women' if audience.gender == 'female' else 'men'}"
    if audience.communities:
        shared = sorted(audience.communities & person.communities)
        if shared:
            return 1.0, f"for the {shared[0]} community"
        return -1.0, f"for the {min(audience.communities)} community"
    if audience.gender and audience.gender == person.gender:
        return 1.0, f"for {'women' if audience.gender == 'female' else 'men'}"
    return 0.0, ""


def is_remote(asset: Asset) -> bool:
    """Taken part in by phone or online only: no travel."""
    return bool(asset.delivery) and set(asset.delivery) <= {"online", "phone"}
