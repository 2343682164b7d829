"""Every request but ``/health`` and the OpenAPI document needs a workspace's API key."""

from __future__ import annotations

from flask import Flask, g, request

from api.db import get_session
from api.errors import Unauthorized
from matcher.workspaces import authenticate

#: Endpoints anyone may call.
PUBLIC = {"health.health", "openapi.openapi_document", "static"}


def init_app(app: Flask) -> None:
    app.before_request(require_key)


def require_key() -> None:
    """Find the caller's workspace from ``Authorization: Bearer <key>``, or refuse (401)."""
    if request.endpoint is None or request.endpoint in PUBLIC:
        return  # unknown routes answer 404, public ones answer anyone
    if request.blueprint is not None and request.blueprint.split(".")[0] == "web":
        return  # the web pages sign in with a session (api.web)
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(
            "an API key is required: send 'Authorization: Bearer <key>'", field="Authorization"
        )
    workspace = authenticate(get_session(), key.strip())
    if workspace is None:
        raise Unauthorized("unknown or revoked API key", field="Authorization")
    g.workspace_pk = workspace.pk
    g.workspace_name = workspace.name


def workspace_pk() -> int:
    """The calling workspace (set by :func:`require_key`)."""
    pk: int = g.workspace_pk
    return pk
