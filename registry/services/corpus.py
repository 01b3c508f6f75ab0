"""The search index entries held in memory, per process, for the searches no single gram answers.

Three characters or more match by a substring test on each entry's normalised text. In SQL that means reading
every candidate's entry (~70 ms for 33,000 candidates among 100,000 powers); in memory it is one pass in C over
the texts (~5 ms for all of them), whatever the number of matches.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Integer, String, select, type_coerce
from sqlalchemy.orm import Session

from registry.models import AuditEntry, Decision, PowerText

HIT_COLUMNS = (PowerText.power_id, PowerText.name, PowerText.decision_id, PowerText.seq,
               type_coerce(PowerText.type, String), type_coerce(PowerText.level, String), PowerText.department_id,
               type_coerce(PowerText.partial, Integer), PowerText.status)
Hit = tuple[Any, ...]  # power id, normalised name, decision, 序号, then the five facet values as stored
Token = tuple[Any, ...]

_HEAD = select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
_SYNTHETIC = select(Decision.id, Decision.created_at).where(Decision.synthetic.is_(True)).order_by(Decision.id)
_ENTRIES = (select(*HIT_COLUMNS, type_coerce(PowerText.retired, Integer), PowerText.haystack)
            .order_by(PowerText.decision_id, PowerText.seq, PowerText.power_id))


@dataclass(frozen=True)
class Corpus:
    """Every index entry, in annex order: what a hit reports, whether it is retired, and its text."""

    token: Token
    hits: list[Hit]
    live: list[bool]
    haystacks: list[str]
    by_id: dict[int, int] = field(init=False, repr=False, compare=False)  # power id: position

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {h[0]: i for i, h in enumerate(self.hits)})

    def containing(self, text: str, *, retired_too: bool, decisions: list[int] | None) -> list[Hit]:
        """The hits whose text contains ``text`` (no line break: the fields are lines), in annex order."""
        selected = map(operator.contains, self.haystacks, repeat(text))
        if not retired_too:
            selected = map(operator.and_, selected, self.live)
        return _of(list(compress(self.hits, selected)), decisions)

    def of(self, power_ids: Iterable[int], *, retired_too: bool, decisions: list[int] | None) -> list[Hit]:
        """The hits of these powers (matched elsewhere: pinyin is found in the index's postings). A power the copy
        lacks was committed after the session's key was read (PostgreSQL reads each statement afresh): left out,
        as a read at that key would have."""
        at = [p for p in map(self.by_id.get, power_ids) if p is not None]
        if not retired_too:
            live = self.live
            at = [i for i in at if live[i]]
        hits = self.hits
        return _of([hits[i] for i in at], decisions)


def _of(found: list[Hit], decisions: list[int] | None) -> list[Hit]:
    if decisions is None:
        return found
    wanted = set(decisions)
    return [h for h in found if h[2] in wanted]


def token(session: Session) -> Token:
    """The key a session's view of the index entries is held under."""
    head = session.execute(_HEAD).first()
    return (tuple(head) if head else None, tuple(tuple(row) for row in session.execute(_SYNTHETIC)))


def load(session: Session, key: Token) -> Corpus:
    # Core rows and plain lists: the ORM's per-row machinery would cost more than the read at 100,000 entries.
    rows = session.connection().execute(_ENTRIES).all()
    return Corpus(key, [tuple(r[:9]) for r in rows], [not r[9] for r in rows], [r[10] for r in rows])


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
