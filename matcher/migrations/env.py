"""Alembic environment: the engine comes from ``klik init-db`` or from ``DATABASE_URL``.

On SQLite, batch migrations rebuild a table (copy, drop, rename). Klik's
connections enforce foreign keys, and dropping the old ``profiles`` table would
then cascade to every embedding, relationship and feedback row; so foreign
keys are off while migrating and checked once the migrations are done.
"""

from __future__ import annotations

from alembic import context

from matcher.config import database_url
from matcher.db import Base, make_engine

config = context.config
engine = config.attributes.get("engine") or make_engine(database_url())

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        connection.commit()
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
