"""workspaces and API keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_pk", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["workspace_pk"], ["workspaces.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index("ix_api_keys_prefix", ["prefix"], unique=False)
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=64), type_=sa.String(length=80))
        batch_op.add_column(sa.Column("workspace_pk", sa.Integer(), nullable=True))
        batch_op.create_index("ix_profiles_workspace_pk", ["workspace_pk"], unique=False)
        batch_op.create_foreign_key(
            "fk_profiles_workspace_pk",
            "workspaces",
            ["workspace_pk"],
            ["pk"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workspace_pk", sa.Integer(), nullable=True))
        batch_op.create_index("ix_feedback_workspace_pk", ["workspace_pk"], unique=False)
        batch_op.create_foreign_key(
            "fk_feedback_workspace_pk",
            "workspaces",
            ["workspace_pk"],
            ["pk"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint("fk_feedback_workspace_pk", type_="foreignkey")
        batch_op.drop_index("ix_feedback_workspace_pk")
        batch_op.drop_column("workspace_pk")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_constraint("fk_profiles_workspace_pk", type_="foreignkey")
        batch_op.drop_index("ix_profiles_workspace_pk")
        batch_op.drop_column("workspace_pk")
        batch_op.alter_column("id", existing_type=sa.String(length=80), type_=sa.String(length=64))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_api_keys_prefix")
    op.drop_table("api_keys")
    op.drop_table("workspaces")
