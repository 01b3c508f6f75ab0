"""The one search service: keeps each power's index entry in step with it, and turns a query into SQL.

Candidates come from the gram index (a character for one-character queries, bigrams for longer ones,
syllables and initials for pinyin); the stored normalised text then confirms each candidate, so the
answer is exactly registry.domain.searchtext.matches() on both databases.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, delete, false, func, insert, select, union
from sqlalchemy.orm import Session

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


def _having_all(grams: frozenset[str]) -> Select:
    return (select(PowerGram.power_id).where(PowerGram.gram.in_(sorted(grams)))
            .group_by(PowerGram.power_id).having(func.count() == len(grams)))


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
