"""Ranking metrics against values computed by hand."""

import math

import numpy as np
import pytest

from matcher.metrics import (
    hits,
    ndcg_at_k,
    ndcg_from_hits,
    recall_at_k,
    recall_from_hits,
    reciprocal_rank,
    rr_from_hits,
)


def test_ndcg_perfect_ranking_is_one():
    assert ndcg_at_k(["a", "b", "c", "d"], {"a", "b"}, 10) == pytest.approx(1.0)


def test_ndcg_hand_computed():
    # Relevant at ranks 2 and 4: DCG = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3).
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k([10, 20, 30, 40, 50], [20, 40], 10) == pytest.approx(dcg / ideal)


def test_ndcg_ideal_uses_min_of_k_and_relevant():
    # Three relevant ids, cut-off 2: ideal DCG has two terms, so two hits on top give 1.0.
    assert ndcg_at_k([1, 2, 3], [1, 2, 3], 2) == pytest.approx(1.0)
    # One hit at rank 2 of k=2, three relevant: (1/log2 3) / (1 + 1/log2 3).
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k([9, 1, 2], [1, 2, 3], 2) == pytest.approx(expected)


def test_ndcg_ignores_hits_below_the_cut_off():
    assert ndcg_at_k([1, 2, 3, 4], [4], 3) == 0.0


def test_ndcg_counts_relevant_ids_missing_from_the_ranking():
    # Two relevant, one of them unranked: DCG = 1, ideal = 1 + 1/log2(3).
    assert ndcg_at_k([7, 8], [7, 99], 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_recall_hand_computed():
    assert recall_at_k([1, 2, 3, 4, 5], [2, 5, 9], 2) == pytest.approx(1 / 3)
    assert recall_at_k([1, 2, 3, 4, 5], [2, 5, 9], 5) == pytest.approx(2 / 3)
    assert recall_at_k([1, 2, 3], [1, 2, 3], 2) == pytest.approx(2 / 3)


def test_reciprocal_rank_hand_computed():
    assert reciprocal_rank(["x", "y", "z"], {"z"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x", "y", "z"], {"y", "z"}) == pytest.approx(1 / 2)
    assert reciprocal_rank(["x", "y"], {"q"}) == 0.0


def test_numpy_inputs_and_duplicated_relevant_ids():
    ranked = np.array([3, 1, 2])
    relevant = np.array([1, 1])
    assert recall_at_k(ranked, relevant, 2) == pytest.approx(1.0)
    assert ndcg_at_k(ranked, relevant, 2) == pytest.approx(1 / math.log2(3))


def test_hit_variants_match():
    ranked, relevant = [5, 3, 8, 1, 9], [8, 9, 4]
    hit = hits(ranked, relevant)
    assert hit.tolist() == [False, False, True, False, True]
    assert ndcg_from_hits(hit, 3, 4) == ndcg_at_k(ranked, relevant, 4)
    assert recall_from_hits(hit, 3, 4) == recall_at_k(ranked, relevant, 4)
    assert rr_from_hits(hit) == reciprocal_rank(ranked, relevant)


def test_empty_ranking_scores_zero():
    assert ndcg_at_k([], [1], 10) == 0.0
    assert recall_at_k([], [1], 10) == 0.0
    assert reciprocal_rank([], [1]) == 0.0


@pytest.mark.parametrize(
    "metric",
    [
        lambda: ndcg_at_k([1, 2], [], 10),
        lambda: recall_at_k([1, 2], set(), 10),
        lambda: reciprocal_rank([1, 2], []),
        lambda: ndcg_at_k([1, 2], [1], 0),
    ],
)
def test_undefined_inputs_raise(metric):
    with pytest.raises(ValueError):
        metric()
