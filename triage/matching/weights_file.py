"""Ranking weights saved in a model folder (ranking_weights.json), so a model version carries the
weights learnt with it. A folder without the file ranks with the defaults."""

from __future__ import annotations

import json
from pathlib import Path

from triage.errors import TriageError
from triage.matching.rank import FEATURES, RankingWeights

RANKING_FILE = "ranking_weights.json"


def read_ranking_weights(folder: Path) -> RankingWeights:
    path = folder / RANKING_FILE
    if not path.is_file():
        return RankingWeights()
    weights = json.loads(path.read_text(encoding="utf-8")).get("weights", {})
    unknown = sorted(set(weights) - set(FEATURES))
    if unknown:
        raise TriageError(f"'{path}' names unknown ranking features: {', '.join(unknown)}")
    return RankingWeights(**{k: float(v) for k, v in weights.items()})


def write_ranking_weights(folder: Path, weights: RankingWeights, provenance: dict) -> Path:
    """The weights and how they were learnt (counts and figures, never text)."""
    path = folder / RANKING_FILE
    path.write_text(json.dumps({"weights": weights.as_dict(), "provenance": provenance}, indent=2,
                               sort_keys=True) + "\n", encoding="utf-8")
    return path
