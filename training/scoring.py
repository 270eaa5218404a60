"""Scoring a classifier on labelled notes, exactly as served (rule net included): the figures the
promotion gate compares."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from training.corpus import LabelledNote
from training.metrics import per_label, summary
from triage.nlp.classifier import NeedsClassifier
from triage.nlp.embedder import Embedder
from triage.nlp.notes import NoteParser
from triage.taxonomy import NEED_IDS

if TYPE_CHECKING:
    from training.train import Prepared


_PREPARED: dict[tuple[str, bool], Prepared] = {}  # parsed notes, kept for the next model scored on them


def prepared(notes: Sequence[LabelledNote], parser: NoteParser, embeddings: bool) -> Prepared:
    """The notes parsed (and embedded when asked), once per process for the same notes."""
    from training.train import prepare

    digest = hashlib.sha256("\x00".join(f"{n.id}\x01{n.text}\x01{n.labels}" for n in notes).encode()).hexdigest()
    key = (digest, embeddings)
    if key not in _PREPARED:
        if len(_PREPARED) >= 4:
            _PREPARED.pop(next(iter(_PREPARED)))
        _PREPARED[key] = prepare(list(notes), parser, Embedder() if embeddings else None)
    return _PREPARED[key]


def scores(classifier: NeedsClassifier, notes: Sequence[LabelledNote], parser: NoteParser) -> dict[str, float]:
    """micro / macro F1 over needs and recall / precision of risk flags."""
    from training.train import predict_matrix

    data = prepared(notes, parser, classifier.features.uses_embeddings)
    return summary(data.Y, predict_matrix(classifier, data))


def needs_scores(classifier: NeedsClassifier, notes: Sequence[LabelledNote], parser: NoteParser) -> dict[str, float]:
    """micro-F1 over needs and macro-F1 over the needs present in the notes (for feedback, whose risk flags
    are not reviewed)."""
    from training.train import predict_matrix

    data = prepared(notes, parser, classifier.features.uses_embeddings)
    table = per_label(data.Y, predict_matrix(classifier, data))
    present = [table[n] for n in NEED_IDS if table[n]["support"] > 0]
    tp, fp, fn = (sum(table[n][k] for n in NEED_IDS) for k in ("tp", "fp", "fn"))
    return {"notes": float(len(notes)), "corrections": float(fp + fn), "micro_f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
            "macro_f1": float(np.mean([r["f1"] for r in present])) if present else 0.0}
