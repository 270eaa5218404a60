"""The note's passages (its clauses), and the one closest to each asset: the semantic fit between
what the note says about the person and what the asset offers, quotable as a reason."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from triage.matching.rank import Candidate
from triage.nlp.notes import ParsedNote

MIN_WORDS = 3
WHERE_THEY_LIVE = re.compile(r"^(?:lives?|living|based) (?:in|near|on|at|off|by)\b", re.IGNORECASE)  # distance says it
HEADER_MAX = 60
DECLINING = re.compile(r"\b(?:declin(?:es|ed|ing)|refus(?:es|ed|ing)|turned down|not keen on|not interested in|"
                       r"(?:does ?n[o']t|did ?n[o']t|won'?t|wouldn'?t) (?:want to (?:go|attend|join|see|try)|"
                       r"want (?:any|a|groups?|counselling|therapy)|go to|fancy)|not one for)\b", re.IGNORECASE)


def note_passages(note: ParsedNote, *, declined: bool = False) -> list[str]:
    """The clauses of a note long enough to say something about the person, or with declined=True
    those in which the person turns something down ('declines talking therapy', 'not keen on groups').
    Negation alone does not make a refusal: 'can't afford food' says what the person needs."""
    out = []
    header = header_end(note.text)
    for start, end in note.clauses:
        text = note.text[start:end].strip()
        if start < header or WHERE_THEY_LIVE.match(text):
            continue
        if len(text.split()) >= MIN_WORDS and (DECLINING.search(text) is not None) == declined:
            out.append(text)
    return out


def header_end(text: str) -> int:
    """Where an opening 'who referred' header ends ('Adult social care contact:', 'IDVA referral:'), or 0."""
    colon = text.find(":")
    is_header = 0 < colon <= HEADER_MAX and "." not in text[:colon] and not text[colon - 1].isdigit()
    return colon if is_header else 0


def with_closest_passage(candidates: Sequence[Candidate], asset_vectors: np.ndarray,
                         passages: Sequence[str], passage_vectors: np.ndarray, *,
                         declined: bool = False) -> list[Candidate]:
    """Each candidate with the passage most similar to it (asset_vectors row-aligned with candidates),
    as what fits the person, or with declined=True as what the person turns down."""
    if not passages or not candidates:
        return list(candidates)
    similarity = asset_vectors @ passage_vectors.T
    best = similarity.argmax(axis=1)
    fields = ("declined", "declined_similarity") if declined else ("passage", "passage_similarity")
    return [replace(c, **dict(zip(fields, (passages[j], float(similarity[i, j])))))
            for i, (c, j) in enumerate(zip(candidates, best))]


def with_need_fit(candidates: Sequence[Candidate], asset_vectors: np.ndarray,
                  evidence: dict[str, np.ndarray]) -> list[Candidate]:
    """Each candidate with how close it is to the evidence of the needs it addresses (best need)."""
    out = []
    for c, vector in zip(candidates, asset_vectors):
        fits = [float((evidence[n] @ vector).max()) for n in c.asset.needs if len(evidence.get(n, ()))]
        out.append(replace(c, need_fit=max(fits, default=0.0)))
    return out
