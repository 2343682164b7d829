"""Signing in and out with a workspace key, and the interface language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers.response import Response

from api.db import get_session
from api.web.common import t
from api.web.texts import LANGUAGES
from matcher.workspaces import key_hash, workspace_of_hash

bp = Blueprint("account", __name__)


def _local(target: str | None, default: str) -> str:
    """Only a path on this site may be a redirect target (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
    ):
        return default
    return target


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> str | Response | tuple[str, int]:
    next_page = _local(request.values.get("next"), url_for("web.partners.find"))
    if request.method == "GET":
        return render_template("web/signin.html", next_page=next_page)
    key = (request.form.get("key") or "").strip()
    if not key:
        return render_template("web/signin.html", next_page=next_page, error=t("signin_empty")), 400
    hashed = key_hash(key)
    if workspace_of_hash(get_session(), hashed) is None:
        return render_template("web/signin.html", next_page=next_page, error=t("signin_wrong")), 401
    chosen = session.get("lang")
    session.clear()  # a fresh session for the signed-in person
    if chosen:
        session["lang"] = chosen
    session["key_hash"] = hashed
    return redirect(next_page)


@bp.post("/signout")
def signout() -> Response:
    chosen = session.get("lang")
    session.clear()
    if chosen:
        session["lang"] = chosen
    flash(t("signed_out"), "info")
    return redirect(url_for("web.account.signin"))


@bp.get("/language/<code>")
def language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_local(request.args.get("next"), url_for("web.home")))
