"""Profiles as a workspace names them: its own first, then the shared directory."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.auth import workspace_pk
from api.errors import NotFound
from matcher.db import ProfileRow
from matcher.profiles import Profile
from matcher.shortlist import Query
from matcher.store import prepare, to_profile
from matcher.workspaces import external_id, find_profile


def stored(session: Session, profile_id: str, field: str) -> ProfileRow:
    """The profile the calling workspace calls ``profile_id``; 404 naming ``field`` if none."""
    row = find_profile(session, workspace_pk(), profile_id)
    if row is None:
        raise NotFound(f"no profile with id {profile_id!r}", field=field)
    return row


def query_for(
    session: Session, profile_id: str | None, profile: Profile | None, field: str
) -> Query:
    """A stored profile by id, or an inline one, as the subject of a shortlist or screening."""
    if profile_id is not None:
        row = stored(session, profile_id, field)
        return Query(to_profile(row), row.pk)
    assert profile is not None
    return Query(prepare(profile.model_copy(deep=True)))


def shown(profile: Profile) -> dict[str, Any]:
    """A profile as JSON, with the ids the workspace knows."""
    data = profile.model_dump(mode="json", exclude_none=True)
    data["id"] = external_id(profile.id or "")
    for relationship in data.get("relationships", []):
        relationship["partner"] = external_id(relationship["partner"])
    return data
