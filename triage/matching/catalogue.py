"""The asset catalogue: the database and the vector index kept in step."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from triage.matching.index import AssetIndex
from triage.matching.rank import Candidate
from triage.nlp.embedder import Embedder
from triage.schemas import Asset
from triage.store.assets import AssetRepository, StoredAsset

log = logging.getLogger(__name__)
HASHES_FILE = "documents.json"
SAVE_EAGERLY_UP_TO = 30_000  # assets; a bigger index is saved at most every SAVE_INTERVAL_S and on flush
SAVE_INTERVAL_S = 60.0


def document_hash(asset: Asset) -> str:
    """A short hash of the text the asset is embedded from."""
    return hashlib.sha256(asset.document.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    removed: int
    total: int
    warnings: tuple[str, ...] = ()


class AssetCatalogue:
    """The directory's database and its vector index, kept in step: every write goes to the database
    in one transaction, then to the index; at start the index is checked against the database by each
    asset's key and a hash of its embedded text, and only what differs is embedded again."""

    def __init__(self, repository: AssetRepository, embedder: Embedder, index_dir: Path, *,
                 save_eagerly_up_to: int = SAVE_EAGERLY_UP_TO, save_interval_s: float = SAVE_INTERVAL_S) -> None:
        self.repository = repository
        self.embedder = embedder
        self.index_dir = index_dir
        self.save_eagerly_up_to = save_eagerly_up_to
        self.save_interval_s = save_interval_s
        self.hashes: dict[int, str] = {}
        self.unsaved = False
        self.saved_at = time.monotonic()
        self.lock = threading.RLock()  # the index is not safe to search while it is being changed
        self.index = self._load_in_step()

    def _load_in_step(self) -> AssetIndex:
        stored = self.repository.all()
        index = AssetIndex.load(self.index_dir, self.embedder.dimension, self.embedder.name)
        if index is None:
            log.info("building the asset index from the database (%d assets)", len(stored))
            self.index = AssetIndex.build([s.pk for s in stored], self.embedder.encode([s.asset.document for s in stored]),
                                          dimension=self.embedder.dimension, embedder=self.embedder.name)
            self._save(stored)
            self.flush()
            return self.index
        self.index, self.hashes = index, self._read_hashes()
        indexed = index.ids()
        stale = [s for s in stored if s.pk not in indexed or self.hashes.get(s.pk) != document_hash(s.asset)]
        extra = sorted(indexed - {s.pk for s in stored})
        if stale or extra:
            log.info("index out of step with the database: embedding %d, removing %d", len(stale), len(extra))
            index.remove(extra)
            index.upsert([s.pk for s in stale], self.embedder.encode([s.asset.document for s in stale]))
            self._save(stored)
            self.flush()
        return index

    def write(self, assets: Sequence[Asset], *, replace: bool = False) -> ImportReport:
        """Store the assets in one transaction, then update only the changed index entries."""
        with self.lock:
            return self._write(assets, replace=replace)

    def _write(self, assets: Sequence[Asset], *, replace: bool) -> ImportReport:
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
        self._save(changed, removed=result.removed)
        return ImportReport(len(result.added), len(result.updated), len(result.removed), self.index.size)

    def remove(self, asset_id: str) -> bool:
        with self.lock:
            pk = self.repository.remove(asset_id)
            if pk is None:
                return False
            self.index.remove([pk])
            self._save([], removed=[pk])
            return True

    def _save(self, changed: Sequence[StoredAsset], *, removed: Sequence[int] = ()) -> None:
        """Record the change; persist at once for a small index, at most every save_interval_s for a
        large one (a 1M-asset index is 1.5 GB), and always on flush()."""
        for pk in removed:
            self.hashes.pop(pk, None)
        self.hashes |= {s.pk: document_hash(s.asset) for s in changed}
        self.unsaved = True
        due = time.monotonic() - self.saved_at >= self.save_interval_s
        if self.index.size <= self.save_eagerly_up_to or due:
            self.flush()

    def flush(self) -> None:
        """Persist the index, then the hash of each indexed asset's text. Whatever was not saved (a
        crash, a crash in between) is found stale at the next start and embedded again."""
        with self.lock:
            if not self.unsaved:
                return
            self.index.save(self.index_dir)
            tmp = self.index_dir / (HASHES_FILE + ".tmp")
            tmp.write_text(json.dumps({str(k): v for k, v in self.hashes.items()}), encoding="utf-8")
            tmp.replace(self.index_dir / HASHES_FILE)
            self.unsaved, self.saved_at = False, time.monotonic()

    def _read_hashes(self) -> dict[int, str]:
        try:
            raw = json.loads((self.index_dir / HASHES_FILE).read_text(encoding="utf-8"))
            return {int(k): str(v) for k, v in raw.items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def candidates(self, query: np.ndarray, *, k: int) -> tuple[list[Candidate], np.ndarray]:
        """The k assets closest to the query, with their cosine similarity, and their vectors."""
        with self.lock:
            if self.index.size == 0:
                return [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
            scores, ids = self.index.search(query, k)
            assets = self.repository.by_pks([int(i) for i in ids])
            found = [(float(s), int(i)) for s, i in zip(scores, ids) if int(i) in assets]
            return [Candidate(assets[i], s) for s, i in found], self.index.vectors([i for _, i in found])
