"""The working-day calendar in the database: the years loaded (calendar_year) and the days of each that differ
from their weekday (calendar_day: a holiday, or a make-up Saturday or Sunday workday).

The tables are made empty. Filling them is not a data migration but `registry seed`, which loads every year the
installed `chinesecalendar` package knows through the calendar service, one audit entry per year, as any
other registry data: the calendar is data staff change later (`registry calendar import`, the API), so its
first load belongs in the audit trail too, and `registry audit verify` replays every year against its entry.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year BETWEEN 1900 AND 9999", name=op.f("ck_calendar_year_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_year")),
        sa.UniqueConstraint("year", name=op.f("uq_calendar_year_year")),
    )
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f("ck_calendar_day_kind")),
        sa.ForeignKeyConstraint(["year_id"], ["calendar_year.id"], name=op.f("fk_calendar_day_year_id_calendar_year"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    op.create_index(op.f("ix_calendar_day_year_id"), "calendar_day", ["year_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_day_year_id"), table_name="calendar_day")
    op.drop_table("calendar_day")
    op.drop_table("calendar_year")
