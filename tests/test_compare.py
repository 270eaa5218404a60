"""Paired bootstrap intervals on the difference between two models' predictions."""

import numpy as np

from training.compare import paired_bootstrap
from triage.taxonomy import LABELS


def _labels(rng: np.random.Generator, n: int = 300) -> np.ndarray:
    return (rng.random((n, len(LABELS))) < 0.25).astype(np.int8)


def test_identical_predictions_differ_by_nothing():
    Y = _labels(np.random.default_rng(1))
    P = Y.copy()
    P[::7] = 1 - P[::7]
    for diff, low, high in paired_bootstrap(Y, P, P, resamples=50).values():
        assert diff == low == high == 0.0


def test_a_model_that_fixes_errors_is_better_with_an_interval_above_zero():
    rng = np.random.default_rng(2)
    Y = _labels(rng)
    old = Y.copy()
    wrong = rng.random(Y.shape) < 0.15
    old[wrong] = 1 - old[wrong]
    new = Y.copy()
    still_wrong = wrong & (rng.random(Y.shape) < 0.5)
    new[still_wrong] = 1 - new[still_wrong]
    result = paired_bootstrap(Y, new, old, resamples=200)
    for figure in ("micro_f1", "macro_f1", "risk_precision"):
        diff, low, high = result[figure]
        assert 0 < low <= diff <= high, figure
    assert paired_bootstrap(Y, old, new, resamples=200)["micro_f1"][2] < 0
