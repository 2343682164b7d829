"""Where Klik keeps its data, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path


def database_url() -> str:
    """``DATABASE_URL`` (or ``KLIK_DATABASE_URL``), else a SQLite file in ``./instance``."""
    url = os.environ.get("DATABASE_URL") or os.environ.get("KLIK_DATABASE_URL")
    if url:
        return normalise_url(url)
    return f"sqlite:///{Path('instance/klik.db').resolve()}"


def normalise_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings hosting providers hand out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def click_model_dir() -> Path:
    """``KLIK_CLICK_MODEL``, else the model shipped in the repository's ``models/click``."""
    env = os.environ.get("KLIK_CLICK_MODEL")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[1] / "models" / "click"
