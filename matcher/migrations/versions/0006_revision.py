"""revision counters of the directory and of its vectors, bumped by triggers

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 02:30:00.000000

Every insert, update or delete of a profile, relationship or embedding bumps the
``directory`` row of ``revision`` in the same transaction; one of an embedding also
bumps the ``vectors`` row. Triggers, so every writer counts: the API, the CLI, another
process. The in-process caches of the directory and of the vector indexes compare those
rows instead of counting tables (counts also missed a vector replaced under the same
SQLite rowid). ``token`` is drawn when the table is created, so a database dropped and
created again at the same URL never passes for the old one.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: Table -> the counters its writes bump, always ``directory`` first (one lock order on
#: PostgreSQL, so two writers never wait on each other's counter).
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
    token = uuid.uuid4().hex
    for name in ("directory", "vectors"):
        op.execute(
            sa.text(
                "INSERT INTO revision (name, token, value) VALUES (:name, :token, 0)"
            ).bindparams(name=name, token=token)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION klik_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN "
            "UPDATE revision SET value = value + 1 WHERE name = 'directory'; "
            "IF TG_NARGS > 0 THEN "
            "UPDATE revision SET value = value + 1 WHERE name = TG_ARGV[0]; "
            "END IF; "
            "RETURN NULL; "
            "END $$"
        )
        for table, names in BUMPS.items():
            # Once per statement: a bulk insert of 100,000 rows bumps it once.
            arguments = ", ".join(f"'{name}'" for name in names[1:])
            op.execute(
                f"CREATE TRIGGER {table}_revision "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION klik_bump_revision({arguments})"
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
        op.execute("DROP FUNCTION klik_bump_revision()")
    else:
        for table in BUMPS:
            for when in EVENTS:
                op.execute(f"DROP TRIGGER {table}_{when}_revision")
    op.drop_table("revision")
