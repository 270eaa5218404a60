"""Triage: the facade. Loads the models once; turns referrals into needs, risk flags and suggestions."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from triage.matching.catalogue import AssetCatalogue, ImportReport
from triage.matching.directory import read_assets_csv
from triage.matching.rank import rank
from triage.nlp.bundle import load_model
from triage.nlp.classifier import LabelScore
from triage.nlp.embedder import Embedder
from triage.nlp.notes import NoteParser
from triage.schemas import (Asset, Classification, NeedPrediction, ReferralIn, RiskPrediction,
                            TriageResult)
from triage.settings import DEMO_ASSETS, Settings
from triage.store.assets import AssetRepository
from triage.store.db import make_engine, make_sessions
from triage.taxonomy import NEED_IDS, RISK_IDS

log = logging.getLogger(__name__)
SEARCH_DEPTH = 200


class Triage:
    """One instance per process: `classify` and `match` take batches."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.settings.ensure_home()
        self.model_dir: Path = self.settings.resolved_model_dir
        self.classifier, self.manifest = load_model(self.model_dir)
        self.parser = NoteParser()
        self.embedder = Embedder()

    @cached_property
    def catalogue(self) -> AssetCatalogue:
        engine = make_engine(self.settings.resolved_database_url)
        catalogue = AssetCatalogue(AssetRepository(make_sessions(engine)), self.embedder,
                                   self.settings.index_dir)
        if self.settings.seed_demo and catalogue.repository.count() == 0:
            log.info("empty directory: loading the demo directory %s", DEMO_ASSETS.name)
            self._write_assets(catalogue, read_assets_csv(DEMO_ASSETS), replace=False)
        return catalogue

    @property
    def model_name(self) -> str:
        return str(self.manifest.get("name") or self.model_dir.name)

    def classify(self, referrals: Sequence[ReferralIn]) -> list[Classification]:
        return self._classify(referrals, None)

    def match(self, referrals: Sequence[ReferralIn], *, top: int = 5) -> list[TriageResult]:
        """Needs (classified, or as a link worker gave them), risk flags and ranked suggestions.

        Risk flags are always read from the text, even when the needs are given.
        """
        vectors = self.embedder.encode([r.text for r in referrals])
        out = []
        for referral, classification, vector in zip(referrals, self._classify(referrals, vectors), vectors):
            if referral.needs is not None:
                classification.needs = [NeedPrediction(need=n, score=1.0) for n in referral.needs]
            scores = {n.need: n.score for n in classification.needs}
            candidates = self.catalogue.candidates(vector, k=max(SEARCH_DEPTH, top * 4))
            suggestions = rank(referral, scores, candidates, top=top)
            out.append(TriageResult(**classification.model_dump(), suggestions=suggestions))
        return out

    def import_assets(self, path: Path, *, replace: bool = False) -> ImportReport:
        """Validate the whole file first; write nothing if any row is bad."""
        return self._write_assets(self.catalogue, read_assets_csv(path), replace=replace)

    def _write_assets(self, catalogue: AssetCatalogue, assets: list[Asset], *, replace: bool) -> ImportReport:
        return catalogue.write(self.infer_asset_needs(assets), replace=replace)

    def infer_asset_needs(self, assets: list[Asset]) -> list[Asset]:
        """Assets without need tags get them from the classifier, marked as inferred."""
        untagged = [i for i, a in enumerate(assets) if not a.needs]
        if not untagged:
            return assets
        texts = [ReferralIn(text=assets[i].document) for i in untagged]
        result = list(assets)
        for i, classification in zip(untagged, self.classify(texts)):
            needs = [n.need for n in classification.needs]
            result[i] = assets[i].model_copy(update={"needs": needs, "needs_inferred": bool(needs)})
        return result

    def _classify(self, referrals: Sequence[ReferralIn], vectors: np.ndarray | None) -> list[Classification]:
        if not referrals:
            return []
        texts = [r.text for r in referrals]
        notes = self.parser.parse_many(texts)
        if vectors is None and self.classifier.features.uses_embeddings:
            vectors = self.embedder.encode(texts)
        predictions = self.classifier.predict(notes, vectors)
        return [_to_classification(r.id, p) for r, p in zip(referrals, predictions)]


def _to_classification(referral_id: str, scores: list[LabelScore]) -> Classification:
    needs = [NeedPrediction(need=s.label, score=round(s.score, 4), evidence=list(s.evidence))
             for s in scores if s.label in NEED_IDS]
    risks = [RiskPrediction(flag=s.label, score=round(s.score, 4), evidence=list(s.evidence))
             for s in scores if s.label in RISK_IDS]
    return Classification(id=referral_id, needs=needs, risk_flags=risks)
