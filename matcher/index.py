"""Nearest-neighbour search over stored profile vectors, with faiss.

Vectors are L2-normalised, so inner product is cosine similarity. Small
collections get an exact flat index; from ``hnsw_from`` vectors on, an HNSW
graph keeps a query fast at hundreds of thousands of profiles.

Multilingual encoders place each language around its own centroid, so an
English query prefers English texts over a Dutch text that says the same.
:class:`LanguageCentring` removes each language's mean vector before search
(Libovický et al., 2020, "On the language neutrality of pre-trained
multilingual representations"); on the demo profiles it lifted an English
strategy's Dutch partner from rank 8 to rank 1.
"""

from __future__ import annotations

import faiss
import numpy as np
from sqlalchemy.orm import Session

from matcher.db import VECTORS, RevisionCache
from matcher.vectors import PROFILE, load_vectors


class VectorIndex:
    """Cosine search by faiss over vectors keyed by integer ids (profile pks).

    Parameters
    ----------
    ids, vectors
        One id per row of ``vectors`` (float32, L2-normalised).
    hnsw_from
        Collections of at least this many vectors use HNSW instead of exact search.
    """

    def __init__(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        hnsw_from: int = 50_000,
        hnsw_m: int = 32,
        ef_search: int = 256,
    ) -> None:
        self.size = len(ids)
        self.dim = int(vectors.shape[1]) if self.size else 0
        self.exact = self.size < hnsw_from
        self.ef_search = ef_search
        self._index: faiss.Index | None = None
        if not self.size:
            return
        if self.exact:
            inner: faiss.Index = faiss.IndexFlatIP(self.dim)
        else:
            inner = faiss.IndexHNSWFlat(self.dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 80
        index = faiss.IndexIDMap2(inner)
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        self._index = index

    def search(
        self, query: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest ids to ``query`` as (id, cosine), best first.

        ``allowed`` restricts the search to those ids *inside* the index, so a
        filter never empties a shortlist that has matches.
        """
        scores, ids = self.search_many(query.reshape(1, -1), k, allowed=allowed)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]

    def search_many(
        self,
        queries: np.ndarray,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        ef_search: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest ids to each row of ``queries``, best first, in one call:
        (cosines, ids), each ``len(queries) x min(k, size)``, id -1 where none is left.

        ``ef_search`` overrides the index's HNSW search breadth (at least ``k``)."""
        k = min(k, self.size)
        empty = (np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64))
        if self._index is None or k <= 0 or len(queries) == 0:
            return empty
        if allowed is not None and len(allowed) == 0:
            return empty
        selector = None if allowed is None else faiss.IDSelectorBatch(allowed.astype(np.int64))
        if self.exact:
            # faiss's type stubs lack the keyword constructors of its SWIG classes.
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        else:
            params = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]
                sel=selector, efSearch=max(ef_search or self.ef_search, k)
            )
        q = np.ascontiguousarray(queries, dtype=np.float32)
        scores, ids = self._index.search(q, k, params=params)
        return scores, ids


class LanguageCentring:
    """Subtract each language's mean vector, then re-normalise.

    Languages with fewer than ``min_count`` vectors (and unknown languages) use
    the mean of all vectors; below ``min_count`` vectors in all, nothing changes.
    """

    def __init__(self, min_count: int = 20) -> None:
        self.min_count = min_count
        self.means_: dict[str | None, np.ndarray] = {}
        self.global_mean_: np.ndarray | None = None

    def fit(self, vectors: np.ndarray, languages: list[str | None]) -> LanguageCentring:
        self.means_ = {}
        self.global_mean_ = None
        if len(vectors) < self.min_count:
            return self
        self.global_mean_ = vectors.mean(axis=0)
        codes = np.array([lang or "" for lang in languages])
        for code in set(codes.tolist()):
            mask = codes == code
            if code and mask.sum() >= self.min_count:
                self.means_[code] = vectors[mask].mean(axis=0)
        return self

    def transform(self, vectors: np.ndarray, languages: list[str | None]) -> np.ndarray:
        if self.global_mean_ is None:
            return vectors
        means = np.stack([self.means_.get(lang, self.global_mean_) for lang in languages])
        centred = vectors - means
        norms = np.linalg.norm(centred, axis=1, keepdims=True)
        return (centred / np.maximum(norms, 1e-12)).astype(np.float32)


class ProfileIndex:
    """Language-centred vectors of one facet, searchable by a query in any language."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, languages: list[str | None]) -> None:
        self.centring = LanguageCentring().fit(vectors, languages)
        self.vectors = VectorIndex(ids, self.centring.transform(vectors, languages))

    def search(
        self,
        query: np.ndarray,
        language: str | None,
        k: int,
        *,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        centred = self.centring.transform(query.reshape(1, -1), [language])[0]
        return self.vectors.search(centred, k, allowed=allowed)


class IndexCache:
    """One index per (database, model, facet), rebuilt only when vectors change.

    Each use reads the database's ``vectors`` :func:`~matcher.db.revision` (one row),
    which triggers move with every insert, update or delete of an embedding.
    """

    def __init__(self) -> None:
        self._cache: RevisionCache[ProfileIndex] = RevisionCache(VECTORS)

    def get(self, session: Session, model: str, facet: str = PROFILE) -> ProfileIndex:
        return self._cache.get(
            session, (model, facet), lambda: ProfileIndex(*load_vectors(session, model, facet))
        )


#: Shared by the CLI and the API within one process.
indexes = IndexCache()
