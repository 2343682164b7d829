"""Baseline rankers of partners, to measure the learned click model against.

None of them learns from partnerships: ``random``, ``popularity``, ``network``
and ``embedding`` read only the population, and ``tfidf`` fits its vocabulary
on the population's texts (unsupervised), so each may be fitted on, and used
for, the population it is evaluated on.

Every scorer is vectorised: one query costs a few sparse or dense products
over the whole population, whatever the number of candidates. What a scorer
derives from a population (normalised vectors, degrees, TF-IDF rows) is cached
for the last population it saw.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Generic, Self, TypeVar

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from matcher.population import Population
from matcher.recommender import Partnerships, Recommender

__all__ = [
    "ALL_BASELINES",
    "EmbeddingRecommender",
    "NetworkRecommender",
    "PopularityRecommender",
    "RandomRecommender",
    "TfidfRecommender",
    "make_baselines",
]

T = TypeVar("T")
FloatArray = npt.NDArray[np.float64]


class _PerPopulation(Generic[T]):
    """A value derived from one population, recomputed when another population comes."""

    def __init__(self, compute: Callable[[Population], T]) -> None:
        self._compute = compute
        self._owner: weakref.ref[Population] | None = None
        self._value: T | None = None

    def get(self, population: Population) -> T:
        if self._owner is None or self._owner() is not population or self._value is None:
            self._value = self._compute(population)
            self._owner = weakref.ref(population)
        return self._value

    def clear(self) -> None:
        self._owner = None
        self._value = None


def _read_config(path: Path, name: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((path / "config.json").read_text())
    if config.get("name") != name:
        raise ValueError(f"{path} holds a {config.get('name')!r} model, not {name!r}")
    return config


def _degree(population: Population) -> FloatArray:
    return np.asarray(population.degree, dtype=np.float64)


class RandomRecommender(Recommender):
    """Uniformly random scores, reproducible per ``(random_state, query)``.

    A candidate's score depends only on the seed, the query and the candidate,
    not on which other candidates are scored.
    """

    name: ClassVar[str] = "random"

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng([self.random_state, query])
        return rng.random(len(population))[candidates]

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "random_state": self.random_state}

    @classmethod
    def load(cls, path: Path) -> Self:
        return cls(random_state=int(_read_config(path, cls.name).get("random_state", 0)))


class PopularityRecommender(Recommender):
    """Candidates with more known partners in the population first (the query is ignored)."""

    name: ClassVar[str] = "popularity"

    def __init__(self) -> None:
        self._degree = _PerPopulation(_degree)

    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        return self._degree.get(population)[candidates]


class _Network:
    """The graph and the Adamic-Adar weights of its nodes."""

    def __init__(self, population: Population) -> None:
        self.graph = sp.csr_matrix(population.graph, dtype=np.float64)
        degree = np.asarray(self.graph.sum(axis=1)).ravel()
        self.degree = degree
        # A common neighbour of two distinct nodes has degree >= 2, so log(degree) > 0.
        weights = np.zeros_like(degree)
        np.divide(1.0, np.log(np.maximum(degree, 2.0)), out=weights, where=degree >= 2)
        self.weighted = sp.csr_matrix(self.graph @ sp.diags(weights))
        top = degree.max() if degree.size else 0.0
        self.popularity = degree / (top + 1.0)


class NetworkRecommender(Recommender):
    """Adamic-Adar on the graph of known relationships, past partners on top.

    ``score = past_bonus * [past partner] + AA(query, candidate) + tie_break * popularity``
    with ``AA(q, c) = sum(1 / log(degree(z)) for z common neighbour of q and c)``
    and popularity the degree scaled into ``[0, 1)``. The bonus puts every
    known partner above every other candidate (an Adamic-Adar score cannot
    reach 1e6 below a million partners); the tiny popularity term orders the
    many candidates without a common neighbour.
    """

    name: ClassVar[str] = "network"

    def __init__(self, past_bonus: float = 1e6, tie_break: float = 1e-6) -> None:
        self.past_bonus = past_bonus
        self.tie_break = tie_break
        self._network = _PerPopulation(_Network)

    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        net = self._network.get(population)
        adamic_adar = (net.weighted[query] @ net.graph).toarray().ravel()
        past = net.graph[query].toarray().ravel()
        scores = self.past_bonus * past + adamic_adar + self.tie_break * net.popularity
        return scores[candidates]

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "past_bonus": self.past_bonus, "tie_break": self.tie_break}

    @classmethod
    def load(cls, path: Path) -> Self:
        config = _read_config(path, cls.name)
        return cls(
            past_bonus=float(config.get("past_bonus", 1e6)),
            tie_break=float(config.get("tie_break", 1e-6)),
        )


class _UnitRows:
    """One facet's vectors, rows re-normalised; rows without a vector are flagged."""

    def __init__(self, population: Population, facet: str) -> None:
        if facet not in population.vectors:
            raise ValueError(f"the population has no {facet!r} vectors: embed it first")
        matrix = np.asarray(population.vectors[facet], dtype=np.float32)
        self.missing: npt.NDArray[np.bool_] = np.asarray(np.isnan(matrix).any(axis=1))
        clean = np.where(self.missing[:, None], 0.0, matrix).astype(np.float32)
        norms = np.linalg.norm(clean, axis=1, keepdims=True)
        self.unit = clean / np.maximum(norms, 1e-12)


class EmbeddingRecommender(Recommender):
    """Cosine similarity of one facet's language-centred vectors (``profile`` by default).

    Candidates without a vector score ``-inf``; a query without one gives 0.0
    to every candidate that has one.
    """

    name: ClassVar[str] = "embedding"

    def __init__(self, facet: str = "profile") -> None:
        self.facet = facet
        self._rows = _PerPopulation(lambda population: _UnitRows(population, self.facet))

    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        rows = self._rows.get(population)
        scores = (rows.unit @ rows.unit[query]).astype(np.float64)
        scores[rows.missing] = -np.inf
        return scores[candidates]

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "facet": self.facet}

    @classmethod
    def load(cls, path: Path) -> Self:
        return cls(facet=str(_read_config(path, cls.name).get("facet", "profile")))


class TfidfRecommender(Recommender):
    """Cosine similarity of TF-IDF vectors (sublinear tf) of the whole-profile texts.

    ``fit`` learns the vocabulary and idf from the population's texts; no
    partnership is read. A recommender that was never fitted fits itself on
    the first population it scores; a fitted one scores any population with
    its own vocabulary. ``save`` keeps the vocabulary and idf.
    """

    name: ClassVar[str] = "tfidf"
    VOCABULARY_FILE: ClassVar[str] = "tfidf.json"

    def __init__(self) -> None:
        self.vectorizer: TfidfVectorizer | None = None
        self._matrix = _PerPopulation(self._transform)

    @staticmethod
    def _new_vectorizer(vocabulary: list[str] | None = None) -> TfidfVectorizer:
        return TfidfVectorizer(sublinear_tf=True, dtype=np.float64, vocabulary=vocabulary)

    def fit(self, population: Population, partnerships: Partnerships) -> Self:
        self.vectorizer = self._new_vectorizer().fit(population.texts())
        self._matrix.clear()
        return self

    def _transform(self, population: Population) -> sp.csr_matrix:
        if self.vectorizer is None:
            self.vectorizer = self._new_vectorizer().fit(population.texts())
        return sp.csr_matrix(self.vectorizer.transform(population.texts()))

    def score(self, population: Population, query: int, candidates: np.ndarray) -> np.ndarray:
        matrix = self._matrix.get(population)
        scores = (matrix @ matrix[query].T).toarray().ravel()
        return scores[candidates]

    def save(self, path: Path) -> None:
        super().save(path)
        if self.vectorizer is not None:
            data = {
                "vocabulary": self.vectorizer.get_feature_names_out().tolist(),
                "idf": self.vectorizer.idf_.tolist(),
            }
            (path / self.VOCABULARY_FILE).write_text(json.dumps(data, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Self:
        _read_config(path, cls.name)
        recommender = cls()
        saved = path / cls.VOCABULARY_FILE
        if saved.is_file():
            data = json.loads(saved.read_text())
            vectorizer = cls._new_vectorizer(list(data["vocabulary"]))
            vectorizer.idf_ = np.asarray(data["idf"], dtype=np.float64)
            recommender.vectorizer = vectorizer
        return recommender


#: Every baseline, in the order reports list them; each is constructible without arguments.
ALL_BASELINES: list[type[Recommender]] = [
    RandomRecommender,
    TfidfRecommender,
    EmbeddingRecommender,
    PopularityRecommender,
    NetworkRecommender,
]


def make_baselines(random_state: int = 0) -> list[Recommender]:
    """One instance of every baseline, with default settings and the given random seed."""
    return [
        RandomRecommender(random_state) if cls is RandomRecommender else cls()
        for cls in ALL_BASELINES
    ]
