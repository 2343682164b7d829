"""The embedding model and the click model, loaded once per process on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app

from api.errors import Unavailable
from matcher import config


def embedder() -> Any:
    from matcher.embedding import EmbeddingModelError, load_embedder

    try:
        return load_embedder(current_app.config.get("EMBEDDING_MODEL"))
    except EmbeddingModelError as error:
        raise Unavailable(f"the embedding model cannot be loaded: {error}") from None


def click_model() -> Any:
    """The click model (``KLIK_CLICK_MODEL`` or ``models/click``); None if there is none."""
    cache = current_app.extensions.setdefault("klik.click_model", {})
    folder = Path(current_app.config.get("CLICK_MODEL") or config.click_model_dir())
    if folder not in cache:
        from matcher.click_model import ClickRecommender

        cache[folder] = (
            ClickRecommender.load(folder) if (folder / "config.json").is_file() else None
        )
    return cache[folder]


def warm_up(app: Flask) -> None:
    """Load both models into this process now, so that its first request does not wait.

    A model that cannot be loaded is logged and left for the request that needs it,
    which answers with the usual error.
    """
    with app.app_context():
        try:
            embedder()
            click_model()
        except Exception as error:  # a worker must boot even so
            app.logger.warning("models not loaded ahead of requests: %s", error)
