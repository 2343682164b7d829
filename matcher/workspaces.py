"""Workspaces and their API keys; a workspace's own profiles beside the shared directory.

A workspace sees its own profiles, batches and feedback plus the shared
directory (the profiles an admin loads with ``klik import``, which belong to
no workspace). Its profiles are stored under the internal id
``ws:<workspace pk>:<id>``, so two workspaces can each have an ``acme`` and
neither can name the other's: every id a workspace gives is looked up in its
own space first, then in the shared directory, never elsewhere.

Keys are random (256 bits), shown once when created and stored as their
SHA-256; a key's first characters (its prefix) name it in listings and for
revoking.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from matcher.db import ApiKeyRow, ProfileRow, WorkspaceRow

KEY_START = "klik_"
PREFIX_LENGTH = 12
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: Ids starting with this belong to a workspace; the shared directory cannot use them.
RESERVED = "ws:"


class WorkspaceError(ValueError):
    """A workspace name or key that cannot be used."""


def key_hash(key: str) -> str:
    """What is stored of a key (a web session keeps this too, never the key)."""
    return hashlib.sha256(key.encode()).hexdigest()


def get_workspace(session: Session, name: str) -> WorkspaceRow | None:
    return session.scalar(select(WorkspaceRow).where(WorkspaceRow.name == name))


def create_key(session: Session, workspace: str) -> tuple[ApiKeyRow, str]:
    """A new key for ``workspace`` (created if new): the stored row and the key itself."""
    if not NAME_PATTERN.match(workspace):
        raise WorkspaceError(
            f"invalid workspace name {workspace!r}: use letters, digits, '.', '_' or '-'"
        )
    row = get_workspace(session, workspace)
    if row is None:
        row = WorkspaceRow(name=workspace)
        session.add(row)
        session.flush()
    key = KEY_START + secrets.token_urlsafe(32)
    stored = ApiKeyRow(workspace_pk=row.pk, key_hash=key_hash(key), prefix=key[:PREFIX_LENGTH])
    session.add(stored)
    session.flush()
    return stored, key


def revoke_key(session: Session, workspace: str, key_or_prefix: str) -> int:
    """Revoke the workspace's live keys that ``key_or_prefix`` names; how many were."""
    row = get_workspace(session, workspace)
    if row is None:
        raise WorkspaceError(f"no workspace named {workspace!r}")
    prefix = key_or_prefix[:PREFIX_LENGTH]
    if len(prefix) < PREFIX_LENGTH:
        raise WorkspaceError(f"give the key or its first {PREFIX_LENGTH} characters")
    keys = session.scalars(
        select(ApiKeyRow).where(
            ApiKeyRow.workspace_pk == row.pk,
            ApiKeyRow.prefix == prefix,
            ApiKeyRow.revoked_at.is_(None),
        )
    ).all()
    if len(key_or_prefix) > PREFIX_LENGTH:
        keys = [k for k in keys if k.key_hash == key_hash(key_or_prefix)]
    for key in keys:
        key.revoked_at = datetime.now(UTC)
    return len(keys)


def list_keys(session: Session, workspace: str | None = None) -> list[ApiKeyRow]:
    statement = select(ApiKeyRow).join(WorkspaceRow).order_by(WorkspaceRow.name, ApiKeyRow.pk)
    if workspace is not None:
        statement = statement.where(WorkspaceRow.name == workspace)
    return list(session.scalars(statement))


def authenticate(session: Session, key: str) -> WorkspaceRow | None:
    """The workspace of a live key, or None for an unknown or revoked one."""
    return workspace_of_hash(session, key_hash(key))


def workspace_of_hash(session: Session, hashed: str) -> WorkspaceRow | None:
    """The workspace of the live key with this hash, or None (unknown or revoked)."""
    row = session.scalar(
        select(ApiKeyRow).where(ApiKeyRow.key_hash == hashed, ApiKeyRow.revoked_at.is_(None))
    )
    return row.workspace if row is not None else None


def internal_id(workspace_pk: int, profile_id: str) -> str:
    return f"{RESERVED}{workspace_pk}:{profile_id}"


def external_id(stored_id: str) -> str:
    """The id a workspace knows a profile by (its own ids lose their prefix)."""
    if stored_id.startswith(RESERVED):
        return stored_id.split(":", 2)[2]
    return stored_id


def visible(workspace_pk: int) -> ColumnElement[bool]:
    """SQL condition: a profile the workspace may see (its own, or the shared directory)."""
    return or_(ProfileRow.workspace_pk == workspace_pk, ProfileRow.workspace_pk.is_(None))


def find_profile(session: Session, workspace_pk: int, profile_id: str) -> ProfileRow | None:
    """The workspace's own profile with this id, else the shared directory's, else None."""
    own = session.scalar(
        select(ProfileRow).where(ProfileRow.id == internal_id(workspace_pk, profile_id))
    )
    if own is not None:
        return own
    if profile_id.startswith(RESERVED):
        return None
    return session.scalar(
        select(ProfileRow).where(ProfileRow.id == profile_id, ProfileRow.workspace_pk.is_(None))
    )
