"""The needs and risk classifier, with evidence.

Two parts: a one-vs-rest logistic regression over context-marked n-grams and lexicon hits
(Platt-calibrated on out-of-fold scores of the training split), and optionally a fine-tuned encoder
with a multi-label head. Their probabilities are averaged and calibrated again on dev, where the
trainer also tunes per-label thresholds. Risk flags also fire on an affirmed rule-net phrase ('suicidal',
'coercive control'), so a phrase the model underweights still reaches a human (recall first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from triage.nlp.encoder_head import EncoderHead
from triage.nlp.features import FeatureBuilder
from triage.nlp.notes import ParsedNote
from triage.schemas import Evidence
from triage.taxonomy import LABELS, RISK_IDS

RULE_NET_CONTEXTS = ("", "his_")  # past attempts count as relevant history


@dataclass(frozen=True)
class LabelScore:
    label: str
    score: float
    evidence: tuple[Evidence, ...]


@dataclass
class NeedsClassifier:
    features: FeatureBuilder
    coef: np.ndarray  # (labels, features)
    intercept: np.ndarray  # (labels,)
    platt: np.ndarray  # (labels, 2): p = sigmoid(a * z + b)
    thresholds: np.ndarray  # (labels,)
    labels: tuple[str, ...] = LABELS
    head: EncoderHead | None = None  # saved beside the pickle, not in it
    head_weight: float = 0.0
    final_platt: np.ndarray | None = None  # (labels, 2) on the logit of the blend

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "head"} | {"head": None}

    def decision(self, X: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def predict_proba(self, X: sparse.csr_matrix) -> np.ndarray:
        """The calibrated probabilities of the n-gram model alone."""
        return _sigmoid(self.platt[:, 0] * self.decision(X) + self.platt[:, 1])

    def probabilities(self, notes: Sequence[ParsedNote], embeddings: np.ndarray | None = None) -> np.ndarray:
        """The served, calibrated probabilities: the blend of both parts when a head is present."""
        probs = self.predict_proba(self.features.transform(notes, embeddings))
        if self.head is None or self.head_weight == 0.0:
            return probs
        mixed = blend(self.head.predict_proba([n.marked for n in notes]), probs, self.head_weight)
        return mixed if self.final_platt is None else calibrate(self.final_platt, mixed)

    def predict(self, notes: Sequence[ParsedNote], embeddings: np.ndarray | None = None,
                *, probs: np.ndarray | None = None) -> list[list[LabelScore]]:
        """Positive labels per note, highest score first, each with its evidence."""
        probs = self.probabilities(notes, embeddings) if probs is None else probs
        return [self._positives(note, row) for note, row in zip(notes, probs)]

    def rule_net(self, note: ParsedNote) -> dict[str, list[Evidence]]:
        fired: dict[str, list[Evidence]] = {}
        for hit in note.hits:
            if hit.strong and hit.label in RISK_IDS and hit.context in RULE_NET_CONTEXTS:
                fired.setdefault(hit.label, []).append(
                    Evidence(start=hit.start, end=hit.end, text=note.text[hit.start:hit.end]))
        return fired

    def _positives(self, note: ParsedNote, probs: np.ndarray) -> list[LabelScore]:
        fired = self.rule_net(note)
        chosen = [i for i, label in enumerate(self.labels)
                  if probs[i] >= self.thresholds[i] or label in fired]
        if not chosen:
            return []
        evidence = self._clause_evidence(note, chosen)
        out = []
        for i in chosen:
            label = self.labels[i]
            spans = fired.get(label, []) + [e for e in evidence[i] if not _inside(e, fired.get(label, []))]
            out.append(LabelScore(label, float(probs[i]), tuple(spans[:3])))
        return sorted(out, key=lambda s: -s.score)

    def evidence_for(self, note: ParsedNote, labels: Sequence[str]) -> dict[str, list[Evidence]]:
        """The clauses that support each label most, whatever its score (for needs a link worker gave)."""
        chosen = [self.labels.index(label) for label in labels]
        return {self.labels[i]: spans for i, spans in self._clause_evidence(note, chosen).items()}

    def _clause_evidence(self, note: ParsedNote, chosen: list[int]) -> dict[int, list[Evidence]]:
        """The clauses that pushed each chosen label up most (lexical contribution)."""
        if not note.clauses:
            return {i: [] for i in chosen}
        lexical = self.features.clause_lexical(note)
        width = self.features.lexical_width
        contributions = np.asarray(lexical @ self.coef[chosen, :width].T)  # (clauses, chosen)
        out = {}
        for col, i in enumerate(chosen):
            order = np.argsort(-contributions[:, col])
            best = contributions[order[0], col]
            picks = [c for c in order[:2] if contributions[c, col] > 0 and contributions[c, col] >= best / 2] \
                or [int(order[0])]
            out[i] = [_clause_span(note, c) for c in sorted(picks)]
        return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def blend(head: np.ndarray, ngram: np.ndarray, head_weight: float) -> np.ndarray:
    """The two parts' probabilities mixed, the encoder head with its share."""
    return head_weight * head + (1 - head_weight) * ngram


def calibrate(platt: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Probabilities through per-label Platt scaling on their logits (see platt_fit)."""
    return _sigmoid(platt[:, 0] * _logit(probs) + platt[:, 1])


def platt_fit(probs: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per-label Platt scaling on the logit of probabilities (a, b for each label)."""
    out = np.zeros((Y.shape[1], 2))
    for j in range(Y.shape[1]):
        model = LogisticRegression(C=1e4).fit(_logit(probs[:, j]).reshape(-1, 1), Y[:, j])
        out[j] = model.coef_[0, 0], model.intercept_[0]
    return out


def _clause_span(note: ParsedNote, index: int) -> Evidence:
    start, end = note.clauses[index]
    return Evidence(start=start, end=end, text=note.text[start:end])


def _inside(span: Evidence, others: list[Evidence]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def fit_classifier(features: FeatureBuilder, X: sparse.csr_matrix, Y: np.ndarray, *,
                   C: float = 4.0, folds: int = 5, seed: int = 0,
                   weights: np.ndarray | None = None) -> NeedsClassifier:
    """Fit one logistic regression per label and Platt-calibrate it on out-of-fold scores. `weights`
    (notes x labels) weighs each note's label; a note with weight 0 for a label is left out of it."""
    n_labels = Y.shape[1]
    coef = np.zeros((n_labels, X.shape[1]), dtype=np.float64)
    intercept = np.zeros(n_labels)
    platt = np.zeros((n_labels, 2))
    for j in range(n_labels):
        rows = np.flatnonzero(weights[:, j] > 0) if weights is not None else np.arange(X.shape[0])
        w = weights[rows, j] if weights is not None else None
        Xj, yj = X[rows], Y[rows, j]
        model = _logreg(C, seed).fit(Xj, yj, sample_weight=w)
        coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        oof = _out_of_fold(Xj, yj, C, folds, seed, w)
        calibrator = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), yj, sample_weight=w)
        platt[j] = calibrator.coef_[0, 0], calibrator.intercept_[0]
    return NeedsClassifier(features, coef, intercept, platt, np.full(n_labels, 0.5))


def _logreg(C: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=C, solver="liblinear", class_weight="balanced", random_state=seed,
                              max_iter=2000)


def _out_of_fold(X: sparse.csr_matrix, y: np.ndarray, C: float, folds: int, seed: int,
                 weights: np.ndarray | None = None) -> np.ndarray:
    oof = np.zeros(len(y))
    for train, held in KFold(folds, shuffle=True, random_state=seed).split(X):
        model = _logreg(C, seed).fit(X[train], y[train],
                                     sample_weight=None if weights is None else weights[train])
        oof[held] = model.decision_function(X[held])
    return oof
