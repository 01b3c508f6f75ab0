"""Powers: filtered, faceted listing and the versioned writes (create, update, retire, restore)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    CompoundSelect,
    Integer,
    Select,
    bindparam,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import CTE

from registry.domain import searchtext
from registry.domain.choices import DepartmentKind, ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.domain.moments import as_utc
from registry.domain.roles import Action, Caller
from registry.domain.workdays import today_in_china
from registry.models import Decision, DecisionAction, Department, Handover, Power, PowerSearch, SubItem
from registry.models.base import utcnow
from registry.services import audit, handovers, reference, search, snapshots, standing, who_handles
from registry.services.authz import authorize
from registry.services.errors import Code, Conflict, Message, NotFound, StaleVersion, ValidationFailed
from registry.services.versions import check_version

STATEMENTS_KEPT = 256  # plans of lists whose statements a worker keeps
FACETS = ("type", "level", "department", "partial", "status")  # in the order of GROUPED
EDITABLE = ("seq", "name", "sub_items", "type", "level", "department", "note", "partial",
            "devolved_part", "retained_part")
SORTS = {
    "seq": (Power.decision_id, Power.seq),
    "name": (Power.name,),
    "type": (Power.type,),
    "department": (Department.name,),
}


@dataclass
class PowerFilter:
    """The list's filters; values are codes or published names, resolved by the service."""

    type: list[PowerType] = field(default_factory=list)
    level: list[ExerciseLevel] = field(default_factory=list)
    department: list[str] = field(default_factory=list)
    decision: list[str] = field(default_factory=list)
    partial: bool | None = None
    status: list[Status] = field(default_factory=list)  # the handover's status
    q: str | None = None
    include_retired: bool = False
    on: date | None = None  # the zone's list on this date, by the decisions in force; default today (Beijing)
    sort: str | None = None  # default: relevance when searching, else seq
    page: int = 1
    per_page: int = 50


@dataclass
class PowerPage:
    items: list[Power]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[dict[str, Any]]]
    matched_parts: dict[int, str] = field(default_factory=dict)  # id -> name, found as part of a longer term
    unfaceted_total: int = 0  # the matches before the facets' filters (type, level, department, partial, status)
    departments: dict[int, str] = field(default_factory=dict)  # citizen page: every guiding department, by id
    # citizen page: id -> the handover's status, its hand-over and recall events and its lineage
    handling: dict[int, who_handles.Facts] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What a list's statements depend on besides the values bound to them; lists of one plan share statements,
    built once per worker (a search of distinct words costs no building of SQL expressions)."""

    query: search.Shape
    filters: tuple[str, ...] = ()  # the facets filtered on, in FACETS order
    decision: bool = False
    include_retired: bool = False
    sort: str | None = None
    citizen: bool = False  # the citizen page: every guiding department, and each result's handover facts


@dataclass
class Scope:
    """The filter resolved: the plan of its statements, the values they bind, and the facets as predicates on
    grouped rows."""

    plan: Plan
    values: dict[str, Any] = field(default_factory=dict)
    keeps: dict[str, Callable[[tuple[Any, ...]], bool]] = field(default_factory=dict)

    def keep(self, row: tuple[Any, ...], but: str | None = None) -> bool:
        """Whether a grouped row (the five facet values first) passes every facet filter (but one)."""
        return all(test(row) for name, test in self.keeps.items() if name != but)


def _scope(session: Session, f: PowerFilter, q: searchtext.Query | None = None, citizen: bool = False) -> Scope:
    values: dict[str, Any] = {}
    if f.decision:
        values["decision"] = reference.resolve_ids(session, Decision, "doc_number", "decision", f.decision)
    if f.department:
        values["department"] = reference.resolve_ids(session, Department, "name", "department", f.department)
    chosen = {"type": f.type, "level": f.level, "department": values.get("department"), "status": f.status,
              "partial": None if f.partial is None else [f.partial]}
    keeps: dict[str, Callable[[tuple[Any, ...]], bool]] = {}
    for position, name in enumerate(FACETS):
        if chosen[name]:
            values[name] = chosen[name][0] if name == "partial" else chosen[name]
            keeps[name] = lambda row, position=position, kept=set(chosen[name]): row[position] in kept
    dialect = session.get_bind().dialect.name
    q = q or searchtext.query("")
    plan = Plan(search.shape(q, dialect), tuple(keeps), bool(f.decision), f.include_retired, f.sort, citizen)
    values["on"] = f.on or today_in_china()
    return Scope(plan, values | search.values(q, dialect), keeps)


def _base(plan: Plan) -> list[ColumnElement[bool]]:
    base: list[ColumnElement[bool]] = [] if plan.include_retired else [
        Power.retired.is_(False), Power.id.not_in(standing.not_held())]
    if plan.decision:
        base.append(Power.decision_id.in_(bindparam("decision", expanding=True, type_=Integer())))
    return base


def _faceted(name: str, found: Any = None) -> ColumnElement[bool]:
    """A facet's filter, its values bound by name: on Power, or on the columns of the matches (``found``)."""
    if name == "partial":
        return (Power.partial if found is None else found.c.partial) == bindparam("partial", type_=Boolean())
    if name == "status":
        statuses = bindparam("status", expanding=True, type_=Handover.status.type)
        if found is not None:
            return found.c.status.in_(statuses)
        return Power.id.in_(select(Handover.power_id).where(Handover.status.in_(statuses)))
    column = {"type": Power.type, "level": Power.level, "department": Power.department_id}[name]
    values = bindparam(name, expanding=True, type_=column.type)
    return (column if found is None else found.c[column.key]).in_(values)


Grouped = list[tuple[Any, ...]]  # type, level, department id, partial, handover status (or None), name, count
GROUPED = (Power.type, Power.level, Power.department_id, Power.partial, Handover.status)  # FACETS order


def _facet(name: str, rows: Grouped, departments: dict[int, str]) -> list[dict[str, Any]]:
    position = FACETS.index(name)
    counts: dict[Any, int] = {}
    for row in rows:
        counts[row[position]] = counts.get(row[position], 0) + row[-1]
    if name == "department":
        return [{"id": i, "name": departments[i], "count": counts[i]} for i in sorted(counts) if counts[i]]
    if name == "partial":
        return [{"value": v, "count": counts.get(v, 0)} for v in (True, False)]
    choices = {"type": PowerType, "level": ExerciseLevel, "status": Status}[name]
    return [{"code": c.value, "label": c.label, "count": counts.get(c, 0)} for c in choices]


def _hits(plan: Plan) -> CTE:
    """The powers whose search text matches, with their rank: read on their own before any join (MATERIALIZED),
    so the database reads the search text once, row after row or by its trigram index, rather than by key for
    each power it joins."""
    hits = select(PowerSearch.power_id, search.relevance(plan.query).label("rank")).where(search.matching(plan.query))
    narrows = search.narrows(plan.query)
    return (hits if narrows is None else hits.where(narrows)).cte("hits").prefix_with("MATERIALIZED")


@lru_cache(maxsize=STATEMENTS_KEPT)
def _found(plan: Plan) -> CompoundSelect:
    """One statement, so the search text is read once: the matches of the base filters and the query (a common
    table expression, which both databases materialise when it is read twice) counted by the five facets with
    the department's name, then the page's ids with their rank and place in the asked order (default: relevance
    with a query, else annex order); for the citizen page, every guiding department follows, counted 0, for the
    department filter's choices. Columns: the five facets, department name, count, power id, rank, place."""
    sort = plan.sort if plan.sort not in (None, "relevance") else "seq"
    ranked = bool(plan.query.pinyin) and plan.sort in (None, "relevance")
    keys = [k.label(f"k{i}") for i, k in enumerate([*SORTS[sort.lstrip("-")], Power.decision_id, Power.seq,
                                                     Power.id])]
    hits = _hits(plan) if plan.query.pinyin else None
    matches = select(Power.id.label("power_id"), *GROUPED, Department.name.label("department_name"),
                     (null() if hits is None else hits.c.rank).label("rank"), *keys).select_from(Power)
    if hits is not None:
        matches = matches.join(hits, hits.c.power_id == Power.id)
    matches = (matches.join(Department, Department.id == Power.department_id)
               .outerjoin(Handover, Handover.power_id == Power.id).where(*_base(plan)).cte("found"))
    facets = [matches.c[c.key] for c in GROUPED]
    grouped = (select(*facets, matches.c.department_name, func.count(), *[null()] * 3)
               .group_by(*facets, matches.c.department_name))
    order = _directed([matches.c.rank] * ranked + [matches.c[k.name] for k in keys], ranked, sort.startswith("-"))
    page = (select(matches.c.power_id, matches.c.rank, func.row_number().over(order_by=order).label("place"))
            .where(*[_faceted(name, matches) for name in plan.filters]).order_by(*order)
            .limit(bindparam("limit", type_=Integer())).offset(bindparam("offset", type_=Integer())).subquery())
    parts = [grouped, select(*[null()] * 7, page.c.power_id, page.c.rank, page.c.place)]
    if plan.citizen:
        parts.append(select(*[null()] * 2, Department.id, *[null()] * 2, Department.name, literal(0),
                            *[null()] * 3).where(Department.kind == DepartmentKind.CITY))
    return union_all(*parts)


@lru_cache(maxsize=2)
def _page(citizen: bool) -> Select:
    """The page's powers by id with their sub-items, and for the citizen page each one's handover status and its
    hand-over and recall events with their offices (a row per event and sub-item; the caller takes them unique)."""
    stmt = (select(Power).where(Power.id.in_(bindparam("ids", expanding=True, type_=Integer())))
            .options(joinedload(Power.sub_item_rows)))
    if not citizen:
        return stmt
    office, ev = aliased(Department), who_handles.events()
    # the event's id keeps two alike events apart when the rows are taken unique
    return (stmt.add_columns(Handover.status, ev.c.source, ev.c.code, ev.c.effective_on, office, ev.c.doc_number,
                             ev.c.id)
            .outerjoin(Handover, Handover.power_id == Power.id)
            .outerjoin(ev, ev.c.power_id == Power.id)
            .outerjoin(office, office.id == ev.c.office_id)
            .order_by(Power.id, ev.c.source, ev.c.id))


def _directed(columns: list[Any], ranked: bool, descending: bool) -> list[Any]:
    """The sort keys in their directions: relevance (first, when ranked) always best first."""
    return [c.desc() if descending and not (ranked and i == 0) else c.asc() for i, c in enumerate(columns)]


def list_powers(session: Session, f: PowerFilter, citizen: bool = False) -> PowerPage:
    """One page of powers, the total, and facet counts that honour every filter but their own.

    Two statements: the matches grouped by the five facets, which give the total and every facet once filtered
    per facet here, with the page's ids; then the page's powers with their sub-items.
    ``citizen``: the grouping also lists every guiding department (PowerPage.departments) and the page brings
    each power's handover facts (PowerPage.handling), so the citizen page needs no statement of its own.
    """
    scope = _scope(session, f, searchtext.query(f.q or ""), citizen)
    paging = {"limit": f.per_page, "offset": (f.page - 1) * f.per_page}
    rows, placed = [], []
    for row in session.execute(_found(scope.plan), scope.values | paging):
        (rows if row[7] is None else placed).append(tuple(row))
    departments = {row[2]: row[5] for row in rows}
    counted = [(*row[:5], row[6]) for row in rows]
    facets = {name: _facet(name, [r for r in counted if scope.keep(r, but=name)], departments) for name in FACETS}
    total = sum(r[-1] for r in counted if scope.keep(r))
    out = PowerPage([], total, f.page, f.per_page, facets, unfaceted_total=sum(r[-1] for r in counted),
                    departments=dict(sorted(departments.items())) if citizen else {})
    if not placed:
        return out
    ranks = {row[7]: row[8] for row in sorted(placed, key=lambda row: row[9])}
    loaded: dict[int, Power] = {}
    for power, *facts in session.execute(_page(citizen), {"ids": list(ranks)}).unique():
        loaded[power.id] = power
        if citizen and facts[0] is not None and power.id not in out.handling:
            out.handling[power.id] = who_handles.Facts(facts[0])
        if citizen and facts[1] is not None and power.id in out.handling:
            out.handling[power.id].add(*facts[1:-1])
    out.items = [loaded[power_id] for power_id in ranks]
    out.matched_parts = {i: loaded[i].name for i, rank in ranks.items() if rank == searchtext.PARTLY}
    return out


def matching_ids(session: Session, f: PowerFilter) -> list[int]:
    """The ids of every power the filter matches, on all its pages, in annex order: what "select all" stands for."""
    scope = _scope(session, f, searchtext.query(f.q or ""))
    stmt = select(Power.id).where(*_base(scope.plan), *[_faceted(name) for name in scope.plan.filters])
    if scope.plan.query.pinyin:
        hits = _hits(scope.plan)
        stmt = stmt.join(hits, hits.c.power_id == Power.id)
    stmt = stmt.order_by(*SORTS["seq"], Power.id)
    return list(session.scalars(stmt, scope.values))


def get_power(session: Session, power_id: int) -> Power:
    power = session.get(Power, power_id)
    if power is None:
        raise NotFound(Message(Code.POWER_NOT_FOUND, "power {power} does not exist", power=power_id))
    return power


def all_powers(session: Session, decision: list[str] | None = None, include_retired: bool = False) -> list[Power]:
    """Every power in annex order, for exports."""
    scope = _scope(session, PowerFilter(decision=decision or [], include_retired=include_retired))
    stmt = select(Power).where(*_base(scope.plan)).order_by(*SORTS["seq"])
    return list(session.scalars(stmt, scope.values).unique())


def _check_version(power: Power, expected_version: int) -> None:
    check_version(power, expected_version, lambda version, expected: Message(
        Code.POWER_STALE, "power {power} is at version {version}, not {expected}; reload it and retry",
        power=power.id, version=version, expected=expected))


def _guiding_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise ValidationFailed(Message(Code.DEPARTMENT_UNKNOWN, "unknown department"), {"department": [
            Message(Code.DEPARTMENT_NOT_FOUND, "department {department} does not exist", department=department_id)]})
    if department.kind != DepartmentKind.CITY:
        raise ValidationFailed(Message(Code.DEPARTMENT_NOT_GUIDING, "not a guiding department"), {"department": [
            Message(Code.DEPARTMENT_MUST_BE_GUIDING, "must be a city guiding department (市级指导(实施)部门)")]})
    return department


def _check_parts(partial: bool, devolved: str | None, retained: str | None) -> None:
    if partial and not devolved:
        raise ValidationFailed(Message(Code.POWER_PARTIAL_NEEDS_PART, "a partial power needs its devolved part"),
                               {"devolved_part": [Message(Code.PART_REQUIRED_WHEN_PARTIAL,
                                                          "required when partial is true")]})
    if not partial and (devolved or retained):
        field_name = "devolved_part" if devolved else "retained_part"
        raise ValidationFailed(Message(Code.POWER_ONLY_PARTIAL_HAS_PARTS, "only a partial power has parts"),
                               {field_name: [Message(Code.PART_EMPTY_UNLESS_PARTIAL,
                                                     "must be empty when partial is false")]})


def _check_seq_free(session: Session, decision_id: int, seq: int, power_id: int | None = None) -> None:
    clash = session.scalar(select(Power.id).where(Power.decision_id == decision_id, Power.seq == seq))
    if clash is not None and clash != power_id:
        raise Conflict(Message(Code.POWER_SEQ_TAKEN, "序号 {seq} is already used in this decision by power {power}",
                               seq=seq, power=clash),
                       {"seq": [Message(Code.SEQ_USED_BY, "already used by power {power}", power=clash)]})


def _set_sub_items(power: Power, names: list[str]) -> None:
    """Rewrite the sub-items in place so positions stay unique at every step of the flush."""
    rows = power.sub_item_rows
    for i, name in enumerate(names):
        if i < len(rows):
            rows[i].name = name
        else:
            rows.append(SubItem(position=i, name=name))
    del rows[len(names):]


def _flush(session: Session, power: Power) -> None:
    power_id = power.id  # read it now: a failed flush rolls back and expires the instance
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(Message(Code.POWER_CHANGED_ELSEWHERE,
                                   "power {power} was changed by someone else; reload it and retry",
                                   power=power_id)) from exc
    except IntegrityError as exc:
        # Another writer took the same 序号 between our check and our insert.
        raise Conflict(Message(Code.POWER_CONCURRENT_CLASH, "the change clashes with a concurrent one"),
                       {"seq": [Message(Code.FIELD_TAKEN, "already used")]}) from exc


def _require_reason(reason: str | None) -> str:
    """Every change to a power's annex data says why; the trail keeps it."""
    if reason is None or not reason.strip():
        raise ValidationFailed(Message(Code.POWER_REASON_REQUIRED, "say why the annex data changes"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    return reason


def create_power(session: Session, caller: Caller, data: dict[str, Any], reason: str | None) -> Power:
    """Add a power to a decision's list."""
    authorize(caller, Action.POWER_CREATE)
    _require_reason(reason)
    decision = session.get(Decision, data["decision"])
    if decision is None:
        raise ValidationFailed(Message(Code.DECISION_UNKNOWN, "unknown decision"), {"decision": [
            Message(Code.DECISION_NOT_FOUND, "decision {decision} does not exist", decision=data["decision"])]})
    department = _guiding_department(session, data["department"])
    _check_parts(data.get("partial", False), data.get("devolved_part"), data.get("retained_part"))
    _check_seq_free(session, decision.id, data["seq"])
    power = Power(
        decision=decision, seq=data["seq"], name=data["name"], type=data["type"],
        level=data["level"], department=department, note=data.get("note"),
        partial=data.get("partial", False), devolved_part=data.get("devolved_part"),
        retained_part=data.get("retained_part"), retired=False,
    )
    _set_sub_items(power, data.get("sub_items") or [])
    session.add(power)
    _flush(session, power)
    audit.record(session, caller, "create", power, None, reason)
    handovers.create_for(session, caller, power, reason)
    search.index(session, power)
    return power


def _current(power: Power, name: str) -> Any:
    if name == "sub_items":
        return power.sub_items
    if name in ("department", "decision"):
        return getattr(power, f"{name}_id")
    return getattr(power, name)


def changed_fields(power: Power, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``data`` (as the create and patch schemas load them) whose value differs from the power's."""
    return {k: v for k, v in data.items() if _current(power, k) != v}


def update_power(session: Session, caller: Caller, power_id: int, changes: dict[str, Any], expected_version: int,
                 reason: str | None) -> Power:
    """Apply a partial update; a change that alters nothing leaves the version as it was and audits nothing."""
    power = get_power(session, power_id)
    authorize(caller, Action.POWER_UPDATE, power.department_id)
    _check_version(power, expected_version)
    changed = changed_fields(power, changes)
    if not changed:
        return power
    if "department" in changed:
        authorize(caller, Action.POWER_REASSIGN)
    _require_reason(reason)
    retext = bool(changed.keys() & {"name", "sub_items", "note"})
    before = snapshots.power(power)
    after = {k: changes.get(k, _current(power, k)) for k in EDITABLE}
    _check_parts(after["partial"], after["devolved_part"], after["retained_part"])
    if "department" in changed:
        power.department = _guiding_department(session, changed.pop("department"))
    if "seq" in changed:
        _check_seq_free(session, power.decision_id, changed["seq"], power.id)
    if "sub_items" in changed:
        _set_sub_items(power, changed.pop("sub_items"))
    for key, value in changed.items():
        setattr(power, key, value)
    power.updated_at = utcnow()  # also bumps the version when only sub-items changed
    _flush(session, power)
    audit.record(session, caller, "update", power, before, reason)
    if retext:
        search.index(session, power)
    return power


def _set_retired(session: Session, caller: Caller, power_id: int, expected_version: int, retired: bool,
                 reason: str | None) -> Power:
    power = get_power(session, power_id)
    authorize(caller, Action.POWER_RETIRE if retired else Action.POWER_RESTORE, power.department_id)
    _check_version(power, expected_version)
    if power.retired == retired:
        if retired:
            raise Conflict(Message(Code.POWER_ALREADY_RETIRED, "power {power} is already retired", power=power_id),
                           {"retired": [Message(Code.ALREADY_RETIRED, "already retired")]})
        raise Conflict(Message(Code.POWER_ALREADY_IN_FORCE, "power {power} is already in force", power=power_id),
                       {"retired": [Message(Code.ALREADY_IN_FORCE, "already in force")]})
    _require_reason(reason)
    before = snapshots.power(power)
    power.retired = retired
    power.updated_at = utcnow()
    _flush(session, power)
    audit.record(session, caller, "retire" if retired else "restore", power, before, reason)
    return power


def retire_power(session: Session, caller: Caller, power_id: int, expected_version: int,
                 reason: str | None) -> Power:
    """Take a power out of the public list; the row and its history stay."""
    return _set_retired(session, caller, power_id, expected_version, True, reason)


def restore_power(session: Session, caller: Caller, power_id: int, expected_version: int,
                  reason: str | None) -> Power:
    """Put a retired power back in force."""
    return _set_retired(session, caller, power_id, expected_version, False, reason)


@dataclass
class PastPower:
    """A power rebuilt from the audit trail, shaped like a Power for the output schema."""

    id: int
    decision: Decision
    seq: int
    name: str
    sub_items: list[str]
    type: PowerType
    level: ExerciseLevel
    department: Department
    note: str | None
    partial: bool
    devolved_part: str | None
    retained_part: str | None
    retired: bool
    version: int
    created_at: datetime
    updated_at: datetime
    lineage: list[DecisionAction]


def past_power(session: Session, power_id: int, moment: datetime) -> PastPower:
    """The power as it stood at ``moment``, from the after-snapshot of its last entry before then."""
    past = audit.power_as_of(session, power_id, moment)
    s = past.snapshot
    return PastPower(
        id=power_id, decision=session.get(Decision, s["decision"]), seq=s["seq"], name=s["name"],
        sub_items=s["sub_items"], type=PowerType(s["type"]), level=ExerciseLevel(s["level"]),
        department=session.get(Department, s["department"]), note=s["note"], partial=s["partial"],
        devolved_part=s["devolved_part"], retained_part=s["retained_part"], retired=s["retired"],
        version=s["version"], created_at=past.created_at, updated_at=past.updated_at,
        lineage=_lineage_at(session, power_id, moment),
    )


def _lineage_at(session: Session, power_id: int, moment: datetime) -> list[DecisionAction]:
    """The decisions recorded for the power by ``moment`` (those written with the item itself, always)."""
    rows = session.scalars(select(DecisionAction).where(DecisionAction.power_id == power_id)
                           .order_by(DecisionAction.id))
    return [a for a in rows if a.backfilled or as_utc(a.created_at) <= as_utc(moment)]
