"""Trigram indexes over the search text, so a term of three characters or more reads only the powers that hold
it instead of every row; shorter terms still read every row (registry.services.search.candidates).

- SQLite: an FTS5 table with the trigram tokenizer over power_search (external content), kept in step by three
  triggers, the pattern SQLite documents for external-content tables.
- PostgreSQL: pg_trgm GIN indexes on the three searched columns (pg_trgm is a trusted extension: the database
  owner may create it).
- Both: an index on the folded name, which finds the names a long term holds whole.

The trigram structures are database features the models do not describe (see TRIGRAM_OBJECTS in
registry.models.search); the name index is in the models.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02
"""

from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("haystack", "initials", "spelt")
FTS = "power_search_trigram"


def upgrade() -> None:
    op.create_index("ix_power_search_name", "power_search", ["name"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in COLUMNS:
            op.execute(f"CREATE INDEX ix_power_search_{column} ON power_search USING gin ({column} gin_trgm_ops)")
        return
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5({cols}, content='power_search', content_rowid='power_id', "
               "tokenize='trigram')")
    add = f"INSERT INTO {FTS}(rowid, {cols}) VALUES (new.power_id, {new});"
    remove = f"INSERT INTO {FTS}({FTS}, rowid, {cols}) VALUES ('delete', old.power_id, {old});"
    op.execute(f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON power_search BEGIN {add} END")
    op.execute(f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON power_search BEGIN {remove} END")
    op.execute(f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON power_search BEGIN {remove} {add} END")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP INDEX ix_power_search_{column}")
        op.execute("DROP EXTENSION IF EXISTS pg_trgm")
    else:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER {FTS}_{suffix}")
        op.execute(f"DROP TABLE {FTS}")
    op.drop_index("ix_power_search_name", table_name="power_search")
