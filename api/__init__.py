"""Klik's HTTP API (Flask application factory)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from matcher.config import database_url, normalise_url


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``KLIK_*`` environment variables, then ``test_config``."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE_URL=database_url(),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        PRELOAD_MODELS=True,
    )
    app.config.from_prefixed_env("KLIK")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["DATABASE_URL"] = normalise_url(app.config["DATABASE_URL"])

    from api import (
        auth,
        batches,
        db,
        errors,
        feedback,
        health,
        openapi,
        profiles,
        screening,
        shortlists,
        web,
    )

    db.init_app(app)
    errors.register(app)
    auth.init_app(app)
    for blueprint in (
        health.bp,
        openapi.bp,
        profiles.bp,
        shortlists.bp,
        screening.bp,
        feedback.bp,
        batches.bp,
    ):
        app.register_blueprint(blueprint)
    web.init_app(app)
    return app
