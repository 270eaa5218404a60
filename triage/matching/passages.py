"""The note's passages (its clauses), and the one closest to each asset: the semantic fit between
what the note says about the person and what the asset offers, quotable as a reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from triage.matching.rank import Candidate
from triage.nlp.notes import ParsedNote

MIN_WORDS = 3


def note_passages(note: ParsedNote) -> list[str]:
    """The clauses of a note long enough to say something about the person."""
    texts = (note.text[start:end].strip() for start, end in note.clauses)
    return [t for t in texts if len(t.split()) >= MIN_WORDS]


def with_closest_passage(candidates: Sequence[Candidate], asset_vectors: np.ndarray,
                         passages: Sequence[str], passage_vectors: np.ndarray) -> list[Candidate]:
    """Each candidate with the passage most similar to it (asset_vectors row-aligned with candidates)."""
    if not passages or not candidates:
        return list(candidates)
    similarity = asset_vectors @ passage_vectors.T
    best = similarity.argmax(axis=1)
    return [replace(c, passage=passages[j], passage_similarity=float(similarity[i, j]))
            for i, (c, j) in enumerate(zip(candidates, best))]


def with_need_fit(candidates: Sequence[Candidate], asset_vectors: np.ndarray,
                  evidence: dict[str, np.ndarray]) -> list[Candidate]:
    """Each candidate with how close it is to the evidence of the needs it addresses (best need)."""
    out = []
    for c, vector in zip(candidates, asset_vectors):
        fits = [float((evidence[n] @ vector).max()) for n in c.asset.needs if len(evidence.get(n, ()))]
        out.append(replace(c, need_fit=max(fits, default=0.0)))
    return out
