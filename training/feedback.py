"""Reading a feedback export for training: validated line by line, split into the part trained on and
the holdout (fixed by referral key) that models are compared on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter, ValidationError

from training.corpus import LabelledNote
from triage.errors import InputError
from triage.feedback.schemas import FeedbackLine, NeedsFeedback, SuggestionFeedback, in_holdout
from triage.taxonomy import LABELS, NEED_IDS

_LINE = TypeAdapter(FeedbackLine)


@dataclass(frozen=True)
class Feedback:
    path: Path
    sha256: str
    needs: list[NeedsFeedback]
    suggestions: list[SuggestionFeedback]

    def part(self, *, holdout: bool) -> Feedback:
        """The lines of the held-out referrals (chosen by note text), or of the others."""
        held = {n.key for n in self.needs if in_holdout(n.text)}
        return Feedback(self.path, self.sha256, [n for n in self.needs if (n.key in held) == holdout],
                        [s for s in self.suggestions if (s.key in held) == holdout])

    def counts(self) -> dict[str, int]:
        return {"notes": len(self.needs), "corrected": sum(n.corrected for n in self.needs),
                "decisions": len(self.suggestions),
                "accepted": sum(s.decision == "accepted" for s in self.suggestions)}


def load_feedback(path: Path) -> Feedback:
    """Every line of an export, or an InputError naming the first bad line."""
    if not path.is_file():
        raise InputError("feedback", f"no feedback file at '{path}'; write one with `triage export-feedback --output`")
    raw = path.read_bytes()
    needs, suggestions = [], []
    for number, line in enumerate(raw.decode("utf-8", errors="strict").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = _LINE.validate_python(json.loads(line))
        except json.JSONDecodeError as e:
            raise InputError("feedback", f"{path.name} line {number}: not JSON ({e.msg})") from e
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError("feedback", f"{path.name} line {number}: {where}: {first['msg']}") from e
        (needs if isinstance(item, NeedsFeedback) else suggestions).append(item)
    return Feedback(path, hashlib.sha256(raw).hexdigest()[:16], needs, suggestions)


def feedback_notes(rows: list[NeedsFeedback]) -> list[LabelledNote]:
    """Reviewed notes as labelled notes: the needs after review are the labels. Link workers do not
    review risk flags here, so their columns carry no label (see `label_weights`)."""
    return [LabelledNote(id=f"feedback-{r.key}", text=r.text, needs=tuple(r.needs), risk_flags=(),
                         source=r.source, style="feedback", hard=(), ruled_out=tuple(r.removed)) for r in rows]


def label_weights(n_corpus: int, n_feedback: int, weight: float) -> np.ndarray:
    """Per note and label: corpus notes 1; feedback notes `weight` on needs and 0 on risk flags (not
    reviewed, so not known)."""
    W = np.ones((n_corpus + n_feedback, len(LABELS)))
    need_columns = np.array([label in NEED_IDS for label in LABELS])
    W[n_corpus:, need_columns] = weight
    W[n_corpus:, ~need_columns] = 0.0
    return W
