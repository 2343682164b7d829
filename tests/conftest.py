"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from matcher import db
from matcher.embedding import DEFAULT_MODEL, Embedder, load_embedder
from matcher.ingest import import_file
from matcher.vectors import embed_profiles

DEMO = Path(__file__).parents[1] / "data" / "demo" / "profiles.jsonl"

pytest_plugins = ["db_fixtures"]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The default embedding model (built on first use), loaded once per test session."""
    return load_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Engine]:
    """A SQLite database with the demo profiles imported and embedded, once per session.

    Shared by every test that only reads it: do not change it.
    """
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    with Session(engine) as session:
        import_file(session, DEMO)
        session.commit()
        embed_profiles(session, embedder)
    yield engine
    engine.dispose()


def copy_demo(demo_db: Engine, path: Path) -> Engine:
    """A writable copy of the session's demo database at ``path``, migrated to the newest schema.

    Uses SQLite's backup API: a file copy would miss what is still in the write-ahead log.
    """
    with sqlite3.connect(demo_db.url.database) as source, sqlite3.connect(path) as target:
        source.backup(target)
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    return engine
