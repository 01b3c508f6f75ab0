"""A trigram index over the search text on PostgreSQL (pg_trgm, GIN), so a term of three characters or more reads
only the powers that hold it, as SQLite's FTS5 table does since migration 0012; shorter terms still read every row
(registry.services.search.narrows).

Migration 0012 left PostgreSQL without one because its planner then scanned every row anyway. The search now
reads the matches on their own (a MATERIALIZED common table expression), where the planner takes the index. The
extension is trusted, so the database's owner may create it; the downgrade drops the index, not the extension,
which other schemas may use.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COLUMNS = ("haystack", "initials", "spelt")  # the searched columns
TRIGRAM_INDEX = "ix_power_search_trigram"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(TRIGRAM_INDEX, "power_search", list(COLUMNS), postgresql_using="gin",
                    postgresql_ops={c: "gin_trgm_ops" for c in COLUMNS})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(TRIGRAM_INDEX, table_name="power_search")
