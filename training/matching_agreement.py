"""How far two independent judges of the matching set agree, beside how far our ranker agrees with
each: the ceiling that nDCG@5 against one judge can reasonably reach (a script, not a test).

    python -m training.matching_agreement

The second judge graded a sample of test referrals blind (the first judge's grades unseen), in
training/data/matching/second_judge.jsonl. A judge's ranking is their grade-2 assets, then grade-1,
ties in a random order; figures are the mean over 200 seeded orders.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from training.evaluate_matching import K, rank_cases
from training.matching_set import MATCHING_SET, load_matching_set, ndcg_at

SECOND_JUDGE = MATCHING_SET.with_name("second_judge.jsonl")
SHUFFLES = 200


def load_grades(path: Path = SECOND_JUDGE) -> dict[str, dict[str, int]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {str(r["id"]): {str(k): int(v) for k, v in r["relevance"].items()} for r in rows}


def judge_ndcg(ranker: Mapping[str, int], judge: Mapping[str, int], rng: random.Random) -> float:
    """nDCG@K of one judge's grades read as a ranking, against another judge's grades."""
    scores = []
    for _ in range(SHUFFLES):
        order = sorted(ranker, key=lambda a: (-ranker[a], rng.random()))
        scores.append(ndcg_at(order, judge, K))
    return float(np.mean(scores))


def main() -> None:
    second = load_grades()
    cases = [c for c in load_matching_set() if c.referral.id in second]
    rng = random.Random(0)
    first = {c.referral.id: dict(c.relevance) for c in cases}
    rankings, _, engine = rank_cases(cases)
    print(f"{len(cases)} test referrals graded by two judges; model {engine.model_name}; nDCG@{K}")
    print(f"  second judge's ranking, scored by the first judge's grades: "
          f"{np.mean([judge_ndcg(second[i], first[i], rng) for i in first]):.3f}")
    print(f"  first judge's ranking, scored by the second judge's grades: "
          f"{np.mean([judge_ndcg(first[i], second[i], rng) for i in first]):.3f}")
    for name in ("ranker", "ranker_gold_needs", "embedding"):
        by_first = np.mean([ndcg_at(r, first[c.referral.id], K) for c, r in zip(cases, rankings[name])])
        by_second = np.mean([ndcg_at(r, second[c.referral.id], K) for c, r in zip(cases, rankings[name])])
        print(f"  {name:<18} scored by the first judge {by_first:.3f}, by the second judge {by_second:.3f}")


if __name__ == "__main__":
    main()
