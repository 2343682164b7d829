"""What every page needs: the interface language, its texts, the workspace's own profiles."""

from __future__ import annotations

from flask import g, request, session
from sqlalchemy import select

from api.db import get_session
from api.web.texts import LANGUAGES, say
from matcher.db import ProfileRow
from matcher.workspaces import external_id


def lang() -> str:
    """The interface language: the person's choice, else their browser's, else English."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or "en"


def t(key: str, **values: object) -> str:
    return say(lang(), key, **values)


def own_profiles() -> list[ProfileRow]:
    """The signed-in workspace's own profiles, by name."""
    return list(
        get_session().scalars(
            select(ProfileRow)
            .where(ProfileRow.workspace_pk == g.workspace_pk)
            .order_by(ProfileRow.name)
        )
    )


def shown_id(row: ProfileRow) -> str:
    return external_id(row.id)


def chosen_profile(rows: list[ProfileRow], asked: str | None) -> str:
    """The profile a page works for: the one asked, else the last one used, else the first.

    The choice is remembered, so the person's next page starts from the same profile.
    """
    ids = [shown_id(r) for r in rows]
    choice = asked or session.get("profile")
    if choice not in ids:
        choice = ids[0] if ids else ""
    if asked and asked in ids:
        session["profile"] = asked
    return choice or ""
