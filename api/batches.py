"""``/api/v1/batches``: rank a prospect list in the background, follow it, fetch the result.

The upload is validated whole (a file with a bad row is refused, naming the
rows and fields, and nothing is queued); the job is then worked through by
``klik worker`` processes (:mod:`matcher.jobs`), outside any request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import select

from api.auth import workspace_pk
from api.db import get_session
from api.errors import ApiError, BadRequest, NotFound, ValidationFailed
from api.lookup import stored
from api.uploads import parse_upload, refuse_bad_rows
from matcher import jobs
from matcher.batch import FORMATS, render
from matcher.db import BatchJobRow

bp = Blueprint("batches", __name__, url_prefix="/api/v1/batches")

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


class NotReady(ApiError):
    status = 409
    code = "not_ready"


def _job(job_id: str) -> BatchJobRow:
    job = get_session().scalar(
        select(BatchJobRow).where(
            BatchJobRow.id == job_id, BatchJobRow.workspace_pk == workspace_pk()
        )
    )
    if job is None:
        raise NotFound(f"no batch with id {job_id!r}", field="id")
    return job


def _status(job: BatchJobRow) -> dict[str, Any]:
    progress = jobs.progress(job)
    return {
        "id": job.id,
        "status": job.status,
        "file": job.filename,
        "done": progress.done,
        "total": progress.total,
        "rate": None if progress.rate is None else round(progress.rate, 2),
        "seconds_left": None if progress.seconds_left is None else round(progress.seconds_left),
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "status_url": url_for("batches.get_batch", job_id=job.id),
        "result_url": url_for("batches.get_result", job_id=job.id),
    }


@bp.post("")
def create_batch() -> tuple[Response, int, dict[str, str]]:
    parsed, name = parse_upload()
    host_id = request.form.get("for")
    if not host_id:
        raise ValidationFailed("give the profile to rank for in the form field 'for'", field="for")
    lang = request.form.get("lang") or None
    if lang not in (None, "nl", "en"):
        raise ValidationFailed("must be 'nl' or 'en'", field="lang")
    session = get_session()
    host = stored(session, host_id, "for")
    refuse_bad_rows(parsed, name, "queued")
    if not parsed.profiles:
        raise ValidationFailed(f"{name}: no prospects in the file", field="file")
    job = jobs.submit(
        session,
        host_pk=host.pk,
        prospects=[p for _, p in parsed.profiles],
        filename=name,
        workspace_pk=workspace_pk(),
        lang=lang,
    )
    session.commit()
    status = _status(job)
    return jsonify(status), 202, {"Location": status["status_url"]}


@bp.get("/<job_id>")
def get_batch(job_id: str) -> Response:
    return jsonify(_status(_job(job_id)))


@bp.post("/<job_id>/cancel")
def cancel_batch(job_id: str) -> Response:
    job = _job(job_id)
    jobs.cancel(get_session(), job)
    get_session().commit()
    return jsonify(_status(job))


@bp.get("/<job_id>/result")
def get_result(job_id: str) -> Response:
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}", field="format")
    job = _job(job_id)
    if job.status != jobs.DONE:
        raise NotReady(f"the batch is {job.status} ({job.done}/{job.total} done)", field="id")
    return ranked_file(job, fmt)


def ranked_file(job: BatchJobRow, fmt: str) -> Response:
    """A finished job's ranked prospects as a download named after the uploaded file."""
    stem = Path(job.filename).stem
    return Response(
        render(jobs.results(get_session(), job), fmt),
        mimetype=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{stem}-ranked.{fmt}"'},
    )
