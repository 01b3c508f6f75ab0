"""The one search service: keeps each power's index entry in step with it, and turns a query into SQL.

Candidates come from the gram index (a character for one-character queries, bigrams for longer ones,
syllables and initials for pinyin); the stored normalised text then confirms each candidate, so the
answer is exactly registry.domain.searchtext.matches() on both databases.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    select,
    union,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from registry.domain import searchtext
from registry.domain.searchtext import Query
from registry.models import Power, PowerGram, PowerText

REINDEX_BATCH = 500


def index(session: Session, power: Power) -> None:
    """(Re)build the index entry of one power; called by every service write that changes its text."""
    doc = searchtext.document(power.name, power.sub_items, power.note)
    session.execute(delete(PowerGram).where(PowerGram.power_id == power.id))
    entry = session.get(PowerText, power.id) or PowerText(power_id=power.id)
    entry.name, entry.haystack, entry.pinyin, entry.initials = doc.name, doc.haystack, doc.pinyin, doc.initials
    session.add(entry)
    if doc.grams:
        session.execute(insert(PowerGram), [{"gram": g, "power_id": power.id} for g in sorted(doc.grams)])
    session.flush()


def reindex(session: Session, only_missing: bool = True) -> int:
    """Index every power (or only those without an entry); returns how many were indexed."""
    stmt = select(Power.id).order_by(Power.id)
    if only_missing:
        stmt = stmt.where(~select(PowerText.power_id).where(PowerText.power_id == Power.id).exists())
    ids = list(session.scalars(stmt))
    for start in range(0, len(ids), REINDEX_BATCH):
        for power in session.scalars(select(Power).where(Power.id.in_(ids[start:start + REINDEX_BATCH]))).unique():
            index(session, power)
    return len(ids)


def _posting(gram: str | ColumnElement[str]) -> Select:
    return select(PowerGram.power_id).where(PowerGram.gram == gram)


class _HasAll(FunctionElement):
    """True for a posting ``walk`` (gram, power_id) when its power has every one of the (sorted) grams: the walked
    posting is one of them and the others are probed in the primary key (gram, power_id).

    Which gram's postings are walked is what costs. SQLite keeps no statistics, so it is told: the gram with the
    fewest postings, counted in the primary key's range (~1.5 ms per 70,000 postings; ties to the first in sort
    order). PostgreSQL's planner has statistics: it gets the first gram as the walk and semi-joins for the others,
    and orders them itself (a runtime choice would hide the gram from it, and a probe of the walked gram would
    skew its row estimates).
    """

    name = "has_all"  # untyped: a Boolean would be rendered "(...) = 1" on SQLite, hiding the terms from its planner
    inherit_cache = True


def _probe(gram: ColumnElement[str], power_id: ColumnElement[int]) -> ColumnElement[bool]:
    probe = aliased(PowerGram)
    return select(probe.power_id).where(probe.gram == gram, probe.power_id == power_id).exists()


@compiles(_HasAll)
def _walk_first(element: _HasAll, compiler, **kw) -> str:
    walked, power_id, first, *others = element.clauses  # the statement's own bound values: cached compilations stay right
    return f"({compiler.process(and_(walked == first, *[_probe(g, power_id) for g in others]), **kw)})"


def _rarest(grams: list[ColumnElement[str]]) -> ScalarSelect:
    """The gram with the fewest postings, ties to the first in sort order."""
    counts = union_all(*[select(g.label("gram"), select(func.count()).select_from(_posting(g).subquery())
                                .scalar_subquery().label("n")) for g in grams]).subquery("gram_count")
    return select(counts.c.gram).order_by(counts.c.n, counts.c.gram).limit(1).scalar_subquery()


@compiles(_HasAll, "sqlite")
def _walk_rarest(element: _HasAll, compiler, **kw) -> str:
    walked, power_id, *grams = element.clauses
    return f"({compiler.process(and_(walked == _rarest(grams), *[_probe(g, power_id) for g in grams]), **kw)})"


def _having_all(grams: frozenset[str]) -> Select:
    """SELECT power_id of the powers that have every one of ``grams``.

    One gram is its postings, in power_id order straight from the primary key. Several: walk one gram's postings
    and probe the primary key for the others (see _HasAll), so on SQLite the cost follows the rarest gram rather
    than the sum of all of them (取水许可 at 100,000 powers: 3,921 postings walked, not 71,322 grouped).
    """
    ordered = sorted(grams)
    if len(ordered) == 1:
        return _posting(ordered[0])
    walk = aliased(PowerGram, name="walk")
    return select(walk.power_id).where(_HasAll(walk.gram, walk.power_id, *[literal(g, String) for g in ordered]))


def _confirmed(candidates: Select, column: ColumnElement[str], needle: str) -> Select:
    return select(PowerText.power_id).where(PowerText.power_id.in_(candidates),
                                            column.contains(needle, autoescape=True))


def matching(q: Query) -> Select:
    """SELECT power_id of every power whose text matches ``q`` (substring, pinyin or initials)."""
    if not q.text or "\n" in q.text:
        return select(PowerText.power_id).where(false())  # a substring lies within one field
    candidates = _having_all(q.substring_grams())
    # One or two characters are a gram themselves: having it is containing it, nothing to confirm.
    branches = [candidates if len(q.text) <= 2 else _confirmed(candidates, PowerText.haystack, q.text)]
    if q.pinyin_like:
        branches.append(_confirmed(_having_all(q.initials_grams()), PowerText.initials, q.text))
        first = select(PowerGram.power_id).where(PowerGram.gram.in_(sorted(q.first_syllable_grams())))
        branches.append(_confirmed(first, PowerText.pinyin, q.pinyin_needle))
    return union(*branches) if len(branches) > 1 else branches[0]


def condition(text: str) -> ColumnElement[bool]:
    """A WHERE condition on Power for the query ``text``."""
    return Power.id.in_(matching(searchtext.query(text)))


def relevance(text: str) -> ColumnElement[int]:
    """searchtext.rank() as SQL over PowerText.name (the caller joins PowerText): lower is better."""
    q = searchtext.query(text).text
    return case((PowerText.name == q, 0), (PowerText.name.startswith(q, autoescape=True), 1),
                (PowerText.name.contains(q, autoescape=True), 2), else_=3)
