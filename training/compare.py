"""Two model folders on the same notes, with paired bootstrap intervals on their differences.

    python -m training.compare NEW OLD [--split test] [--resamples 1000]

Both models predict every note of the split once; the notes are then resampled with replacement and
each figure's difference (NEW minus OLD) is recomputed on the same resample for both, so the interval
reflects how much the difference depends on which notes happen to be in the split.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from training.corpus import DATA_DIR, load_split
from training.metrics import summary
from training.train import predict_matrix, prepare
from triage.nlp.bundle import load_model
from triage.nlp.embedder import Embedder
from triage.nlp.notes import NoteParser

FIGURES = ("micro_f1", "macro_f1", "risk_recall", "risk_precision")


def paired_bootstrap(Y: np.ndarray, new: np.ndarray, old: np.ndarray, *, resamples: int = 1000,
                     seed: int = 0) -> dict[str, tuple[float, float, float]]:
    """Per figure: the difference on all notes and its 95% interval over paired resamples."""
    rng = np.random.default_rng(seed)
    observed = _differences(Y, new, old)
    draws = {k: [] for k in FIGURES}
    for _ in range(resamples):
        rows = rng.integers(0, len(Y), len(Y))
        for k, v in _differences(Y[rows], new[rows], old[rows]).items():
            draws[k].append(v)
    return {k: (observed[k], *np.percentile(draws[k], [2.5, 97.5])) for k in FIGURES}


def _differences(Y: np.ndarray, new: np.ndarray, old: np.ndarray) -> dict[str, float]:
    a, b = summary(Y, new), summary(Y, old)
    return {k: a[k] - b[k] for k in FIGURES}


def predictions(model_dirs: list[Path], split: str, data_dir: Path = DATA_DIR) -> tuple[np.ndarray, list[np.ndarray]]:
    """The split's label matrix and each model's predictions (thresholds and rule net applied); the notes
    are parsed once for all models."""
    classifiers = [load_model(folder)[0] for folder in model_dirs]
    embedder = Embedder() if any(c.features.uses_embeddings for c in classifiers) else None
    data = prepare(load_split(split, data_dir), NoteParser(), embedder)
    return data.Y, [predict_matrix(c, data, probs=c.probabilities(data.notes, data.embeddings)) for c in classifiers]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("new", type=Path)
    args.add_argument("old", type=Path)
    args.add_argument("--split", default="test")
    args.add_argument("--resamples", type=int, default=1000)
    opts = args.parse_args()
    Y, (new, old) = predictions([opts.new, opts.old], opts.split)
    print(f"{opts.new.name} minus {opts.old.name} on {opts.split} ({len(Y)} notes, {opts.resamples} paired resamples)")
    for figure, (diff, low, high) in paired_bootstrap(Y, new, old, resamples=opts.resamples).items():
        print(f"  {figure:15s} {diff:+.3f}  95% interval {low:+.3f} to {high:+.3f}")


if __name__ == "__main__":
    main()
