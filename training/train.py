"""Train the needs classifier on the train split, tune it on dev, save a new model folder.

The test split is never read here.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from training.corpus import DATA_DIR, LabelledNote, data_hash, label_matrix, load_split
from training.metrics import best_f1_threshold, expected_calibration_error, per_label, recall_threshold, summary
from triage.nlp.bundle import save_model
from triage.nlp.classifier import NeedsClassifier, fit_classifier
from triage.nlp.embedder import Embedder
from triage.nlp.features import FeatureBuilder
from triage.nlp.notes import NoteParser, ParsedNote
from triage.taxonomy import LABELS, RISK_IDS

C_GRID = (1.0, 4.0, 16.0)
RISK_RECALL_TARGET = 0.98
SEED = 0


@dataclass
class Prepared:
    notes: list[ParsedNote]
    embeddings: np.ndarray
    Y: np.ndarray


@dataclass
class TrainResult:
    classifier: NeedsClassifier
    folder: Path | None
    manifest: dict
    dev_table: dict
    dev_summary: dict


def prepare(notes: Sequence[LabelledNote], parser: NoteParser, embedder: Embedder) -> Prepared:
    texts = [n.text for n in notes]
    return Prepared(parser.parse_many(texts), embedder.encode(texts), label_matrix(notes))


def tune_thresholds(Y: np.ndarray, probs: np.ndarray, risk_target: float,
                    rule_fired: np.ndarray | None = None) -> np.ndarray:
    """Best-F1 thresholds for needs; for risk flags the highest threshold whose recall, counting
    the rule net's catches, reaches the target."""
    thresholds = np.zeros(len(LABELS))
    for j, label in enumerate(LABELS):
        if label in RISK_IDS:
            caught = rule_fired[:, j] if rule_fired is not None else np.zeros(len(Y), dtype=bool)
            missed = (Y[:, j] == 1) & ~caught
            scores = np.where(caught, 1.0, probs[:, j])
            thresholds[j] = min(0.5, recall_threshold(Y[:, j], scores, risk_target)) \
                if missed.any() else 0.5
        else:
            thresholds[j] = best_f1_threshold(Y[:, j], probs[:, j])
    return thresholds


def fit_and_tune(train: Prepared, dev: Prepared, *, c_grid: Sequence[float] = C_GRID,
                 risk_target: float = RISK_RECALL_TARGET) -> tuple[NeedsClassifier, float]:
    """Fit for each C, tune thresholds on dev, keep the C with the best dev micro-F1."""
    features = FeatureBuilder().fit(train.notes)
    X_train = features.transform(train.notes, train.embeddings)
    X_dev = features.transform(dev.notes, dev.embeddings)
    best: tuple[float, NeedsClassifier | None, float] = (-1.0, None, 0.0)
    for C in c_grid:
        classifier = fit_classifier(features, X_train, train.Y, C=C, seed=SEED)
        probs = classifier.predict_proba(X_dev)
        classifier.thresholds = tune_thresholds(dev.Y, probs, risk_target, rule_net_matrix(classifier, dev))
        score = summary(dev.Y, (probs >= classifier.thresholds).astype(np.int8))["micro_f1"]
        if score > best[0]:
            best = (score, classifier, C)
    assert best[1] is not None
    return best[1], best[2]


def rule_net_matrix(classifier: NeedsClassifier, data: Prepared) -> np.ndarray:
    fired = np.zeros(data.Y.shape, dtype=bool)
    for row, note in enumerate(data.notes):
        for label in classifier.rule_net(note):
            fired[row, LABELS.index(label)] = True
    return fired


def predict_matrix(classifier: NeedsClassifier, data: Prepared) -> np.ndarray:
    """0/1 predictions with the rule net, exactly as served."""
    P = np.zeros_like(data.Y)
    for row, positives in enumerate(classifier.predict(data.notes, data.embeddings)):
        for score in positives:
            P[row, LABELS.index(score.label)] = 1
    return P


def train(output: Path | None, *, data_dir: Path = DATA_DIR, c_grid: Sequence[float] = C_GRID,
          limit: int | None = None) -> TrainResult:
    """Train, tune on dev and (when output is given) save a new model folder."""
    parser, embedder = NoteParser(), Embedder()
    train_notes, dev_notes = load_split("train", data_dir), load_split("dev", data_dir)
    if limit:
        train_notes, dev_notes = train_notes[:limit], dev_notes[:limit]
    train_data = prepare(train_notes, parser, embedder)
    dev_data = prepare(dev_notes, parser, embedder)
    classifier, C = fit_and_tune(train_data, dev_data, c_grid=c_grid)
    dev_probs = classifier.predict_proba(classifier.features.transform(dev_data.notes, dev_data.embeddings))
    P = predict_matrix(classifier, dev_data)
    dev_summary = summary(dev_data.Y, P) | {"ece": expected_calibration_error(dev_data.Y, dev_probs)}
    manifest = {
        "name": output.name if output else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": _git_commit(),
        "data_hash": data_hash(data_dir),
        "labels": list(LABELS),
        "embedder": embedder.name,
        "params": {"C": C, "c_grid": list(c_grid), "risk_recall_target": RISK_RECALL_TARGET,
                   "seed": SEED, "train_notes": len(train_notes), "dev_notes": len(dev_notes)},
        "thresholds": dict(zip(LABELS, map(float, classifier.thresholds))),
        "dev_metrics": dev_summary,
    }
    folder = save_model(classifier, output, manifest) if output else None
    return TrainResult(classifier, folder, manifest, per_label(dev_data.Y, P), dev_summary)


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
