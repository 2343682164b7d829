"""Find partners: the shortlist for one of our profiles, as explained cards."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request

from api.db import get_session
from api.services import click_model, embedder
from api.web.charts import facet_bars
from api.web.common import chosen_profile, lang, own_profiles, shown_id
from matcher.profiles import Kind
from matcher.shortlist import ORDERS, Filters, Query, explain_candidates, shortlist
from matcher.store import to_profile
from matcher.workspaces import external_id

bp = Blueprint("partners", __name__, url_prefix="/partners")

TOP_CHOICES = (3, 5, 10, 20)


@bp.get("")
def find() -> str | tuple[str, int]:
    rows = own_profiles()
    chosen = request.args.get("for")
    form: dict[str, Any] = {
        "for": chosen_profile(rows, chosen),
        "top": request.args.get("top", "5"),
        "kind": request.args.get("kind", ""),
        "country": (request.args.get("country") or "").strip().upper(),
        "exclude_partners": bool(request.args.get("exclude_partners")),
        "exclude_conflicts": bool(request.args.get("exclude_conflicts")),
        "rank_by": request.args.get("rank_by", "click"),
    }
    page = {
        "rows": rows,
        "form": form,
        "kinds": [k.value for k in Kind],
        "tops": TOP_CHOICES,
        "orders": ORDERS,
    }
    if not chosen:
        return render_template("web/partners.html", **page)
    row = next((r for r in rows if shown_id(r) == chosen), None)
    if row is None:
        abort(404)
    top = int(form["top"]) if form["top"] in {str(n) for n in TOP_CHOICES} else 5
    filters = Filters(
        kinds=[form["kind"]] if form["kind"] in page["kinds"] else [],
        countries=[form["country"]] if len(form["country"]) == 2 else [],
        exclude_partners=form["exclude_partners"],
        exclude_conflicts=form["exclude_conflicts"],
        workspace_pk=g.workspace_pk,
    )
    order = form["rank_by"] if form["rank_by"] in ORDERS else "click"
    session, model, encoder = get_session(), click_model(), embedder()
    query = Query(to_profile(row), row.pk)
    candidates = shortlist(
        session, encoder, query, top=top, filters=filters, model=model, order=order
    )
    explain_candidates(session, encoder, query, candidates, model=model, lang=lang())
    cards = [
        {
            "candidate": c,
            "id": external_id(c.profile.id or ""),
            "explanation": c.explanation.to_dict() if c.explanation else None,
            "bars": facet_bars(c.features, c.reference),
        }
        for c in candidates
    ]
    return render_template(
        "web/partners.html",
        **page,
        query=query.profile,
        cards=cards,
        ranked_by=order if model is not None else None,
    )
