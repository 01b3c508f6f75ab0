"""Service guides (办事指南): one per power, for the office that receives its applications.

The table is made empty; guides are written by staff through the API, the console or `registry guides import`,
each change audited. A guide holds only what was given: every field but the power and the office may be empty.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_guide",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("basic_code", sa.String(12), nullable=True),
        sa.Column("implementation_code", sa.String(31), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("service_object", sa.Text(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=True),
        sa.Column("procedure", sa.Text(), nullable=True),
        sa.Column("legal_time_limit_days", sa.Integer(), nullable=True),
        sa.Column("promised_time_limit_days", sa.Integer(), nullable=True),
        sa.Column("fee_charged", sa.Boolean(), nullable=True),
        sa.Column("fee_basis", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("hours", sa.Text(), nullable=True),
        sa.Column("consult_phone", sa.String(64), nullable=True),
        sa.Column("complaint_phone", sa.String(64), nullable=True),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("legal_time_limit_days IS NULL OR legal_time_limit_days > 0",
                           name=op.f("ck_service_guide_legal_days_positive")),
        sa.CheckConstraint("promised_time_limit_days IS NULL OR promised_time_limit_days > 0",
                           name=op.f("ck_service_guide_promised_days_positive")),
        sa.CheckConstraint("promised_time_limit_days IS NULL OR legal_time_limit_days IS NULL "
                           "OR promised_time_limit_days <= legal_time_limit_days",
                           name=op.f("ck_service_guide_promised_within_legal")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name=op.f("fk_service_guide_power_id_power")),
        sa.ForeignKeyConstraint(["office_id"], ["department.id"], name=op.f("fk_service_guide_office_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_guide")),
        sa.UniqueConstraint("power_id", name=op.f("uq_service_guide_power_id")),
    )
    op.create_index(op.f("ix_service_guide_office_id"), "service_guide", ["office_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_service_guide_office_id"), table_name="service_guide")
    op.drop_table("service_guide")
