"""Facet embeddings in the database: computed once per text and model, reused after.

Each facet of a profile (and ``profile``, the whole organisation in one text)
is stored with the model's name and a hash of the exact text that was
embedded. ``embed_profiles`` only encodes what is missing or changed, so an
unchanged profile is never embedded twice and a model change re-embeds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from matcher.db import EmbeddingRow, ProfileRow
from matcher.profiles import FACETS, Profile
from matcher.store import to_profile

if TYPE_CHECKING:
    from matcher.embedding import Embedder

#: The whole-profile text used for retrieval, beside the single facets.
PROFILE = "profile"
EMBEDDED_FACETS: tuple[str, ...] = (PROFILE, *FACETS)


def facet_texts(profile: Profile) -> dict[str, str]:
    """Every non-empty text of a profile that gets its own vector."""
    texts = {PROFILE: profile.profile_text()}
    texts.update({f: t for f in FACETS if (t := profile.facet_text(f))})
    return texts


def text_hash(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()


@dataclass
class EmbedReport:
    model: str
    profiles: int = 0
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class _Pending:
    profile_pk: int
    facet: str
    text: str
    digest: str


@dataclass
class Plan:
    pending: list[_Pending]
    stale: list[int]
    unchanged: int
    removed: int


def plan(session: Session, model: str, pks: list[int] | None = None) -> Plan:
    """What must be (re-)embedded, which stored rows are stale, and how many are up to date.

    With ``pks``, only those profiles are looked at.
    """
    statement = select(
        EmbeddingRow.pk, EmbeddingRow.profile_pk, EmbeddingRow.facet, EmbeddingRow.text_hash
    ).where(EmbeddingRow.model == model)
    if pks is not None:
        statement = statement.where(EmbeddingRow.profile_pk.in_(pks))
    stored = {
        (profile_pk, facet): (row_pk, digest)
        for row_pk, profile_pk, facet, digest in session.execute(statement)
    }
    pending: list[_Pending] = []
    stale: list[int] = []
    unchanged = 0
    for row in _all_profiles(session, pks):
        for facet, text in facet_texts(to_profile(row)).items():
            digest = text_hash(model, text)
            have = stored.pop((row.pk, facet), None)
            if have is not None and have[1] == digest:
                unchanged += 1
                continue
            if have is not None:
                stale.append(have[0])
            pending.append(_Pending(row.pk, facet, text, digest))
    # What is left belongs to facets that were emptied since they were embedded.
    emptied = [row_pk for row_pk, _ in stored.values()]
    return Plan(pending, stale + emptied, unchanged, len(emptied))


def _all_profiles(session: Session, pks: list[int] | None = None) -> Iterator[ProfileRow]:
    last = 0
    while True:
        statement = select(ProfileRow).where(ProfileRow.pk > last)
        if pks is not None:
            statement = statement.where(ProfileRow.pk.in_(pks))
        rows = session.scalars(
            statement.order_by(ProfileRow.pk)
            .limit(1000)
            .options(selectinload(ProfileRow.relationships))
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].pk
        session.expunge_all()


def embed_profiles(
    session: Session,
    embedder: Embedder,
    *,
    batch_size: int = 32,
    chunk: int = 512,
    on_plan: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    pks: list[int] | None = None,
) -> EmbedReport:
    """Embed every text that has no up-to-date vector; commit chunk by chunk.

    With ``pks``, only those profiles (a profile just written through the API).

    Each chunk is committed on its own, so an interrupted run keeps what it
    finished and the next run picks up the rest.
    """
    todo = plan(session, embedder.name, pks)
    report = EmbedReport(model=embedder.name, unchanged=todo.unchanged, removed=todo.removed)
    for start in range(0, len(todo.stale), 1000):
        stale = todo.stale[start : start + 1000]
        session.execute(delete(EmbeddingRow).where(EmbeddingRow.pk.in_(stale)))
    session.commit()
    if on_plan is not None:
        on_plan(len(todo.pending))
    # Texts of similar length together keep padding low.
    pending = sorted(todo.pending, key=lambda p: len(p.text), reverse=True)
    for start in range(0, len(pending), chunk):
        part = pending[start : start + chunk]
        vectors = embedder.encode([p.text for p in part], batch_size=batch_size)
        session.add_all(
            EmbeddingRow(
                profile_pk=p.profile_pk,
                facet=p.facet,
                model=embedder.name,
                text_hash=p.digest,
                dim=int(vectors.shape[1]),
                vector=vectors[i].astype(np.float32).tobytes(),
            )
            for i, p in enumerate(part)
        )
        session.commit()
        report.embedded += len(part)
        if progress is not None:
            progress(len(part))
    report.profiles = len({p.profile_pk for p in pending})
    return report


def load_vectors(
    session: Session, model: str, facet: str = PROFILE
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """All stored vectors of one facet under one model: profile pks, float32 matrix, languages."""
    rows = session.execute(
        select(EmbeddingRow.profile_pk, EmbeddingRow.vector, ProfileRow.language)
        .join(ProfileRow, ProfileRow.pk == EmbeddingRow.profile_pk)
        .where(EmbeddingRow.model == model, EmbeddingRow.facet == facet)
        .order_by(EmbeddingRow.profile_pk)
    ).all()
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32), []
    pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return pks, matrix, [r[2] for r in rows]


def stored_dim(session: Session, model: str) -> int | None:
    """The dimension of the vectors stored under ``model``; None if there are none."""
    return session.scalar(select(EmbeddingRow.dim).where(EmbeddingRow.model == model).limit(1))
