"""Decisions, departments, powers and their sub-items.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# CHECK names go through op.f(): env.py hands Alembic the models' naming convention, whose
# ck_%(table_name)s_%(constraint_name)s would otherwise prefix a full name again (ck_power_ck_power_type).


def upgrade() -> None:
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_number", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("issuer", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("recipient", sa.String(300), nullable=False),
        sa.Column("zone_body", sa.String(100), nullable=False),
        sa.Column("annex_title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decision"),
        sa.UniqueConstraint("doc_number", name="uq_decision_doc_number"),
    )
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("address", sa.String(300), nullable=True),
        sa.Column("phone", sa.String(64), nullable=True),
        sa.Column("hours", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("kind IN ('city', 'zone')", name=op.f("ck_department_kind")),
        sa.PrimaryKeyConstraint("id", name="pk_department"),
        sa.UniqueConstraint("name", name="uq_department_name"),
    )
    op.create_table(
        "power",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("devolved_part", sa.Text(), nullable=True),
        sa.Column("retained_part", sa.Text(), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "type IN ('licensing', 'penalty', 'inspection', 'levy', 'confirmation', 'other')",
            name=op.f("ck_power_type"),
        ),
        sa.CheckConstraint("level IN ('city', 'city_county')", name=op.f("ck_power_level")),
        sa.CheckConstraint("seq > 0", name=op.f("ck_power_seq_positive")),
        sa.CheckConstraint(
            "(partial AND devolved_part IS NOT NULL) OR (NOT partial AND devolved_part IS NULL "
            "AND retained_part IS NULL)",
            name=op.f("ck_power_partial_parts"),
        ),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], name="fk_power_decision_id_decision"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name="fk_power_department_id_department"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_power"),
        sa.UniqueConstraint("decision_id", "seq", name="uq_power_decision_id_seq"),
    )
    op.create_index("ix_power_decision_id", "power", ["decision_id"])
    op.create_index("ix_power_department_id", "power", ["department_id"])
    op.create_index("ix_power_type", "power", ["type"])
    op.create_index("ix_power_retired", "power", ["retired"])
    op.create_table(
        "power_sub_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_power_sub_item_power_id_power"),
        sa.PrimaryKeyConstraint("id", name="pk_power_sub_item"),
        sa.UniqueConstraint("power_id", "position", name="uq_power_sub_item_power_id_position"),
    )
    op.create_index("ix_power_sub_item_power_id", "power_sub_item", ["power_id"])


def downgrade() -> None:
    op.drop_index("ix_power_sub_item_power_id", table_name="power_sub_item")
    op.drop_table("power_sub_item")
    for ix in ("ix_power_retired", "ix_power_type", "ix_power_department_id", "ix_power_decision_id"):
        op.drop_index(ix, table_name="power")
    op.drop_table("power")
    op.drop_table("department")
    op.drop_table("decision")
