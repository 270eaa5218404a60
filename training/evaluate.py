"""`triage evaluate`: the model beside two baselines on one split, per label, per group, hard cases."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.baselines import ZeroShot, keyword_predictions
from training.corpus import DATA_DIR, STYLES, LabelledNote, load_split
from training.metrics import expected_calibration_error, per_label, summary
from training.train import prepare, predict_matrix
from triage.nlp.bundle import load_model
from triage.nlp.embedder import Embedder
from triage.nlp.notes import NoteParser
from triage.settings import default_model_dir
from triage.taxonomy import LABELS


@dataclass
class Evaluation:
    split: str
    model: str
    n: int
    tables: dict[str, dict]  # system -> per-label table
    summaries: dict[str, dict]  # system -> summary
    groups: dict[str, dict]  # "style:x" / "source:y" / "hard" -> {"n", "micro_f1"}


def evaluate(split: str = "test", model_dir: Path | None = None, *, data_dir: Path = DATA_DIR) -> Evaluation:
    model_dir = model_dir or default_model_dir()
    classifier, _ = load_model(model_dir)
    parser, embedder = NoteParser(), Embedder()
    notes = load_split(split, data_dir)
    data = prepare(notes, parser, embedder)
    dev = prepare(load_split("dev", data_dir), parser, embedder) if split != "dev" else data
    probs = classifier.probabilities(data.notes, data.embeddings)
    predictions = {
        "model": predict_matrix(classifier, data, probs=probs),
        "keyword": keyword_predictions(data.notes),
        "zero_shot": ZeroShot(embedder).tune(dev.embeddings, dev.Y).predict(data.embeddings),
    }
    summaries = {name: summary(data.Y, P) for name, P in predictions.items()}
    summaries["model"]["ece"] = expected_calibration_error(data.Y, probs)
    return Evaluation(split, model_dir.name, len(notes),
                      {name: per_label(data.Y, P) for name, P in predictions.items()}, summaries,
                      group_scores(notes, data.Y, predictions["model"]))


def group_scores(notes: list[LabelledNote], Y: np.ndarray, P: np.ndarray) -> dict[str, dict]:
    members: dict[str, list[int]] = defaultdict(list)
    for i, note in enumerate(notes):
        members[f"style:{note.style}"].append(i)
        members[f"source:{note.source}"].append(i)
        if note.hard:
            members["hard"].append(i)
    return {name: {"n": len(rows), "micro_f1": summary(Y[rows], P[rows])["micro_f1"]}
            for name, rows in sorted(members.items())}


def render(ev: Evaluation) -> str:
    """The evaluation as a plain-text report."""
    systems = list(ev.tables)
    lines = [f"split {ev.split}: {ev.n} notes; model {ev.model}", "",
             f"{'label':22s}{'support':>8s}  " + "  ".join(f"{s + ' P/R/F1':>22s}" for s in systems)]
    for label in LABELS:
        cells = [f"{ev.tables[s][label]['precision']:.2f}/{ev.tables[s][label]['recall']:.2f}/"
                 f"{ev.tables[s][label]['f1']:.2f}" for s in systems]
        lines.append(f"{label:22s}{ev.tables[systems[0]][label]['support']:>8d}  " +
                     "  ".join(f"{c:>22s}" for c in cells))
    lines.append("")
    keys = ["micro_f1", "macro_f1", "micro_precision", "micro_recall", "risk_recall", "risk_precision",
            "self_harm_recall", "self_harm_precision", "harm_from_others_recall", "harm_from_others_precision"]
    for key in keys:
        lines.append(f"{key:28s}" + "  ".join(f"{s}={ev.summaries[s].get(key, 0):.3f}" for s in systems))
    lines.append(f"{'ece':28s}model={ev.summaries['model']['ece']:.3f}")
    gain = ev.summaries["model"]["micro_f1"] - ev.summaries["keyword"]["micro_f1"]
    lines.append(f"{'micro_f1 gain over keyword':28s}{gain:+.3f}")
    lines += ["", "micro-F1 by group (model):"]
    ordered = [f"style:{s}" for s in STYLES] + ["hard"] + sorted(k for k in ev.groups if k.startswith("source:"))
    for name in ordered:
        if name in ev.groups:
            lines.append(f"  {name:32s} n={ev.groups[name]['n']:4d}  micro_f1={ev.groups[name]['micro_f1']:.3f}")
    return "\n".join(lines)
