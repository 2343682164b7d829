import numpy as np
import pytest

from matcher.index import VectorIndex


def unit_vectors(n, dim=48, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("hnsw_from", [10**9, 1], ids=["exact", "hnsw"])
def test_search_agrees_with_brute_force(hnsw_from):
    vectors = unit_vectors(2000)
    ids = np.arange(1000, 3000, dtype=np.int64)
    index = VectorIndex(ids, vectors, hnsw_from=hnsw_from)
    assert index.exact is (hnsw_from > 2000)
    queries = unit_vectors(20, seed=1)
    recall = []
    for q in queries:
        truth = ids[np.argsort(-(vectors @ q))[:10]]
        hits = index.search(q, 10)
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        recall.append(len(set(truth) & {i for i, _ in hits}) / 10)
    assert np.mean(recall) >= (1.0 if index.exact else 0.95)


@pytest.mark.parametrize("hnsw_from", [10**9, 1], ids=["exact", "hnsw"])
def test_allowed_ids_are_searched_before_the_cut(hnsw_from):
    vectors = unit_vectors(500)
    ids = np.arange(500, dtype=np.int64)
    index = VectorIndex(ids, vectors, hnsw_from=hnsw_from)
    query = vectors[0]
    far = ids[np.argsort(vectors @ query)[:3]]  # the three least similar
    hits = index.search(query, 5, allowed=far)
    assert {i for i, _ in hits} == set(far)


def test_empty_index_and_empty_filter():
    assert (
        VectorIndex(np.empty(0, np.int64), np.empty((0, 0), np.float32)).search(np.ones(4), 3) == []
    )
    index = VectorIndex(np.arange(3), unit_vectors(3))
    assert index.search(unit_vectors(1)[0], 3, allowed=np.empty(0, np.int64)) == []


@pytest.mark.parametrize("hnsw_from", [10**9, 1], ids=["exact", "hnsw"])
def test_search_many_finds_what_each_search_finds(hnsw_from):
    """One batched call (as lookalikes are found), also with a narrower HNSW search."""
    vectors = unit_vectors(2000)
    ids = np.arange(2000, dtype=np.int64)
    index = VectorIndex(ids, vectors, hnsw_from=hnsw_from)
    queries = unit_vectors(30, seed=2)
    _, found = index.search_many(queries, 51, ef_search=128)
    assert found.shape == (30, 51)
    recall = []
    for q, row in zip(queries, found, strict=True):
        truth = ids[np.argsort(-(vectors @ q))[:51]]
        assert [i for i, _ in index.search(q, 51)] == list(row) or not index.exact
        recall.append(len(set(truth) & set(row)) / 51)
    assert np.mean(recall) >= (1.0 if index.exact else 0.95)
    _, none = index.search_many(queries, 5, allowed=np.empty(0, np.int64))
    assert none.shape == (30, 0)
