"""Outcomes of shortlisted candidates, recorded by the organisation that asked.

Each event (contacted, clicked, did not click, became partners) is kept, so a
pair has a history; :func:`feedback_labels` turns the latest decisive outcome
of every pair into 0/1 labels for the click model. Functions here never
commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, selectinload

from matcher.db import FeedbackRow, ProfileRow

if TYPE_CHECKING:
    from matcher.population import Population

MAX_NOTE = 1000


class Outcome(StrEnum):
    """What happened with a shortlisted candidate."""

    CONTACTED = "contacted"
    CLICK = "click"
    NO_CLICK = "no_click"
    PARTNERED = "partnered"

    @classmethod
    def parse(cls, value: str | Outcome) -> Outcome:
        """``value`` as an outcome; case and ``-`` for ``_`` are forgiven (``No-Click``).

        Raises
        ------
        ValueError
            If ``value`` names no outcome.
        """
        if isinstance(value, Outcome):
            return value
        try:
            return cls(str(value).strip().lower().replace("-", "_"))
        except ValueError:
            choices = ", ".join(o.value for o in cls)
            raise ValueError(f"outcome {value!r} is not one of: {choices}") from None

    @property
    def label(self) -> int | None:
        """1 for a click, 0 for no click, None when the outcome decides nothing."""
        return LABELS[self]


#: The training label of each outcome; ``None`` means not decisive (ignored).
LABELS: Mapping[Outcome, int | None] = {
    Outcome.CONTACTED: None,
    Outcome.CLICK: 1,
    Outcome.NO_CLICK: 0,
    Outcome.PARTNERED: 1,
}

DECISIVE = tuple(o.value for o, label in LABELS.items() if label is not None)


def _profile_pk(session: Session, profile_id: str, field: str) -> int:
    pk = session.scalar(select(ProfileRow.pk).where(ProfileRow.id == profile_id))
    if pk is None:
        raise LookupError(f"{field} {profile_id!r}: no such profile")
    return pk


def record_feedback(
    session: Session,
    profile_id: str,
    candidate_id: str,
    outcome: str | Outcome,
    note: str | None = None,
    *,
    workspace_pk: int | None = None,
) -> FeedbackRow:
    """Add one outcome of ``candidate_id`` for ``profile_id``'s strategy (flushed, not committed).

    Parameters
    ----------
    profile_id
        The organisation whose strategy asked for the shortlist.
    candidate_id
        The shortlisted organisation.
    outcome
        An :class:`Outcome` or its value (``"no-click"`` is read as ``no_click``).
    note
        Free text of at most 1000 characters; blank is stored as None.
    workspace_pk
        The workspace recording it (through the API); None for the CLI.

    Raises
    ------
    ValueError
        For an unknown outcome, a note that is too long, or a candidate that is
        the profile itself.
    LookupError
        If either id names no stored profile (the message says which).
    """
    parsed = Outcome.parse(outcome)
    if note is not None:
        note = note.strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ValueError(f"note is {len(note)} characters long; at most {MAX_NOTE} are allowed")
    if profile_id == candidate_id:
        raise ValueError(
            f"candidate_id {candidate_id!r} is the profile itself; "
            "feedback is about another organisation"
        )
    row = FeedbackRow(
        profile_pk=_profile_pk(session, profile_id, "profile_id"),
        candidate_pk=_profile_pk(session, candidate_id, "candidate_id"),
        outcome=parsed.value,
        note=note,
        workspace_pk=workspace_pk,
    )
    session.add(row)
    session.flush()
    return row


def list_feedback(session: Session, profile_id: str | None = None) -> list[FeedbackRow]:
    """Recorded events, newest first; only those asked by ``profile_id`` when given.

    The rows come with ``profile`` and ``candidate`` loaded. An unknown
    ``profile_id`` raises :class:`LookupError`.
    """
    query = select(FeedbackRow).options(
        selectinload(FeedbackRow.profile), selectinload(FeedbackRow.candidate)
    )
    if profile_id is not None:
        asker = _profile_pk(session, profile_id, "profile_id")
        query = query.where(FeedbackRow.profile_pk == asker)
    query = query.order_by(FeedbackRow.created_at.desc(), FeedbackRow.pk.desc())
    return list(session.scalars(query))


@dataclass(frozen=True)
class FeedbackLabels:
    """Labelled pairs as rows of a population.

    Attributes
    ----------
    query
        Rows of the organisations that asked (int64).
    candidate
        Rows of their candidates (int64).
    label
        1 (click or partnered) or 0 (no click), int64.
    """

    query: np.ndarray
    candidate: np.ndarray
    label: np.ndarray

    def __len__(self) -> int:
        return int(self.label.shape[0])


def feedback_labels(session: Session, population: Population) -> FeedbackLabels:
    """The latest decisive outcome of every pair whose both ends are in ``population``.

    ``contacted`` is ignored, so a pair clicked and then contacted stays a
    click. Pairs are sorted by query row, then candidate row.
    """
    asker, candidate = aliased(ProfileRow), aliased(ProfileRow)
    events = session.execute(
        select(asker.id, candidate.id, FeedbackRow.outcome)
        .join(asker, FeedbackRow.profile_pk == asker.pk)
        .join(candidate, FeedbackRow.candidate_pk == candidate.pk)
        .where(FeedbackRow.outcome.in_(DECISIVE))
        .order_by(FeedbackRow.created_at, FeedbackRow.pk)
    )
    latest: dict[tuple[int, int], int] = {}
    for asker_id, candidate_id, outcome in events:
        q, c = population.index.get(asker_id), population.index.get(candidate_id)
        label = LABELS[Outcome(outcome)]
        if q is None or c is None or label is None:
            continue
        latest[(q, c)] = label
    pairs = sorted(latest)
    return FeedbackLabels(
        query=np.array([q for q, _ in pairs], dtype=np.int64),
        candidate=np.array([c for _, c in pairs], dtype=np.int64),
        label=np.array([latest[pair] for pair in pairs], dtype=np.int64),
    )
