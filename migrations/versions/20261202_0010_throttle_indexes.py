"""The sign-in throttle's lookups as index ranges: security events by account, address and kind, then time.

The throttle asks for one pair's failures since its last sign-in and for one address's recent failures of one
kind. With the old (account, at) and (address, at) indexes those scanned every event of the account or
address in the window, throttled refusals included, so a flood of refused attempts made each check slower.
The indexes keep their names (the convention names an index by its first column) and still serve the
auditors' filters by account or address.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_security_event_account": (["account", "address", "kind", "at"], ["account", "at"]),
    "ix_security_event_address": (["address", "kind", "at"], ["address", "at"]),
}


def _make(which: int) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="security_event")
        op.create_index(name, "security_event", columns[which])


def upgrade() -> None:
    _make(0)


def downgrade() -> None:
    _make(1)
