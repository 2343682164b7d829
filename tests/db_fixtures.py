"""Database fixtures: every storage test runs on SQLite and, when a server is given, PostgreSQL.

CI starts a PostgreSQL server and sets ``KLIK_TEST_POSTGRES_URL`` (and
``KLIK_REQUIRE_POSTGRES=1``, which turns a missing server into a failure).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from matcher import db

POSTGRES_URL = os.environ.get("KLIK_TEST_POSTGRES_URL")


def _reset_postgres(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'klik.db'}"
    if not POSTGRES_URL:
        if os.environ.get("KLIK_REQUIRE_POSTGRES"):
            pytest.fail("KLIK_REQUIRE_POSTGRES is set but KLIK_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL server: set KLIK_TEST_POSTGRES_URL")
    engine = db.make_engine(POSTGRES_URL)
    _reset_postgres(engine)
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()
