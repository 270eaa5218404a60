"""Browsing and editing the directory one asset at a time: list, search, get, create, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from triage.errors import ConflictError, NotFoundError
from triage.matching.catalogue import AssetCatalogue
from triage.nlp.embedder import Embedder
from triage.schemas import Asset


@dataclass(frozen=True)
class AssetHit:
    asset: Asset
    similarity: float


class AssetBrowser:
    """`infer_needs` tags assets that come without needs (the classifier reads their description)."""

    def __init__(self, catalogue: AssetCatalogue, embedder: Embedder,
                 infer_needs: Callable[[list[Asset]], list[Asset]]) -> None:
        self.catalogue = catalogue
        self.embedder = embedder
        self.infer_needs = infer_needs

    def list(self, *, need: str | None = None, offset: int = 0, limit: int = 50) -> tuple[list[Asset], int]:
        """Assets in directory order, optionally only those addressing `need`; and how many match."""
        assets = [s.asset for s in self.catalogue.repository.all()]
        if need:
            assets = [a for a in assets if need in a.needs]
        return assets[offset:offset + limit], len(assets)

    def search(self, text: str, *, need: str | None = None, limit: int = 20) -> list[AssetHit]:
        """The assets closest in meaning to `text`, best first."""
        depth = limit * 8 if need else limit
        candidates, _ = self.catalogue.candidates(self.embedder.encode([text])[0], k=depth)
        hits = [AssetHit(c.asset, round(c.similarity, 4)) for c in candidates if not need or need in c.asset.needs]
        return hits[:limit]

    def get(self, asset_id: str) -> Asset:
        stored = self.catalogue.repository.get(asset_id)
        if stored is None:
            raise NotFoundError("asset", asset_id)
        return stored.asset

    def create(self, asset: Asset) -> Asset:
        with self.catalogue.lock:
            if self.catalogue.repository.get(asset.id) is not None:
                raise ConflictError("id", f"an asset with id '{asset.id}' already exists; update it instead")
            return self._write(asset)

    def update(self, asset: Asset) -> Asset:
        with self.catalogue.lock:
            self.get(asset.id)
            return self._write(asset)

    def _write(self, asset: Asset) -> Asset:
        tagged = self.infer_needs([asset])[0]
        self.catalogue.write([tagged])
        return tagged

    def delete(self, asset_id: str) -> None:
        if not self.catalogue.remove(asset_id):
            raise NotFoundError("asset", asset_id)
