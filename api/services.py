"""The embedding model and the click model, loaded once per process on first use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

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
