"""``/api/v1/profiles``: a workspace's own profiles, beside the shared directory it reads.

A workspace creates, updates and deletes its own profiles; the shared
directory is read-only to it, and another workspace's profiles do not exist
for it (404). Each write embeds the profile's changed facets at once, so it
can be shortlisted straight away.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import select

from api.auth import workspace_pk
from api.db import get_session
from api.errors import ApiError, BadRequest, Conflict, ValidationFailed
from api.lookup import shown, stored
from api.schemas import body
from api.services import embedder
from matcher import store
from matcher.db import ProfileRow
from matcher.profiles import Profile
from matcher.vectors import embed_profiles
from matcher.workspaces import external_id, find_profile, internal_id, visible

bp = Blueprint("profiles", __name__, url_prefix="/api/v1/profiles")


class ReadOnly(ApiError):
    status = 403
    code = "read_only"


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"must be an integer, got {raw!r}", field=name) from None
    if not low <= value <= high:
        raise BadRequest(f"must be between {low} and {high}", field=name)
    return value


def _summary(row: ProfileRow) -> dict[str, Any]:
    item: dict[str, Any] = {k: getattr(row, k) for k in store.IDENTITY}
    item["id"] = external_id(row.id)
    item["shared"] = row.workspace_pk is None
    return item


@bp.get("")
def list_profiles() -> Response:
    limit = _int_arg("limit", 50, 1, 500)
    offset = _int_arg("offset", 0, 0, 10**9)
    rows, total = store.list_rows(
        get_session(),
        kind=request.args.get("kind"),
        country=request.args.get("country"),
        language=request.args.get("language"),
        search=request.args.get("q"),
        limit=limit,
        offset=offset,
        where=visible(workspace_pk()),
    )
    items = [_summary(row) for row in rows]
    return jsonify({"total": total, "limit": limit, "offset": offset, "items": items})


@bp.get("/<profile_id>")
def get_profile(profile_id: str) -> Response:
    row = stored(get_session(), profile_id, "id")
    return jsonify({**shown(store.to_profile(row)), "shared": row.workspace_pk is None})


def _save(profile: Profile, profile_id: str) -> ProfileRow:
    """Store ``profile`` as the workspace's ``profile_id`` and embed what changed."""
    session = get_session()
    workspace = workspace_pk()
    profile.id = internal_id(workspace, profile_id)
    for relationship in profile.relationships:  # a partner of its own keeps to its space
        partner = find_profile(session, workspace, relationship.partner)
        if partner is not None:
            relationship.partner = partner.id
    store.save_profiles(session, [profile])
    row = session.scalars(select(ProfileRow).where(ProfileRow.id == profile.id)).one()
    row.workspace_pk = workspace
    session.flush()
    embed_profiles(session, embedder(), pks=[row.pk])  # commits
    return row


@bp.post("")
def create_profile() -> tuple[Response, int, dict[str, str]]:
    profile = body(Profile)
    profile_id = profile.ensure_id()
    session = get_session()
    if session.scalar(
        select(ProfileRow.pk).where(ProfileRow.id == internal_id(workspace_pk(), profile_id))
    ):
        raise Conflict(f"you already have a profile with id {profile_id!r}", field="id")
    row = _save(profile, profile_id)
    location = url_for("profiles.get_profile", profile_id=profile_id)
    return jsonify(shown(store.to_profile(row))), 201, {"Location": location}


def _own(profile_id: str) -> ProfileRow:
    row = stored(get_session(), profile_id, "id")
    if row.workspace_pk is None:
        raise ReadOnly("profiles of the shared directory cannot be changed", field="id")
    return row


@bp.put("/<profile_id>")
def update_profile(profile_id: str) -> Response:
    _own(profile_id)
    profile = body(Profile)
    if profile.id is not None and profile.id != profile_id:
        raise ValidationFailed(f"the body's id must be {profile_id!r} or absent", field="id")
    row = _save(profile, profile_id)
    return jsonify(shown(store.to_profile(row)))


@bp.delete("/<profile_id>")
def delete_profile(profile_id: str) -> tuple[str, int]:
    row = _own(profile_id)
    session = get_session()
    session.delete(row)
    session.commit()
    return "", 204
