"""``POST /api/v1/screen``: does this incoming request fit our mission, what conflicts?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.auth import workspace_pk
from api.db import get_session
from api.lookup import query_for
from api.schemas import ScreenIn, body
from api.services import click_model, embedder
from matcher.screening import request_from_text, screen
from matcher.shortlist import Filters
from matcher.workspaces import external_id

bp = Blueprint("screening", __name__, url_prefix="/api/v1")


@bp.post("/screen")
def create_screening() -> Response:
    data = body(ScreenIn)
    session = get_session()
    host = query_for(session, data.host, data.host_profile, "host")
    if data.request_text is not None:
        request = request_from_text(data.request_text)
    else:
        request = query_for(session, data.request, data.request_profile, "request")
    result = screen(
        session,
        embedder(),
        host,
        request,
        model=click_model(),
        lang=data.lang,
        filters=Filters(workspace_pk=workspace_pk()),
    )
    record = result.to_dict()
    record["request"]["id"] = external_id(record["request"]["id"] or "")
    return jsonify({"host": external_id(host.profile.id or ""), **record})
