"""Screen a request: paste or upload what an organisation asks, see the verdict and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from pydantic import ValidationError

from api.db import get_session
from api.services import click_model, embedder
from api.web.charts import facet_bars
from api.web.common import chosen_profile, lang, own_profiles, shown_id, t
from matcher.profiles import Profile
from matcher.screening import request_from_text, screen
from matcher.shortlist import Filters, Query
from matcher.store import prepare, to_profile

bp = Blueprint("screen", __name__, url_prefix="/screen")

TEXT_SUFFIXES = (".txt", ".md", ".json")
#: Fewer words than this cannot be screened (as ``klik screen`` refuses).
MIN_WORDS = 3


class Unreadable(ValueError):
    """The request cannot be screened; the message says why, for a person."""


def _request_profile(text: str) -> Query:
    """The pasted or uploaded request: a JSON profile, or the request's own words."""
    if text.lstrip().startswith("{"):
        try:
            profile = Profile.model_validate(json.loads(text))
        except json.JSONDecodeError as error:
            raise Unreadable(f"{t('screen_bad_json')}: {error.msg} (line {error.lineno})") from None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "profile"
            raise Unreadable(f"{t('screen_bad_json')}: {where}: {first['msg']}") from None
        profile.id = None
        return Query(prepare(profile))
    if len(text.split()) < MIN_WORDS:
        raise Unreadable(t("screen_short"))
    return request_from_text(text)


def _read_request() -> str:
    upload = request.files.get("request_file")
    if upload is not None and upload.filename:
        if Path(upload.filename).suffix.lower() not in TEXT_SUFFIXES:
            raise Unreadable(t("screen_wrong_file"))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Unreadable(t("screen_wrong_file")) from None
    text = (request.form.get("request_text") or "").strip()
    if not text:
        raise Unreadable(t("screen_empty"))
    return text


@bp.route("", methods=["GET", "POST"])
def index() -> str | tuple[str, int]:
    rows = own_profiles()
    page: dict[str, Any] = {
        "rows": rows,
        "host": chosen_profile(rows, request.values.get("host")),
        "request_text": request.form.get("request_text", ""),
    }
    if request.method == "GET":
        return render_template("web/screen.html", **page)
    row = next((r for r in rows if shown_id(r) == page["host"]), None)
    if row is None:
        abort(404)
    try:
        incoming = _request_profile(_read_request())
    except Unreadable as error:
        return render_template("web/screen.html", **page, error=str(error)), 422
    result = screen(
        get_session(),
        embedder(),
        Query(to_profile(row), row.pk),
        incoming,
        model=click_model(),
        lang=lang(),
        filters=Filters(workspace_pk=g.workspace_pk),
    )
    return render_template(
        "web/screen.html",
        **page,
        result=result,
        explanation=result.explanation.to_dict(),
        bars=facet_bars(result.features, result.reference),
    )
