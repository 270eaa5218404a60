"""Ranking weights learnt from link workers' decisions: a logistic regression of accepted (1) against
rejected (0) over the ranking features the suggestion was shown with, shrunk towards the current weights
while decisions are few. Each weight stays a readable 'how much this feature counts', and keeps its
direction: a coefficient that would make a feature count against its meaning is clipped to 0."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from triage.feedback.schemas import SuggestionFeedback
from triage.matching.rank import FEATURES, RankingWeights

MIN_EACH = 5  # decisions of each kind before anything is learnt
PRIOR_DECISIONS = 200  # how many decisions the current weights count as


@dataclass(frozen=True)
class LearntWeights:
    weights: RankingWeights
    provenance: dict  # counts, coefficients, shrinkage: no text


def decisions_matrix(rows: list[SuggestionFeedback]) -> tuple[np.ndarray, np.ndarray]:
    usable = [r for r in rows if r.features]
    X = np.array([[r.features.get(f, 0.0) for f in FEATURES] for r in usable]).reshape(len(usable), len(FEATURES))
    return X, np.array([r.decision == "accepted" for r in usable], dtype=int)


def learn_ranking_weights(rows: list[SuggestionFeedback], prior: RankingWeights) -> LearntWeights:
    """New weights, or the prior unchanged (and why) when there are too few decisions of either kind."""
    X, y = decisions_matrix(rows)
    accepted, rejected = int(y.sum()), int(len(y) - y.sum())
    info: dict = {"decisions": len(y), "accepted": accepted, "rejected": rejected}
    if accepted < MIN_EACH or rejected < MIN_EACH:
        return LearntWeights(prior, info | {"learnt": False,
                                            "why": f"fewer than {MIN_EACH} accepted or rejected decisions"})
    model = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)
    base = prior.as_dict()
    raw = dict(zip(FEATURES, model.coef_[0]))
    # a feature never counts against its meaning ('declined' only ever weighs against, the others only for)
    coef = {f: min(c, 0.0) if base[f] < 0 else max(c, 0.0) for f, c in raw.items()}
    varies = {f: bool(np.ptp(X[:, i]) > 0) for i, f in enumerate(FEATURES)}
    informative = [f for f in FEATURES if varies[f]]
    scale = sum(abs(base[f]) for f in informative) / max(sum(abs(coef[f]) for f in informative), 1e-9)
    share = len(y) / (len(y) + PRIOR_DECISIONS)
    weights = {f: round((1 - share) * base[f] + share * coef[f] * scale, 4) if varies[f] else base[f]
               for f in FEATURES}
    return LearntWeights(RankingWeights(**weights), info | {
        "learnt": True, "share_learnt": round(share, 4), "coefficients": {f: round(float(c), 4) for f, c in raw.items()},
        "sign_clipped": [f for f in FEATURES if coef[f] != raw[f]],
        "constant_features": [f for f in FEATURES if not varies[f]]})


def decision_auc(rows: list[SuggestionFeedback], weights: RankingWeights) -> float | None:
    """How well the weighted score separates accepted from rejected suggestions (None without both)."""
    X, y = decisions_matrix(rows)
    if len(set(y.tolist())) < 2:
        return None
    w = np.array([weights.as_dict()[f] for f in FEATURES])
    return float(roc_auc_score(y, X @ w))
