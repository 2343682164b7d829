"""Ranking metrics with binary relevance: NDCG@k, Recall@k and reciprocal rank.

Every function takes a ranking (best first, distinct ids) and the set of
relevant ids; ids may be of any hashable type numpy can compare (row indices,
profile ids). Relevant ids missing from the ranking still count: they are
simply never found. An empty set of relevant ids has no defined score and
raises :class:`ValueError`; callers skip such queries.

The ``*_from_hits`` variants take the 0/1 relevance of each ranked position
instead, for callers that rank many queries and already know it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "hits",
    "ndcg_at_k",
    "ndcg_from_hits",
    "recall_at_k",
    "recall_from_hits",
    "reciprocal_rank",
    "rr_from_hits",
]

Ranking = Sequence[Any] | npt.NDArray[Any]
Relevant = Collection[Any] | npt.NDArray[Any]


def hits(ranked: Ranking, relevant: Relevant) -> npt.NDArray[np.bool_]:
    """Whether each ranked item is relevant: a boolean array as long as ``ranked``."""
    ranked_array = np.asarray(ranked)
    relevant_array = _as_array(relevant)
    if ranked_array.size == 0 or relevant_array.size == 0:
        return np.zeros(ranked_array.size, dtype=bool)
    return np.isin(ranked_array, relevant_array)


def _as_array(relevant: Relevant) -> npt.NDArray[Any]:
    return relevant if isinstance(relevant, np.ndarray) else np.asarray(list(relevant))


def _n_relevant(relevant: Relevant) -> int:
    n = np.unique(_as_array(relevant)).size
    if n == 0:
        raise ValueError("no relevant items: the metric is undefined")
    return n


def _check(n_relevant: int, k: int | None = None) -> None:
    if n_relevant <= 0:
        raise ValueError("no relevant items: the metric is undefined")
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, not {k}")


def ndcg_from_hits(hit: npt.NDArray[np.bool_], n_relevant: int, k: int) -> float:
    """NDCG@k of a ranking given the relevance of each position (see :func:`ndcg_at_k`)."""
    _check(n_relevant, k)
    top = np.asarray(hit[:k], dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    dcg = float(top @ discounts[: top.size])
    ideal = float(discounts[: min(k, n_relevant)].sum())
    return dcg / ideal


def recall_from_hits(hit: npt.NDArray[np.bool_], n_relevant: int, k: int) -> float:
    """Recall@k of a ranking given the relevance of each position (see :func:`recall_at_k`)."""
    _check(n_relevant, k)
    return float(np.count_nonzero(hit[:k])) / n_relevant


def rr_from_hits(hit: npt.NDArray[np.bool_]) -> float:
    """Reciprocal rank given the relevance of each position; 0.0 if nothing relevant is ranked."""
    found = np.flatnonzero(hit)
    return 0.0 if found.size == 0 else 1.0 / (int(found[0]) + 1)


def ndcg_at_k(ranked: Ranking, relevant: Relevant, k: int) -> float:
    """Normalised discounted cumulative gain of the top ``k``, binary relevance.

    ``DCG@k = sum(rel_i / log2(i + 1) for i = 1..k)``, divided by the DCG of an
    ideal ranking, which puts ``min(k, |relevant|)`` relevant items on top.

    Parameters
    ----------
    ranked
        Ranked ids, best first, without duplicates.
    relevant
        The relevant ids (non-empty).
    k
        Cut-off, at least 1.

    Returns
    -------
    float
        In ``[0, 1]``; 1.0 when the top ``min(k, |relevant|)`` are all relevant.
    """
    return ndcg_from_hits(hits(ranked, relevant), _n_relevant(relevant), k)


def recall_at_k(ranked: Ranking, relevant: Relevant, k: int) -> float:
    """Share of the relevant ids found in the top ``k`` of ``ranked``.

    The denominator is ``|relevant|`` (not ``min(k, |relevant|)``), so a query
    with more than ``k`` relevant ids cannot reach 1.0.
    """
    return recall_from_hits(hits(ranked, relevant), _n_relevant(relevant), k)


def reciprocal_rank(ranked: Ranking, relevant: Relevant) -> float:
    """``1 / rank`` of the first relevant id in ``ranked`` (rank 1 is the best), 0.0 if none."""
    _n_relevant(relevant)
    return rr_from_hits(hits(ranked, relevant))
