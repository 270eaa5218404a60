"""The asset vector index: the only module that imports faiss.

An ID-mapped inner-product index over normalised embeddings, keyed by the asset's database pk, so one
asset can be added, updated or removed without a rebuild. Persisted under the data directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np

INDEX_FILE = "assets.faiss"
META_FILE = "assets.json"


class AssetIndex:
    def __init__(self, dimension: int, embedder: str) -> None:
        self.dimension = dimension
        self.embedder = embedder
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def ids(self) -> set[int]:
        return set(faiss.vector_to_array(self.index.id_map).tolist())

    def upsert(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.remove(ids)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                np.asarray(ids, dtype=np.int64))

    def remove(self, ids: list[int]) -> None:
        if ids:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest assets to one query vector; ids are -1 past the end."""
        k = max(1, min(k, self.size))
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def vectors(self, ids: list[int]) -> np.ndarray:
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if ids else \
            np.zeros((0, self.dimension), dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (INDEX_FILE + ".tmp")
        faiss.write_index(self.index, str(tmp))
        tmp.replace(folder / INDEX_FILE)
        meta = {"dimension": self.dimension, "embedder": self.embedder, "size": self.size}
        (folder / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, dimension: int, embedder: str) -> AssetIndex | None:
        """The saved index, or None when absent or built with another embedder."""
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            if meta["dimension"] != dimension or meta["embedder"] != embedder:
                return None
            index = cls(dimension, embedder)
            index.index = faiss.read_index(str(folder / INDEX_FILE))
            return index
        except (OSError, KeyError, ValueError, RuntimeError):
            return None
