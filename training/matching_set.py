"""The matching set: hand-made referrals with graded relevance against the demo directory, and the
ranking metrics measured on it (nDCG@k, hit@k, precision@k)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from triage.errors import ImportRejected, InputError, describe_validation_error
from triage.matching.rank import eligibility_problem
from triage.schemas import Asset, ReferralIn, need_ids

MATCHING_SET = Path(__file__).resolve().parent / "data" / "matching" / "matching_set.jsonl"
DEV_SHARE = 0.3  # a fixed third of the cases for tuning the ranker; the rest is never tuned on


@dataclass(frozen=True)
class MatchingCase:
    referral: ReferralIn  # as a referrer sends it: no needs
    gold_needs: tuple[str, ...]
    relevance: Mapping[str, int]  # asset id -> 2 (fits the person) or 1 (weaker fit); others 0

    @property
    def split(self) -> str:
        return case_split(self.referral.id)

    def with_gold_needs(self) -> ReferralIn:
        return self.referral.model_copy(update={"needs": list(self.gold_needs)})


def case_split(case_id: str) -> str:
    """'dev' or 'test', fixed by a hash of the id."""
    digest = int(hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:8], 16)
    return "dev" if digest / 0xFFFFFFFF < DEV_SHARE else "test"


def load_matching_set(path: Path = MATCHING_SET) -> list[MatchingCase]:
    """Every line validated: a referral, known gold needs, grades 1 or 2, ids unique."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot read: {e}") from e
    cases: list[MatchingCase] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            cases.append(_parse_case(line, f"{path.name} line {number}", {c.referral.id for c in cases}))
    return cases


def _parse_case(line: str, where: str, seen: set[str]) -> MatchingCase:
    try:
        raw = json.loads(line)
        gold = tuple(need_ids(list(raw.pop("needs"))))
        relevance = {str(k): int(v) for k, v in dict(raw.pop("relevance")).items()}
        referral = ReferralIn.model_validate(raw)
    except ValidationError as e:
        raise InputError(where, describe_validation_error(e.errors()[0])) from e
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(where, str(e) or type(e).__name__) from e
    if referral.id in seen or not referral.id:
        raise InputError(where, f"id '{referral.id}' is missing or repeats an earlier case")
    if any(grade not in (1, 2) for grade in relevance.values()):
        raise InputError(where, "relevance grades must be 1 or 2 (unlisted assets are 0)")
    return MatchingCase(referral, gold, relevance)


def check_judgements(cases: Sequence[MatchingCase], assets: Mapping[str, Asset]) -> None:
    """Every graded asset exists in the directory and the person is eligible for it."""
    errors = []
    for case in cases:
        for asset_id in case.relevance:
            if asset_id not in assets:
                errors.append(InputError(f"case {case.referral.id}", f"unknown asset '{asset_id}'"))
            elif problem := eligibility_problem(assets[asset_id], case.referral):
                errors.append(InputError(f"case {case.referral.id}", f"'{asset_id}' graded but {problem}"))
    if errors:
        raise ImportRejected(errors)


def dcg(gains: Sequence[int]) -> float:
    """Discounted cumulative gain with exponential gain (2^grade - 1)."""
    return sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def ndcg_at(ranked: Sequence[str], relevance: Mapping[str, int], k: int = 5) -> float:
    """Exponential gain, log2 discount; the ideal ranking is the best k judged assets."""
    ideal = dcg(sorted(relevance.values(), reverse=True)[:k])
    return dcg([relevance.get(a, 0) for a in ranked[:k]]) / ideal if ideal else 0.0


def hit_at(ranked: Sequence[str], relevance: Mapping[str, int], k: int = 5) -> float:
    """1 when a grade-2 asset (addresses a need and fits the person) is in the top k."""
    return float(any(relevance.get(a, 0) == 2 for a in ranked[:k]))


def precision_at(ranked: Sequence[str], relevance: Mapping[str, int], k: int = 5) -> float:
    """Share of the top k that is relevant (grade 1 or 2)."""
    return sum(relevance.get(a, 0) > 0 for a in ranked[:k]) / k
