"""The web pages: sign in with a workspace key, find partners, screen a request, rank a list.

Server-rendered pages with a little JavaScript (the batch progress bar), no
external CDN. A signed session cookie keeps the workspace key's hash, never
the key; every page checks that key is still live, so a revoked key signs the
person out with a message. Forms carry a CSRF token (Flask-WTF); the JSON
API, which takes bearer keys and no cookies, is exempt.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers.response import Response as BaseResponse

from api.db import get_session
from api.web import account, lists, partners, profile_pages, screening
from api.web.common import lang, shown_id, t
from matcher import phrases
from matcher.workspaces import workspace_of_hash

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
for child in (account.bp, profile_pages.bp, partners.bp, screening.bp, lists.bp):
    bp.register_blueprint(child)

#: Pages anyone may open.
OPEN = {"web.account.signin", "web.account.language", "web.static", "web.home"}


@bp.before_request
def require_sign_in() -> BaseResponse | None:
    """Find the workspace of the session's key; send anyone else to the sign-in page."""
    if request.endpoint in OPEN:
        return None
    hashed = session.get("key_hash")
    workspace = workspace_of_hash(get_session(), hashed) if hashed else None
    if workspace is None:
        session.pop("key_hash", None)
        flash(t("signin_expired" if hashed else "signin_needed"), "error")
        return redirect(url_for("web.account.signin", next=request.full_path))
    g.workspace_pk = workspace.pk
    g.workspace_name = workspace.name
    return None


@bp.get("/")
def home() -> BaseResponse:
    if session.get("key_hash"):
        return redirect(url_for("web.partners.find"))
    return redirect(url_for("web.account.signin"))


@bp.app_context_processor
def page_context() -> dict[str, Any]:
    chosen = lang()
    return {
        "t": t,
        "lang": chosen,
        "workspace_name": g.get("workspace_name"),
        "shown_id": shown_id,
        "phrase": lambda key: phrases.say(chosen, key),
        "facet_name": lambda facet: phrases.facet_name(chosen, facet),
    }


def error_page(status: int, code: str, message: str) -> tuple[str, int]:
    """An error as a page a person reads (the app's error handler calls this off the API)."""
    if status == 404:
        message = t("error_not_found")
    elif status == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        message = t("error_too_large", size=max(1, round(limit / 2**20)))
    elif status >= 500:
        message = t("error_unexpected")
    return render_template("web/error.html", status=status, message=message), status


def _secret_key(app: Flask) -> str:
    """``KLIK_SECRET_KEY``, else one made once and kept in the instance folder."""
    path = Path(app.instance_path) / "secret_key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:  # a link never replaces: the first of several workers wins, the others read it
            path.hardlink_to(candidate)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    """Register the pages; call after the API's blueprints (they are exempt from CSRF)."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    csrf = CSRFProtect(app)
    for blueprint in list(app.blueprints.values()):
        csrf.exempt(blueprint)
    app.register_blueprint(bp)
    app.extensions["klik.error_page"] = error_page

    @app.errorhandler(CSRFError)
    def form_expired(_error: CSRFError) -> tuple[str, int]:
        return render_template("web/error.html", status=400, message=t("error_form_expired")), 400
