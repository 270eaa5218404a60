"""Two baselines measured beside the model: a keyword lexicon and zero-shot embedding similarity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.metrics import best_f1_threshold
from triage.nlp.embedder import Embedder
from triage.nlp.notes import ParsedNote
from triage.taxonomy import LABELS, get


def keyword_predictions(notes: Sequence[ParsedNote]) -> np.ndarray:
    """A label is predicted when any of its lexicon terms appears, whatever the context."""
    P = np.zeros((len(notes), len(LABELS)), dtype=np.int8)
    for row, note in enumerate(notes):
        for hit in note.hits:
            P[row, LABELS.index(hit.label)] = 1
    return P


class ZeroShot:
    """Cosine similarity between a note and each label's name and definition; thresholds from dev."""

    def __init__(self, embedder: Embedder) -> None:
        prompts = [f"{get(label).name}: {get(label).definition}" for label in LABELS]
        self.label_vectors = embedder.encode(prompts)
        self.thresholds = np.full(len(LABELS), 0.3)

    def scores(self, note_vectors: np.ndarray) -> np.ndarray:
        return note_vectors @ self.label_vectors.T

    def tune(self, note_vectors: np.ndarray, Y: np.ndarray) -> ZeroShot:
        S = self.scores(note_vectors)
        self.thresholds = np.array([best_f1_threshold(Y[:, j], S[:, j]) for j in range(len(LABELS))])
        return self

    def predict(self, note_vectors: np.ndarray) -> np.ndarray:
        return (self.scores(note_vectors) >= self.thresholds).astype(np.int8)
