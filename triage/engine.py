"""Triage: the facade. Loads the models once; turns referrals into needs, risk flags and suggestions."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from time import monotonic
from typing import Literal

import numpy as np

from triage.errors import InputError
from triage.matching.browse import AssetBrowser
from triage.matching.catalogue import AssetCatalogue, ImportReport
from triage.matching.directory import read_assets_csv, write_assets_csv
from triage.matching.openreferral import write_openreferral
from triage.matching.passages import note_passages, with_closest_passage, with_need_fit
from triage.matching.rank import Candidate, RankingWeights, rank
from triage.matching.sources import Format, read_directory
from triage.matching.weights_file import read_ranking_weights
from triage.nlp.bundle import load_model
from triage.nlp.classifier import LabelScore, NeedsClassifier
from triage.nlp.embedder import Embedder
from triage.nlp.notes import NoteParser, ParsedNote
from triage.outcomes.records import load_outcomes
from triage.outcomes.uptake import UptakeTable, count_uptake
from triage.schemas import (
    Asset,
    Classification,
    NeedPrediction,
    ReferralIn,
    RiskPrediction,
    TriageResult,
)
from triage.settings import DEMO_ASSETS, Settings
from triage.store.assets import AssetRepository
from triage.store.db import Database, open_database
from triage.taxonomy import NEED_IDS, RISK_IDS

log = logging.getLogger(__name__)
SEARCH_DEPTH = 200
WIDEN = 8  # how much deeper to search when too few of the nearest assets are eligible
PASSAGE_BATCH = 8  # small batches keep short passages from being padded to the length of the note
UPTAKE_TTL_S = 60.0  # asset uptake is read again from the outcomes when older than this


@dataclass(frozen=True)
class ServedModel:
    """One loaded model and its name: replaced whole on reload, so a request in flight keeps the
    model it started with."""

    classifier: NeedsClassifier
    manifest: dict
    folder: Path
    version: str  # 'triage-needs v3' for a registered version, else the folder's name
    ranking_weights: RankingWeights


def load_served_model(folder: Path, version: str | None = None) -> ServedModel:
    classifier, manifest = load_model(folder)
    return ServedModel(classifier, manifest, folder, version or str(manifest.get("name") or folder.name),
                       read_ranking_weights(folder))


@dataclass(frozen=True)
class MatchInput:
    """What ranking one referral needs: its classification (or given needs) and its candidates."""

    referral: ReferralIn
    classification: Classification
    candidates: list[Candidate]

    @property
    def need_scores(self) -> dict[str, float]:
        return {n.need: n.score for n in self.classification.needs}


@dataclass(frozen=True)
class Query:
    """One note's vectors for the search: the note, its passages, what it turns down, each need's evidence."""

    note: np.ndarray
    passages: list[str]
    passage_vectors: np.ndarray
    declined: list[str]
    declined_vectors: np.ndarray
    evidence: dict[str, np.ndarray]


class Triage:
    """One instance per process: `classify` and `match` take batches."""

    def __init__(self, settings: Settings | None = None, *, model_version: str | None = None) -> None:
        self.settings = settings or Settings()
        self.settings.ensure_home()
        self.model = load_served_model(self.settings.resolved_model_dir, model_version)
        self.parser = NoteParser()
        self.embedder = Embedder()
        self._uptake: tuple[float, UptakeTable] | None = None  # (monotonic time read, table)
        self._uptake_lock = threading.Lock()

    @cached_property
    def database(self) -> Database:
        """The database, migrated to the latest schema on first use."""
        return open_database(self.settings.resolved_database_url)

    @cached_property
    def catalogue(self) -> AssetCatalogue:
        catalogue = AssetCatalogue(AssetRepository(self.database.sessions), self.embedder,
                                   self.settings.index_dir)
        if self.settings.seed_demo and catalogue.repository.count() == 0:
            log.info("empty directory: loading the demo directory %s", DEMO_ASSETS.name)
            self._write_assets(catalogue, read_assets_csv(DEMO_ASSETS), replace=False)
        return catalogue

    @cached_property
    def assets(self) -> AssetBrowser:
        """One asset at a time: list, search, get, create, update, delete (needs inferred when missing)."""
        return AssetBrowser(self.catalogue, self.embedder, self.infer_asset_needs)

    def close(self) -> None:
        """Persist whatever the directory's index has not saved yet."""
        if "catalogue" in self.__dict__:
            self.catalogue.flush()
        if "database" in self.__dict__:
            self.database.engine.dispose()

    def reload(self, folder: Path, version: str | None = None) -> ServedModel:
        """Load another model and serve it from the next request on; requests in flight finish with
        the one they started with. Returns the model replaced."""
        loaded, previous = load_served_model(folder, version), self.model
        self.model = loaded
        log.info("now serving model %s (was %s)", loaded.version, previous.version)
        return previous

    @property
    def model_name(self) -> str:
        """The served model's version, as stored with every triage result."""
        return self.model.version

    @property
    def classifier(self) -> NeedsClassifier:
        return self.model.classifier

    @property
    def manifest(self) -> dict:
        return self.model.manifest

    @property
    def model_dir(self) -> Path:
        return self.model.folder

    @property
    def ranking_weights(self) -> RankingWeights:
        return self.model.ranking_weights

    @ranking_weights.setter
    def ranking_weights(self, weights: RankingWeights) -> None:
        self.model = dataclasses.replace(self.model, ranking_weights=weights)

    def classify(self, referrals: Sequence[ReferralIn]) -> list[Classification]:
        if not referrals:
            return []
        return self._classify_notes(self.model, referrals, self.parser.parse_many([r.text for r in referrals]))

    def match(self, referrals: Sequence[ReferralIn], *, top: int = 5) -> list[TriageResult]:
        """Needs (classified, or as a link worker gave them), risk flags and ranked suggestions.

        Risk flags are always read from the text, even when the needs are given. When too few of the
        nearest assets are eligible (a large directory), the search is widened until enough are.
        """
        results = []
        model, uptake = self.model, self.uptake()
        for referral, classification, query in zip(referrals, *self._queries(referrals, model)):
            depth = max(SEARCH_DEPTH, top * 4)
            inputs = MatchInput(referral, classification, self._candidates(query, depth))
            result = self._ranked(inputs, top, uptake, model.ranking_weights)
            while len(result.suggestions) < top and depth < self.catalogue.index.size:
                depth *= WIDEN
                inputs = MatchInput(referral, classification, self._candidates(query, depth))
                result = self._ranked(inputs, top, uptake, model.ranking_weights)
            results.append(result)
        return results

    @staticmethod
    def _ranked(inputs: MatchInput, top: int, uptake: UptakeTable, weights: RankingWeights) -> TriageResult:
        return TriageResult(**inputs.classification.model_dump(),
                            suggestions=rank(inputs.referral, inputs.need_scores, inputs.candidates, top=top,
                                             weights=weights, uptake=uptake))

    def uptake(self) -> UptakeTable:
        """Asset uptake from the recorded outcomes, read again once older than UPTAKE_TTL_S, so new
        outcomes count without a restart."""
        with self._uptake_lock:
            if self._uptake is None or monotonic() - self._uptake[0] >= UPTAKE_TTL_S:
                self._uptake = (monotonic(), count_uptake(load_outcomes(self.database.sessions)))
            return self._uptake[1]

    def match_inputs(self, referrals: Sequence[ReferralIn], *, depth: int = SEARCH_DEPTH) -> list[MatchInput]:
        """Everything ranking needs, computed once: classification, candidates, closest passages and
        closeness to each need's evidence."""
        return [MatchInput(referral, classification, self._candidates(query, depth))
                for referral, classification, query in zip(referrals, *self._queries(referrals))]

    def _queries(self, referrals: Sequence[ReferralIn], model: ServedModel | None = None
                 ) -> tuple[list[Classification], list[Query]]:
        """Classify the notes and embed, in one batch, each note, its passages and its need evidence."""
        if not referrals:
            return [], []
        model = model or self.model
        notes = self.parser.parse_many([r.text for r in referrals])
        classifications = self._classify_notes(model, referrals, notes)
        for referral, note, classification in zip(referrals, notes, classifications):
            if referral.needs is not None:
                classification.needs = self._given_needs(model, note, classification, referral.needs)
        passages = [note_passages(n) for n in notes]
        declined = [note_passages(n, declined=True) for n in notes]
        evidence = [{n.need: [e.text for e in n.evidence] for n in c.needs} for c in classifications]
        vectors = self._encode_once([r.text for r in referrals] + [t for group in passages + declined for t in group]
                                   + [t for needs in evidence for texts in needs.values() for t in texts])
        return classifications, [
            Query(vectors([r.text])[0], passages[i], vectors(passages[i]), declined[i], vectors(declined[i]),
                  {need: vectors(texts) for need, texts in evidence[i].items()})
            for i, r in enumerate(referrals)]

    def _candidates(self, query: Query, depth: int) -> list[Candidate]:
        candidates, asset_vectors = self.catalogue.candidates(query.note, k=depth)
        candidates = with_closest_passage(candidates, asset_vectors, query.passages, query.passage_vectors)
        candidates = with_closest_passage(candidates, asset_vectors, query.declined, query.declined_vectors,
                                          declined=True)
        return with_need_fit(candidates, asset_vectors, query.evidence)

    @staticmethod
    def _given_needs(model: ServedModel, note: ParsedNote, classification: Classification,
                     needs: list[str]) -> list[NeedPrediction]:
        """A link worker's needs, with the classifier's evidence for each (found even when it missed)."""
        found = {n.need: n.evidence for n in classification.needs}
        missing = model.classifier.evidence_for(note, [n for n in needs if not found.get(n)])
        return [NeedPrediction(need=n, score=1.0, evidence=found.get(n) or missing.get(n, [])) for n in needs]

    def _encode_once(self, texts: list[str]) -> Callable[[list[str]], np.ndarray]:
        """Encode the distinct texts in one batch; returns a lookup from texts to their rows."""
        distinct = list(dict.fromkeys(texts))
        rows = dict(zip(distinct, self.embedder.encode(distinct, batch_size=PASSAGE_BATCH)))
        empty = np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return lambda wanted: np.vstack([rows[t] for t in wanted]) if wanted else empty

    def import_assets(self, path: Path, *, replace: bool = False, fmt: Format = "auto") -> ImportReport:
        """Our CSV or Open Referral UK: validate the whole file first; write nothing if any record is bad."""
        source = read_directory(path, fmt)
        report = self._write_assets(self.catalogue, source.assets, replace=replace)
        withdrawn = sum(self.catalogue.remove(asset_id) for asset_id in source.withdrawn)
        return dataclasses.replace(report, removed=report.removed + withdrawn, total=self.catalogue.index.size,
                                   warnings=tuple(str(w) for w in source.warnings))

    def export_assets(self, fmt: Literal["csv", "openreferral"] = "csv") -> str:
        """The whole directory as our CSV or as an Open Referral UK /services page (JSON)."""
        assets = [s.asset for s in self.catalogue.repository.all()]
        if fmt == "csv":
            return write_assets_csv(assets)
        if fmt == "openreferral":
            return json.dumps(write_openreferral(assets), indent=2) + "\n"
        raise InputError("format", f"unknown export format '{fmt}'; valid: csv, openreferral")

    def _write_assets(self, catalogue: AssetCatalogue, assets: list[Asset], *, replace: bool) -> ImportReport:
        return catalogue.write(self.infer_asset_needs(assets), replace=replace)

    def infer_asset_needs(self, assets: list[Asset]) -> list[Asset]:
        """Assets without need tags get them, marked as inferred: the classifier's needs, and the needs
        whose terms the description affirms ('for people with anxiety or depression') when the classifier
        gives them at least half its threshold. A referral classifier discounts such general mentions in
        a note; in a service description they name what it is for."""
        untagged = [i for i, a in enumerate(assets) if not a.needs]
        if not untagged:
            return assets
        classifier = self.model.classifier
        notes = self.parser.parse_many([assets[i].document for i in untagged])
        probs = classifier.probabilities(notes, self._note_vectors(classifier, notes))
        result = list(assets)
        need_column = {label: j for j, label in enumerate(classifier.labels) if label in NEED_IDS}
        for i, note, row, scores in zip(untagged, notes, probs, classifier.predict(notes, probs=probs)):
            named = [h.label for h in note.hits if h.label in need_column and h.context == ""
                     and row[need_column[h.label]] >= classifier.thresholds[need_column[h.label]] / 2]
            needs = list(dict.fromkeys([s.label for s in scores if s.label in NEED_IDS] + named))
            result[i] = assets[i].model_copy(update={"needs": needs, "needs_inferred": bool(needs)})
        return result

    def _classify_notes(self, model: ServedModel, referrals: Sequence[ReferralIn],
                        notes: list[ParsedNote]) -> list[Classification]:
        predictions = model.classifier.predict(notes, self._note_vectors(model.classifier, notes))
        return [_to_classification(r.id, p, model.version) for r, p in zip(referrals, predictions)]

    def _note_vectors(self, classifier: NeedsClassifier, notes: list[ParsedNote]) -> np.ndarray | None:
        """The note embeddings, only for a classifier whose features use them."""
        return self.embedder.encode([n.text for n in notes]) if classifier.features.uses_embeddings else None


def _to_classification(referral_id: str, scores: list[LabelScore], model_version: str) -> Classification:
    needs = [NeedPrediction(need=s.label, score=round(s.score, 4), evidence=list(s.evidence))
             for s in scores if s.label in NEED_IDS]
    risks = [RiskPrediction(flag=s.label, score=round(s.score, 4), evidence=list(s.evidence))
             for s in scores if s.label in RISK_IDS]
    return Classification(id=referral_id, needs=needs, risk_flags=risks, model_version=model_version)
