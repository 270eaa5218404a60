"""The asset vector index: the only module that imports faiss.

Inner-product search over normalised embeddings, keyed by the asset's database pk, so one asset can be
added, updated or removed without a rebuild. The structure follows the size of the directory:

- ``flat``: exact search (an ID-mapped flat index), up to ``EXACT_LIMIT`` assets;
- ``ivf`` (or ``ivf_sq8``, 8-bit scalar-quantised codes): approximate search over ``nlist`` k-means
  cells of which ``nprobe`` are scanned, with a hashtable direct map so that an asset is removed or
  reconstructed by id in constant time.

An exact index that grows past the limit, or an approximate one that grows ``GROWTH`` times past the
size it was trained at, is rebuilt once (logged). Single queries and small edits run on one OpenMP
thread: on a 2-core machine two threads made a flat search 2-6 times slower and added an ~8 ms stall to
adding one vector to an IVF index (``training/benchmark_index.py``); bulk work uses faiss's default.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)

INDEX_FILE = "assets.faiss"
META_FILE = "assets.json"
EXACT_LIMIT = 30_000  # flat search p95 (k=200, one thread): 2.5 ms at 30k, 9 ms at 100k, 66 ms at 1M
GROWTH = 4  # retrain an approximate index once it holds this many times its training size
APPROXIMATE_KINDS = ("ivf", "ivf_sq8")
KINDS = ("flat", *APPROXIMATE_KINDS)
SMALL_THREADS = 1  # OpenMP threads for one query or an edit of fewer than SMALL_BATCH assets
SMALL_BATCH = 256
TRAIN_PER_LIST = 40  # k-means sample: this many vectors per cell (faiss asks for at least 39)
TRAIN_ITERATIONS = 10


@dataclass(frozen=True)
class IndexParams:
    """What structure the index has; persisted in the meta json."""

    kind: str = "flat"
    nlist: int = 0
    nprobe: int = 0
    trained_on: int = 0

    def describe(self) -> str:
        return self.kind if self.kind == "flat" else f"{self.kind} nlist={self.nlist} nprobe={self.nprobe}"


def approximate_params(size: int, *, kind: str = "ivf", nprobe: int | None = None) -> IndexParams:
    """nlist ~ 4 sqrt(N), at least 39 vectors a cell; nprobe 128 (recall@10 ~0.985 from 100k to 1M
    assets in the benchmark), or nlist / 32 past ~1M assets."""
    if kind not in APPROXIMATE_KINDS:
        raise ValueError(f"Unknown approximate index kind {kind!r}. Valid kinds: {APPROXIMATE_KINDS}")
    nlist = max(1, min(int(4 * math.sqrt(size)), size // 39))
    probes = nprobe if nprobe is not None else max(128, nlist // 32)
    return IndexParams(kind, nlist, min(nlist, probes), size)


@contextmanager
def omp_threads(count: int) -> Iterator[None]:
    """Run faiss with this many OpenMP threads in the calling thread, then restore the setting."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _matrix(vectors: np.ndarray, dimension: int) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, dimension))


def _keys(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))


def _train_sample(vectors: np.ndarray, params: IndexParams, seed: int) -> np.ndarray:
    count = min(len(vectors), TRAIN_PER_LIST * params.nlist)
    if count == len(vectors):
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), count, replace=False))
    return vectors[rows]


def _new_faiss_index(dimension: int, params: IndexParams) -> faiss.Index:
    if params.kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    quantizer = faiss.IndexFlatIP(dimension)
    if params.kind == "ivf_sq8":
        index = faiss.IndexIVFScalarQuantizer(quantizer, dimension, params.nlist,
                                              faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    else:
        index = faiss.IndexIVFFlat(quantizer, dimension, params.nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = TRAIN_ITERATIONS
    index.nprobe = params.nprobe
    return index


class AssetIndex:
    def __init__(self, dimension: int, embedder: str, *, exact_limit: int = EXACT_LIMIT,
                 approximate: str = "ivf") -> None:
        if approximate not in APPROXIMATE_KINDS:
            raise ValueError(f"Unknown approximate index kind {approximate!r}. "
                             f"Valid kinds: {APPROXIMATE_KINDS}")
        self.dimension = dimension
        self.embedder = embedder
        self.exact_limit = exact_limit
        self.approximate = approximate
        self.threads = SMALL_THREADS
        self.params = IndexParams()
        self.index = _new_faiss_index(dimension, self.params)

    @classmethod
    def build(cls, ids: Sequence[int] | np.ndarray, vectors: np.ndarray, *, dimension: int,
              embedder: str, exact_limit: int = EXACT_LIMIT, approximate: str = "ivf",
              kind: str | None = None, nprobe: int | None = None, seed: int = 0) -> AssetIndex:
        """An index over these vectors in one pass; the kind follows the size unless given."""
        index = cls(dimension, embedder, exact_limit=exact_limit, approximate=approximate)
        index._fill(_keys(ids), _matrix(vectors, dimension), kind=kind, nprobe=nprobe, seed=seed)
        return index

    @property
    def kind(self) -> str:
        return self.params.kind

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def nbytes(self) -> int:
        """Bytes of the serialised index (a close measure of its memory)."""
        return int(faiss.serialize_index(self.index).size)

    def ids(self) -> set[int]:
        return set(self._all_ids().tolist())

    def set_nprobe(self, nprobe: int) -> None:
        """Scan this many cells per query (approximate kinds only)."""
        if self.kind != "flat":
            self.params = IndexParams(self.kind, self.params.nlist, max(1, min(nprobe, self.params.nlist)),
                                      self.params.trained_on)
            self.index.nprobe = self.params.nprobe

    def upsert(self, ids: list[int], vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        keys, matrix = _keys(ids), _matrix(vectors, self.dimension)
        self.remove(keys)
        if self._outgrown(self.size + len(keys)):
            self._rebuild(keys, matrix)
            return
        with omp_threads(self._threads_for(len(keys))):
            self.index.add_with_ids(matrix, keys)

    def remove(self, ids: Sequence[int] | np.ndarray) -> None:
        """Remove these ids; an approximate index that shrinks to half the exact limit becomes exact."""
        if len(ids) > 0:
            with omp_threads(self._threads_for(len(ids))):
                self.index.remove_ids(_keys(ids))
            if self.kind != "flat" and self.size <= self.exact_limit // 2:
                self._rebuild(np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), dtype=np.float32))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest assets to one query vector; ids are -1 past the end."""
        k = max(1, min(k, self.size))
        with omp_threads(self.threads):
            scores, ids = self.index.search(_matrix(query, self.dimension)[:1], k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def search_batch(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) rows for many queries at once, on all threads; ids are -1 past the end."""
        return self.index.search(_matrix(queries, self.dimension), max(1, min(k, self.size)))

    def vectors(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of these ids (decoded, so approximate for ``ivf_sq8``)."""
        if len(ids) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(_keys(ids))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (INDEX_FILE + ".tmp")
        faiss.write_index(self.index, str(tmp))
        tmp.replace(folder / INDEX_FILE)
        meta = {"dimension": self.dimension, "embedder": self.embedder, "size": self.size,
                **asdict(self.params)}
        tmp = folder / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        tmp.replace(folder / META_FILE)

    @classmethod
    def load(cls, folder: Path, dimension: int, embedder: str, *, exact_limit: int = EXACT_LIMIT,
             approximate: str = "ivf") -> AssetIndex | None:
        """The saved index of either kind, or None when absent, unreadable or of another embedder."""
        if not (folder / META_FILE).exists():
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            if meta["dimension"] != dimension or meta["embedder"] != embedder:
                return None
            params = IndexParams(meta.get("kind", "flat"), meta.get("nlist", 0), meta.get("nprobe", 0),
                                 meta.get("trained_on", 0))
            if params.kind not in KINDS:
                log.warning("ignoring the saved index: unknown kind %r (valid: %s)", params.kind, KINDS)
                return None
            index = cls(dimension, embedder, exact_limit=exact_limit, approximate=approximate)
            index.index, index.params = faiss.read_index(str(folder / INDEX_FILE)), params
            if isinstance(index.index, faiss.IndexIVF) != (params.kind != "flat"):
                log.warning("ignoring the saved index: its file does not hold a %s index", params.kind)
                return None
            if params.kind != "flat":
                index.index.nprobe = params.nprobe
            return index
        except (OSError, KeyError, ValueError, RuntimeError) as e:
            log.warning("ignoring the saved index in %s: %s", folder, e)
            return None

    def _all_ids(self) -> np.ndarray:
        if self.kind == "flat":
            return faiss.vector_to_array(self.index.id_map)
        lists = self.index.invlists
        return np.concatenate([np.zeros(0, dtype=np.int64)] + [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(self.params.nlist) if lists.list_size(i) > 0])

    def _threads_for(self, count: int) -> int:
        return self.threads if count < SMALL_BATCH else faiss.omp_get_max_threads()

    def _outgrown(self, size: int) -> bool:
        if self.kind == "flat":
            return size > self.exact_limit
        return size > GROWTH * self.params.trained_on

    def _rebuild(self, keys: np.ndarray, matrix: np.ndarray) -> None:
        started, before = time.perf_counter(), self.params.describe()
        held = self._all_ids()
        self._fill(np.concatenate([held, keys]), np.vstack([self.vectors(held), matrix]))
        log.info("rebuilt the asset index from %s to %s for %d assets in %.1f s", before,
                 self.params.describe(), self.size, time.perf_counter() - started)

    def _fill(self, keys: np.ndarray, matrix: np.ndarray, *, kind: str | None = None,
              nprobe: int | None = None, seed: int = 0) -> None:
        kind = kind or ("flat" if len(keys) <= self.exact_limit else self.approximate)
        params = IndexParams() if kind == "flat" else approximate_params(len(keys), kind=kind, nprobe=nprobe)
        index = _new_faiss_index(self.dimension, params)
        if params.kind != "flat":
            index.train(_train_sample(matrix, params, seed))
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
        index.add_with_ids(matrix, keys)
        self.index, self.params = index, params
