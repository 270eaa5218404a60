"""Typed reading of one Open Referral record: every problem names the field at fault.

Errors reject the import (a wrong type, a bad email or URL, a missing required field); warnings say
what was done with a doubtful value (a placeholder left out or kept).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from triage.errors import InputError

EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,.]+")
PHONE = re.compile(r"\+?[\d\s().-]{6,}(\s*(ext\.?|x)\s*\d+)?")
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")  # RFC 2606: for documentation

Object = dict[str, Any]


@dataclass
class Report:
    """Reads one record's fields by type, collecting errors and warnings as it goes.

    `at` is the path of the object read, such as 'service_at_locations[0].location.'.
    """

    where: str
    errors: list[InputError] = field(default_factory=list)
    warnings: list[InputError] = field(default_factory=list)

    def error(self, path: str, problem: str) -> None:
        self._add(self.errors, f"field '{path}': {problem}")

    def warn(self, path: str, problem: str) -> None:
        self._add(self.warnings, f"field '{path}': {problem}")

    def _add(self, found: list[InputError], problem: str) -> None:
        if all(e.problem != problem for e in found):  # a field read twice is reported once
            found.append(InputError(self.where, problem))

    def string(self, obj: Object, key: str, at: str = "") -> str:
        value = obj.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(at + key, f"expected a string{got(value)}")
            return ""
        return value.strip()

    def text(self, obj: Object, key: str, at: str = "") -> str:
        """A string, left out with a warning when it is a placeholder such as fees: 'fees_description'."""
        value = self.string(obj, key, at)
        if value.lower() in (key, f"{key}_description", "string"):
            self.warn(at + key, f"placeholder value {value!r} left out")
            return ""
        return value

    def required(self, obj: Object, key: str) -> str:
        value = self.string(obj, key)
        if not value and (obj.get(key) is None or isinstance(obj.get(key), str)):
            self.error(key, "is required (the ORUK profile requires id, name and status)")
        return value

    def number(self, obj: Object, key: str, at: str = "") -> float | None:
        value = obj.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.error(at + key, f"expected a number{got(value)}")
            return None
        return value

    def object(self, obj: Object, key: str, at: str = "") -> Object | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, dict):
            self.error(at + key, f"expected an object{got(value)}")
            return None
        return value

    def objects(self, obj: Object, key: str, at: str = "") -> list[tuple[str, Object]]:
        """The objects of a list field, each with its own path, such as 'languages[0].'."""
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(at + key, f"expected a list of objects{got(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((f"{at}{key}[{i}].", item))
            else:
                self.error(f"{at}{key}[{i}]", f"expected an object{got(item)}")
        return out

    def email(self, obj: Object, key: str, at: str = "") -> str:
        value = self.string(obj, key, at)
        if value and not EMAIL.fullmatch(value):
            self.error(at + key, f"not a valid email address (got {value!r})")
            return ""
        if value and placeholder_domain(value.rsplit("@", 1)[1]):
            self.warn(at + key, f"{value!r} is at a documentation domain, probably a placeholder; kept")
        return value

    def url(self, obj: Object, key: str, at: str = "") -> str:
        value = self.string(obj, key, at)
        if value and not is_web_address(value):
            self.error(at + key, f"not a valid URL: expected an absolute http(s) address such as "
                                 f"'https://www.example.org/service' (got {value!r})")
            return ""
        if placeholder_domain(urlsplit(value).hostname or ""):
            self.warn(at + key, f"{value!r} is at a documentation domain, probably a placeholder; kept")
        return value


def got(value: object) -> str:
    """' (got ...)' for a message, short."""
    if isinstance(value, (dict, list)):
        return f" (got {'an object' if isinstance(value, dict) else 'a list'})"
    return f" (got {value!r})" if len(repr(value)) < 80 else ""


def is_phone(text: str) -> bool:
    """'01632 960114', '+44 1234 234567 ext. 100': digits and separators, at least six digits."""
    return bool(PHONE.fullmatch(text)) and sum(c.isdigit() for c in text) >= 6


def is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url


def placeholder_domain(host: str) -> bool:
    host = host.lower()
    return any(host == d or host.endswith(f".{d}") for d in PLACEHOLDER_DOMAINS)
