"""Alembic environment: the engine comes from ``klik init-db`` or from ``DATABASE_URL``."""

from __future__ import annotations

from alembic import context

from matcher.config import database_url
from matcher.db import Base, make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(database_url())

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
