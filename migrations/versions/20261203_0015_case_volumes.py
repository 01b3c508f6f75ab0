"""Case volumes (办件量): each item's monthly figures at its receiving office (accepted, completed, on time).

The table is made empty; figures come from `registry volumes import` and POST /api/v1/case-volumes, each row
audited. A month is text YYYY-MM, one row per item, office and month; a later import replaces its figures.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# Written out here, not imported: a migration keeps the schema of its day.
MONTH_CHECK = (
    "length(month) = 7 AND substr(month, 1, 1) IN ('1', '2') AND substr(month, 2, 1) BETWEEN '0' AND '9' AND "
    "substr(month, 3, 1) BETWEEN '0' AND '9' AND substr(month, 4, 1) BETWEEN '0' AND '9' AND "
    "substr(month, 5, 1) = '-' AND substr(month, 6, 2) IN "
    "('01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12')"
)
INDEXED = ("power_id", "office_id", "month")


def upgrade() -> None:
    op.create_table(
        "case_volume",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(MONTH_CHECK, name=op.f("ck_case_volume_month_format")),
        sa.CheckConstraint("accepted >= 0", name=op.f("ck_case_volume_accepted_not_negative")),
        sa.CheckConstraint("completed >= 0 AND completed <= accepted",
                           name=op.f("ck_case_volume_completed_within_accepted")),
        sa.CheckConstraint("on_time IS NULL OR (on_time >= 0 AND on_time <= completed)",
                           name=op.f("ck_case_volume_on_time_within_completed")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name=op.f("fk_case_volume_power_id_power")),
        sa.ForeignKeyConstraint(["office_id"], ["department.id"], name=op.f("fk_case_volume_office_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_volume")),
        sa.UniqueConstraint("power_id", "office_id", "month", name=op.f("uq_case_volume_power_id_office_id_month")),
    )
    for column in INDEXED:
        op.create_index(op.f(f"ix_case_volume_{column}"), "case_volume", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(op.f(f"ix_case_volume_{column}"), table_name="case_volume")
    op.drop_table("case_volume")
