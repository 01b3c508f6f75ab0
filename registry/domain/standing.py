"""Where an item stands on a date by the decisions in force: held by the zone, suspended, recalled, cancelled,
or not yet in force. Pure: the lineage's steps (registry.models.lineage) in, an answer out.

A step takes effect on its date; on one date the step applied last wins. 调整 (adjust) changes fields, never
where the item stands. An item with no lineage at all (entered by hand, or synthetic scale data) is held as
entered; registry.services.standing states the same rule in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from registry.domain.choices import DecisionActionKind as Kind
from registry.domain.choices import LabelledChoice


class Standing(LabelledChoice):
    """事项状态 on a date, by the decisions in force."""

    DEVOLVED = ("devolved", "已下放")
    ENTRUSTED = ("entrusted", "已委托")
    SUSPENDED = ("suspended", "暂停实施")
    RECALLED = ("recalled", "已收回")
    CANCELLED = ("cancelled", "已取消")
    PENDING = ("pending", "尚未施行")


HOLDING = frozenset({Kind.DEVOLVE, Kind.ENTRUST, Kind.RESUME})  # after these the zone holds the item
MOVING = HOLDING | {Kind.RECALL, Kind.CANCEL, Kind.SUSPEND}  # every kind but 调整
HELD = frozenset({Standing.DEVOLVED, Standing.ENTRUSTED})
AFTER = {Kind.DEVOLVE: Standing.DEVOLVED, Kind.ENTRUST: Standing.ENTRUSTED, Kind.SUSPEND: Standing.SUSPENDED,
         Kind.RECALL: Standing.RECALLED, Kind.CANCEL: Standing.CANCELLED}


@dataclass(frozen=True)
class Step:
    """One decision's act on the item: what, from when, by which decision (in the order applied)."""

    action: Kind
    effective_on: date
    doc_number: str | None = None
    changes: Any = None


@dataclass(frozen=True)
class Answer:
    """Where the item stands on a date, since when (None: no lineage, or not yet in force), and the step that put
    it there (None: no lineage)."""

    standing: Standing
    since: date | None
    step: Step | None

    @property
    def held(self) -> bool:
        return self.standing in HELD


def _ordered(steps: Iterable[Step]) -> list[Step]:
    """By effective date; on one date, in the order applied (a stable sort keeps it)."""
    return sorted((s for s in steps if s.action in MOVING), key=lambda s: s.effective_on)


def stand(steps: Iterable[Step], day: date) -> Answer:
    """Where an item with these lineage steps stands on ``day``."""
    ordered = _ordered(steps)
    if not ordered:
        return Answer(Standing.DEVOLVED, None, None)
    standing, since, last, held_as = Standing.PENDING, None, None, Standing.DEVOLVED
    for on_day, group in groupby((s for s in ordered if s.effective_on <= day), key=lambda s: s.effective_on):
        after = standing
        for step in group:  # one date's steps together: a standing held for no day does not count
            after, last = _after(step, after, held_as), step
            held_as = after if after in HELD else held_as
        if after != standing:
            standing, since = after, on_day
    return Answer(standing, since, last or ordered[0])  # not yet in force: the step that will bring it


def _after(step: Step, before: Standing, held_as: Standing = Standing.DEVOLVED) -> Standing:
    """Where a step leaves the item; 恢复 returns it to how the zone held it last (``held_as``)."""
    if step.action == Kind.RESUME:
        return before if before in HELD else held_as
    return AFTER[step.action]


def windows(steps: Iterable[Step]) -> list[tuple[date | None, date | None]]:
    """The spans [start, end) in which the zone holds the item; (None, None) for an item with no lineage."""
    ordered = _ordered(steps)
    if not ordered:
        return [(None, None)]
    out: list[tuple[date | None, date | None]] = []
    standing = Standing.PENDING
    for step in ordered:
        after = _after(step, standing)
        if after in HELD and standing not in HELD:
            out.append((step.effective_on, None))
        elif after not in HELD and standing in HELD:
            out[-1] = (out[-1][0], step.effective_on)
        standing = after
    return [(s, e) for s, e in out if e is None or s is None or e > s]


def covers(spans: list[tuple[date | None, date | None]], day: date) -> bool:
    return any((s is None or s <= day) and (e is None or day < e) for s, e in spans)
