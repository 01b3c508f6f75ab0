"""Where the handovers stand: the filtered list, the overdue ones, and counts by status × department × type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from registry.domain import handover as flow
from registry.domain.choices import PowerType
from registry.domain.handover import Status
from registry.domain.workdays import today_in_china
from registry.models import Department, Handover, Power
from registry.services import calendar as calendars
from registry.services import reference


@dataclass
class HandoverFilter:
    status: list[Status] = field(default_factory=list)
    department: list[str] = field(default_factory=list)
    overdue: bool | None = None
    page: int = 1
    per_page: int = 50


@dataclass
class HandoverPage:
    items: list[Handover]
    total: int
    page: int
    per_page: int


def _overdue(today: date) -> ColumnElement[bool]:
    """flow.is_overdue, as SQL."""
    return Handover.planned_date.is_not(None) & (Handover.planned_date < today) & Handover.status.in_(flow.OPEN)


def list_handovers(session: Session, f: HandoverFilter, today: date | None = None) -> HandoverPage:
    """Handovers of powers in force, in annex order."""
    today = today or today_in_china()
    where: list[Any] = [Power.retired.is_(False)]
    if f.status:
        where.append(Handover.status.in_(f.status))
    if f.department:
        where.append(Power.department_id.in_(
            reference.resolve_ids(session, Department, "name", "department", f.department)))
    if f.overdue is not None:
        where.append(_overdue(today) if f.overdue else ~_overdue(today))
    base = select(Handover).join(Handover.power).where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(Power.decision_id, Power.seq)
                           .limit(f.per_page).offset((f.page - 1) * f.per_page)).unique()
    return HandoverPage(list(rows), total, f.page, f.per_page)


@dataclass(frozen=True)
class Overdue:
    handover: Handover
    days: int
    working_days: int | None  # None where the official calendar does not reach


def overdue(session: Session, today: date | None = None) -> list[Overdue]:
    """Open handovers past their planned date, the latest first."""
    today = today or today_in_china()
    rows = list(session.scalars(select(Handover).join(Handover.power)
                                .where(Power.retired.is_(False), _overdue(today))
                                .order_by(Handover.planned_date, Power.seq)).unique())
    working = calendars.working_days_late(session, [h.planned_date for h in rows], today)
    return [Overdue(h, (today - h.planned_date).days, w) for h, w in zip(rows, working, strict=True)]


@dataclass(frozen=True)
class Cell:
    status: Status
    department: Department
    type: PowerType
    count: int


@dataclass
class Stats:
    on: date
    total: int
    done: int
    by_status: list[dict[str, Any]]
    cells: list[Cell]
    overdue: list[Overdue]

    @property
    def share_done(self) -> float:
        return round(self.done / self.total, 4) if self.total else 0.0


def stats(session: Session, today: date | None = None) -> Stats:
    """Counts for the zone administration over the powers in force; 'done' is handed over or operating."""
    today = today or today_in_china()
    rows = session.execute(
        select(Handover.status, Power.department_id, Power.type, func.count())
        .join(Handover.power).where(Power.retired.is_(False))
        .group_by(Handover.status, Power.department_id, Power.type)
    ).all()
    departments = {d.id: d for d in session.scalars(select(Department))}
    cells = sorted((Cell(s, departments[d], t, n) for s, d, t, n in rows),
                   key=lambda c: (list(Status).index(c.status), c.department.id, list(PowerType).index(c.type)))
    by = {s: sum(c.count for c in cells if c.status == s) for s in Status}
    return Stats(
        on=today, total=sum(by.values()), done=sum(by[s] for s in flow.DONE),
        by_status=[{"code": s.value, "label": s.label, "count": by[s]} for s in Status],
        cells=cells, overdue=overdue(session, today),
    )
