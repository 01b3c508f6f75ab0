"""A trigram index over the search text on SQLite, so a term of three characters or more reads only the powers
that hold it instead of every row; shorter terms still read every row (registry.services.search.candidates).

- SQLite: an FTS5 table with the trigram tokenizer over power_search (external content), kept in step by three
  triggers, the pattern SQLite documents for external-content tables. A database feature the models do not
  describe (TRIGRAM_TABLE in registry.models.search).
- Both: an index on the folded name, which finds the names a long term holds whole.
- PostgreSQL gets no trigram index: pg_trgm GIN indexes were tried and measured at 10,000 powers, and its planner
  chose a scan of every row for most terms anyway (mean and p99 no better), so they did not earn their place.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02
"""

from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ("haystack", "initials", "spelt")  # the searched columns
FTS = "power_search_trigram"


def upgrade() -> None:
    op.create_index("ix_power_search_name", "power_search", ["name"])
    if op.get_bind().dialect.name != "sqlite":
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
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER {FTS}_{suffix}")
        op.execute(f"DROP TABLE {FTS}")
    op.drop_index("ix_power_search_name", table_name="power_search")
