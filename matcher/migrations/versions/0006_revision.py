"""a revision counter of the directory, bumped by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:30:00.000000

Every insert, update or delete of a profile, relationship or embedding bumps
``revision.value`` in the same transaction (triggers, so every writer counts: the
API, the CLI, another process). The in-process caches of the directory and the
vector index compare that one row instead of counting the three tables. ``token`` is
drawn when the table is created, so a database dropped and created again at the same
URL never passes for the old one.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("profiles", "relationships", "embeddings")
EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.create_table(
        "revision",
        sa.Column("pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.execute(
        sa.text("INSERT INTO revision (pk, token, value) VALUES (1, :token, 0)").bindparams(
            token=uuid.uuid4().hex
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION klik_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE revision SET value = value + 1 WHERE pk = 1; RETURN NULL; END $$"
        )
        for table in TABLES:
            # Once per statement: a bulk insert of 100,000 rows bumps it once.
            op.execute(
                f"CREATE TRIGGER {table}_revision "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION klik_bump_revision()"
            )
    else:
        # SQLite has row triggers only.
        for table in TABLES:
            for when in EVENTS:
                op.execute(
                    f"CREATE TRIGGER {table}_{when}_revision AFTER {when.upper()} ON {table} "
                    "BEGIN UPDATE revision SET value = value + 1 WHERE pk = 1; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_revision ON {table}")
        op.execute("DROP FUNCTION klik_bump_revision()")
    else:
        for table in TABLES:
            for when in EVENTS:
                op.execute(f"DROP TRIGGER {table}_{when}_revision")
    op.drop_table("revision")
