"""Saving and loading a trained classifier: a versioned folder with a manifest, never overwritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import joblib

from triage.errors import ModelNotFoundError, TriageError
from triage.nlp.classifier import NeedsClassifier
from triage.nlp.encoder_head import CONFIG as HEAD_CONFIG
from triage.nlp.encoder_head import EncoderHead

WEIGHTS = "classifier.joblib"
MANIFEST = "manifest.json"


def save_model(classifier: NeedsClassifier, folder: Path, manifest: dict[str, Any]) -> Path:
    """Write a new model folder; refuses to overwrite an existing one."""
    if folder.exists() and any(folder.iterdir()):
        raise TriageError(f"model folder '{folder}' already exists; saved models never change, "
                          "choose a new name")
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(classifier, folder / WEIGHTS, compress=3)
    if classifier.head is not None:
        classifier.head.save(folder)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return folder


def load_model(folder: Path) -> tuple[NeedsClassifier, dict[str, Any]]:
    """The classifier and manifest of a model folder (only load folders you trust: joblib)."""
    weights = folder / WEIGHTS
    if not weights.is_file():
        raise ModelNotFoundError(str(folder))
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    classifier = joblib.load(weights)
    if not isinstance(classifier, NeedsClassifier):
        raise TriageError(f"'{weights}' does not hold a NeedsClassifier")
    if (folder / HEAD_CONFIG).is_file():
        classifier.head = EncoderHead.load(folder)
    return classifier, manifest
