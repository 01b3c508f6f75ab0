"""Each audit entry names the key that chained it (audit_entry.key_id), so a wrong or lost key is told apart
from tampering and keys can be rotated.

Entries already there keep NULL: the migration does not hold the key, and their hashes were computed without
an id. NULL means "the key before ids were recorded", which is the key the first entry with an id names (the
app checks the configured key against the head entry's hash before it writes the first one).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: no table rebuild, so the append-only triggers stay as they are.
    op.add_column("audit_entry", sa.Column("key_id", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_entry", "key_id")
