"""Supervision after the handover (事中事后监管): the guiding department's records of guidance, training and
inspection per item, and the rectification (整改) a finding may require, with its deadline in working days and
the zone's closing record. Both versioned, never deleted.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
KINDS = ("guidance", "training", "inspection")


def upgrade() -> None:
    op.create_table(
        "supervision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(f"kind IN ({', '.join(repr(k) for k in KINDS)})", name=op.f("ck_supervision_kind")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name=op.f("fk_supervision_power_id_power")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_supervision_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision")),
    )
    for column in ("power_id", "department_id"):
        op.create_index(op.f(f"ix_supervision_{column}"), "supervision", [column])
    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervision_id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("counted_from", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_note", sa.Text(), nullable=True),
        sa.Column("closed_evidence", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("days > 0", name=op.f("ck_rectification_days_positive")),
        sa.CheckConstraint("due_on > counted_from", name=op.f("ck_rectification_due_after_start")),
        sa.CheckConstraint("(closed_on IS NULL) = (closed_by IS NULL)", name=op.f("ck_rectification_closed_by_whom")),
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= counted_from",
                           name=op.f("ck_rectification_closed_after_start")),
        sa.ForeignKeyConstraint(["supervision_id"], ["supervision.id"],
                                name=op.f("fk_rectification_supervision_id_supervision")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name=op.f("fk_rectification_power_id_power")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification")),
        sa.UniqueConstraint("supervision_id", name=op.f("uq_rectification_supervision_id")),
    )
    for column in ("power_id", "due_on", "closed_on"):
        op.create_index(op.f(f"ix_rectification_{column}"), "rectification", [column])


def downgrade() -> None:
    for column in ("power_id", "due_on", "closed_on"):
        op.drop_index(op.f(f"ix_rectification_{column}"), table_name="rectification")
    op.drop_table("rectification")
    for column in ("power_id", "department_id"):
        op.drop_index(op.f(f"ix_supervision_{column}"), table_name="supervision")
    op.drop_table("supervision")
