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
"""

from __future__ import annotations

import operator
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.domain.searchtext import Query
from registry.models import AuditEntry, Decision, PowerPinyin, PowerText
from registry.models.search import NO_STATUS

Token = tuple[Any, ...]


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
_ENTRIES = (select(PowerText.power_id, PowerText.name, PowerText.haystack, PowerPinyin.initials, *_KEY)
            .join(PowerPinyin, PowerPinyin.power_id == PowerText.power_id).order_by(PowerText.decision_id, PowerText.seq, PowerText.power_id))


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
    at: dict[int, int] = field(init=False, repr=False, compare=False)  # power id: position

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", {power_id: i for i, power_id in enumerate(self.ids)})

    def containing(self, text: str, among: Sequence[int] | None = None) -> list[int]:
        """The positions (of all, or ``among``) whose text contains ``text`` (no line break: fields are lines)."""
        return _passing(self.haystacks, text, among)

    def of(self, power_ids: Iterable[int]) -> list[int]:
        """The positions of these powers (matched elsewhere: pinyin, in the postings), in annex order. A power the
        copy lacks was committed after the session's key was read (PostgreSQL reads each statement afresh): left
        out, as a read at that key would have."""
        return sorted({p for p in map(self.at.get, power_ids) if p is not None})

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
        """The power ids of one page of the positions, ordered by searchtext.rank() of the name, then annex order.
        The ranks are passes in C, each over the last one's survivors: names containing the query, starting with
        it, equal to it; a page is then taken from the exact names, the prefixes, the containing names, the rest."""
        names, text, need = self.names, q.text, offset + limit

        def passing(test: Callable[[str, str], bool], among: list[int]) -> list[int]:
            return list(compress(among, map(test, map(names.__getitem__, among), repeat(text))))

        named = passing(operator.contains, positions)
        prefixed = passing(str.startswith, named)
        order: list[int] = []
        taken: set[int] = set()
        # Each tier is reached only once those before it are used up, so `taken` then holds all of them.
        for tier in (passing(operator.eq, prefixed), prefixed, named, positions):
            for p in tier:
                if p not in taken:
                    taken.add(p)
                    order.append(p)
                    if len(order) == need:
                        return [self.ids[p] for p in order[offset:]]
        return [self.ids[p] for p in order[offset:]]


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


def load(session: Session, key: Token) -> Corpus:
    # Core rows and plain lists: the ORM's per-row machinery would cost more than the read at 100,000 entries.
    rows = session.connection().execute(_ENTRIES).all()
    interned: dict[tuple[Any, ...], int] = {}
    key_of = [interned.setdefault(tuple(r[4:]), len(interned)) for r in rows]
    keys = [Key(d, bool(retired), t, lv, dept, bool(partial), status_of(s)) for d, retired, t, lv, dept, partial, s in interned]
    return Corpus(key, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows], key_of,
                  keys)


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
    corpus = load(session, key)
    if token(session) == key:
        with _lock:
            _held[engine] = corpus
    return corpus
