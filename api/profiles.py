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
from api.errors import ApiError, Conflict, ValidationFailed
from api.lookup import shown, stored
from api.schemas import body, int_arg
from api.services import embedder
from api.uploads import parse_upload, refuse_bad_rows, rows_report
from matcher import store
from matcher.db import ProfileRow
from matcher.profiles import Profile
from matcher.vectors import embed_profiles
from matcher.workspaces import external_id, find_profile, internal_id, visible

bp = Blueprint("profiles", __name__, url_prefix="/api/v1/profiles")


class ReadOnly(ApiError):
    status = 403
    code = "read_only"


def _summary(row: ProfileRow) -> dict[str, Any]:
    item: dict[str, Any] = {k: getattr(row, k) for k in store.IDENTITY}
    item["id"] = external_id(row.id)
    item["shared"] = row.workspace_pk is None
    return item


@bp.get("")
def list_profiles() -> Response:
    limit = int_arg("limit", 50, 1, 500)
    offset = int_arg("offset", 0, 0, 10**9)
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


def save_own(profile: Profile, profile_id: str) -> ProfileRow:
    """Store ``profile`` as the workspace's ``profile_id`` and embed what changed."""
    rows, _ = _save_all([(profile, profile_id)])
    return rows[0]


def _save_all(profiles: list[tuple[Profile, str]]) -> tuple[list[ProfileRow], store.SaveReport]:
    """Store profiles as the workspace's own (in one transaction), then embed them."""
    session = get_session()
    workspace = workspace_pk()
    batch = {profile_id for _, profile_id in profiles}
    for profile, profile_id in profiles:
        profile.id = internal_id(workspace, profile_id)
        for relationship in profile.relationships:  # a partner of its own keeps to its space
            if relationship.partner in batch:
                relationship.partner = internal_id(workspace, relationship.partner)
                continue
            partner = find_profile(session, workspace, relationship.partner)
            if partner is not None:
                relationship.partner = partner.id
    report = store.save_profiles(session, [p for p, _ in profiles])
    ids = [p.id for p, _ in profiles]
    rows = {r.id: r for r in session.scalars(select(ProfileRow).where(ProfileRow.id.in_(ids)))}
    for row in rows.values():
        row.workspace_pk = workspace
    session.commit()
    embed_profiles(session, embedder(), pks=[r.pk for r in rows.values()])  # commits
    return [rows[i] for i in ids if i is not None], report


@bp.post("")
def create_profile() -> tuple[Response, int, dict[str, str]]:
    profile = body(Profile)
    profile_id = profile.ensure_id()
    session = get_session()
    if session.scalar(
        select(ProfileRow.pk).where(ProfileRow.id == internal_id(workspace_pk(), profile_id))
    ):
        raise Conflict(f"you already have a profile with id {profile_id!r}", field="id")
    row = save_own(profile, profile_id)
    location = url_for("profiles.get_profile", profile_id=profile_id)
    return jsonify(shown(store.to_profile(row))), 201, {"Location": location}


@bp.post("/import")
def import_profiles() -> tuple[Response, int]:
    """A file of profiles (JSONL, JSON, CSV incl. Dutch Excel CSV, XLSX) into the workspace.

    All or nothing, like ``klik import``: a file with a bad row imports nothing and the
    answer names each bad row and field, unless the form field ``skip_invalid`` is true.
    """
    parsed, name = parse_upload()
    skip = request.form.get("skip_invalid", "").lower() in ("1", "true", "yes", "on")
    if not skip:
        refuse_bad_rows(parsed, name, "imported")
    if not parsed.profiles:
        raise ValidationFailed(f"{name}: no valid profiles in the file", field="file")
    profiles = [(p, p.ensure_id()) for _, p in parsed.profiles]
    _, report = _save_all(profiles)
    return jsonify(
        {
            "file": name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": rows_report(parsed.errors),
            "ignored_columns": parsed.ignored_columns,
        }
    ), 201


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
    row = save_own(profile, profile_id)
    return jsonify(shown(store.to_profile(row)))


@bp.delete("/<profile_id>")
def delete_profile(profile_id: str) -> tuple[str, int]:
    row = _own(profile_id)
    session = get_session()
    session.delete(row)
    session.commit()
    return "", 204
