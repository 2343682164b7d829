"""``/api/v1/feedback``: record and list what happened with shortlisted candidates."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import func, select

from api.auth import workspace_pk
from api.db import get_session
from api.errors import ValidationFailed
from api.lookup import stored
from api.schemas import FeedbackIn, body, int_arg
from matcher.db import FeedbackRow
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
    return jsonify(_shown(row)), 201


def _shown(row: FeedbackRow) -> dict[str, Any]:
    return {
        "id": row.pk,
        "for": external_id(row.profile.id),
        "candidate": external_id(row.candidate.id),
        "outcome": row.outcome,
        "note": row.note,
        "created_at": row.created_at.isoformat(),
    }


@bp.get("/feedback")
def list_feedback() -> Response:
    """The workspace's recorded outcomes, newest first; ``for`` keeps one profile's."""
    limit = int_arg("limit", 50, 1, 500)
    offset = int_arg("offset", 0, 0, 10**9)
    session = get_session()
    where = [FeedbackRow.workspace_pk == workspace_pk()]
    asked = request.args.get("for")
    if asked:
        where.append(FeedbackRow.profile_pk == stored(session, asked, "for").pk)
    total = session.scalar(select(func.count()).select_from(FeedbackRow).where(*where)) or 0
    rows = session.scalars(
        select(FeedbackRow)
        .where(*where)
        .order_by(FeedbackRow.created_at.desc(), FeedbackRow.pk.desc())
        .limit(limit)
        .offset(offset)
    )
    return jsonify(
        {"total": total, "limit": limit, "offset": offset, "items": [_shown(r) for r in rows]}
    )
