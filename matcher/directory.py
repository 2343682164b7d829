"""What the click model needs to know about the whole stored directory of profiles.

A shortlist re-ranks a few hundred candidates, but the click model's features
are relative to the population they live in: how many partners a candidate
has compared with everyone else, which partners two organisations share, how
similar a candidate is compared with how similar everyone is. A
:class:`Directory` holds those population-wide facts once per database and
embedding model (the partner graph, degrees, each facet's language centring
and a sample for similarity statistics) and is rebuilt only when profiles,
relationships or vectors change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.db import DIRECTORY, EmbeddingRow, ProfileRow, RelationshipRow, RevisionCache
from matcher.index import LanguageCentring
from matcher.vectors import EMBEDDED_FACETS, PROFILE

#: Vectors per facet used to fit its language centring and the similarity sample.
SAMPLE = 20_000


@dataclass
class Directory:
    """Population-wide facts of the stored profiles, by profile pk.

    Attributes
    ----------
    pks
        Sorted profile pks; ``row[pk]`` is a profile's position.
    graph
        Symmetric 0/1 CSR adjacency of relationships between profiles of the shared
        directory. A workspace's own profiles are nodes without edges: their
        relationships count for that workspace's own queries only (see
        :func:`matcher.shortlist.slice_features`), so one workspace's partners never
        change another's partner counts.
    private
        True for a workspace's own profile.
    degree, degree_pct
        Partners per profile, and its percentile among the shared directory's.
    mean_degree
        Mean number of partners in the shared directory.
    centring
        Per facet, the language centring fitted on the stored vectors.
    sample
        Centred whole-profile vectors of up to :data:`SAMPLE` profiles, for the
        spread of a query's similarity to everyone.
    """

    pks: np.ndarray
    ids: list[str]
    graph: sp.csr_matrix
    private: np.ndarray
    degree: np.ndarray
    degree_pct: np.ndarray
    mean_degree: float
    centring: dict[str, LanguageCentring]
    sample: np.ndarray

    def __post_init__(self) -> None:
        self.row = {int(pk): i for i, pk in enumerate(self.pks)}
        self.row_of_id = {pid: i for i, pid in enumerate(self.ids)}
        #: Pks of the shared directory's profiles, for a search restricted to them; None
        #: when no profile is a workspace's own (every pk is shared).
        self.shared_pks: np.ndarray | None = self.pks[~self.private] if self.private.any() else None

    def neighbours(self, rows: np.ndarray) -> np.ndarray:
        """Rows of everyone related to any of ``rows``."""
        if len(rows) == 0:
            return rows
        return np.unique(self.graph[rows].indices).astype(np.int64)

    @classmethod
    def load(cls, session: Session, model: str) -> Directory:
        identity = session.execute(
            select(
                ProfileRow.pk, ProfileRow.id, ProfileRow.language, ProfileRow.workspace_pk
            ).order_by(ProfileRow.pk)
        ).all()
        pks = np.array([pk for pk, *_ in identity], dtype=np.int64)
        ids = [pid for _, pid, *_ in identity]
        languages = {pk: language for pk, _, language, _ in identity}
        private = np.array([owner is not None for *_, owner in identity], dtype=bool)
        row = {int(pk): i for i, pk in enumerate(pks)}
        row_of_id = {pid: i for i, pid in enumerate(ids)}
        a, b = [], []
        for profile_pk, partner in session.execute(
            select(RelationshipRow.profile_pk, RelationshipRow.partner)
        ):
            j = row_of_id.get(partner)
            i = row[profile_pk]
            if j is not None and j != i and not private[i] and not private[j]:
                a.append(i)
                b.append(j)
        n = len(pks)
        graph = sp.coo_matrix((np.ones(len(a), dtype=np.float32), (a, b)), shape=(n, n)).tocsr()
        graph = sp.csr_matrix(((graph + graph.T) > 0).astype(np.float32))
        degree = np.asarray(graph.sum(axis=1)).ravel()
        shared = degree[~private]
        pct = degree_percentiles(shared, degree)
        centring: dict[str, LanguageCentring] = {}
        sample = np.zeros((0, 0), dtype=np.float32)
        for facet in EMBEDDED_FACETS:
            found = session.execute(
                select(EmbeddingRow.profile_pk, EmbeddingRow.vector)
                .where(EmbeddingRow.model == model, EmbeddingRow.facet == facet)
                .order_by(EmbeddingRow.profile_pk)
                .limit(SAMPLE)
            ).all()
            if not found:
                continue
            matrix = np.stack([np.frombuffer(v, dtype=np.float32) for _, v in found])
            langs = [languages.get(pk) for pk, _ in found]
            centring[facet] = LanguageCentring().fit(matrix, langs)
            if facet == PROFILE:
                sample = centring[facet].transform(matrix, langs)
        return cls(
            pks=pks,
            ids=ids,
            graph=graph,
            private=private,
            degree=degree,
            degree_pct=np.asarray(pct, dtype=np.float64),
            mean_degree=max(float(shared.mean()), 1e-9) if len(shared) else 1.0,
            centring=centring,
            sample=sample,
        )


def degree_percentiles(population: np.ndarray, degrees: np.ndarray) -> np.ndarray:
    """Percentile of each of ``degrees`` partners among ``population``'s numbers of partners.

    The average rank of the tied group over the population's size
    (``rankdata(method="average") / n`` for members of the population), so an
    outsider with a member's number of partners gets that member's percentile.
    """
    degrees = np.asarray(degrees, dtype=np.float64)
    n = len(population)
    if n == 0:
        return np.full(len(degrees), 0.5)
    ordered = np.sort(population)
    less = np.searchsorted(ordered, degrees, side="left")
    equal = np.searchsorted(ordered, degrees, side="right") - less
    return np.asarray((less + (np.maximum(equal, 1) + 1) / 2) / n, dtype=np.float64)


class DirectoryCache:
    """One :class:`Directory` per (database, model), rebuilt when the database's
    ``directory`` :func:`~matcher.db.revision` moves."""

    def __init__(self) -> None:
        self._cache: RevisionCache[Directory] = RevisionCache(DIRECTORY)

    def get(self, session: Session, model: str) -> Directory:
        return self._cache.get(session, (model,), lambda: Directory.load(session, model))


#: Shared by the CLI and the API within one process.
directories = DirectoryCache()
