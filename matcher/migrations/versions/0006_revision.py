"""revision counters of the directory and of its vectors, bumped by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:30:00.000000

Every insert, update or delete of a profile, relationship or embedding bumps the
``directory`` row of ``revision`` in the same transaction (on PostgreSQL, as it
commits); one of an embedding also bumps the ``vectors`` row. Triggers, so every
writer counts: the API, the CLI, another process. The in-process caches of the
directory and of the vector indexes compare those rows instead of counting tables
(counts also missed a vector replaced under the same SQLite rowid). ``token`` is drawn
when the table is created, so a database dropped and created again at the same URL
never passes for the old one.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Table -> the counters its writes bump, ``directory`` first.
BUMPS = {
    "profiles": ("directory",),
    "relationships": ("directory",),
    "embeddings": ("directory", "vectors"),
}
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "revision",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # Used on PostgreSQL only (see below); created everywhere, so the schema is one.
    op.create_table(
        "revision_pending",
        sa.Column("txid", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("vectors", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("txid"),
    )
    token = uuid.uuid4().hex
    for name in ("directory", "vectors"):
        op.execute(
            sa.text(
                "INSERT INTO revision (name, token, value) VALUES (:name, :token, 0)"
            ).bindparams(name=name, token=token)
        )
    if op.get_bind().dialect.name == "postgresql":
        # A write only marks its transaction (one row per transaction: writers never wait
        # on each other); a deferred trigger bumps the counters when it commits, so the
        # counter rows are locked only while committing, however long the transaction.
        op.execute(
            "CREATE FUNCTION klik_mark_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "INSERT INTO revision_pending (txid, vectors) VALUES (txid_current(), TG_NARGS > 0) "
            "ON CONFLICT (txid) DO UPDATE SET vectors = true "
            "WHERE EXCLUDED.vectors AND NOT revision_pending.vectors; "
            "RETURN NULL; "
            "END $$"
        )
        op.execute(
            "CREATE FUNCTION klik_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "DECLARE vectors boolean; "
            "BEGIN "
            "DELETE FROM revision_pending WHERE txid = NEW.txid RETURNING "
            "revision_pending.vectors INTO vectors; "
            "IF NOT FOUND THEN RETURN NULL; END IF; "
            "UPDATE revision SET value = value + 1 WHERE name = 'directory'; "
            "IF vectors THEN UPDATE revision SET value = value + 1 WHERE name = 'vectors'; "
            "END IF; "
            "RETURN NULL; "
            "END $$"
        )
        op.execute(
            "CREATE CONSTRAINT TRIGGER revision_pending_bump "
            "AFTER INSERT OR UPDATE ON revision_pending DEFERRABLE INITIALLY DEFERRED "
            "FOR EACH ROW EXECUTE FUNCTION klik_bump_revision()"
        )
        for table, names in BUMPS.items():
            # Once per statement: a bulk insert of 100,000 rows marks it once.
            arguments = ", ".join(f"'{name}'" for name in names[1:])
            op.execute(
                f"CREATE TRIGGER {table}_revision "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION klik_mark_revision({arguments})"
            )
    else:
        # SQLite has row triggers only.
        for table, names in BUMPS.items():
            bumps = " ".join(
                f"UPDATE revision SET value = value + 1 WHERE name = '{name}';" for name in names
            )
            for when in EVENTS:
                op.execute(
                    f"CREATE TRIGGER {table}_{when}_revision AFTER {when.upper()} ON {table} "
                    f"BEGIN {bumps} END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in BUMPS:
            op.execute(f"DROP TRIGGER {table}_revision ON {table}")
        op.execute("DROP TRIGGER revision_pending_bump ON revision_pending")
        op.execute("DROP FUNCTION klik_mark_revision()")
        op.execute("DROP FUNCTION klik_bump_revision()")
    else:
        for table in BUMPS:
            for when in EVENTS:
                op.execute(f"DROP TRIGGER {table}_{when}_revision")
    op.drop_table("revision_pending")
    op.drop_table("revision")
