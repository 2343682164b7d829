"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import pytest

from matcher.embedding import DEFAULT_MODEL, Embedder, load_embedder

pytest_plugins = ["db_fixtures"]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default embedding model (built on first use), loaded once per test session."""
    return load_embedder(DEFAULT_MODEL)
