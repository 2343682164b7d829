"""``GET /api/v1/health``: is the service up, and can it reach its database?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from api.db import get_session
from matcher.store import count_profiles

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health() -> tuple[Response, int]:
    try:
        profiles = count_profiles(get_session())
    except SQLAlchemyError:
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok", "profiles": profiles}), 200
