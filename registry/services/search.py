"""The one search service: keeps each power's search text in step with it, and turns a query into SQL.

A query's terms are tested against the folded text with plain containment (instr on SQLite, strpos on
PostgreSQL), so the answer is exactly registry.domain.searchtext.matches() on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from registry.domain import searchtext
from registry.domain.searchtext import PARTLY, SHORTEST_NAME, Query, Term
from registry.models import Power, PowerPinyin, PowerSearch
from registry.models.search import TRIGRAM_TABLE

BATCH = 500
EXPRESSIONS_KEPT = 256  # queries whose SQL expressions a worker keeps
TEXT = ("name", "haystack", "initials", "spelt", "starts")  # PowerSearch's columns of searchtext.Document
TRIGRAM = 3  # the shortest term a trigram index finds
TRIGRAM_INDEXES = ("sqlite", "postgresql")  # the dialects with a trigram index over the search text
INDEXED = ("haystack", "initials", "spelt")  # the columns the trigram indexes hold (initials and spelt: letters)
# LIKE's own characters, taken literally: folding drops them from terms today, but an unescaped \ would lose rows
LIKE_LITERALLY = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
HELD_NAMES_UP_TO = 40  # a longer term is not looked up by the names it may hold whole (too many pieces)


class _Position(FunctionElement):
    """Where ``needle`` first occurs in ``haystack`` (1-based), 0 when it does not: an exact, case-sensitive test
    with no wildcards, unlike LIKE."""

    type = Integer()
    name = "position_of"
    inherit_cache = True


@compiles(_Position, "sqlite")
def _instr(element: _Position, compiler, **kw) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_Position)
def _strpos(element: _Position, compiler, **kw) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def _in(haystack: ColumnElement[str], needle: ColumnElement[str]) -> ColumnElement[bool]:
    return _Position(haystack, needle) > 0


@dataclass(frozen=True)
class Shape:
    """What a query's SQL depends on besides the text bound to it: its terms (which read as pinyin) and the
    trigram index asked for the longest, if any. Queries of one shape share their statements, built once."""

    pinyin: tuple[bool, ...]
    index: str = ""  # the dialect whose trigram index narrows() the rows by the longest term; "" when none does


def _term(i: int) -> BindParameter:
    return bindparam(f"term{i}", type_=String())


def shape(q: Query, dialect: str | None = None) -> Shape:
    size = len(_longest(q).text) if q.terms else 0
    indexed = dialect in TRIGRAM_INDEXES and TRIGRAM <= size <= HELD_NAMES_UP_TO
    return Shape(tuple(t.pinyin_like for t in q.terms), dialect if indexed else "")


def _longest(q: Query) -> Term:
    return max(q.terms, key=lambda t: len(t.text))


def values(q: Query, dialect: str | None = None) -> dict[str, Any]:
    """The values a query of its shape binds: its terms, their pinyin needles, the terms read together, and the
    trigram lookup's phrase (SQLite) or pattern (PostgreSQL) and the names the longest term could hold whole."""
    out: dict[str, Any] = {"together": q.text}
    for i, term in enumerate(q.terms):
        out[f"term{i}"] = term.text
        out[f"needle{i}"] = term.pinyin_needle
    index = shape(q, dialect).index
    if index:
        term = _longest(q)
        if index == "sqlite":
            quoted = term.text.replace('"', '""')
            columns = INDEXED if term.pinyin_like else INDEXED[:1]
            out["phrase"] = f'{{{" ".join(columns)}}} : "{quoted}"'
        else:
            out["pattern"] = f"%{term.text.translate(LIKE_LITERALLY)}%"
        size = len(term.text)
        out["pieces"] = sorted({term.text[i:j] for i in range(size) for j in range(i + SHORTEST_NAME, size + 1)})
    return out


def _found(i: int, pinyin_like: bool) -> ColumnElement[bool]:
    """searchtext.found_in(): the term in a field, or as pinyin or initials."""
    found = _in(PowerSearch.haystack, _term(i))
    if pinyin_like:
        found = or_(found, _in(PowerSearch.initials, _term(i)), _spelt(i))
    return found


def _spelt(i: int) -> ColumnElement[bool]:
    """The term spelt from a syllable boundary on: every such match lies within a run's letters; where the term is
    first found there at a boundary, that decides, else (rarely) the letters from each boundary on."""
    at = _Position(PowerSearch.spelt, _term(i))
    needle = bindparam(f"needle{i}", type_=String())
    # A subquery of one row by key, run only for the rows that reach it: as EXISTS, PostgreSQL may choose to test
    # every power's pinyin once up front (a hashed subplan), which costs a scan of all of them for a few rows.
    from_boundary = func.coalesce(select(_in(PowerPinyin.pinyin, needle))
                                  .where(PowerPinyin.power_id == PowerSearch.power_id).scalar_subquery(), False)
    return case((at == 0, False), (func.substr(PowerSearch.starts, at, 1) == "^", True), else_=from_boundary)


def _holds_name(i: int) -> ColumnElement[bool]:
    """searchtext.contains_name(): the term holds the whole name."""
    return and_(func.length(PowerSearch.name) >= SHORTEST_NAME, _in(_term(i), PowerSearch.name))


@lru_cache(maxsize=EXPRESSIONS_KEPT)
def matching(s: Shape) -> ColumnElement[bool]:
    """A WHERE condition on PowerSearch: searchtext.matches(), its terms bound as values()."""
    return and_(true(), *[or_(_found(i, p), _holds_name(i)) for i, p in enumerate(s.pinyin)])


@lru_cache(maxsize=EXPRESSIONS_KEPT)
def relevance(s: Shape) -> ColumnElement[int]:
    """searchtext.rank() of a match, in SQL. A match that holds no term's whole name was found in full (rank 3):
    only the rare one that does is tested again, so the ranking costs no second search of the text; where the
    terms read together first occur in the name tells the exact name, a prefix and a substring apart."""
    together = bindparam("together", type_=String())
    partly = or_(false(), *[and_(_holds_name(i), ~_found(i, p)) for i, p in enumerate(s.pinyin)])
    at = _Position(PowerSearch.name, together)  # one search of the name decides the first three ranks
    return case((at == 0, case((partly, PARTLY), else_=3)), (at > 1, 2),
                else_=case((PowerSearch.name == together, 0), else_=1))


@lru_cache(maxsize=EXPRESSIONS_KEPT)
def narrows(s: Shape) -> ColumnElement[bool] | None:
    """A WHERE condition on PowerSearch that the powers which may match pass, read by trigram index: those whose
    text holds the query's longest term (a superset of the exact test, which also asks for syllable boundaries),
    and those whose name that term holds whole; matching() then decides. SQLite asks its FTS5 trigram table
    (migration 0012), PostgreSQL its pg_trgm index by LIKE (migration 0018). None when the shape is not indexed
    (the longest term too short for a trigram or too long to cut into names): then every row is read."""
    if not s.index:
        return None
    names = PowerSearch.name.in_(bindparam("pieces", expanding=True, type_=String()))
    if s.index == "sqlite":
        holding = (select(literal_column("rowid")).select_from(table(TRIGRAM_TABLE))
                   .where(literal_column(TRIGRAM_TABLE).op("MATCH")(bindparam("phrase", type_=String()))))
        return PowerSearch.power_id.in_(union_all(holding, select(PowerSearch.power_id).where(names)))
    pattern = bindparam("pattern", type_=String())  # every column: a term that is no pinyin finds none in two
    return or_(*[getattr(PowerSearch, c).like(pattern) for c in INDEXED], names)


def _row(power_id: int, doc: searchtext.Document) -> dict[str, Any]:
    return {"power_id": power_id, **{k: getattr(doc, k) for k in TEXT}}


def index(session: Session, power: Power) -> None:
    """Bring one power's search text in step with its name, sub-items and note (a write that changes none of them
    need not call this)."""
    doc = searchtext.document(power.name, power.sub_items, power.note)
    values = _row(power.id, doc)
    row, spelt = session.get(PowerSearch, power.id), session.get(PowerPinyin, power.id)
    if row is None:
        session.add(PowerSearch(**values))
    else:
        for key in TEXT:
            if getattr(row, key) != values[key]:
                setattr(row, key, values[key])
    if spelt is None:
        session.add(PowerPinyin(power_id=power.id, pinyin=doc.pinyin))
    elif spelt.pinyin != doc.pinyin:
        spelt.pinyin = doc.pinyin
    session.flush()


def write(session: Session, texts: Iterable[tuple[int, searchtext.Document]]) -> None:
    """Insert the search text of powers that have none (seeding at scale, a rebuild), by Core inserts in batches:
    the ORM's bookkeeping would dominate."""
    texts = list(texts)
    conn = session.connection()
    for start in range(0, len(texts), BATCH):
        batch = texts[start:start + BATCH]
        conn.execute(insert(PowerSearch.__table__), [_row(power_id, doc) for power_id, doc in batch])
        conn.execute(insert(PowerPinyin.__table__), [{"power_id": power_id, "pinyin": doc.pinyin}
                                                     for power_id, doc in batch])


def reindex(session: Session, only_missing: bool = True) -> int:
    """Write the search text of every power (or only those without one); returns how many."""
    if not only_missing:
        session.execute(delete(PowerPinyin))
        session.execute(delete(PowerSearch))
    stmt: Select = select(Power.id).order_by(Power.id)
    if only_missing:
        stmt = stmt.where(~select(PowerSearch.power_id).where(PowerSearch.power_id == Power.id).exists())
    ids = list(session.scalars(stmt))
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        powers = session.scalars(select(Power).where(Power.id.in_(batch))).unique()
        write(session, [(p.id, searchtext.document(p.name, p.sub_items, p.note)) for p in powers])
    return len(ids)


def forget(session: Session, decision_ids: Select) -> None:
    """Drop the search text of every power of these decisions (before the powers themselves are deleted)."""
    powers = select(Power.id).where(Power.decision_id.in_(decision_ids)).scalar_subquery()
    for model in (PowerPinyin, PowerSearch):
        session.execute(delete(model).where(model.power_id.in_(powers)))
