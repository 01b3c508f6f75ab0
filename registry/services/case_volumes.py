"""Case volumes (办件量): each item's monthly figures at its receiving office, recorded in bulk, all or nothing.

Two ways in share one check: a sheet (`registry volumes import`, columns named in Chinese) and a JSON request
(POST /api/v1/case-volumes). Every row is checked before anything is written; each error is keyed by where it
is (第 N 行“列” in a sheet, ``rows.N.field`` in a request). A row for an item, office and month already recorded
replaces its figures (audited "update", before and after); a row equal to what is recorded changes nothing.
Rows are never deleted. The figures read back by staff (``list_volumes``) and, summed, by anyone (``stats``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.domain.choices import DepartmentKind
from registry.domain.handover import Status
from registry.domain.roles import Action, Caller
from registry.domain.searchtext import normalise
from registry.domain.workdays import today_in_china
from registry.imports.tables import Formula, Table
from registry.models import CaseVolume, Decision, Department, Handover, Power
from registry.models.base import MAX_ID, is_id
from registry.services import audit, standing
from registry.services.authz import authorize
from registry.services.changes import apply_changes, flush_versioned
from registry.services.errors import Code, Message, StaleVersion, ValidationFailed
from registry.services.guide_import import registry_powers
from registry.services.versions import check_version

MONTH = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])$")
# A spreadsheet turns a typed 2027-01 into the date 2027-01-01: the first day of a month reads as that month.
FIRST_DAY = re.compile(r"^([12][0-9]{3})-(0[1-9]|1[0-2])-01(?:[ T]00:00:00)?$")
COUNT = re.compile(r"^-?[0-9]+$")
SEQ, NAME, OFFICE = "序号", "事项名称", "承接部门"
# The sheet's columns and the field each fills; 序号/事项名称 name the item.
COLUMNS = {"月份": "month", "受理量": "accepted", "办结量": "completed", "按时办结量": "on_time", OFFICE: "office"}
HEADERS = {f: c for c, f in COLUMNS.items()}
REQUIRED = ("month", "accepted", "completed")
COUNTS = ("accepted", "completed", "on_time")
# Handed over and in use: an item in this state with no case in a period is listed as such.
IN_USE = (Status.HANDED_OVER, Status.OPERATING)
MAX_MONTHS = 120  # the longest period the figures are summed over (each month is a line of the answer)


@dataclass
class Given:
    """One row as given, its item (and office, if named) already resolved; ``place(field)`` keys its errors and
    ``label`` names it to a later duplicate (the sheet's row number, the request's index)."""

    label: int
    place: Callable[[str], str]
    power: Power | None
    office: Department | None
    office_named: bool
    month: Any
    accepted: Any
    completed: Any
    on_time: Any
    version: int | None = None


@dataclass(frozen=True)
class Checked:
    label: int
    power: Power
    office: Department
    month: str
    accepted: int
    completed: int
    on_time: int | None
    version: int | None


@dataclass
class Outcome:
    """What one row did (or would do): "create", "update" or "unchanged", with the figures before."""

    label: int
    row: Checked
    action: str
    before: dict[str, Any] | None = None
    volume: CaseVolume | None = None  # as written (None for a dry run's new month)


class Errors:
    def __init__(self) -> None:
        self.by_place: dict[str, list[Message]] = {}
        self.rows: set[int] = set()

    def add(self, label: int, place: str, message: Message) -> None:
        self.by_place.setdefault(place, []).append(message)
        self.rows.add(label)


def current_month(today: date | None = None) -> str:
    """This month in Beijing, YYYY-MM."""
    return (today or today_in_china()).strftime("%Y-%m")


def parse_month(value: Any) -> str | None:
    """YYYY-MM (or the first day of that month, as a spreadsheet stores it), else None."""
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    found = MONTH.match(text) or FIRST_DAY.match(text)
    return f"{found.group(1)}-{found.group(2)}" if found else None


def _reason(reason: str | None) -> str:
    if not (reason and reason.strip()):
        raise ValidationFailed(Message(Code.VOLUME_REASON_REQUIRED, "say why the case volumes are recorded"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    return reason.strip()


def _count(given: Given, name: str, errors: Errors) -> int | None:
    value = getattr(given, name)
    if value is None or value == "":
        if name in REQUIRED:
            errors.add(given.label, given.place(name), Message(Code.FIELD_REQUIRED, "required"))
        return None
    if isinstance(value, Formula):
        errors.add(given.label, given.place(name), Message(
            Code.VOLUME_FORMULA, "the cell holds a formula ({formula}); type the number itself",
            formula=str(value)[:60]))
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not COUNT.match(text):
        errors.add(given.label, given.place(name), Message(Code.VOLUME_NOT_A_COUNT, "a whole number, not {value}",
                                                           value=text[:40]))
        return None
    number = int(text)
    if number < 0:
        errors.add(given.label, given.place(name), Message(Code.VOLUME_NEGATIVE, "not a negative number ({value})",
                                                           value=number))
        return None
    if number > MAX_ID:
        errors.add(given.label, given.place(name), Message(Code.VOLUME_NOT_A_COUNT, "a whole number, not {value}",
                                                           value=text[:40]))
        return None
    return number


def _month(given: Given, this_month: str, errors: Errors) -> str | None:
    value = given.month
    if value is None or value == "":
        errors.add(given.label, given.place("month"), Message(Code.FIELD_REQUIRED, "required"))
        return None
    if isinstance(value, Formula):
        errors.add(given.label, given.place("month"), Message(
            Code.VOLUME_FORMULA, "the cell holds a formula ({formula}); type the month itself",
            formula=str(value)[:60]))
        return None
    month = parse_month(value)
    if month is None:
        errors.add(given.label, given.place("month"), Message(Code.VOLUME_MONTH_FORMAT, "a month YYYY-MM, not "
                                                              "{value}", value=str(value).strip()[:40]))
    elif month > this_month:
        errors.add(given.label, given.place("month"), Message(
            Code.VOLUME_MONTH_FUTURE, "{month} has not come yet (it is {current} in Beijing)", month=month,
            current=this_month))
        return None
    return month


def _office(session: Session, given: Given, errors: Errors) -> Department | None:
    if given.office_named:
        office = given.office
        if office is not None and office.kind != DepartmentKind.ZONE:
            errors.add(given.label, given.place("office"), Message(
                Code.VOLUME_OFFICE_NOT_ZONE, "{name} is not a receiving office of the zone", name=office.name))
            return None
        return office  # an unknown one was named where it was resolved
    if given.power is None:
        return None
    office_id = session.scalar(select(Handover.receiving_office_id).where(Handover.power_id == given.power.id))
    if office_id is None:
        errors.add(given.label, given.place("office"), Message(
            Code.VOLUME_OFFICE_NONE, "the item has no receiving office yet; name one"))
        return None
    return session.get(Department, office_id)


def check(session: Session, rows: Iterable[Given], errors: Errors | None = None,
          today: date | None = None) -> list[Checked]:
    """Every row checked: month, counts and their order, the office, no row twice; ValidationFailed naming each
    wrong place (with any ``errors`` found while the rows were read)."""
    errors = errors if errors is not None else Errors()
    this_month = current_month(today)
    checked: list[Checked] = []
    seen: dict[tuple[int, int, str], int] = {}
    rows = list(rows)
    for given in rows:
        month = _month(given, this_month, errors)
        accepted, completed, on_time = (_count(given, name, errors) for name in COUNTS)
        if accepted is not None and completed is not None and completed > accepted:
            errors.add(given.label, given.place("completed"), Message(
                Code.VOLUME_COMPLETED_OVER_ACCEPTED, "completed ({completed}) exceeds accepted ({accepted})",
                completed=completed, accepted=accepted))
        if completed is not None and on_time is not None and on_time > completed:
            errors.add(given.label, given.place("on_time"), Message(
                Code.VOLUME_ON_TIME_OVER_COMPLETED, "completed on time ({on_time}) exceeds completed ({completed})",
                on_time=on_time, completed=completed))
        office = _office(session, given, errors)
        if given.power is None or office is None or month is None or given.label in errors.rows:
            continue
        key = (given.power.id, office.id, month)
        if key in seen:
            errors.add(given.label, given.place("month"), Message(
                Code.VOLUME_DUPLICATE_ROW, "the same item, office and month as row {first}", first=seen[key]))
            continue
        seen[key] = given.label
        checked.append(Checked(given.label, given.power, office, month, accepted, completed, on_time,
                               given.version))
    if errors.by_place:
        raise ValidationFailed(Message(Code.VOLUME_ROWS_INVALID, "{count} row(s) are wrong; nothing was written",
                                       count=len(errors.rows)), errors.by_place)
    if not rows:
        raise ValidationFailed(Message(Code.VOLUME_NO_ROWS, "no rows of figures were given"))
    return checked


def find(session: Session, power_id: int, office_id: int, month: str) -> CaseVolume | None:
    return session.scalar(select(CaseVolume).where(CaseVolume.power_id == power_id,
                                                   CaseVolume.office_id == office_id, CaseVolume.month == month))


def _figures(row: Checked) -> dict[str, Any]:
    return {"accepted": row.accepted, "completed": row.completed, "on_time": row.on_time}


def record(session: Session, caller: Caller, rows: Iterable[Given], reason: str | None, *, dry_run: bool = False,
           errors: Errors | None = None, today: date | None = None) -> list[Outcome]:
    """Check every row, then (unless ``dry_run``) write each: a new month created, a recorded one replaced, each
    audited with ``reason`` in the caller's transaction. Nothing is committed here."""
    authorize(caller, Action.VOLUME_RECORD)
    reason = _reason(reason)
    outcomes: list[Outcome] = []
    for row in check(session, rows, errors, today):
        current = find(session, row.power.id, row.office.id, row.month)
        if current is None:
            outcome = Outcome(row.label, row, "create")
            if not dry_run:
                outcome.volume = CaseVolume(power=row.power, office=row.office, month=row.month, **_figures(row))
                session.add(outcome.volume)
                try:
                    flush_versioned(session, outcome.volume)
                except IntegrityError as exc:  # another import recorded this month first
                    raise StaleVersion(Message(
                        Code.VOLUME_STALE, "someone else just recorded the figures of {month}; reload them and "
                        "retry", month=row.month)) from exc
                audit.record(session, caller, "create", outcome.volume, None, reason)
        else:
            check_version(current, row.version, lambda version, expected, month=row.month: Message(
                Code.VOLUME_STALE, "the figures of {month} are at version {version}, not {expected}; reload them "
                "and retry", month=month, version=version, expected=expected))
            changes = {k: v for k, v in _figures(row).items() if getattr(current, k) != v}
            outcome = Outcome(row.label, row, "update" if changes else "unchanged",
                              {k: getattr(current, k) for k in _figures(row)}, current)
            if changes and not dry_run:
                apply_changes(session, caller, current, changes, reason=reason, action="update")
        outcomes.append(outcome)
    return outcomes


# Reading a sheet ---------------------------------------------------------------------------------------------


def where(row: int, column: str) -> str:
    """How an error names a cell: its row number in the sheet and its column's Chinese name."""
    return f"第 {row} 行“{column}”"


class _Items:
    """The registry's items (not synthetic scale data) by 序号 and by their folded name."""

    def __init__(self, session: Session):
        self.by_seq: dict[int, list[Power]] = {}
        self.by_name: dict[str, list[Power]] = {}
        for power in registry_powers(session):
            self.by_seq.setdefault(power.seq, []).append(power)
            self.by_name.setdefault(normalise(power.name), []).append(power)

    def find(self, number: int, cells: dict[str, Any], errors: Errors) -> Power | None:
        seq, name = cells.get(SEQ), cells.get(NAME)
        for column, value in ((SEQ, seq), (NAME, name)):
            if isinstance(value, Formula):
                errors.add(number, where(number, column), Message(
                    Code.VOLUME_FORMULA, "the cell holds a formula ({formula}); type the value itself",
                    formula=str(value)[:60]))
                return None
        if seq:
            if not is_id(seq):
                errors.add(number, where(number, SEQ), Message(Code.VOLUME_NOT_A_COUNT, "a whole number, not "
                                                               "{value}", value=seq[:40]))
                return None
            listed = self.by_seq.get(int(seq), [])
            found = [p for p in listed if not p.retired] or listed  # an item in force before a retired one
            if not found:
                errors.add(number, where(number, SEQ), Message(Code.VOLUME_NO_SUCH_SEQ, "no item has 序号 {seq}",
                                                               seq=int(seq)))
                return None
            if name:
                named = [p for p in found if normalise(p.name) == normalise(name)]
                if not named:
                    errors.add(number, where(number, NAME), Message(
                        Code.VOLUME_NAME_MISMATCH, "序号 {seq} is {name}, not the name given", seq=int(seq),
                        name="、".join(p.name for p in found)))
                    return None
                found = named
            if len(found) > 1:  # several decisions list an item under this 序号
                errors.add(number, where(number, SEQ), Message(
                    Code.VOLUME_SEQ_AMBIGUOUS, "{count} items have 序号 {seq}; give 事项名称 too", count=len(found),
                    seq=int(seq)))
                return None
            return found[0]
        if not name:
            errors.add(number, where(number, f"{SEQ}/{NAME}"), Message(Code.VOLUME_NO_KEY, "give 序号 or 事项名称"))
            return None
        found = self.by_name.get(normalise(name), [])
        if len(found) != 1:
            errors.add(number, where(number, NAME), Message(
                Code.VOLUME_NAME_AMBIGUOUS, "{count} items are named {name}; give 序号", count=len(found), name=name)
                if found else Message(Code.VOLUME_NO_SUCH_NAME, "no item is named {name}", name=name))
            return None
        return found[0]


def _header(table: Table, errors: Errors) -> None:
    named = [c for c in table.columns if c]
    for column in named:
        if column not in COLUMNS and column not in (SEQ, NAME):
            errors.add(table.header_row, where(table.header_row, column), Message(
                Code.VOLUME_UNKNOWN_COLUMN, "column {column} is not one the import knows", column=column))
    if SEQ not in named and NAME not in named:
        errors.add(table.header_row, f"第 {table.header_row} 行", Message(
            Code.VOLUME_NO_KEY_COLUMN, "the header has neither 序号 nor 事项名称"))
    for name in REQUIRED:
        if HEADERS[name] not in named:
            errors.add(table.header_row, f"第 {table.header_row} 行", Message(
                Code.VOLUME_COLUMN_MISSING, "the header has no {column} column", column=HEADERS[name]))


def from_table(session: Session, table: Table, errors: Errors) -> list[Given]:
    """The sheet's rows as given, items and offices resolved; what cannot be resolved is added to ``errors``."""
    _header(table, errors)
    if errors.by_place:
        return []
    items = _Items(session)
    offices = {d.name: d for d in session.scalars(select(Department))}
    rows: list[Given] = []
    for sheet_row in table.rows:
        number, cells = sheet_row.number, sheet_row.cells
        power = items.find(number, cells, errors)
        office_name, office = cells.get(OFFICE), None
        if isinstance(office_name, Formula):
            errors.add(number, where(number, OFFICE), Message(
                Code.VOLUME_FORMULA, "the cell holds a formula ({formula}); type the value itself",
                formula=str(office_name)[:60]))
        elif office_name:
            office = offices.get(office_name)
            if office is None:
                errors.add(number, where(number, OFFICE), Message(Code.VOLUME_OFFICE_UNKNOWN, "no office is named "
                                                                  "{name}", name=office_name))
        rows.append(Given(number, lambda name, n=number: where(n, HEADERS[name]), power, office, bool(office_name),
                          *(cells.get(HEADERS[name]) for name in ("month", *COUNTS))))
    return rows


def import_table(session: Session, caller: Caller, table: Table, reason: str | None,
                 dry_run: bool = False) -> list[Outcome]:
    """Check the sheet's every row, then record them (see ``record``)."""
    authorize(caller, Action.VOLUME_RECORD)
    _reason(reason)
    errors = Errors()
    return record(session, caller, from_table(session, table, errors), reason, dry_run=dry_run, errors=errors)


# A JSON request ----------------------------------------------------------------------------------------------


def from_request(session: Session, rows: list[dict[str, Any]], errors: Errors) -> list[Given]:
    """The request's rows as given (``rows.N.field``, N from 0), items and offices looked up by id."""
    given: list[Given] = []
    for n, data in enumerate(rows):
        def place(name: str, n: int = n) -> str:
            return f"rows.{n}.{name}"
        power = session.get(Power, data["power"])
        if power is None:
            errors.add(n, place("power"), Message(Code.VOLUME_NO_SUCH_POWER, "power {power} does not exist",
                                                  power=data["power"]))
        office = None
        if data.get("office") is not None:
            office = session.get(Department, data["office"])
            if office is None:
                errors.add(n, place("office"), Message(Code.VOLUME_OFFICE_UNKNOWN, "no office is named {name}",
                                                       name=str(data["office"])))
        given.append(Given(n, place, power, office, data.get("office") is not None, data["month"],
                           data["accepted"], data["completed"], data.get("on_time"), data.get("version")))
    return given


def record_request(session: Session, caller: Caller, rows: list[dict[str, Any]], reason: str | None) -> list[Outcome]:
    authorize(caller, Action.VOLUME_RECORD)
    _reason(reason)
    errors = Errors()
    return record(session, caller, from_request(session, rows, errors), reason, errors=errors)


# Reading the figures -----------------------------------------------------------------------------------------


def _period(start: str, end: str) -> tuple[str, str]:
    """The months from ``start`` to ``end`` (YYYY-MM, both included), refused when reversed or over MAX_MONTHS."""
    if start > end:
        raise ValidationFailed(Message(Code.VOLUME_PERIOD_REVERSED, "the period starts ({start}) after it ends "
                                       "({end})", start=start, end=end),
                               {"from": [Message(Code.VOLUME_PERIOD_REVERSED, "after the end", start=start,
                                                 end=end)]})
    months = (int(end[:4]) - int(start[:4])) * 12 + int(end[5:]) - int(start[5:]) + 1
    if months > MAX_MONTHS:
        raise ValidationFailed(Message(Code.VOLUME_PERIOD_TOO_LONG, "a period of at most {max} months, not {months}",
                                       max=MAX_MONTHS, months=months),
                               {"to": [Message(Code.VOLUME_PERIOD_TOO_LONG, "too far from the start", max=MAX_MONTHS,
                                               months=months)]})
    return start, end


def list_volumes(session: Session, power: int | None = None, office: int | None = None, start: str | None = None,
                 end: str | None = None) -> list[CaseVolume]:
    """The recorded figures, by month, item and office (staff only: the office's own rows)."""
    stmt = select(CaseVolume)
    if power is not None:
        stmt = stmt.where(CaseVolume.power_id == power)
    if office is not None:
        stmt = stmt.where(CaseVolume.office_id == office)
    if start:
        stmt = stmt.where(CaseVolume.month >= start)
    if end:
        stmt = stmt.where(CaseVolume.month <= end)
    return list(session.scalars(stmt.order_by(CaseVolume.month, CaseVolume.power_id, CaseVolume.office_id)))


def months_between(start: str, end: str) -> list[str]:
    year, month = int(start[:4]), int(start[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass
class Sums:
    accepted: int = 0
    completed: int = 0
    on_time: int | None = None  # None: no row of the group reported it

    def add(self, v: CaseVolume) -> None:
        self.accepted += v.accepted
        self.completed += v.completed
        if v.on_time is not None:
            self.on_time = (self.on_time or 0) + v.on_time


@dataclass
class ItemLine:
    power: Power
    sums: Sums = field(default_factory=Sums)


@dataclass
class DepartmentLine:
    department: Department
    items: int = 0
    sums: Sums = field(default_factory=Sums)


@dataclass
class Stats:
    start: str
    end: str
    total: Sums
    by_item: list[ItemLine]
    by_department: list[DepartmentLine]
    by_month: list[tuple[str, Sums]]
    idle: list[Power]  # handed over or operating, and no case accepted in the period


def in_use() -> Select:
    """The ids of the items the zone runs on the date bound as ``standing.ON``: of a published decision, handed over
    or operating, and held by the decisions in force (a suspended or recalled item is not run, whatever its
    handover says)."""
    real = select(Decision.id).where(Decision.synthetic.is_(False))
    return (select(Power.id).join(Handover, Handover.power_id == Power.id)
            .where(Handover.status.in_(IN_USE), Power.retired.is_(False), Power.decision_id.in_(real),
                   Power.id.not_in(standing.not_held())))


def stats(session: Session, start: str, end: str) -> Stats:
    """The period's figures summed by item, guiding department and month, and the items in use with no case."""
    start, end = _period(start, end)
    volumes = list_volumes(session, start=start, end=end)
    total = Sums()
    items: dict[int, ItemLine] = {}
    departments: dict[int, DepartmentLine] = {}
    months = {m: Sums() for m in months_between(start, end)}
    for v in volumes:
        total.add(v)
        items.setdefault(v.power_id, ItemLine(v.power)).sums.add(v)
        departments.setdefault(v.power.department_id, DepartmentLine(v.power.department)).sums.add(v)
        months[v.month].add(v)
    for line in items.values():
        departments[line.power.department_id].items += 1
    busy = {pid for pid, line in items.items() if line.sums.accepted > 0}
    running = session.scalars(select(Power).where(Power.id.in_(in_use())).order_by(Power.decision_id, Power.seq),
                              {standing.ON: today_in_china()})
    idle = [p for p in running if p.id not in busy]
    by_item = sorted(items.values(), key=lambda line: (line.power.decision_id, line.power.seq))
    by_department = sorted(departments.values(), key=lambda line: line.department.name)
    return Stats(start, end, total, by_item, by_department, list(months.items()), idle)
