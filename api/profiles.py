"""``/api/v1/profiles``: read stored profiles (writing comes with the service issue)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from api.db import get_session
from api.errors import BadRequest, NotFound
from matcher import store

bp = Blueprint("profiles", __name__, url_prefix="/api/v1/profiles")


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
    )
    items: list[dict[str, Any]] = [{k: getattr(row, k) for k in store.IDENTITY} for row in rows]
    return jsonify({"total": total, "limit": limit, "offset": offset, "items": items})


@bp.get("/<profile_id>")
def get_profile(profile_id: str) -> Response:
    row = store.get_row(get_session(), profile_id)
    if row is None:
        raise NotFound(f"no profile with id {profile_id!r}", field="id")
    return jsonify(store.to_profile(row).model_dump(mode="json", exclude_none=True))
