"""``POST /api/v1/feedback``: what happened with a shortlisted candidate."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from api.auth import workspace_pk
from api.db import get_session
from api.errors import ValidationFailed
from api.lookup import stored
from api.schemas import FeedbackIn, body
from matcher.feedback import record_feedback
from matcher.workspaces import external_id

bp = Blueprint("feedback", __name__, url_prefix="/api/v1")


@bp.post("/feedback")
def create_feedback() -> tuple[Response, int]:
    data = body(FeedbackIn)
    session = get_session()
    asker = stored(session, data.for_, "for")
    candidate = stored(session, data.candidate, "candidate")
    if asker.pk == candidate.pk:
        raise ValidationFailed("the candidate is the profile itself", field="candidate")
    row = record_feedback(
        session, asker.id, candidate.id, data.outcome, data.note, workspace_pk=workspace_pk()
    )
    session.commit()
    return jsonify(
        {
            "id": row.pk,
            "for": external_id(asker.id),
            "candidate": external_id(candidate.id),
            "outcome": row.outcome,
            "note": row.note,
            "created_at": row.created_at.isoformat(),
        }
    ), 201
