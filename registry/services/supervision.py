"""Supervision after the handover (事中事后监管): the guiding department records its guidance, training and
inspections of an item; a finding may require rectification (整改) within a number of working days from the
record's date, counted on the working-day calendar; the zone closes it with its evidence.

Every write checks the caller, writes the rows and appends their audit entries in the caller's transaction; the
route commits once. Records are never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain import supervision as rule
from registry.domain.choices import RectificationState, SupervisionKind
from registry.domain.handover import DayKind
from registry.domain.roles import Action, Caller
from registry.domain.workdays import CalendarUnknown, add_days, today_in_china
from registry.models import Power, Rectification, Supervision
from registry.services import audit, snapshots
from registry.services import calendar as calendars
from registry.services.authz import authorize
from registry.services.changes import flush_versioned
from registry.services.errors import Code, Conflict, Message, NotFound, ValidationFailed
from registry.services.powers import get_power
from registry.services.versions import require_version


@dataclass(frozen=True)
class RectificationIn:
    """What a finding requires, and within how many working days from the record's date."""

    requirement: str
    days: int


def _blank(text: str | None) -> str | None:
    return text.strip() or None if text else None


def _due(session: Session, start: date, days: int) -> date:
    """The last day of ``days`` working days after ``start``, on the calendar held in the database."""
    try:
        return add_days(calendars.load(session, since=start), start, days, DayKind.WORKING)
    except CalendarUnknown as exc:
        raise ValidationFailed(
            Message(Code.CALENDAR_UNKNOWN, "the working-day calendar for {year} is not loaded; an administrator "
                    "loads it with `registry calendar import`", year=exc.year),
            {"rectification.days": [Message(Code.CALENDAR_UNKNOWN, "the working-day calendar for {year} is not "
                                            "loaded; an administrator loads it with `registry calendar import`",
                                            year=exc.year)]}) from None


def record(session: Session, caller: Caller, power_id: int, *, held_on: date, kind: SupervisionKind, findings: str,
           evidence: dict[str, Any] | None = None, rectification: RectificationIn | None = None,
           today: date | None = None) -> Supervision:
    """Record one act of supervision of ``power_id`` by its guiding department (a department officer only for its
    own items), with the rectification its finding requires, if any; each row audited as created."""
    today = today or today_in_china()
    power = get_power(session, power_id)
    authorize(caller, Action.SUPERVISION_RECORD, power.department_id)
    errors: dict[str, list[Message]] = {}
    if power.retired:
        raise Conflict(Message(Code.SUPERVISION_POWER_RETIRED, "power {power} is retired; it is no longer "
                               "supervised", power=power_id))
    if held_on > today:
        errors["held_on"] = [Message(Code.SUPERVISION_FUTURE_DATE, "the date is after today ({today})",
                                     today=today.isoformat())]
    if not _blank(findings):
        errors["findings"] = [Message(Code.SUPERVISION_FINDINGS_REQUIRED, "say what was done or found")]
    if rectification is not None and not _blank(rectification.requirement):
        errors["rectification.requirement"] = [Message(Code.RECTIFICATION_REQUIREMENT_REQUIRED,
                                                       "say what must be put right")]
    if errors:
        raise ValidationFailed(Message(Code.SUPERVISION_INVALID, "the record is incomplete or wrong"), errors)
    row = Supervision(power=power, department_id=power.department_id, held_on=held_on, kind=kind,
                      findings=findings.strip(), evidence=evidence or None, recorded_by=caller.name)
    session.add(row)
    flush_versioned(session, row)
    audit.record(session, caller, "create", row, None)
    if rectification is not None:
        fix = Rectification(supervision=row, power=power, requirement=rectification.requirement.strip(),
                            counted_from=held_on, days=rectification.days,
                            due_on=_due(session, held_on, rectification.days))
        session.add(fix)
        flush_versioned(session, fix)
        audit.record(session, caller, "create", fix, None)
    return row


def for_power(session: Session, power_id: int) -> list[Supervision]:
    """The item's supervision records, the latest first."""
    get_power(session, power_id)
    return list(session.scalars(select(Supervision).where(Supervision.power_id == power_id)
                                .order_by(Supervision.held_on.desc(), Supervision.id.desc())))


def get_rectification(session: Session, rectification_id: int) -> Rectification:
    row = session.get(Rectification, rectification_id)
    if row is None:
        raise NotFound(Message(Code.RECTIFICATION_NOT_FOUND, "rectification {rectification} does not exist",
                               rectification=rectification_id))
    return row


def close(session: Session, caller: Caller, rectification_id: int, *, expected_version: int | None,
          evidence: dict[str, Any] | None, note: str | None = None, closed_on: date | None = None,
          today: date | None = None) -> Rectification:
    """The zone's record that a rectification is done (on ``closed_on``, default today), with its evidence;
    audited as "close" with the row before and after. Closed after its deadline, it stays closed late. The caller
    names the version it read (If-Match); a rectification that does not exist is 404 first."""
    today = today or today_in_china()
    row = get_rectification(session, rectification_id)
    authorize(caller, Action.RECTIFICATION_CLOSE, row.supervision.department_id)
    require_version(row, expected_version, lambda version, wanted: Message(
        Code.RECTIFICATION_STALE, "rectification {rectification} is at version {version}, not {expected}; reload "
        "it and retry", rectification=row.id, version=version, expected=wanted))
    if row.closed_on is not None:
        raise Conflict(Message(Code.RECTIFICATION_ALREADY_CLOSED, "already closed on {closed_on} by {by}",
                               closed_on=row.closed_on.isoformat(), by=row.closed_by))
    closed_on = closed_on or today
    errors: dict[str, list[Message]] = {}
    if closed_on > today:
        errors["closed_on"] = [Message(Code.RECTIFICATION_CLOSED_IN_FUTURE, "the closing date is after today "
                                       "({today})", today=today.isoformat())]
    elif closed_on < row.counted_from:
        errors["closed_on"] = [Message(Code.RECTIFICATION_CLOSED_BEFORE_RECORD, "the closing date is before the "
                                       "supervision ({held_on})", held_on=row.counted_from.isoformat())]
    if not evidence:
        errors["evidence"] = [Message(Code.RECTIFICATION_EVIDENCE_REQUIRED, "say what shows it was put right: a "
                                      "document number or a link")]
    if errors:
        raise ValidationFailed(Message(Code.RECTIFICATION_CLOSE_INVALID,
                                       "the closing record is incomplete or wrong"), errors)
    before = snapshots.rectification(row)
    row.closed_on, row.closed_note, row.closed_evidence, row.closed_by = closed_on, _blank(note), evidence, caller.name
    flush_versioned(session, row)
    audit.record(session, caller, "close", row, before, _blank(note))
    return row


def state(row: Rectification, today: date | None = None) -> RectificationState:
    return rule.state(row.due_on, row.closed_on, today or today_in_china())


def list_rectifications(session: Session, overdue: bool | None = None, today: date | None = None
                        ) -> list[Rectification]:
    """Every rectification (``overdue``: only the open ones past their deadline, or only the others), by deadline."""
    today = today or today_in_china()
    late = Rectification.closed_on.is_(None) & (Rectification.due_on < today)  # rule.is_overdue, as SQL
    stmt = select(Rectification).join(Rectification.power)
    if overdue is not None:
        stmt = stmt.where(late if overdue else ~late)
    return list(session.scalars(stmt.order_by(Rectification.due_on, Power.seq, Rectification.id)).unique())


@dataclass(frozen=True)
class Overdue:
    rectification: Rectification
    days: int
    working_days: int | None  # None where the official calendar does not reach


def overdue(session: Session, today: date | None = None) -> list[Overdue]:
    """Open rectifications past their deadline (from the day after it), the longest overdue first."""
    today = today or today_in_china()
    rows = list_rectifications(session, overdue=True, today=today)
    working = calendars.working_days_late(session, [r.due_on for r in rows], today)
    return [Overdue(r, rule.days_late(r.due_on, None, today), w) for r, w in zip(rows, working, strict=True)]
