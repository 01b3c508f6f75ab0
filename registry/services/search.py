"""The one search service: keeps each power's index entry in step with it, and turns a query into SQL.

Candidates come from the gram index (a character for one-character queries, bigrams for longer ones,
syllables and initials for pinyin); the stored normalised text then confirms each candidate, so the
answer is exactly registry.domain.searchtext.matches() on both databases. A list's search that no single gram
answers confirms its text and initials in the process's copy of the entries instead (found(), corpus).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    String,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    literal_column,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.functions import FunctionElement

from registry.domain import searchtext
from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.domain.searchtext import Query
from registry.models import GramCount, Handover, Power, PowerGram, PowerPinyin, PowerText
from registry.models.search import NO_STATUS, UNRANKED
from registry.services import corpus
from registry.services.reads import driver_rows

REINDEX_BATCH = 500
KEY = ("decision_id", "retired", "type", "level", "department_id", "partial", "status")  # FacetKey's columns
ALL = ""  # the gram every power is counted under: the unsearched list's total and facets
Key = tuple[int, bool, PowerType, ExerciseLevel, int, bool, str]
Counts = Counter[tuple[str, int, Key]]  # (gram, tier, facet key): how many powers


def facet_key(*, decision_id: int, retired: bool, type: PowerType, level: ExerciseLevel, department_id: int,
              partial: bool, status: Status | None) -> Key:
    """What a power is counted under: its base filters and facets, its handover's status if it has one."""
    return (decision_id, retired, type, level, department_id, partial, status.value if status else NO_STATUS)


def power_key(power: Power, status: Status | None) -> Key:
    return facet_key(decision_id=power.decision_id, retired=power.retired, type=power.type, level=power.level,
                     department_id=power.department_id, partial=power.partial, status=status)


def _stored_key(entry: PowerText) -> Key:
    return tuple(getattr(entry, name) for name in KEY)  # type: ignore[return-value]


def tiers(doc: searchtext.Document) -> dict[str, int]:
    """Each gram of the document with searchtext.rank() of its name for the gram's own text (one character or a
    bigram, the whole of a one- or two-character query); other grams are UNRANKED."""
    return {g: searchtext.rank(doc.name, searchtext.Query(g[1:])) if g[0] in "12" else UNRANKED for g in doc.grams}


def _count_rows(counts: Counts) -> list[dict]:
    rows = [{"gram": gram, "tier": tier, **dict(zip(KEY, key, strict=True)), "n": n}
            for (gram, tier, key), n in counts.items() if n]
    # One order for every writer, so concurrent PostgreSQL transactions lock shared count rows without deadlock.
    return sorted(rows, key=lambda r: (r["gram"], r["tier"], *(str(r[k]) for k in KEY)))


def add_counts(session: Session, counts: Counts) -> None:
    """Add ``counts`` (negative to take away) to GramCount, dropping rows that reach zero."""
    rows = _count_rows(counts)
    if not rows:
        return
    table = GramCount.__table__
    dialect_insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    stmt = dialect_insert(table)
    session.execute(stmt.on_conflict_do_update(index_elements=["gram", "tier", *KEY], set_={"n": table.c.n + stmt.excluded.n}),
                    rows)
    lowered = sorted({r["gram"] for r in rows if r["n"] < 0})
    for start in range(0, len(lowered), REINDEX_BATCH):
        session.execute(delete(table).where(table.c.n == 0, table.c.gram.in_(lowered[start:start + REINDEX_BATCH])))


def _status(session: Session, power_id: int) -> Status | None:
    return session.scalar(select(Handover.status).where(Handover.power_id == power_id))


def index(session: Session, power: Power) -> None:
    """Bring one power's index entry, postings and counts in step with its text, facets and handover; called by
    every service write that changes any of them (the counts follow the key stored with the entry, so the order
    of the writes before it does not matter)."""
    doc = searchtext.document(power.name, power.sub_items, power.note)
    grams, key = tiers(doc), power_key(power, _status(session, power.id))
    entry = session.get(PowerText, power.id)
    old: dict[str, int] = {}
    counts: Counts = Counter()
    if entry is not None:
        old = dict(session.execute(select(PowerGram.gram, PowerGram.tier).where(PowerGram.power_id == power.id)).all())
        was = _stored_key(entry)
        counts.update({(g, t, was): -1 for g, t in [(ALL, UNRANKED), *old.items()]})
    else:
        entry = PowerText(power_id=power.id)
    counts.update({(g, t, key): 1 for g, t in [(ALL, UNRANKED), *grams.items()]})
    table = PowerGram.__table__
    gone = sorted(old.keys() - grams.keys())
    for start in range(0, len(gone), REINDEX_BATCH):
        session.execute(delete(table).where(table.c.power_id == power.id, table.c.gram.in_(gone[start:start + REINDEX_BATCH])))
    added = [{"gram": g, "power_id": power.id, "tier": grams[g]} for g in sorted(grams.keys() - old.keys())]
    if added:
        session.execute(insert(table), added)
    moved = [{"g": g, "p": power.id, "t": grams[g]} for g in sorted(grams.keys() & old.keys()) if grams[g] != old[g]]
    if moved:
        session.execute(update(table).where(table.c.gram == bindparam("g"), table.c.power_id == bindparam("p"))
                        .values(tier=bindparam("t")), moved)
    add_counts(session, counts)
    entry.seq, entry.name, entry.haystack = power.seq, doc.name, doc.haystack
    spelt = session.get(PowerPinyin, power.id) or PowerPinyin(power_id=power.id)
    spelt.pinyin, spelt.initials = doc.pinyin, doc.initials
    session.add(spelt)
    for name, value in zip(KEY, key, strict=True):
        setattr(entry, name, value)
    session.add(entry)
    session.flush()


class BulkIndex:
    """Index many powers that have no entry yet (seeding at scale, a rebuild): rows written per batch, the counts
    summed in memory and written once at the end."""

    def __init__(self, session: Session) -> None:
        self.session, self.texts, self.spelt, self.grams, self.counts = session, [], [], [], Counter()

    def add(self, power_id: int, seq: int, doc: searchtext.Document, key: Key) -> None:
        self.texts.append({"power_id": power_id, "seq": seq, "name": doc.name, "haystack": doc.haystack,
                           **dict(zip(KEY, key, strict=True))})
        self.spelt.append({"power_id": power_id, "pinyin": doc.pinyin, "initials": doc.initials})
        ranked = tiers(doc)
        self.grams.extend({"gram": g, "power_id": power_id, "tier": t} for g, t in ranked.items())
        self.counts.update((g, t, key) for g, t in [(ALL, UNRANKED), *ranked.items()])

    def write(self) -> None:
        """Write the text and postings collected so far (Core inserts: the ORM's bookkeeping would dominate)."""
        conn = self.session.connection()
        if self.texts:
            conn.execute(insert(PowerText.__table__), self.texts)
            conn.execute(insert(PowerPinyin.__table__), self.spelt)
        if self.grams:
            conn.execute(insert(PowerGram.__table__), self.grams)
        self.texts, self.spelt, self.grams = [], [], []

    def finish(self) -> None:
        self.write()
        add_counts(self.session, self.counts)
        self.counts = Counter()


def reindex(session: Session, only_missing: bool = True) -> int:
    """Index every power (or only those without an entry); returns how many were indexed."""
    if not only_missing:
        for model in (GramCount, PowerGram, PowerPinyin, PowerText):
            session.execute(delete(model))
    stmt = select(Power.id).order_by(Power.id)
    if only_missing:
        stmt = stmt.where(~select(PowerText.power_id).where(PowerText.power_id == Power.id).exists())
    ids = list(session.scalars(stmt))
    bulk = BulkIndex(session)
    for start in range(0, len(ids), REINDEX_BATCH):
        batch = ids[start:start + REINDEX_BATCH]
        statuses = dict(session.execute(select(Handover.power_id, Handover.status).where(Handover.power_id.in_(batch))).all())
        for power in session.scalars(select(Power).where(Power.id.in_(batch))).unique():
            bulk.add(power.id, power.seq, searchtext.document(power.name, power.sub_items, power.note),
                     power_key(power, statuses.get(power.id)))
        bulk.write()
    bulk.finish()
    return len(ids)


def forget(session: Session, decision_ids: Select) -> None:
    """Drop the index of every power of these decisions (before the powers themselves are deleted)."""
    powers = select(Power.id).where(Power.decision_id.in_(decision_ids)).scalar_subquery()
    for model in (PowerGram, PowerPinyin, PowerText):
        session.execute(delete(model).where(model.power_id.in_(powers)))
    session.execute(delete(GramCount).where(GramCount.decision_id.in_(decision_ids)))


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
    """The candidates whose ``column`` (of PowerText or PowerPinyin) contains ``needle``."""
    power_id = column.table.c.power_id
    return select(power_id).where(power_id.in_(candidates), column.contains(needle, autoescape=True))


def _any_of(grams: frozenset[str]) -> Select:
    return select(PowerGram.power_id).where(PowerGram.gram.in_(sorted(grams)))


def _substring(q: Query) -> Select:
    """The powers containing the text. One or two characters are a gram themselves: having it is containing it."""
    candidates = _having_all(q.substring_grams())
    return candidates if len(q.text) <= 2 else _confirmed(candidates, PowerText.haystack, q.text)


def _initials(q: Query) -> Select:
    return _confirmed(_having_all(q.initials_grams()), PowerPinyin.initials, q.text)


def _spellings(q: Query) -> list[Select]:
    """The letters read as syllables: pairs of syllables name most matches exactly; longer spellings are
    confirmed in the pinyin column, among the powers with their first pair and a possible second one."""
    exact, to_confirm = q.pinyin_grams()
    branches = [_any_of(exact)] if exact else []
    return branches + _spelt_longer(q, to_confirm)


def _spelt_longer(q: Query, firsts: Iterable[str]) -> list[Select]:
    """The powers spelling the letters as three syllables or more, one branch per first pair (see _spelt_on)."""
    return [_confirmed(_spelt_on(q, gram), PowerPinyin.pinyin, q.pinyin_needle) for gram in sorted(firsts)]


def _spelt_on(q: Query, first: str) -> Select:
    """The powers with the pair ``first`` (t1, t2) that the letters after t1 t2 can go on from: a power spelling the
    query that way has a third syllable in the same run, which starts with those letters (the query ends inside
    it) or is where they start (more follow), so it also has one of the pairs (t2, t3). Without this, jianshen
    would confirm every power with jian+she (建设: 62,000 of 100,000) for jian+she+n in the pinyin column.
    The pairs (t2, t3) are mostly rare: they are walked, and ``first`` probed."""
    t1, t2 = first[1:].split(searchtext.SEP)
    rest = q.text[len(t1) + len(t2):]
    then = sorted(searchtext.pair(t2, t3) for t3 in searchtext.syllables() if t3.startswith(rest) or rest.startswith(t3))
    return select(PowerGram.power_id).where(PowerGram.gram.in_(then), _probe(literal(first, String), PowerGram.power_id))


def matching(q: Query) -> Select:
    """SELECT power_id of every power whose text matches ``q`` (substring, pinyin or initials)."""
    if not q.text or "\n" in q.text:
        return select(PowerText.power_id).where(false())  # a substring lies within one field
    branches = [_substring(q)]
    if q.pinyin_like:
        branches += [_initials(q), *_spellings(q)]
    return union(*branches) if len(branches) > 1 else branches[0]


def condition(text: str) -> ColumnElement[bool]:
    """A WHERE condition on Power for the query ``text``."""
    return Power.id.in_(matching(searchtext.query(text)))


Grams = frozenset[str]
EVERY = frozenset({ALL})  # the unsearched list's grams


def _posting_sizes(session: Session, grams: Iterable[str]) -> dict[str, int]:
    """How many postings each gram has (those with none are left out), from GramCount."""
    return {g: int(n) for g, n in session.execute(select(GramCount.gram, func.sum(GramCount.n))
                                                   .where(GramCount.gram.in_(sorted(grams))).group_by(GramCount.gram))}


def exact_grams(session: Session, text: str) -> Grams | None:
    """The grams whose postings together are exactly the matches of ``text``, if there are such: the text's own
    character or bigram (one or two characters), or the syllable grams that letters can spell and anybody has,
    when their other readings find nothing: one (qushui, anquan) or a few, when the last syllable may be cut short
    (weixian is wei+xian, or wei+xiang cut short). Such a search is answered from GramCount and the postings."""
    q = searchtext.query(text)
    if not q.text or "\n" in q.text:
        return None
    if not q.pinyin_like:
        return q.substring_grams() if len(q.text) <= 2 else None
    exact, to_confirm = q.pinyin_grams()
    sizes = _posting_sizes(session, exact | to_confirm | {ALL})
    exact = exact & sizes.keys()
    # The powers with more than one of them are found from all but the largest posting list: when those are
    # many, the copy of the entries answers sooner (registry.services.corpus).
    if not exact or sum(sorted(sizes[g] for g in exact)[:-1]) * SCAN_SHARE > sizes[ALL]:
        return None
    # Every other way to match must find nothing. Spellings nobody has cost nothing (xuke is also xu+kei); one
    # whose first pair somebody has is confirmed like a search would (jianshe is also ji+an+she: 37 powers have
    # ji+an, none of them spelling on).
    others = [_substring(q), *_spelt_longer(q, to_confirm & sizes.keys())]
    if any(session.scalar(select(branch.exists())) for branch in others) or _by_initials(session, None, q):
        return None
    return frozenset(exact)


Grouped = list[tuple[Any, ...]]  # type, level, department id, partial, handover status (or None), ..., count
COUNTED = (GramCount.type, GramCount.level, GramCount.department_id, GramCount.partial, GramCount.status)


def counted(session: Session, grams: Grams, keyed: Callable[[Any], list[ColumnElement[bool]]]) -> Grouped:
    """The powers with any of ``grams`` (EVERY: every power) counted by facet and by rank tier (type, level,
    department, partial, status, tier, count), from GramCount; ``keyed(model)`` gives the base filters (retired,
    decision) on a table with the facet key's columns. Several grams are syllable pairs (all unranked): a power
    with more than one of them is taken away all but once."""
    rows = session.execute(select(*COUNTED, GramCount.tier, func.sum(GramCount.n))
                           .where(GramCount.gram.in_(sorted(grams)), *keyed(GramCount))
                           .group_by(*COUNTED, GramCount.tier)).all()
    if len(grams) > 1:
        rows += _shared(session, grams, keyed)
    return [(*row[:4], corpus.status_of(row[4]), row[5], int(row[6])) for row in rows]


def _shared(session: Session, grams: Grams, keyed: Callable[[Any], list[ColumnElement[bool]]]) -> list[tuple[Any, ...]]:
    """Negative counts for the powers with more than one of ``grams``: each has one of the smaller posting lists,
    so those are read and grouped by power (a power's postings among them are how many of them it has, the primary
    key being (gram, power_id)), and the largest probed once per power (weifa at 100,000 powers: 5,900 powers,
    18 -> 8 ms, against a probe of every gram for each)."""
    sizes = _posting_sizes(session, grams)
    largest = max(sorted(grams), key=sizes.__getitem__)
    smaller = select(PowerGram.power_id).where(PowerGram.gram.in_(sorted(grams - {largest})))
    has = func.count() + case((_probe(literal(largest, String), PowerGram.power_id), 1), else_=0)
    # Filtered outside the grouping, not in HAVING, which would probe the largest list a second time.
    each = smaller.add_columns(has.label("has")).group_by(PowerGram.power_id).subquery()
    dims = [getattr(PowerText, c.key) for c in COUNTED]
    return session.execute(select(*dims, literal(UNRANKED), func.sum(1 - each.c.has))
                           .join_from(each, PowerText, PowerText.power_id == each.c.power_id)
                           .where(each.c.has > 1, *keyed(PowerText)).group_by(*dims)).all()


ANNEX_ORDER = (Power.decision_id, Power.seq, Power.id)
TIER = 5  # counted()'s rows: the tier's position


def ranked_ids(session: Session, grams: Grams, where: list[ColumnElement[bool]], offset: int, limit: int,
               per_tier: Counter[int], scope: int) -> list[int]:
    """One page of the matches of an exact_grams() search, best first as searchtext.rank() orders them: tier by tier (the rank the
    name gives, stored on each posting), each in annex order. ``per_tier`` counts the matches after ``where`` in
    each tier, among ``scope`` powers: a tier with many walks the annex and probes the posting; one with few
    sorts its postings (from the small partial index of named postings when it is a name's tier)."""
    ids: list[int] = []
    for tier in sorted(per_tier):
        if offset >= per_tier[tier]:
            offset -= per_tier[tier]
            continue
        need = min(limit - len(ids), per_tier[tier] - offset)
        postings = select(PowerGram.power_id).where(PowerGram.gram.in_(sorted(grams)), PowerGram.tier == tier)
        if tier < UNRANKED:  # what the partial index covers, spelt as it is
            postings = postings.where(PowerGram.tier < literal_column(str(UNRANKED)))
        if per_tier[tier] ** 2 > (offset + need) * scope:  # walking finds them sooner than sorting them all
            condition = postings.where(PowerGram.power_id == Power.id).exists()
        else:
            condition = Power.id.in_(postings)
        ids += session.scalars(select(Power.id).where(condition, *where).order_by(*ANNEX_ORDER)
                               .limit(need).offset(offset))
        offset = 0
        if len(ids) >= limit:
            break
    return ids


def found(session: Session, entries: corpus.Corpus, text: str) -> list[int]:
    """The positions in ``entries`` (this process's copy of the index entries) of every match of ``text``, as
    matching() finds them, with the texts and initials confirmed in the copy and the spellings read from their
    postings. Ids are read from the driver (_power_ids) and the branches united here: SQLite would sort them into
    a temporary index."""
    q = searchtext.query(text)
    if not q.text or "\n" in q.text:
        return []  # a substring lies within one field
    if len(q.text) > 2 and not q.pinyin_like:
        return _containing(session, entries, q)  # matching() is then _substring() alone
    ids: set[int] = set()
    for branch in [_substring(q), *(_spellings(q) if q.pinyin_like else [])]:
        ids.update(_power_ids(session, branch))
    if q.pinyin_like:
        ids.update(entries.ids[p] for p in _by_initials(session, entries, q))
    return entries.of(ids)


def _power_ids(session: Session, stmt: Select) -> list[int]:
    """The power ids ``stmt`` selects, from the driver's rows (quanshe reads 88,637 postings at 100,000 powers:
    140 ms as SQLAlchemy rows, 25 ms so)."""
    return [row[0] for row in driver_rows(session, stmt)]


def _rarest_posting(session: Session, grams: Grams) -> tuple[str, int] | None:
    """The gram of ``grams`` with the fewest postings and how many, or None when one of them has none."""
    sizes = _posting_sizes(session, grams)
    if len(sizes) < len(grams):
        return None
    return min(sizes.items(), key=lambda gn: (gn[1], gn[0]))


SCAN_SHARE = 8  # candidates beyond one entry in this many: scanning the whole copy in C beats reading them


def _containing(session: Session, entries: corpus.Corpus, q: Query) -> list[int]:
    """The positions whose text contains the query's: the rarest bigram's postings confirmed in the copy when
    they are few (取水许可 at 100,000 powers: 3,921 postings), else a scan of the copy (其他危险: every bigram has
    over 33,000)."""
    rarest = _rarest_posting(session, q.substring_grams())
    if rarest is None:
        return []
    if rarest[1] * SCAN_SHARE > len(entries.ids):
        return entries.containing(q.text)
    return entries.containing(q.text, entries.of(_power_ids(session, _posting(rarest[0]))))


def _by_initials(session: Session, entries: corpus.Corpus | None, q: Query) -> list[int]:
    """The positions whose initials contain the query (in ``entries``, or this session's copy). Walking the rarest
    initials pair and probing the others costs ~3 µs a probe in SQLite; past an eighth of the entries, scanning the
    copy's initials in C is cheaper (qsxk at 100,000 powers: 150 ms walked, 15 ms scanned; ertiao, which nobody's
    initials have, 1 s walked to the end)."""
    grams = q.initials_grams()
    rarest = _rarest_posting(session, grams)
    if rarest is None:
        return []  # an initials pair nobody has
    entries = entries or corpus.current(session)
    if rarest[1] * len(grams) * SCAN_SHARE > len(entries.ids):
        return entries.with_initials(q.text)
    return entries.with_initials(q.text, entries.of(_power_ids(session, _having_all(grams))))
