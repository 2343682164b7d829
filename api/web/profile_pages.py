"""Our profile: create and edit a workspace's own profiles, every facet, Dutch or English."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from pydantic import ValidationError
from sqlalchemy import select

from api.db import get_session
from api.profiles import save_own
from api.web.common import own_profiles, shown_id, t
from matcher.db import ProfileRow
from matcher.profiles import Kind, Profile, Relationship
from matcher.store import to_profile
from matcher.workspaces import external_id, internal_id

bp = Blueprint("profiles", __name__, url_prefix="/profiles")

#: Fields of the form, in order: (name, input type), grouped as the page shows them.
GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "group_identity",
        (
            ("name", "text"),
            ("kind", "kind"),
            ("language", "language"),
            ("country", "text"),
            ("city", "text"),
            ("website", "text"),
            ("mission", "area"),
            ("description", "area"),
        ),
    ),
    ("group_click", (("vision", "area"), ("culture", "area"), ("mindset", "area"))),
    (
        "group_strategy",
        (
            ("goals", "lines"),
            ("target_groups", "lines"),
            ("interests", "lines"),
            ("offers", "lines"),
            ("seeks", "lines"),
            ("red_lines", "lines"),
            ("partners", "lines"),
            ("tags", "lines"),
        ),
    ),
)
LISTS = [name for _, fields in GROUPS for name, kind in fields if kind == "lines"]
#: A profile must say at least one of these to be matched on.
SUBSTANCE = ("mission", "vision", "description", "goals")


def _values(profile: Profile | None) -> dict[str, str]:
    """What the form's inputs show for ``profile`` (lists one item per line)."""
    if profile is None:
        return {"kind": Kind.other.value}
    data = profile.model_dump(mode="json", exclude_none=True)
    values = {
        key: "\n".join(value) if isinstance(value, list) else str(value)
        for key, value in data.items()
        if key != "relationships"
    }
    values["partners"] = "\n".join(external_id(r.partner) for r in profile.relationships)
    return values


def _read_form(form: Any, kept: list[Relationship]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form as profile data, and the problems found before validation.

    Partners are ids or names, one per line; one already known keeps its status
    (current or past), a new one is current.
    """
    status = {external_id(r.partner): r.status for r in kept}
    data: dict[str, Any] = {}
    for _, fields in GROUPS:
        for name, kind in fields:
            raw = (form.get(name) or "").strip()
            if kind == "lines":
                data[name] = [line.strip() for line in raw.splitlines() if line.strip()]
            elif raw:
                data[name] = raw.upper() if name == "country" else raw
    data["relationships"] = [
        {"partner": p, "status": status.get(p, "current")}
        for p in dict.fromkeys(data.pop("partners"))
    ]
    errors = {}
    if not any(data.get(name) for name in SUBSTANCE):
        errors["mission"] = t("profile_empty")
    return data, errors


def _field_errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else SUBSTANCE[0]
        name = "partners" if name == "relationships" else name
        found.setdefault(name, problem["msg"])
    return found


def _own_row(profile_id: str) -> ProfileRow:
    row = get_session().scalar(
        select(ProfileRow).where(ProfileRow.id == internal_id(g.workspace_pk, profile_id))
    )
    if row is None:
        abort(404)
    return row


@bp.get("")
def index() -> str:
    return render_template("web/profiles.html", rows=own_profiles(), shown_id=shown_id)


def _form(values: dict[str, str], errors: dict[str, str], editing: str | None, status: int = 200):
    return render_template(
        "web/profile_form.html",
        groups=GROUPS,
        values=values,
        errors=errors,
        editing=editing,
        kinds=[k.value for k in Kind],
    ), status


@bp.route("/new", methods=["GET", "POST"])
def new() -> Any:
    if request.method == "GET":
        return _form(_values(None), {}, None)
    return _submit(None)


@bp.route("/<profile_id>/edit", methods=["GET", "POST"])
def edit(profile_id: str) -> Any:
    row = _own_row(profile_id)
    if request.method == "GET":
        return _form(_values(to_profile(row)), {}, profile_id)
    return _submit(profile_id)


def _submit(editing: str | None) -> Any:
    kept = to_profile(_own_row(editing)).relationships if editing is not None else []
    data, errors = _read_form(request.form, kept)
    profile = None
    try:
        profile = Profile(**data)
    except ValidationError as error:
        errors = {**_field_errors(error), **errors}
    values = {name: request.form.get(name, "") for _, fields in GROUPS for name, _ in fields}
    if errors or profile is None:
        flash(t("profile_fix"), "error")
        return _form(values, errors, editing, 422)
    profile_id = editing or profile.ensure_id()
    profile.id = None
    if editing is None and get_session().scalar(
        select(ProfileRow.pk).where(ProfileRow.id == internal_id(g.workspace_pk, profile_id))
    ):
        flash(t("profile_fix"), "error")
        return _form(values, {"name": t("profile_exists")}, editing, 409)
    save_own(profile, profile_id)
    session["profile"] = profile_id
    flash(t("profile_saved"), "info")
    target: dict[str, Any] = {"for": profile_id}
    return redirect(url_for("web.partners.find", **target))


@bp.post("/<profile_id>/delete")
def delete(profile_id: str) -> Any:
    row = _own_row(profile_id)
    get_session().delete(row)
    get_session().commit()
    if session.get("profile") == profile_id:
        session.pop("profile")
    flash(t("profile_deleted", name=row.name), "info")
    return redirect(url_for("web.profiles.index"))
