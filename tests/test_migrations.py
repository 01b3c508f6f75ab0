"""The hand-written migrations build exactly the schema the models describe, and undo it cleanly.

Each test starts from an empty database of its own on every backend and goes through registry.db.migrate,
the same code path as `registry init-db`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Engine, inspect
from sqlalchemy.engine.reflection import Inspector

from registry.db import make_engine, migrate
from registry.models import Base
from registry.models.search import TRIGRAM_INDEX, TRIGRAM_TABLE

TABLES = sorted(Base.metadata.tables)
BOOKKEEPING = "alembic_version"


def _described(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the trigram indexes, database features the models do not describe (migrations 0012 and 0018)."""
    return not (type_ == "table" and str(name).startswith(TRIGRAM_TABLE) or type_ == "index" and name == TRIGRAM_INDEX)


def schema_diff(engine: Engine) -> list:
    """What autogenerate would write to bring the database to the models (empty when they agree)."""
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": _described}
        return compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)


def user_tables(engine: Engine) -> list[str]:
    return sorted(t for t in inspect(engine).get_table_names() if t != BOOKKEEPING and not t.startswith(TRIGRAM_TABLE))


def test_the_trigram_index_is_made_and_removed(empty_url: str, engine_for) -> None:
    """Migration 0012 makes SQLite's trigram index, 0018 PostgreSQL's, and the downgrades remove them."""
    migrate.upgrade(empty_url)
    engine = engine_for(empty_url)
    insp = inspect(engine)
    made = [t for t in insp.get_table_names() if t.startswith(TRIGRAM_TABLE)]
    assert (TRIGRAM_TABLE in made) is (engine.dialect.name == "sqlite")
    indexes = {ix["name"] for ix in insp.get_indexes("power_search")}
    assert (TRIGRAM_INDEX in indexes) is (engine.dialect.name == "postgresql")
    migrate.downgrade(empty_url, "0017")
    assert TRIGRAM_INDEX not in {ix["name"] for ix in inspect(engine_for(empty_url)).get_indexes("power_search")}
    migrate.downgrade(empty_url, "0010")  # undoes 0012 (and whatever came after it)
    insp = inspect(engine_for(empty_url))
    assert not [t for t in insp.get_table_names() if t.startswith(TRIGRAM_TABLE)]
    assert "ix_power_search_name" not in {ix["name"] for ix in insp.get_indexes("power_search")}


@pytest.fixture
def empty_url(databases) -> Iterator[str]:
    yield databases.empty()


@pytest.fixture
def engine_for() -> Iterator[Callable[[str], Engine]]:
    engines: list[Engine] = []

    def make(url: str) -> Engine:
        engines.append(make_engine(url))
        return engines[-1]

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="module")
def migrated(databases) -> Iterator[Inspector]:
    """An inspector over a database at head, shared by the read-only naming checks."""
    url = databases.empty()
    migrate.upgrade(url)
    engine = make_engine(url)
    yield inspect(engine)
    engine.dispose()


def test_upgrade_from_empty_matches_models(empty_url: str, engine_for) -> None:
    """Upgrading an empty database to head yields the models' tables, columns, types and indexes."""
    migrate.upgrade(empty_url)
    engine = engine_for(empty_url)
    assert user_tables(engine) == TABLES
    assert schema_diff(engine) == []


def test_downgrade_to_base_removes_every_table(empty_url: str, engine_for) -> None:
    """Downgrading to base leaves nothing but Alembic's own bookkeeping."""
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    engine = engine_for(empty_url)
    assert user_tables(engine) == []
    assert set(inspect(engine).get_table_names()) <= {BOOKKEEPING}


def test_upgrade_again_after_downgrade(empty_url: str, engine_for) -> None:
    """Up, down and up again ends at the same schema as a single upgrade."""
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    migrate.upgrade(empty_url)
    engine = engine_for(empty_url)
    assert user_tables(engine) == TABLES
    assert schema_diff(engine) == []


def _described_indexes(insp: Inspector, table: str) -> list[dict]:
    """The table's indexes the models describe: PostgreSQL also lists the index behind each unique constraint
    (named as the constraint), and the trigram index is the database's own (migration 0018)."""
    return [ix for ix in insp.get_indexes(table) if "duplicates_constraint" not in ix and ix["name"] != TRIGRAM_INDEX]


def _reflected(insp: Inspector, table: str, kind: str) -> list[tuple[str | None, str]]:
    """(name in the database, name the convention in registry.models.base gives) for one kind of object."""
    if kind == "pk":
        return [(insp.get_pk_constraint(table)["name"], f"pk_{table}")]
    if kind == "fk":
        return [(fk["name"], f"fk_{table}_{fk['constrained_columns'][0]}_{fk['referred_table']}")
                for fk in insp.get_foreign_keys(table)]
    if kind == "uq":
        return [(uq["name"], f"uq_{table}_{'_'.join(uq['column_names'])}")
                for uq in insp.get_unique_constraints(table)]
    if kind == "ix":
        return [(ix["name"], f"ix_{table}_{ix['column_names'][0]}") for ix in _described_indexes(insp, table)]
    if kind == "ck":
        # The convention is ck_<table>_<short name>; the short name is free, so compare with the models.
        declared = sorted(str(c.name) for c in Base.metadata.tables[table].constraints
                          if isinstance(c, CheckConstraint))
        return list(zip(sorted(ck["name"] for ck in insp.get_check_constraints(table)), declared, strict=True))
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["pk", "fk", "uq", "ix", "ck"])
def test_names_follow_the_naming_convention(migrated: Inspector, kind: str) -> None:
    """Every constraint and index in the migrated database carries the name the convention gives it."""
    pairs = [pair for table in TABLES for pair in _reflected(migrated, table, kind)]
    assert pairs, f"no {kind} at all"
    assert [actual for actual, _ in pairs] == [expected for _, expected in pairs]
    assert all(str(actual).startswith(f"{kind}_") for actual, _ in pairs)


def test_names_match_the_models(migrated: Inspector) -> None:
    """The database holds exactly the constraint and index names the models declare (later migrations use them)."""
    def in_database(table: str) -> set[str]:
        names = {migrated.get_pk_constraint(table)["name"]}
        names |= {fk["name"] for fk in migrated.get_foreign_keys(table)}
        names |= {uq["name"] for uq in migrated.get_unique_constraints(table)}
        names |= {ck["name"] for ck in migrated.get_check_constraints(table)}
        names |= {ix["name"] for ix in _described_indexes(migrated, table)}
        return names

    def in_models(table: str) -> set[str]:
        t = Base.metadata.tables[table]
        return {str(c.name) for c in t.constraints} | {str(ix.name) for ix in t.indexes}

    assert {t: in_database(t) for t in TABLES} == {t: in_models(t) for t in TABLES}
