"""One interface for every ranker of partners: the learned click model and the baselines.

Modelled on ``implicit``'s ``RecommenderBase``: ``fit`` learns from a
population and its known partnerships, ``score`` rates candidates for one
query organisation, ``recommend`` returns the best ``k``, and ``save``/``load``
persist a fitted ranker as a folder with a ``config.json``.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from matcher.population import Population


@dataclass(frozen=True)
class Partnerships:
    """Known partnerships (labels) between members of a population, by row index.

    ``new[k]`` is true where pair ``k`` had not worked together before.
    """

    a: np.ndarray
    b: np.ndarray
    new: np.ndarray

    def __len__(self) -> int:
        return len(self.a)

    def subset(self, rows: np.ndarray, n: int) -> Partnerships:
        """The pairs with both ends in ``rows`` (of a population of ``n``), re-indexed to them.

        Matches :meth:`Population.subset` of the same rows.
        """
        position = np.full(n, -1, dtype=np.int64)
        position[rows] = np.arange(len(rows))
        a, b = position[self.a], position[self.b]
        keep = (a >= 0) & (b >= 0)
        return Partnerships(a[keep], b[keep], np.asarray(self.new)[keep])


class Recommender(ABC):
    """A ranker of candidate partners for a query organisation."""

    #: Short, stable name used in reports and ``config.json``.
    name: ClassVar[str]

    def fit(self, population: Population, partnerships: Partnerships) -> Self:
        """Learn from ``population`` and its partnerships; the default learns nothing."""
        return self

    @abstractmethod
    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        """Scores (higher is better) of ``candidates`` (row indices) as partners of ``query``."""

    def recommend(
        self,
        population: Population,
        query: int,
        k: int,
        *,
        candidates: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best candidates (never the query itself) and their scores, best first."""
        if candidates is None:
            candidates = np.arange(len(population))
        candidates = candidates[candidates != query]
        scores = np.asarray(self.score(population, query, candidates), dtype=np.float64)
        k = min(k, len(candidates))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(candidates) else np.arange(k)
        # Stable tie-break on the candidate index keeps rankings reproducible.
        order = top[np.lexsort((candidates[top], -scores[top]))]
        return candidates[order], scores[order]

    def config(self) -> dict[str, Any]:
        """What ``save`` writes to ``config.json`` beside any weights."""
        return {"name": self.name}

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        (path / "config.json").write_text(json.dumps(self.config(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> Self:
        config = json.loads((path / "config.json").read_text())
        if config.get("name") != cls.name:
            raise ValueError(f"{path} holds a {config.get('name')!r} model, not {cls.name!r}")
        return cls()
