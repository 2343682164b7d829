"""Tables, engine and schema migrations.

No engine exists at import time: callers build one with :func:`make_engine`
from a URL (SQLite file by default, PostgreSQL through ``DATABASE_URL``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

MIGRATIONS = Path(__file__).with_name("migrations")

T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON().with_variant(JSONB(), "postgresql")
    }


class WorkspaceRow(Base):
    """A team's own space: its profiles, keys and feedback, beside the shared directory."""

    __tablename__ = "workspaces"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ApiKeyRow(Base):
    """An API key of a workspace, stored as its SHA-256 (the key itself is shown once)."""

    __tablename__ = "api_keys"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_pk: Mapped[int] = mapped_column(ForeignKey("workspaces.pk", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    workspace: Mapped[WorkspaceRow] = relationship()


class ProfileRow(Base):
    """One organisation. Identity columns are columns (for filters); facets live in ``facets``."""

    __tablename__ = "profiles"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # A workspace's own profiles are stored as ``ws:<workspace pk>:<id>`` (see
    # matcher.workspaces); profiles of the shared directory keep their id.
    id: Mapped[str] = mapped_column(String(80), unique=True)
    workspace_pk: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.pk", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    city: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8), index=True)
    facets: Mapped[dict[str, Any]] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=_now, onupdate=_now
    )

    relationships: Mapped[list[RelationshipRow]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", passive_deletes=True
    )


class RelationshipRow(Base):
    """A current or past partner of a profile: another profile's id, or a free name."""

    __tablename__ = "relationships"
    __table_args__ = (UniqueConstraint("profile_pk", "partner"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_pk: Mapped[int] = mapped_column(ForeignKey("profiles.pk", ondelete="CASCADE"))
    partner: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(8))

    profile: Mapped[ProfileRow] = relationship(back_populates="relationships")


class EmbeddingRow(Base):
    """One facet's vector under one model, with the hash of the text it was computed from."""

    __tablename__ = "embeddings"
    __table_args__ = (
        UniqueConstraint("profile_pk", "facet", "model"),
        Index("ix_embeddings_model_facet", "model", "facet"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_pk: Mapped[int] = mapped_column(ForeignKey("profiles.pk", ondelete="CASCADE"))
    facet: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class StatementVectorRow(Base):
    """The vector of one statement text under one model, keyed by a hash of both."""

    __tablename__ = "statement_vectors"

    text_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class BatchJobRow(Base):
    """A prospect list to rank for one host, worked through by ``klik worker`` in chunks."""

    __tablename__ = "batch_jobs"
    __table_args__ = (Index("ix_batch_jobs_status", "status"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    workspace_pk: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.pk", ondelete="CASCADE"), index=True
    )
    host_pk: Mapped[int] = mapped_column(ForeignKey("profiles.pk", ondelete="CASCADE"))
    lang: Mapped[str | None] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    #: queued, running, done, failed or cancelled.
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    worker: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Prospects done when the job was last (re)started, for the rate.
    done_at_start: Mapped[int] = mapped_column(Integer, default=0)

    host: Mapped[ProfileRow] = relationship()


class BatchItemRow(Base):
    """One prospect of a batch: its profile, and once scored, its result (exactly once)."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("job_pk", "position"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_pk: Mapped[int] = mapped_column(ForeignKey("batch_jobs.pk", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    profile: Mapped[dict[str, Any]] = mapped_column()
    score: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None] = mapped_column()


class FeedbackRow(Base):
    """One recorded outcome of a candidate shortlisted for an organisation's strategy.

    Every event is kept, so a pair may have several rows (its history).
    """

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_pair", "profile_pk", "candidate_pk"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_pk: Mapped[int] = mapped_column(ForeignKey("profiles.pk", ondelete="CASCADE"))
    candidate_pk: Mapped[int] = mapped_column(ForeignKey("profiles.pk", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(1000))
    #: The workspace that recorded it (None: recorded by an admin with the CLI).
    workspace_pk: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.pk", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)

    profile: Mapped[ProfileRow] = relationship(foreign_keys=[profile_pk])
    candidate: Mapped[ProfileRow] = relationship(foreign_keys=[candidate_pk])


class RevisionRow(Base):
    """Counters bumped by triggers (migration 0006), one row per name.

    ``directory`` moves with every change of profiles, relationships or embeddings,
    ``vectors`` with every change of embeddings. Caches compare them (see
    :func:`revision`). A migration that rebuilds one of those tables (SQLite batch mode)
    must create its triggers again.
    """

    __tablename__ = "revision"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: Drawn when the database was created: another database never shares it.
    token: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(BigInteger)


class RevisionPendingRow(Base):
    """A PostgreSQL transaction that wrote what a :class:`RevisionRow` counts, until it commits.

    Its write triggers only mark the transaction here; a deferred trigger bumps the
    counters as it commits, so writers never wait on each other's counter row. Unused on
    SQLite, which has one writer at a time.
    """

    __tablename__ = "revision_pending"

    txid: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    vectors: Mapped[bool] = mapped_column(Boolean)


#: Names of the :class:`RevisionRow` counters.
DIRECTORY, VECTORS = "directory", "vectors"


def revision(session: Session, name: str = DIRECTORY) -> tuple[str, int]:
    """This database's token and the value of one of its change counters.

    One primary-key read: cheap enough to check on every request. The counter moves, in
    the same transaction, with every write it counts, by anyone.
    """
    token, value = session.execute(
        select(RevisionRow.token, RevisionRow.value).where(RevisionRow.name == name)
    ).one()
    return str(token), int(value)


class RevisionCache(Generic[T]):
    """Values built from a database, one per (database, key), rebuilt when one of its
    :func:`revision` counters moves; safe to share between threads."""

    def __init__(self, counter: str) -> None:
        self.counter = counter
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, ...], tuple[tuple[str, int], T]] = {}

    def get(self, session: Session, key: tuple[str, ...], build: Callable[[], T]) -> T:
        """The value for ``key`` in ``session``'s database, from ``build()`` when stale."""
        url = session.get_bind().engine.url.render_as_string(hide_password=True)
        entry = (url, *key)
        current = revision(session, self.counter)
        with self._lock:
            cached = self._entries.get(entry)
            if cached is not None and cached[0] == current:
                return cached[1]
        value = build()
        with self._lock:
            self._entries[entry] = (current, value)
        return value


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


def schema_is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current == head
