"""An in-memory snapshot of a set of organisations, for ranking and evaluation.

A :class:`Population` holds, index-aligned, what the rankers need of every
profile: identity fields, texts, tags, language-centred facet vectors (NaN
rows where a facet is missing) and the graph of known relationships.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.db import EmbeddingRow, ProfileRow
from matcher.index import LanguageCentring
from matcher.profiles import Profile
from matcher.store import to_profile


@dataclass
class Population:
    """Organisations ``0..n-1`` with everything a ranker may use.

    Attributes
    ----------
    ids
        Profile ids; ``index[id]`` is the row of an id.
    profiles
        The profiles themselves.
    vectors
        Facet name -> float32 array ``(n, dim)``, centred per language and
        L2-normalised; rows of profiles without that facet are NaN.
    graph
        Symmetric 0/1 CSR adjacency of known (current or past) relationships
        between members of the population.
    """

    ids: list[str]
    profiles: list[Profile]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    graph: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0)))

    def __post_init__(self) -> None:
        self.index = {pid: i for i, pid in enumerate(self.ids)}
        self.kinds = np.array([p.kind.value for p in self.profiles])
        self.countries = np.array([p.country or "" for p in self.profiles])
        self.languages: list[str | None] = [p.language for p in self.profiles]
        if self.graph.shape != (len(self), len(self)):
            self.graph = build_graph(self.ids, self.profiles)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def degree(self) -> np.ndarray:
        """Number of known partners inside the population, per organisation."""
        return np.asarray(self.graph.sum(axis=1)).ravel()

    def texts(self) -> list[str]:
        """The whole-profile text of every organisation (for text baselines and features)."""
        return [p.profile_text() for p in self.profiles]

    def subset(self, rows: np.ndarray) -> Population:
        """The members at ``rows``, with their vectors and the relationships among them."""
        rows = np.asarray(rows, dtype=np.int64)
        graph = sp.csr_matrix(self.graph[rows][:, rows])
        return Population(
            [self.ids[i] for i in rows],
            [self.profiles[i] for i in rows],
            {facet: matrix[rows] for facet, matrix in self.vectors.items()},
            graph,
        )

    @classmethod
    def from_profiles(
        cls, profiles: list[Profile], vectors: dict[str, np.ndarray] | None = None
    ) -> Population:
        ids = [p.ensure_id() for p in profiles]
        return cls(ids, profiles, vectors or {})

    @classmethod
    def load(
        cls, session: Session, model: str, facets: tuple[str, ...] | None = None
    ) -> Population:
        """Every stored profile, with the stored vectors of ``model`` (all facets by default)."""
        rows = session.scalars(
            select(ProfileRow)
            .order_by(ProfileRow.pk)
            .options(selectinload(ProfileRow.relationships))
        ).all()
        profiles = [to_profile(row) for row in rows]
        position = {row.pk: i for i, row in enumerate(rows)}
        query = select(EmbeddingRow.profile_pk, EmbeddingRow.facet, EmbeddingRow.vector).where(
            EmbeddingRow.model == model
        )
        if facets is not None:
            query = query.where(EmbeddingRow.facet.in_(facets))
        raw: dict[str, list[tuple[int, bytes]]] = {}
        for pk, facet, blob in session.execute(query):
            raw.setdefault(facet, []).append((position[pk], blob))
        population = cls.from_profiles(profiles)
        population.vectors = {
            facet: centred_matrix(items, len(rows), population.languages)
            for facet, items in raw.items()
        }
        return population


def centred_matrix(
    items: list[tuple[int, bytes]], n: int, languages: list[str | None]
) -> np.ndarray:
    """Rows from stored vectors, centred per language; NaN where a profile has none."""
    first = np.frombuffer(items[0][1], dtype=np.float32)
    matrix = np.full((n, first.size), np.nan, dtype=np.float32)
    rows = np.fromiter((i for i, _ in items), dtype=np.int64, count=len(items))
    matrix[rows] = np.frombuffer(b"".join(b for _, b in items), dtype=np.float32).reshape(
        len(items), -1
    )
    langs = [languages[i] for i in rows]
    centring = LanguageCentring().fit(matrix[rows], langs)
    matrix[rows] = centring.transform(matrix[rows], langs)
    return matrix


def build_graph(ids: list[str], profiles: list[Profile]) -> sp.csr_matrix:
    """Symmetric adjacency of relationships whose partner is a member (by id)."""
    index = {pid: i for i, pid in enumerate(ids)}
    a, b = [], []
    for i, profile in enumerate(profiles):
        for rel in profile.relationships:
            j = index.get(rel.partner)
            if j is not None and j != i:
                a.append(i)
                b.append(j)
    n = len(ids)
    graph = sp.coo_matrix((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n)).tocsr()
    graph = ((graph + graph.T) > 0).astype(np.float32)
    return sp.csr_matrix(graph)
