"""Evaluation (评估): one row per item and period with the period's figures as they stood when evaluated, the
conclusion (保留, 调整, 建议收回), its reason and the evaluator. Versioned, never deleted.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
CONCLUSIONS = ("keep", "adjust", "propose_recall")


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("on_time_permille", sa.Integer(), nullable=True),
        sa.Column("open_rectifications", sa.Integer(), nullable=False),
        sa.Column("idle_months", sa.Integer(), nullable=False),
        sa.Column("conclusion", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evaluated_by", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(f"conclusion IN ({', '.join(repr(c) for c in CONCLUSIONS)})",
                           name=op.f("ck_evaluation_conclusion")),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_evaluation_period_order")),
        sa.CheckConstraint("accepted >= 0 AND completed >= 0 AND open_rectifications >= 0 AND idle_months >= 0",
                           name=op.f("ck_evaluation_figures_not_negative")),
        sa.CheckConstraint("on_time_permille IS NULL OR (on_time_permille >= 0 AND on_time_permille <= 1000)",
                           name=op.f("ck_evaluation_on_time_permille_range")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name=op.f("fk_evaluation_power_id_power")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
        sa.UniqueConstraint("power_id", "period_start", "period_end",
                            name=op.f("uq_evaluation_power_id_period_start_period_end")),
    )
    op.create_index(op.f("ix_evaluation_power_id"), "evaluation", ["power_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_evaluation_power_id"), table_name="evaluation")
    op.drop_table("evaluation")
