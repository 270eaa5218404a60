"""The asset index: exact and approximate kinds, edits by id, persistence, growth. No model is loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from triage.matching.index import AssetIndex, approximate_params

DIM = 32
LIMIT = 1_000


def clustered(count: int, *, seed: int = 0, clusters: int = 40, noise: float = 0.15) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, DIM))
    points = centres[rng.integers(clusters, size=count)] + noise * rng.standard_normal((count, DIM))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def pks(count: int) -> list[int]:
    return [1_000 + 7 * i for i in range(count)]


def build(count: int, *, kind: str | None = None, nprobe: int = 8) -> AssetIndex:
    """An index over count clustered vectors; approximate ones scan 8 of their ~50 cells."""
    return AssetIndex.build(pks(count), clustered(count), dimension=DIM, embedder="test",
                            exact_limit=LIMIT, kind=kind, nprobe=nprobe)


def recall_at_10(index: AssetIndex, exact: AssetIndex, queries: np.ndarray) -> float:
    hits = [len(set(index.search(q, 10)[1]) & set(exact.search(q, 10)[1])) / 10 for q in queries]
    return float(np.mean(hits))


@pytest.fixture(scope="module")
def approximate() -> AssetIndex:
    return build(2_000)


def test_flat_round_trip_of_add_update_remove_search() -> None:
    vectors = clustered(50)
    index = AssetIndex(DIM, "test", exact_limit=LIMIT)
    index.upsert(pks(50), vectors)
    assert index.kind == "flat" and index.size == 50 and index.ids() == set(pks(50))
    scores, ids = index.search(vectors[3], 5)
    assert ids[0] == pks(50)[3] and scores[0] == pytest.approx(1.0, abs=1e-5)
    index.upsert([pks(50)[3]], vectors[10])
    assert index.size == 50 and np.allclose(index.vectors([pks(50)[3]]), vectors[10])
    index.remove([pks(50)[3]])
    assert pks(50)[3] not in index.search(vectors[10], 50)[1] and index.size == 49


def test_search_never_returns_padding_ids() -> None:
    index = AssetIndex.build(pks(3), clustered(3), dimension=DIM, embedder="test")
    assert len(index.search(clustered(1, seed=9)[0], 200)[1]) == 3


def test_an_empty_build_is_an_empty_exact_index() -> None:
    index = AssetIndex.build([], np.zeros((0, DIM), dtype=np.float32), dimension=DIM, embedder="test")
    assert index.kind == "flat" and index.size == 0 and index.ids() == set()
    assert len(index.search(clustered(1)[0], 10)[1]) == 0


def test_build_picks_the_kind_by_size(approximate: AssetIndex) -> None:
    assert build(LIMIT).kind == "flat"
    assert approximate.kind == "ivf" and approximate.params.nlist == approximate_params(2_000).nlist
    assert approximate.params.nprobe < approximate.params.nlist


def test_approximate_recall_at_10_is_close_to_exact(approximate: AssetIndex) -> None:
    exact = build(2_000, kind="flat")
    queries = clustered(100, seed=1)
    assert recall_at_10(approximate, exact, queries) >= 0.9


@pytest.mark.parametrize("kind", ["ivf", "ivf_sq8"])
def test_removed_asset_is_never_returned(kind: str) -> None:
    index, vectors = build(2_000, kind=kind), clustered(2_000)
    gone = pks(2_000)[42]
    index.remove([gone])
    assert index.size == 1_999 and gone not in index.ids()
    assert all(gone not in index.search(v, 50)[1] for v in vectors[:200])


def test_update_moves_the_asset() -> None:
    index, moved, target = build(2_000), pks(2_000)[5], clustered(2_000)[1_500]
    index.upsert([moved], target)
    assert index.size == 2_000
    assert moved in index.search(target, 3)[1]
    assert np.allclose(index.vectors([moved]), target)


@pytest.mark.parametrize("kind", ["flat", "ivf", "ivf_sq8"])
def test_vectors_are_returned_by_id(kind: str) -> None:
    index, vectors = build(2_000, kind=kind), clustered(2_000)
    got = index.vectors([pks(2_000)[9], pks(2_000)[0]])
    assert got.shape == (2, DIM) and np.allclose(got, vectors[[9, 0]], atol=0.02)
    assert index.vectors([]).shape == (0, DIM)


@pytest.mark.parametrize("kind", ["flat", "ivf", "ivf_sq8"])
def test_save_and_load_keep_kind_ids_and_results(kind: str, tmp_path: Path) -> None:
    index, query = build(2_000, kind=kind), clustered(1, seed=3)[0]
    index.remove([pks(2_000)[1]])
    index.save(tmp_path)
    loaded = AssetIndex.load(tmp_path, DIM, "test")
    assert loaded is not None and loaded.params == index.params and loaded.ids() == index.ids()
    for got, want in zip(loaded.search(query, 20), index.search(query, 20)):
        assert np.array_equal(got, want)
    loaded.remove([pks(2_000)[2]])
    assert pks(2_000)[2] not in loaded.ids()


def test_load_refuses_another_embedder(tmp_path: Path) -> None:
    build(10).save(tmp_path)
    assert AssetIndex.load(tmp_path, DIM, "another") is None
    assert AssetIndex.load(tmp_path / "missing", DIM, "test") is None


def test_growing_past_the_limit_converts_to_approximate() -> None:
    vectors = clustered(1_500)
    index = AssetIndex(DIM, "test", exact_limit=LIMIT)
    index.upsert(pks(1_500)[:LIMIT], vectors[:LIMIT])
    assert index.kind == "flat"
    index.upsert(pks(1_500)[LIMIT:], vectors[LIMIT:])
    assert index.kind == "ivf" and index.size == 1_500 and index.ids() == set(pks(1_500))
    assert pks(1_500)[1_200] in index.search(vectors[1_200], 5)[1]
    assert pks(1_500)[7] in index.search(vectors[7], 5)[1]


def test_unknown_kind_is_refused_with_the_options() -> None:
    with pytest.raises(ValueError, match="ivf_sq8"):
        AssetIndex(DIM, "test", approximate="hnsw")


def test_an_approximate_index_that_shrinks_becomes_exact_and_finds_everything():
    index = build(2_000)
    keep = pks(2_000)[-300:]
    index.remove(pks(2_000)[:-300])
    assert index.kind == "flat" and index.size == 300
    _, found = index.search(clustered(2_000)[-1], 300)
    assert sorted(found.tolist()) == sorted(keep)


def test_a_saved_index_whose_file_disagrees_with_its_metadata_is_ignored(tmp_path: Path):
    import json

    build(2_000).save(tmp_path)
    meta = json.loads((tmp_path / "assets.json").read_text())
    (tmp_path / "assets.json").write_text(json.dumps(meta | {"kind": "flat"}))
    assert AssetIndex.load(tmp_path, DIM, "test", exact_limit=LIMIT) is None
