"""Reading and writing profiles through a SQLAlchemy session.

Functions here never commit: the caller owns the transaction, so an import
either lands whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from matcher.db import ProfileRow, RelationshipRow
from matcher.language import detect_language
from matcher.profiles import FACETS, Profile, Relationship

IDENTITY = ("id", "name", "kind", "country", "city", "website", "size", "language")


@dataclass
class SaveReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)


def to_profile(row: ProfileRow, *, relationships: bool = True) -> Profile:
    """The profile of a row; without ``relationships``, its relationships are not loaded."""
    data = {name: getattr(row, name) for name in IDENTITY}
    data.update(row.facets)
    if relationships:
        data["relationships"] = [
            Relationship(partner=r.partner, status=r.status) for r in row.relationships
        ]
    # A workspace's stored id (``ws:<pk>:<id>``) is not one a user may give: set it after.
    stored_id = data.pop("id")
    profile = Profile.model_validate(data)
    profile.id = stored_id
    return profile


def _facets(profile: Profile) -> dict[str, object]:
    dumped = profile.model_dump(mode="json", include={*FACETS, "tags"})
    return {k: v for k, v in dumped.items() if v not in (None, [], "")}


def _fill(row: ProfileRow, profile: Profile) -> None:
    for name in IDENTITY:
        value = getattr(profile, name)
        setattr(row, name, value.value if hasattr(value, "value") else value)
    row.facets = _facets(profile)
    row.content_hash = profile.content_hash()
    wanted = {r.partner: r.status for r in profile.relationships}
    row.relationships = [
        r for r in row.relationships if r.partner in wanted and r.status == wanted.pop(r.partner)
    ] + [RelationshipRow(partner=p, status=s) for p, s in wanted.items()]


def prepare(profile: Profile) -> Profile:
    """Give a profile its id and detected language before it is stored."""
    profile.ensure_id()
    if profile.language is None:
        profile.language = detect_language(profile.all_text())
    return profile


def save_profiles(session: Session, profiles: Iterable[Profile]) -> SaveReport:
    """Insert new profiles and update changed ones, matched on ``id``."""
    report = SaveReport()
    batch: list[Profile] = []
    for profile in profiles:
        batch.append(prepare(profile))
        if len(batch) >= 1000:
            _save_batch(session, batch, report)
            batch = []
    if batch:
        _save_batch(session, batch, report)
    session.flush()
    return report


def _save_batch(session: Session, batch: Sequence[Profile], report: SaveReport) -> None:
    ids = [p.id for p in batch]
    existing = {
        row.id: row
        for row in session.scalars(
            select(ProfileRow)
            .where(ProfileRow.id.in_(ids))
            .options(selectinload(ProfileRow.relationships))
        )
    }
    for profile in batch:
        assert profile.id is not None
        report.ids.append(profile.id)
        row = existing.get(profile.id)
        if row is None:
            row = ProfileRow()
            _fill(row, profile)
            session.add(row)
            report.created += 1
        elif row.content_hash == profile.content_hash() and _same_relationships(row, profile):
            report.unchanged += 1
        else:
            _fill(row, profile)
            report.updated += 1


def _same_relationships(row: ProfileRow, profile: Profile) -> bool:
    have = {(r.partner, r.status) for r in row.relationships}
    return have == {(r.partner, r.status) for r in profile.relationships}


def get_row(session: Session, profile_id: str) -> ProfileRow | None:
    return session.scalars(
        select(ProfileRow)
        .where(ProfileRow.id == profile_id)
        .options(selectinload(ProfileRow.relationships))
    ).one_or_none()


def list_rows(
    session: Session,
    *,
    kind: str | None = None,
    country: str | None = None,
    language: str | None = None,
    search: str | None = None,
    limit: int = 50,
    offset: int = 0,
    where: ColumnElement[bool] | None = None,
) -> tuple[list[ProfileRow], int]:
    """A page of profiles, ordered by name, and the total that match (and ``where``)."""
    query = select(ProfileRow)
    if where is not None:
        query = query.where(where)
    if kind:
        query = query.where(ProfileRow.kind == kind)
    if country:
        query = query.where(ProfileRow.country == country.upper())
    if language:
        query = query.where(ProfileRow.language == language.lower())
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(ProfileRow.name).like(pattern), func.lower(ProfileRow.id).like(pattern))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ProfileRow.name, ProfileRow.pk).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def delete_profile(session: Session, profile_id: str) -> bool:
    row = get_row(session, profile_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def count_profiles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ProfileRow)) or 0
