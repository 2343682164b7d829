"""Statements: the sentences and list items of a profile, each with its own vector.

An explanation quotes statements, never whole facets, so each one is embedded
on its own. Vectors are cached in the database by a hash of the model and the
exact text (table ``statement_vectors``), so a statement that two profiles
share, or that a later explanation needs again, is encoded once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from matcher.db import StatementVectorRow
from matcher.profiles import LIST_FACETS, TEXT_FACETS, Profile
from matcher.vectors import text_hash

if TYPE_CHECKING:
    from matcher.embedding import Embedder

#: Most statements taken from one facet (a long description is cut, not embedded whole).
MAX_PER_FACET = 40
#: Statements shorter than this many characters say too little to quote.
MIN_CHARS = 12

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(‘“]?[A-ZÀ-ÖØ-Þ0-9])")


@dataclass(frozen=True)
class Statement:
    """One quotable statement: a list item, or a sentence of a text facet, as written."""

    facet: str
    text: str


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after . ! ? where a capital or digit follows."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def statements(profile: Profile, facets: Iterable[str] | None = None) -> list[Statement]:
    """The profile's statements of ``facets`` (default: every facet), in facet order."""
    wanted = set(facets) if facets is not None else None
    out: list[Statement] = []
    for facet in (*TEXT_FACETS, *LIST_FACETS):
        if wanted is not None and facet not in wanted:
            continue
        value = getattr(profile, facet)
        if not value:
            continue
        parts = list(value) if facet in LIST_FACETS else split_sentences(value)
        kept = [p for p in parts if len(p) >= MIN_CHARS or facet in LIST_FACETS]
        out.extend(Statement(facet, p) for p in kept[:MAX_PER_FACET])
    return out


def statement_vectors(
    session: Session | None, embedder: Embedder, texts: Sequence[str]
) -> np.ndarray:
    """Unit vectors of ``texts`` (rows in order), from the cache or encoded and cached now.

    Without a ``session`` nothing is cached.
    """
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    if not texts:
        return out
    digests = [text_hash(embedder.name, t) for t in texts]
    found: dict[str, np.ndarray] = {}
    if session is not None:
        unique = sorted(set(digests))
        for start in range(0, len(unique), 500):
            for digest, blob in session.execute(
                select(StatementVectorRow.text_hash, StatementVectorRow.vector).where(
                    StatementVectorRow.text_hash.in_(unique[start : start + 500])
                )
            ):
                vector = np.frombuffer(blob, dtype=np.float32)
                if len(vector) == embedder.dim:
                    found[digest] = vector
    missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in found}
    if missing:
        encoded = embedder.encode(list(missing.values()))
        found.update(zip(missing, encoded, strict=True))
        if session is not None:
            cache_vectors(session, embedder, {d: found[d] for d in missing})
    for i, digest in enumerate(digests):
        out[i] = found[digest]
    return out


def cache_vectors(session: Session, embedder: Embedder, vectors: dict[str, np.ndarray]) -> None:
    """Cache vectors; a row another process stored meanwhile is left as it is."""
    rows = [
        {
            "text_hash": digest,
            "model": embedder.name,
            "dim": embedder.dim,
            "vector": vector.astype(np.float32).tobytes(),
        }
        for digest, vector in vectors.items()
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(StatementVectorRow).on_conflict_do_nothing(), rows)
    session.commit()
