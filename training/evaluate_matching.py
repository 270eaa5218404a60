"""`triage evaluate-matching`: our ranker, end to end and with the gold needs, beside TF-IDF keyword
search and plain embedding similarity, all measured in the same run on the matching set."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from training.matching_set import (MATCHING_SET, MatchingCase, check_judgements, hit_at,
                                   load_matching_set, ndcg_at, precision_at)
from triage.engine import Triage
from triage.matching.rank import eligibility_problem
from triage.schemas import Asset, ReferralIn
from triage.settings import DEMO_ASSETS, Settings

K = 5
SYSTEMS = ("ranker", "ranker_gold_needs", "tfidf", "embedding")
Ranking = Callable[[Sequence[ReferralIn]], list[list[str]]]


@dataclass
class MatchingEvaluation:
    model: str
    n: int
    splits: dict[str, int]
    params: dict[str, str] = field(default_factory=dict)
    scores: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # split -> system -> metric

    def metrics(self) -> dict[str, float]:
        """Flat figures for MLflow: '<split>.<system>.<metric>'."""
        return {f"{split}.{system}.{metric}": value for split, systems in self.scores.items()
                for system, figures in systems.items() for metric, value in figures.items()}


def rank_cases(cases: list[MatchingCase], model_dir: Path | None = None
               ) -> tuple[dict[str, list[list[str]]], list[Asset], Triage]:
    """Each system's top K for every case, against a fresh copy of the demo directory."""
    with tempfile.TemporaryDirectory(prefix="triage-matching-") as home:
        engine = Triage(Settings(home=Path(home), model_dir=model_dir, seed_demo=True))
        assets = [s.asset for s in engine.catalogue.repository.all()]
        check_judgements(cases, {a.id: a for a in assets})
        rankings = {name: system([c.referral for c in cases])
                    for name, system in systems(engine, assets, cases).items()}
    return rankings, assets, engine


def evaluate_matching(model_dir: Path | None = None, *, path: Path = MATCHING_SET) -> MatchingEvaluation:
    """Rank every case with each system and score them, on all cases, dev and test."""
    cases = load_matching_set(path)
    rankings, assets, engine = rank_cases(cases, model_dir)
    by_id = {a.id: a for a in assets}
    params = {"model": engine.model_name, "matching_set_sha256": file_hash(path),
              "directory_sha256": file_hash(DEMO_ASSETS), "k": str(K)} | \
        {f"weight_{k}": str(v) for k, v in engine.ranking_weights.as_dict().items()}
    result = MatchingEvaluation(engine.model_name, len(cases),
                                {s: sum(c.split == s for c in cases) for s in ("dev", "test")}, params)
    for split in ("all", "dev", "test"):
        rows = [i for i, c in enumerate(cases) if split in ("all", c.split)]
        result.scores[split] = {name: score([cases[i] for i in rows], [ranked[i] for i in rows], by_id)
                                for name, ranked in rankings.items()}
    return result


def systems(engine: Triage, assets: list[Asset], cases: list[MatchingCase]) -> dict[str, Ranking]:
    """The four rankers compared: ours from the text, ours with the gold needs, TF-IDF, embeddings."""
    gold = {c.referral.id: c.with_gold_needs() for c in cases}

    def ranker(referrals: Sequence[ReferralIn]) -> list[list[str]]:
        return [[s.asset_id for s in r.suggestions] for r in engine.match(referrals, top=K)]

    def ranker_gold(referrals: Sequence[ReferralIn]) -> list[list[str]]:
        return ranker([gold[r.id] for r in referrals])

    documents = [a.document for a in assets]
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2)).fit(documents)
    asset_terms = tfidf.transform(documents)
    asset_vectors = engine.embedder.encode(documents)

    def by_similarity(similarity: np.ndarray) -> list[list[str]]:
        return [[assets[j].id for j in np.argsort(-row, kind="stable")[:K]] for row in similarity]

    def keyword(referrals: Sequence[ReferralIn]) -> list[list[str]]:
        return by_similarity((tfidf.transform([r.text for r in referrals]) @ asset_terms.T).toarray())

    def embedding(referrals: Sequence[ReferralIn]) -> list[list[str]]:
        return by_similarity(engine.embedder.encode([r.text for r in referrals]) @ asset_vectors.T)

    return {"ranker": ranker, "ranker_gold_needs": ranker_gold, "tfidf": keyword, "embedding": embedding}


def score(cases: list[MatchingCase], ranked: list[list[str]], assets: dict[str, Asset]) -> dict[str, float]:
    """Mean nDCG@K, hit@K and precision@K, and the count of ineligible assets suggested."""
    ineligible = sum(eligibility_problem(assets[a], c.referral) is not None
                     for c, ids in zip(cases, ranked) for a in ids[:K])
    return {f"ndcg@{K}": _mean(ndcg_at(r, c.relevance, K) for c, r in zip(cases, ranked)),
            f"hit@{K}": _mean(hit_at(r, c.relevance, K) for c, r in zip(cases, ranked)),
            f"precision@{K}": _mean(precision_at(r, c.relevance, K) for c, r in zip(cases, ranked)),
            "ineligible_suggested": float(ineligible)}


def render(result: MatchingEvaluation) -> str:
    """The figures as a table per split, with the ratio to the better baseline."""
    lines = [(f"matching set: {result.n} referrals (dev {result.splits['dev']}, test {result.splits['test']}); "
              f"model {result.model}; demo directory")]
    for split, systems_ in result.scores.items():
        lines.append(f"\n[{split}]  {'system':<20}{'nDCG@5':>8}{'hit@5':>8}{'P@5':>8}{'inelig.':>9}")
        for name, f in systems_.items():
            lines.append(f"        {name:<20}{f['ndcg@5']:>8.3f}{f['hit@5']:>8.3f}{f['precision@5']:>8.3f}"
                         f"{int(f['ineligible_suggested']):>9}")
        best_baseline = max(systems_["tfidf"]["ndcg@5"], systems_["embedding"]["ndcg@5"])
        if best_baseline:
            lines.append(f"        ranker / best baseline nDCG@5: {systems_['ranker']['ndcg@5'] / best_baseline:.2f}x")
    return "\n".join(lines)


def _mean(values) -> float:  # type: ignore[no-untyped-def]
    values = list(values)
    return float(np.mean(values)) if values else 0.0


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
