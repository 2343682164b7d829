"""``POST /api/v1/shortlist``: who should we approach, given our strategy?"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.auth import workspace_pk
from api.db import get_session
from api.lookup import query_for
from api.schemas import ShortlistIn, body
from api.services import click_model, embedder
from matcher.render import candidate_record
from matcher.shortlist import Filters, explain_candidates, shortlist
from matcher.workspaces import external_id

bp = Blueprint("shortlists", __name__, url_prefix="/api/v1")


@bp.post("/shortlist")
def create_shortlist() -> Response:
    data = body(ShortlistIn)
    session = get_session()
    query = query_for(session, data.for_, data.profile, "for")
    filters = Filters(
        kinds=[k.value for k in data.filters.kinds],
        countries=data.filters.countries,
        exclude_partners=data.filters.exclude_partners,
        exclude_conflicts=data.filters.exclude_conflicts,
        workspace_pk=workspace_pk(),
    )
    model, encoder = click_model(), embedder()
    candidates = shortlist(
        session, encoder, query, top=data.top, filters=filters, model=model, order=data.rank_by
    )
    if data.explain:
        explain_candidates(session, encoder, query, candidates, model=model, lang=data.lang)
    return jsonify(
        {
            "for": external_id(query.profile.id or ""),
            "ranked_by": data.rank_by if model is not None else "similarity",
            "candidates": [candidate_record(c, external_id) for c in candidates],
        }
    )
