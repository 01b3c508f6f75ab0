"""Search text: one row of folded text per power (power_search, its long pinyin string apart in power_pinyin)
replaces the gram index and its counts.

The search text is derived data: the new table is made empty and `registry init-db` (and `registry seed`,
`registry reindex`) fill them. The gram index's four tables are dropped; downgrading makes them again, empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
    ]


def upgrade() -> None:
    op.drop_table("gram_count")
    op.drop_index("ix_power_gram_gram", table_name="power_gram")
    op.drop_index("ix_power_gram_power_id", table_name="power_gram")
    op.drop_table("power_gram")
    op.drop_table("power_pinyin")
    op.drop_table("power_text")
    op.create_table(
        "power_search",
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("haystack", sa.Text(), nullable=False),
        sa.Column("initials", sa.Text(), nullable=False),
        sa.Column("spelt", sa.Text(), nullable=False),
        sa.Column("starts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_search_power_id_power"),
        sa.PrimaryKeyConstraint("power_id", name="pk_power_search"),
    )
    op.create_table(
        "power_pinyin",
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("pinyin", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_pinyin_power_id_power"),
        sa.PrimaryKeyConstraint("power_id", name="pk_power_pinyin"),
    )


def downgrade() -> None:
    op.drop_table("power_pinyin")
    op.drop_table("power_search")
    op.create_table(
        "power_text",
        sa.Column("power_id", sa.Integer(), nullable=False),
        *_key_columns(),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("haystack", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_text_power_id_power"),
        sa.PrimaryKeyConstraint("power_id", name="pk_power_text"),
    )
    op.create_table(
        "power_pinyin",
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("pinyin", sa.Text(), nullable=False),
        sa.Column("initials", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_pinyin_power_id_power"),
        sa.PrimaryKeyConstraint("power_id", name="pk_power_pinyin"),
    )
    op.create_table(
        "power_gram",
        sa.Column("gram", sa.String(16), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_gram_power_id_power"),
        sa.PrimaryKeyConstraint("gram", "power_id", name="pk_power_gram"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_power_gram_power_id", "power_gram", ["power_id"])
    op.create_index("ix_power_gram_gram", "power_gram", ["gram", "tier"],
                    sqlite_where=sa.text("tier < 3"), postgresql_where=sa.text("tier < 3"))
    op.create_table(
        "gram_count",
        sa.Column("gram", sa.String(16), nullable=False),
        sa.Column("tier", sa.SmallInteger(), nullable=False),
        *_key_columns(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gram", "tier", "decision_id", "retired", "type", "level", "department_id", "partial",
                                "status", name="pk_gram_count"),
        sqlite_with_rowid=False,
    )
