"""How the search index is read, not only what it answers (tests/test_search.py proves the answers equal the
plain rule): one gram is its postings read in order; several grams walk one gram's postings and probe the
others. SQLite walks the gram with the fewest postings, so a query costs what its rarest gram costs (取水许可 at
100,000 powers: 3,921 postings walked rather than 71,322 grouped); PostgreSQL's planner orders them itself.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import String, func, literal, select
from sqlalchemy.dialects import postgresql

from registry import db
from registry.domain import searchtext
from registry.models import PowerGram
from registry.services import search


def postings(gram: str) -> int:
    return db.session().scalar(select(func.count()).select_from(PowerGram).where(PowerGram.gram == gram))


def walked(grams: list[str]) -> str:
    """The gram SQLite walks."""
    return db.session().scalar(select(search._rarest([literal(g, String) for g in sorted(grams)])))


@pytest.mark.parametrize("text", ["取水许可", "建设工程", "qsxk", "林木采伐许可证"])
def test_the_walk_starts_from_the_gram_with_fewest_postings(sqlite_app: Flask, text: str) -> None:
    """SQLite is told which gram to walk (PostgreSQL's planner chooses: see the test below)."""
    q = searchtext.query(text)
    grams = sorted(q.initials_grams() if text.isascii() else q.substring_grams())
    with sqlite_app.app_context():
        counts = {g: postings(g) for g in grams}
        assert walked(grams) == min(grams, key=lambda g: (counts[g], g))
        assert len(set(counts.values())) > 1  # the choice is not decided by sort order alone


def test_a_gram_nobody_has_is_the_rarest_and_ties_go_to_sort_order(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        assert db.session().scalars(search._having_all(frozenset({"2取水", "2囧囧"}))).all() == []
        assert walked(["2取水", "2水许", "2囧囧"]) == "2囧囧"
        assert walked(["2囧囧", "2乙乙"]) == "2乙乙"  # both absent: the first in sort order


def test_postgresql_walks_the_first_gram_and_plans_the_rest() -> None:
    """No runtime choice and no probe of the walked gram: PostgreSQL's planner sees every gram and orders them."""
    sql = str(search._having_all(frozenset({"2许可", "2取水", "2水许"}))
              .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    assert "walk.gram = '2取水'" in sql and "count(" not in sql
    assert sql.count("EXISTS") == 2 and "'2水许'" in sql and "'2许可'" in sql


def _plan(sqlite_app: Flask, text: str) -> list[str]:
    """SQLite's query plan for a search."""
    with sqlite_app.app_context():
        session = db.session()
        stmt = search.matching(searchtext.query(text))
        sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        return [row[3] for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


def test_one_gram_is_read_straight_from_the_primary_key(sqlite_app: Flask) -> None:
    plan = _plan(sqlite_app, "取水")
    assert plan == ["SEARCH power_gram USING PRIMARY KEY (gram=?)"]


def test_several_grams_walk_one_and_probe_the_others(sqlite_app: Flask) -> None:
    plan = _plan(sqlite_app, "取水许可")
    assert "SEARCH walk USING PRIMARY KEY (gram=?)" in plan
    assert sum(step.endswith("USING PRIMARY KEY (gram=? AND power_id=?)") for step in plan) == 3
    assert not [step for step in plan if "GROUP BY" in step]
