"""Multi-label metrics: per-label precision / recall / F1, micro and macro averages, calibration."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from triage.taxonomy import LABELS, NEED_IDS, RISK_IDS


def per_label(Y: np.ndarray, P: np.ndarray, labels: Sequence[str] = LABELS) -> dict[str, dict]:
    out = {}
    for j, label in enumerate(labels):
        tp = int((Y[:, j] & P[:, j]).sum())
        fp = int(((1 - Y[:, j]) & P[:, j]).sum())
        fn = int((Y[:, j] & (1 - P[:, j])).sum())
        out[label] = {"precision": _div(tp, tp + fp), "recall": _div(tp, tp + fn),
                      "f1": _div(2 * tp, 2 * tp + fp + fn), "support": int(Y[:, j].sum()),
                      "tp": tp, "fp": fp, "fn": fn}
    return out


def summary(Y: np.ndarray, P: np.ndarray, labels: Sequence[str] = LABELS) -> dict[str, float]:
    """micro / macro F1 over needs, and recall / precision per risk flag."""
    table = per_label(Y, P, labels)
    needs = [table[n] for n in NEED_IDS if n in table]
    tp, fp, fn = (sum(r[k] for r in needs) for k in ("tp", "fp", "fn"))
    out = {"micro_f1": _div(2 * tp, 2 * tp + fp + fn),
           "macro_f1": float(np.mean([r["f1"] for r in needs])),
           "micro_precision": _div(tp, tp + fp), "micro_recall": _div(tp, tp + fn)}
    risks = [table[r] for r in RISK_IDS if r in table]
    if risks:
        rtp, rfp, rfn = (sum(r[k] for r in risks) for k in ("tp", "fp", "fn"))
        out["risk_recall"] = _div(rtp, rtp + rfn)
        out["risk_precision"] = _div(rtp, rtp + rfp)
        for r in RISK_IDS:
            out[f"{r}_recall"] = table[r]["recall"]
            out[f"{r}_precision"] = table[r]["precision"]
    return out


def expected_calibration_error(Y: np.ndarray, probs: np.ndarray, bins: int = 10) -> float:
    """ECE over every (note, label) probability."""
    y, p = Y.ravel().astype(float), probs.ravel()
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if mask.any():
            total += mask.mean() * abs(y[mask].mean() - p[mask].mean())
    return float(total)


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    grid = np.unique(np.round(p, 4))
    best, best_t = -1.0, 0.5
    for t in grid:
        pred = p >= t
        tp = int((pred & (y == 1)).sum())
        f1 = _div(2 * tp, int(pred.sum()) + int(y.sum()))
        if f1 > best:
            best, best_t = f1, float(t)
    return best_t


def recall_threshold(y: np.ndarray, p: np.ndarray, target: float) -> float:
    """The highest threshold whose recall reaches target."""
    positives = np.sort(p[y == 1])
    if len(positives) == 0:
        return 0.5
    allowed_misses = int(np.floor((1 - target) * len(positives)))
    return float(positives[allowed_misses]) - 1e-6


def _div(a: float, b: float) -> float:
    return float(a) / b if b else 0.0


def confusion_summary(Y: np.ndarray, P: np.ndarray, labels: Sequence[str] = LABELS,
                      top: int = 15) -> list[dict]:
    """The most frequent confusions: a gold label missed in a note where another label was wrongly
    predicted (counted per note and pair)."""
    counts: dict[tuple[str, str], int] = {}
    for y, p in zip(Y, P):
        missed = [labels[j] for j in np.where((y == 1) & (p == 0))[0]]
        extra = [labels[j] for j in np.where((y == 0) & (p == 1))[0]]
        for m in missed:
            for e in extra:
                counts[(m, e)] = counts.get((m, e), 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:top]
    return [{"missed": m, "predicted_instead": e, "notes": n} for (m, e), n in ranked]
