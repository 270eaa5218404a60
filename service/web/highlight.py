"""The note cut into runs of text, each with the needs and risk flags whose evidence covers it."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from triage.schemas import TriageResult


@dataclass(frozen=True)
class Run:
    text: str
    labels: tuple[str, ...]  # need or risk ids, in the order of the result
    risk: bool = False


def highlight(text: str, result: TriageResult | None) -> list[Run]:
    """Runs covering the whole text; a run lies inside the same evidence spans from start to end."""
    if result is None:
        return [Run(text, ())]
    spans = [(e.start, e.end, n.need, False) for n in result.needs for e in n.evidence]
    spans += [(e.start, e.end, r.flag, True) for r in result.risk_flags for e in r.evidence]
    spans = [(max(0, s), min(len(text), e), label, risk) for s, e, label, risk in spans if s < e]
    cuts = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    runs = []
    for start, end in pairwise(cuts):
        covering = [(label, risk) for s, e, label, risk in spans if s <= start and end <= e]
        labels = tuple(dict.fromkeys(label for label, _ in covering))
        runs.append(Run(text[start:end], labels, any(risk for _, risk in covering)))
    return runs
