"""Shortlists: who should we approach, given our profile?

This first version ranks by cosine similarity of whole-profile embeddings,
centred per language (see :mod:`matcher.index`). Filters are applied inside
the vector search, before the cut.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.db import ProfileRow, RelationshipRow
from matcher.embedding import Embedder
from matcher.index import indexes
from matcher.language import detect_language
from matcher.profiles import Profile
from matcher.store import get_row, prepare, to_profile
from matcher.vectors import PROFILE, stored_vector


class QueryError(ValueError):
    """The 'for' of a shortlist names no stored profile and no readable file."""


@dataclass
class Filters:
    kinds: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    exclude_partners: bool = False

    def active(self) -> bool:
        return bool(self.kinds or self.countries or self.exclude_partners)


@dataclass
class Query:
    profile: Profile
    pk: int | None = None


@dataclass
class Candidate:
    rank: int
    profile: Profile
    similarity: float


def resolve_query(session: Session, id_or_file: str) -> Query:
    """A stored profile's id, a JSON profile file, or a text file describing the strategy."""
    row = get_row(session, id_or_file)
    if row is not None:
        return Query(to_profile(row), row.pk)
    path = Path(id_or_file)
    if not path.is_file():
        raise QueryError(f"{id_or_file!r} is neither a stored profile id nor a file")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise QueryError(
                f"{path.name}: not valid JSON ({error.msg}, line {error.lineno})"
            ) from None
        try:
            return Query(prepare(Profile.model_validate(data)))
        except ValueError as error:
            raise QueryError(f"{path.name}: not a valid profile: {_first_error(error)}") from None
    if not text.strip():
        raise QueryError(f"{path.name}: the file is empty")
    return Query(prepare(Profile(name=path.stem, description=text[:20000])))


def _first_error(error: ValueError) -> str:
    errors = getattr(error, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "profile"
        return f"{where}: {first['msg']}"
    return str(error)


def query_vector(session: Session, embedder: Embedder, query: Query) -> np.ndarray:
    if query.pk is not None:
        vector = stored_vector(session, query.pk, embedder.name, PROFILE)
        if vector is not None:
            return vector
    return embedder.encode([query.profile.profile_text()])[0]


def _allowed(session: Session, query: Query, filters: Filters) -> np.ndarray | None:
    if not filters.active():
        return None
    statement = select(ProfileRow.pk)
    if filters.kinds:
        statement = statement.where(ProfileRow.kind.in_(filters.kinds))
    if filters.countries:
        statement = statement.where(ProfileRow.country.in_([c.upper() for c in filters.countries]))
    if filters.exclude_partners:
        partners = {r.partner for r in query.profile.relationships}
        partners |= set(
            session.scalars(
                select(ProfileRow.id)
                .join(RelationshipRow, RelationshipRow.profile_pk == ProfileRow.pk)
                .where(RelationshipRow.partner == query.profile.id)
            )
        )
        if partners:
            statement = statement.where(ProfileRow.id.not_in(partners))
    return np.fromiter(session.scalars(statement), dtype=np.int64)


def shortlist(
    session: Session,
    embedder: Embedder,
    query: Query,
    *,
    top: int = 5,
    filters: Filters | None = None,
) -> list[Candidate]:
    """The ``top`` stored profiles closest to the query, never the query itself."""
    filters = filters or Filters()
    index = indexes.get(session, embedder.name, PROFILE)
    allowed = _allowed(session, query, filters)
    if allowed is not None and query.pk is not None:
        allowed = allowed[allowed != query.pk]
    vector = query_vector(session, embedder, query)
    language = query.profile.language or detect_language(query.profile.all_text())
    hits = index.search(vector, language, top + 1, allowed=allowed)
    hits = [(pk, score) for pk, score in hits if pk != query.pk][:top]
    rows = {
        row.pk: row
        for row in session.scalars(
            select(ProfileRow)
            .where(ProfileRow.pk.in_([pk for pk, _ in hits]))
            .options(selectinload(ProfileRow.relationships))
        )
    }
    return [
        Candidate(rank=i + 1, profile=to_profile(rows[pk]), similarity=score)
        for i, (pk, score) in enumerate(hits)
        if pk in rows
    ]
