"""A version on every editable row that had none: departments, handover methods, staff accounts and calendar years.

Each row's version is its ETag in the API and the If-Match a change must send, as for powers and handovers; every
change bumps it (SQLAlchemy's version counter), so a form made from an older version is refused, not saved over
someone else's change. Rows that exist start at version 1.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("department", "handover_method", "user_account", "calendar_year")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
