"""Rank a list: upload prospects, watch the progress, download the ranked file.

The job is the API's (:mod:`matcher.jobs`): queued here, worked through by
``klik worker`` outside any request; the page polls ``status`` for its bar.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers.response import Response as BaseResponse

from api.batches import ranked_file
from api.db import get_session
from api.errors import ApiError, BadRequest
from api.uploads import parse_upload
from api.web.charts import histogram
from api.web.common import chosen_profile, lang, own_profiles, shown_id, t
from matcher import jobs
from matcher.batch import FORMATS
from matcher.db import BatchJobRow

bp = Blueprint("lists", __name__, url_prefix="/lists")

#: Lists shown on the upload page.
RECENT = 10


def _recent() -> list[BatchJobRow]:
    return list(
        get_session().scalars(
            select(BatchJobRow)
            .where(BatchJobRow.workspace_pk == g.workspace_pk)
            .order_by(BatchJobRow.pk.desc())
            .limit(RECENT)
        )
    )


def _job(job_id: str) -> BatchJobRow:
    job = get_session().scalar(
        select(BatchJobRow).where(
            BatchJobRow.id == job_id, BatchJobRow.workspace_pk == g.workspace_pk
        )
    )
    if job is None:
        abort(404)
    return job


def _upload_problem(error: ApiError) -> str:
    """A person's words for what is wrong with the file (the details after them)."""
    if isinstance(error, BadRequest):  # no file chosen
        return t("lists_no_file")
    return f"{t('lists_wrong_file')} ({error.message})"


@bp.route("", methods=["GET", "POST"])
def index() -> str | tuple[str, int] | BaseResponse:
    rows = own_profiles()
    host = chosen_profile(rows, request.values.get("host"))
    page: dict[str, Any] = {"rows": rows, "host": host, "jobs": _recent()}
    if request.method == "GET":
        return render_template("web/lists.html", **page)
    row = next((r for r in rows if shown_id(r) == host), None)
    if row is None:
        abort(404)
    try:
        parsed, name = parse_upload()
    except ApiError as error:
        return render_template("web/lists.html", **page, error=_upload_problem(error)), 422
    if parsed.errors:
        listed = "; ".join(str(e) for e in parsed.errors[:5])
        problem = f"{t('lists_bad_rows')} {name}: {listed}"
        return render_template("web/lists.html", **page, error=problem), 422
    if not parsed.profiles:
        return render_template("web/lists.html", **page, error=t("lists_empty")), 422
    session = get_session()
    job = jobs.submit(
        session,
        host_pk=row.pk,
        prospects=[p for _, p in parsed.profiles],
        filename=name,
        workspace_pk=g.workspace_pk,
        lang=lang(),
    )
    session.commit()
    return redirect(url_for("web.lists.show", job_id=job.id))


def _progress(job: BatchJobRow) -> dict[str, Any]:
    progress = jobs.progress(job)
    return {
        "status": job.status,
        "status_text": t(f"status_{job.status}"),
        "done": progress.done,
        "total": progress.total,
        "percent": round(100 * progress.done / progress.total) if progress.total else 100,
        "text": t("job_done_of", done=progress.done, total=progress.total),
        "rate": None if progress.rate is None else t("job_rate", rate=f"{progress.rate:.1f}"),
        "left": None
        if progress.seconds_left is None
        else t("job_left", time=_duration(progress.seconds_left)),
        "finished": job.status in jobs.FINISHED,
    }


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


@bp.get("/<job_id>")
def show(job_id: str) -> str:
    job = _job(job_id)
    records = jobs.results(get_session(), job) if job.status == jobs.DONE else []
    return render_template(
        "web/job.html",
        job=job,
        progress=_progress(job),
        top=records[:10],
        bins=histogram([r.get("click") for r in records]),
        formats=FORMATS,
    )


@bp.get("/<job_id>/status")
def status(job_id: str) -> Response:
    return jsonify(_progress(_job(job_id)))


@bp.post("/<job_id>/cancel")
def cancel(job_id: str) -> BaseResponse:
    job = _job(job_id)
    jobs.cancel(get_session(), job)
    get_session().commit()
    flash(t("job_cancelled"), "info")
    return redirect(url_for("web.lists.show", job_id=job.id))


@bp.get("/<job_id>/download")
def download(job_id: str) -> Response:
    job = _job(job_id)
    fmt = request.args.get("format", "xlsx")
    if fmt not in FORMATS or job.status != jobs.DONE:
        abort(404)
    return ranked_file(job, fmt)
