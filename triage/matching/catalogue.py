"""The asset catalogue: the database and the vector index kept in step."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from triage.matching.index import AssetIndex
from triage.matching.rank import Candidate
from triage.nlp.embedder import Embedder
from triage.schemas import Asset
from triage.store.assets import AssetRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    removed: int
    total: int
    warnings: tuple[str, ...] = ()


class AssetCatalogue:
    def __init__(self, repository: AssetRepository, embedder: Embedder, index_dir: Path) -> None:
        self.repository = repository
        self.embedder = embedder
        self.index_dir = index_dir
        self.index = self._load_or_rebuild()

    def _load_or_rebuild(self) -> AssetIndex:
        """The saved index brought in step with the database (only the assets that differ are
        embedded), or a new one built from the database when none fits."""
        stored = self.repository.all()
        index = AssetIndex.load(self.index_dir, self.embedder.dimension, self.embedder.name)
        if index is None:
            log.info("building the asset index from the database (%d assets)", len(stored))
            index = AssetIndex.build([s.pk for s in stored], self.embedder.encode([s.asset.document for s in stored]),
                                     dimension=self.embedder.dimension, embedder=self.embedder.name)
            index.save(self.index_dir)
            return index
        indexed = index.ids()
        missing = [s for s in stored if s.pk not in indexed]
        extra = sorted(indexed - {s.pk for s in stored})
        if missing or extra:
            log.info("index out of step with the database: adding %d, removing %d", len(missing), len(extra))
            index.remove(extra)
            if missing:
                index.upsert([s.pk for s in missing], self.embedder.encode([s.asset.document for s in missing]))
            index.save(self.index_dir)
        return index

    def write(self, assets: Sequence[Asset], *, replace: bool = False) -> ImportReport:
        """Store the assets in one transaction, then update only the changed index entries."""
        stored = {s.asset.id: s.asset for s in self.repository.all()}
        changed_assets = [a for a in assets if stored.get(a.id) != a]
        vectors = dict(zip((a.id for a in changed_assets),
                           self.embedder.encode([a.document for a in changed_assets])))
        result = self.repository.upsert(assets, replace=replace)
        changed = result.added + result.updated
        missing = [s.asset for s in changed if s.asset.id not in vectors]
        vectors |= dict(zip((a.id for a in missing), self.embedder.encode([a.document for a in missing])))
        self.index.remove(result.removed)
        if changed:
            self.index.upsert([s.pk for s in changed], np.vstack([vectors[s.asset.id] for s in changed]))
        self.index.save(self.index_dir)
        return ImportReport(len(result.added), len(result.updated), len(result.removed),
                            self.index.size)

    def remove(self, asset_id: str) -> bool:
        pk = self.repository.remove(asset_id)
        if pk is None:
            return False
        self.index.remove([pk])
        self.index.save(self.index_dir)
        return True

    def candidates(self, query: np.ndarray, *, k: int) -> tuple[list[Candidate], np.ndarray]:
        """The k assets closest to the query, with their cosine similarity, and their vectors."""
        if self.index.size == 0:
            return [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
        scores, ids = self.index.search(query, k)
        assets = self.repository.by_pks([int(i) for i in ids])
        found = [(float(s), int(i)) for s, i in zip(scores, ids) if int(i) in assets]
        return [Candidate(assets[i], s) for s, i in found], self.index.vectors([i for _, i in found])
