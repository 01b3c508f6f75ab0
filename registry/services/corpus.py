"""The search index entries held in memory, per process, for the searches no single gram answers.

Three characters or more match by a substring test on each entry's normalised text. In SQL that means reading
every candidate's entry (~70 ms for 33,000 candidates among 100,000 powers); in memory it is one pass in C over
the texts, whatever the number of matches. Matches are positions in annex order, and each entry's facet key is
interned (a few hundred distinct keys among 100,000 powers), so counting, filtering and paging them are passes
in C too, over small integers.

The copy is keyed by the identity of the data: the audit trail's head (sequence and hash) and the synthetic
decisions, read in the asking session. Every service write appends an audit entry in the transaction that makes
it, and synthetic data changes the synthetic decisions, so a session that sees other data asks for another key
and loads its own copy: no answer is older than what the session reads. A copy loaded from a transaction that
then rolls back is keyed by a head hash no committed trail will have (the hash covers the entry's time and
request), so it is never served to anybody else.

A copy whose key is older than the session's is brought forward rather than loaded again when it can be: the trail
names the powers written since (every write that changes an entry is audited with its power), so only their entries
are read again, and the rest is shared with the older copy (all of it, when none of those entries changed). When a power was added or moved in the annex order, the
synthetic data changed, or the older copy's head is not in the session's trail, the whole copy is loaded again.
"""

from __future__ import annotations

import operator
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from typing import Any, NamedTuple, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import Session

from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.domain.searchtext import Query
from registry.models import AuditEntry, Decision, PowerPinyin, PowerText
from registry.models.search import NO_STATUS
from registry.services.reads import driver_rows

Token = tuple[Any, ...]
SORTED_SHARE = 8  # names looked up in the sorted names while they are under one in this many of the positions
FOUND_SHARE = 8  # names found to contain the query, looked at one by one while under one in this many of the positions
FIRST_SLICE = 512  # positions tested for names containing the query in the first pass over a page's candidates


class Key(NamedTuple):
    """What an entry is counted and filtered under: the base filters, then the five facets in FACETS order."""

    decision_id: int
    retired: bool
    type: PowerType
    level: ExerciseLevel
    department_id: int
    partial: bool
    status: Status | None

    @property
    def facets(self) -> tuple[Any, ...]:
        """The five facet values, shaped as search.counted()'s rows begin."""
        return tuple(self)[2:]


_HEAD = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_SYNTHETIC = select(Decision.id, Decision.created_at).where(Decision.synthetic.is_(True)).order_by(Decision.id)
_KEY = (PowerText.decision_id, PowerText.retired, PowerText.type, PowerText.level, PowerText.department_id,
        PowerText.partial, PowerText.status)
_ENTRIES = (select(PowerText.power_id, PowerText.name, PowerText.haystack, PowerPinyin.initials, PowerText.seq, *_KEY)
            .join(PowerPinyin, PowerPinyin.power_id == PowerText.power_id).order_by(PowerText.decision_id, PowerText.seq, PowerText.power_id))
_HASH_AT = select(AuditEntry.hash).where(AuditEntry.seq == bindparam("seq"))
_WRITTEN = (select(AuditEntry.power_id).distinct()
            .where(AuditEntry.seq > bindparam("after"), AuditEntry.seq <= bindparam("upto"),
                   AuditEntry.power_id.is_not(None)))
REFRESH_MAX = 500  # powers written since a copy beyond which it is loaded again rather than brought forward


@dataclass(frozen=True)
class Corpus:
    """Every index entry, in annex order (a position is a rank in that order): its power, name, text and key."""

    token: Token
    ids: list[int]
    names: list[str]
    haystacks: list[str]
    initials: list[str]
    key_of: list[int]  # position: index into keys
    keys: list[Key]
    seqs: array[int]  # position: the power's 序号 (with its key's decision, what orders the positions)
    # Derived from the fields above; made here unless given (a copy brought forward shares or amends its older one's).
    at: dict[int, int] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]  # id: position
    sorted_names: list[str] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]  # sorted
    sorted_at: list[int] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]  # their positions
    joined_names: str = field(default=None, repr=False, compare=False)  # type: ignore[assignment]  # one name a line
    name_starts: array[int] = field(default=None, repr=False, compare=False)  # type: ignore[assignment]  # line starts

    def __post_init__(self) -> None:
        if self.at is None:
            object.__setattr__(self, "at", {power_id: i for i, power_id in enumerate(self.ids)})
        if self.sorted_names is None:
            ordered = sorted(range(len(self.names)), key=self.names.__getitem__)
            object.__setattr__(self, "sorted_names", [self.names[p] for p in ordered])
            object.__setattr__(self, "sorted_at", ordered)
        if self.joined_names is None:
            object.__setattr__(self, "joined_names", "\n".join(self.names))
            object.__setattr__(self, "name_starts", array("q", accumulate((len(name) + 1 for name in self.names[:-1]),
                                                                          initial=0)))

    def containing(self, text: str, among: Sequence[int] | None = None) -> list[int]:
        """The positions (of all, or ``among``) whose text contains ``text`` (no line break: fields are lines)."""
        return _passing(self.haystacks, text, among)

    def of(self, power_ids: Iterable[int]) -> list[int]:
        """The positions of these powers (matched elsewhere: pinyin, in the postings), in annex order. A power the
        copy lacks was committed after the session's key was read (PostgreSQL reads each statement afresh): left
        out, as a read at that key would have."""
        positions = set(map(self.at.get, power_ids))  # in C, unlike a comprehension that tests each for None
        positions.discard(None)
        return sorted(cast(set[int], positions))

    def with_initials(self, text: str, among: Sequence[int] | None = None) -> list[int]:
        """The positions (of all, or ``among``) whose initials contain ``text``."""
        return _passing(self.initials, text, among)

    def counted(self, positions: list[int]) -> Counter[int]:
        """How many of the positions have each key (by index into keys)."""
        return Counter(map(self.key_of.__getitem__, positions))

    def kept(self, positions: list[int], keys: set[int]) -> list[int]:
        """The positions whose key is one of ``keys``."""
        wanted = [i in keys for i in range(len(self.keys))]
        return list(compress(positions, map(wanted.__getitem__, map(self.key_of.__getitem__, positions))))

    def page(self, positions: list[int], q: Query, offset: int, limit: int) -> list[int]:
        """The power ids of one page of the positions (sorted), ordered by searchtext.rank() of the name, then annex
        order. The exact names and the prefixes come from the sorted names (a few, mostly), the names containing the
        query from the string of all names, the rest in annex order, each only until the page is full: a dense search
        (45,000 matches) no longer tests every name three times."""
        text, need = q.text, offset + limit
        order: list[int] = []
        taken: set[int] = set()

        def take(tier: Iterable[int]) -> bool:
            for p in tier:
                if p not in taken:
                    taken.add(p)
                    order.append(p)
                    if len(order) == need:
                        return True
            return False

        # Each tier is reached only once those before it are used up, so `taken` then holds all of them.
        tiers: list[Callable[[], Iterable[int]]] = [lambda: self._named(positions, text, operator.eq),
                                                    lambda: self._named(positions, text, str.startswith),
                                                    lambda: self._containing_name(positions, text),
                                                    lambda: positions]
        any(take(tier()) for tier in tiers)
        return [self.ids[p] for p in order[offset:]]

    def _named(self, positions: list[int], text: str, test: Callable[[str, str], bool]) -> list[int]:
        """The positions whose name equals ``text`` or starts with it (``test``), in annex order: looked up in the
        sorted names when they are fewer than the positions, else a pass over the positions' names."""
        lo = bisect_left(self.sorted_names, text)
        hi = (bisect_right(self.sorted_names, text, lo) if test is operator.eq
              else bisect_right(self.sorted_names, text, lo, key=lambda name: name[:len(text)]))
        if (hi - lo) * SORTED_SHARE > len(positions):
            names = self.names
            return list(compress(positions, map(test, map(names.__getitem__, positions), repeat(text))))
        return sorted(p for p in self.sorted_at[lo:hi] if _holds(positions, p))

    def _containing_name(self, positions: list[int], text: str) -> Iterator[int]:
        """The positions whose name contains ``text``, in annex order: the names that have it are found in one string
        of all of them (none: one pass in C, ~1.5 ms at 100,000 powers, where testing 33,000 matches' names took
        5); once more of them were looked at than one in FOUND_SHARE of the positions, the remaining positions'
        names are tested in slices instead."""
        joined, starts = self.joined_names, self.name_starts
        budget = len(positions) // FOUND_SHARE + 1
        at = joined.find(text) if "\n" not in text else -1  # names are lines: a line break is in none of them
        while at != -1:
            p = bisect_right(starts, at) - 1
            if _holds(positions, p):
                yield p
            budget -= 1
            if budget == 0:
                yield from _passing_in_slices(self.names, text, positions[bisect_right(positions, p):])
                return
            at = joined.find(text, starts[p + 1]) if p + 1 < len(starts) else -1


def _holds(positions: list[int], p: int) -> bool:
    i = bisect_left(positions, p)
    return i < len(positions) and positions[i] == p


def _passing_in_slices(column: list[str], text: str, among: list[int]) -> Iterator[int]:
    """The positions of ``among`` whose ``column`` contains ``text``, found a slice at a time (each twice the last),
    so a caller that stops early has tested little more than it used."""
    start, size = 0, FIRST_SLICE
    while start < len(among):
        yield from _passing(column, text, among[start:start + size])
        start, size = start + size, size * 2


def _passing(column: list[str], text: str, among: Sequence[int] | None) -> list[int]:
    if among is None:
        return list(compress(range(len(column)), map(operator.contains, column, repeat(text))))
    return list(compress(among, map(operator.contains, map(column.__getitem__, among), repeat(text))))


def status_of(code: str) -> Status | None:
    """A stored facet key's status: a Status code, or NO_STATUS."""
    return Status(code) if code != NO_STATUS else None


def token(session: Session) -> Token:
    """The key a session's view of the index entries is held under."""
    head = session.execute(_HEAD).first()
    return (tuple(head) if head else None, tuple(tuple(row) for row in session.execute(_SYNTHETIC)))


def _key(raw: Sequence[Any]) -> Key:
    """A key from its stored columns (choices are stored as their codes: models.base.code_enum)."""
    decision_id, retired, type_, level, department_id, partial, status = raw
    return Key(decision_id, bool(retired), PowerType(type_), ExerciseLevel(level), department_id, bool(partial),
               status_of(status))


def load(session: Session, key: Token) -> Corpus:
    # The driver's rows and plain lists: SQLAlchemy's rows would double the read at 100,000 entries (0.35 -> 0.8 s),
    # so the few distinct keys are turned into choices here.
    rows = driver_rows(session, _ENTRIES)
    interned: dict[tuple[Any, ...], int] = {}
    key_of = [interned.setdefault(tuple(r[5:]), len(interned)) for r in rows]
    return Corpus(key, [r[0] for r in rows], *(_side_by_side([r[i] for r in rows]) for i in (1, 2, 3)), key_of,
                  list(map(_key, interned)), array("q", [r[4] for r in rows]))


def brought_forward(session: Session, held: Corpus, key: Token) -> Corpus | None:
    """``held`` as of ``key``, reading again only the entries of the powers written since; None when it cannot be
    (see the module's docstring): the caller loads the whole copy instead."""
    (held_head, held_synthetic), (head, synthetic) = held.token, key
    if held_synthetic != synthetic or held_head is None or head is None or head[0] <= held_head[0]:
        return None
    if session.execute(_HASH_AT, {"seq": held_head[0]}).scalar() != held_head[1]:
        return None  # held was read inside a transaction that did not commit
    written = list(session.execute(_WRITTEN, {"after": held_head[0], "upto": head[0]}).scalars())
    if len(written) > REFRESH_MAX:
        return None
    rows = driver_rows(session, _ENTRIES.where(PowerText.power_id.in_(written))) if written else []
    positions = [held.at.get(r[0]) for r in rows]
    if len(rows) != sum(power_id in held.at for power_id in written) or None in positions:
        return None  # a power was added, or lost its entry
    if any(held.seqs[p] != r[4] or held.keys[held.key_of[p]].decision_id != r[5]
           for p, r in zip(positions, rows, strict=True)):
        return None  # moved in the annex order
    keyed = [(p, r, _key(r[5:])) for p, r in zip(positions, rows, strict=True)]
    changed = [(p, r, entry_key) for p, r, entry_key in keyed
               if (r[1], r[2], r[3]) != (held.names[p], held.haystacks[p], held.initials[p])
               or entry_key != held.keys[held.key_of[p]]]
    renamed = [(p, held.names[p], r[1]) for p, r, _ in changed if r[1] != held.names[p]]
    derived: dict[str, Any] = {"at": held.at}
    if renamed:
        derived.update(zip(("sorted_names", "sorted_at"), _renamed_in_order(held, renamed), strict=True))
    else:
        derived.update(sorted_names=held.sorted_names, sorted_at=held.sorted_at, joined_names=held.joined_names,
                       name_starts=held.name_starts)
    if not changed:  # a write that left every entry as it was (a checklist step, a note on a handover)
        return Corpus(key, held.ids, held.names, held.haystacks, held.initials, held.key_of, held.keys, held.seqs,
                      **derived)
    names, haystacks, initials, key_of, keys = (list(held.names), list(held.haystacks), list(held.initials),
                                                 list(held.key_of), list(held.keys))
    interned = {k: i for i, k in enumerate(keys)}
    for p, r, entry_key in changed:
        names[p], haystacks[p], initials[p] = r[1], r[2], r[3]
        key_of[p] = interned.setdefault(entry_key, len(interned))
    keys.extend(list(interned)[len(keys):])
    return Corpus(key, held.ids, names, haystacks, initials, key_of, keys, held.seqs, **derived)


def _renamed_in_order(held: Corpus, renamed: list[tuple[int, str, str]]) -> tuple[list[str], list[int]]:
    """held's names in sort order (ties in annex order) and their positions, with each (position, old, new) moved."""
    sorted_names, sorted_at = list(held.sorted_names), list(held.sorted_at)
    for p, old, new in renamed:
        lo, hi = bisect_left(sorted_names, old), bisect_right(sorted_names, old)
        at = bisect_left(sorted_at, p, lo, hi)
        del sorted_names[at], sorted_at[at]
        lo, hi = bisect_left(sorted_names, new), bisect_right(sorted_names, new)
        at = bisect_left(sorted_at, p, lo, hi)
        sorted_names.insert(at, new)
        sorted_at.insert(at, p)
    return sorted_names, sorted_at


def _side_by_side(strings: list[str]) -> list[str]:
    """The same strings, made anew one after another in memory. The driver made them row by row, between the other
    columns' values, and a pass over a column then kept missing the CPU's caches (其他危险 at 100,000 powers: a scan
    of the texts took 13.6 ms, 8.3 ms once they were side by side). Split from one string when no string has the
    separator (as many come back as went in), else copied one by one."""
    copied = "\0".join(strings).split("\0")
    return copied if len(copied) == len(strings) else [s[:-1] + s[-1:] for s in strings]


_lock = threading.Lock()
_held: WeakKeyDictionary[Engine, Corpus] = WeakKeyDictionary()


def current(session: Session) -> Corpus:
    """The entries as ``session`` sees them: this process's copy when its key is still the session's, else a fresh
    one (kept for the next search when nothing was committed while it was read)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = token(session)
    with _lock:
        held = _held.get(engine)
    if held is not None and held.token == key:
        return held
    corpus = (brought_forward(session, held, key) if held is not None else None) or load(session, key)
    if token(session) == key:
        with _lock:
            _held[engine] = corpus
    return corpus
