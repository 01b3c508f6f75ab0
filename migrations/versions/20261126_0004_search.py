"""Search index (normalised text and grams per power) and the synthetic flag on decisions.

The index is derived data: `registry reindex` (and `registry seed`) fill it; this migration only makes room.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decision") as batch:
        batch.add_column(sa.Column("synthetic", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "power_text",
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("haystack", sa.Text(), nullable=False),
        sa.Column("pinyin", sa.Text(), nullable=False),
        sa.Column("initials", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_text_power_id_power"),
        sa.PrimaryKeyConstraint("power_id", name="pk_power_text"),
    )
    op.create_table(
        "power_gram",
        sa.Column("gram", sa.String(16), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_gram_power_id_power"),
        sa.PrimaryKeyConstraint("gram", "power_id", name="pk_power_gram"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_power_gram_power_id", "power_gram", ["power_id"])


def downgrade() -> None:
    op.drop_index("ix_power_gram_power_id", table_name="power_gram")
    op.drop_table("power_gram")
    op.drop_table("power_text")
    with op.batch_alter_table("decision") as batch:
        batch.drop_column("synthetic")
