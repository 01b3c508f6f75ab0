"""Decisions over time: what a decision file would do to the registry (the preview), and doing it (the apply).

Each entry of the file (one item of one annex) is matched to an item of the registry by its name, sub-items and
guiding department after the search's folding (registry.domain.searchtext.normalise), then planned: a 下放 or 委托
of an unknown item creates it, of one the zone does not hold on the effective date brings it back (and reopens
its recalled handover), of a held one records the decision (and any field that differs); 收回 and 取消 take it
out of the zone's list from the effective date and close its handover as recalled, the row staying (where an
item stands on a date is its lineage's answer, registry.domain.standing); 暂停 and 恢复 record the decision;
调整 changes the fields the row gives.
An entry whose decision is already recorded for its item is unchanged, so applying a decision twice changes
nothing. A 收回, 取消, 暂停, 恢复 or 调整 that matches no item is unmatched, and blocks the apply.

The apply is the caller's one transaction: every write goes through the powers and reference services (their own
checks and audit entries), each with the decision, the annex row and the importer's reason; the item's lineage
row (registry.models.lineage) is written beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.choices import DecisionActionKind, DepartmentKind
from registry.domain.handover import Status
from registry.domain.roles import Action, Caller
from registry.domain.searchtext import normalise
from registry.domain.standing import stand
from registry.models import Decision, DecisionAction, Department, Power
from registry.models.base import utcnow
from registry.services import audit, handovers, powers, reference, snapshots, standing
from registry.services.authz import authorize
from registry.services.decision_files import COLUMNS, DecisionFile, Entry
from registry.services.errors import Code, Message, ValidationFailed

CREATES = (DecisionActionKind.DEVOLVE, DecisionActionKind.ENTRUST)
RETIRES = (DecisionActionKind.RECALL, DecisionActionKind.CANCEL)
OUTCOMES = ("create", "restore", "update", "retire", "record", "unchanged", "unmatched")
SUMMARY = (*(k.value for k in DecisionActionKind), "unchanged", "unmatched")
COMPARED = ("name", "sub_items", "type", "level", "note", "partial", "devolved_part", "retained_part")


@dataclass
class RowPlan:
    """What one entry would do: its outcome, the item it matched, and the fields that would change."""

    entry: Entry
    outcome: str
    power: Power | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def counted_as(self) -> str:
        return self.outcome if self.outcome in ("unchanged", "unmatched") else self.entry.action.value


@dataclass
class Plan:
    """The preview of a decision file against the registry; ``applied`` once written."""

    file: DecisionFile
    decision: Decision | None
    rows: list[RowPlan]
    new_departments: list[str]
    applied: bool = False

    @property
    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(SUMMARY, 0)
        for row in self.rows:
            counts[row.counted_as] += 1
        return counts

    @property
    def effective_on(self) -> Any:
        return self.file.effective_on or self.file.issued_on


def _fields(entry: Entry, power: Power | None) -> dict[str, Any]:
    """The item's annex fields as the entry gives them; a partial item keeps the retained part it has when the
    file does not state one (the published annex names only the devolved part)."""
    retained = entry.retained_part
    if entry.partial and retained is None and power is not None and power.partial:
        retained = power.retained_part
    return {"name": entry.name, "sub_items": list(entry.sub_items), "type": entry.type, "level": entry.level,
            "note": entry.note, "partial": entry.partial, "devolved_part": entry.devolved_part if entry.partial
            else None, "retained_part": retained if entry.partial else None}


def _changes(power: Power, wanted: dict[str, Any]) -> dict[str, list[Any]]:
    have = {"name": power.name, "sub_items": power.sub_items, "type": power.type, "level": power.level,
            "note": power.note, "partial": power.partial, "devolved_part": power.devolved_part,
            "retained_part": power.retained_part}
    return {k: [_plain(have[k]), _plain(wanted[k])] for k in COMPARED if have[k] != wanted[k]}


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


class _Index:
    """The registry's items by folded name and department, to match entries against."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_key: dict[tuple[str, str], list[int]] = {}
        rows = session.execute(select(Power.id, Power.name, Department.name)
                                .join(Department, Department.id == Power.department_id)
                                .join(Decision, Decision.id == Power.decision_id)
                                .where(Decision.synthetic.is_(False)).order_by(Power.id))
        for power_id, name, department in rows:
            self.by_key.setdefault((normalise(name), normalise(department)), []).append(power_id)

    def match(self, entry: Entry) -> Power | None:
        ids = self.by_key.get((normalise(entry.name), normalise(entry.department)), [])
        found = [self.session.get(Power, i) for i in ids]
        if len(found) > 1:
            subs = [normalise(s) for s in entry.sub_items]
            found = [p for p in found if [normalise(s) for s in p.sub_items] == subs] or found
            found.sort(key=lambda p: p.retired)
        return found[0] if found else None


def _departments(session: Session, file: DecisionFile, add: bool) -> tuple[dict[str, Department], list[str]]:
    """The guiding departments the entries name, and the names to create (only when ``add``): an unknown one is
    a row error otherwise."""
    known = {d.name: d for d in session.scalars(select(Department).where(Department.kind == DepartmentKind.CITY))}
    errors: dict[str, list[Message]] = {}
    new: list[str] = []
    for e in file.entries:
        if e.department in known or e.department in new:
            continue
        if add:
            new.append(e.department)
        else:
            errors.setdefault(e.where, []).append(Message(
                Code.DECISION_DEPARTMENT_UNKNOWN, "{column}: no guiding department named {value}",
                column=COLUMNS["department"], value=e.department))
    zone = reference.find_department(session, file.zone_body)
    if zone is None and add:
        new.append(file.zone_body)
    elif zone is None or zone.kind != DepartmentKind.ZONE:
        message = Message(Code.DECISION_BODY_UNKNOWN, "no receiving body (a zone department) named {name}",
                          name=file.zone_body)
        errors.setdefault("body", []).append(message)
    if errors:
        raise ValidationFailed(Message(Code.DECISION_FILE_ROWS, "{count} row(s) are wrong; nothing was written",
                                       count=len(errors)), errors)
    return known, new


def _recorded(session: Session, decision: Decision | None) -> dict[tuple[int, int], int]:
    """The items this decision is already recorded for, by (annex, 序号)."""
    if decision is None:
        return {}
    rows = session.execute(select(DecisionAction.annex, DecisionAction.seq, DecisionAction.power_id)
                           .where(DecisionAction.decision_id == decision.id))
    return {(annex, seq): power_id for annex, seq, power_id in rows}


def _row(entry: Entry, power: Power | None, recorded: set[int], held: bool) -> RowPlan:
    """``held``: whether the zone holds the matched item on the decision's effective date by the decisions
    recorded before it (registry.domain.standing)."""
    action = entry.action
    if power is None:
        return RowPlan(entry, "create" if action in CREATES else "unmatched")
    if power.id in recorded:
        return RowPlan(entry, "unchanged", power)
    wanted = _fields(entry, power)
    changes = _changes(power, wanted) if action in (*CREATES, DecisionActionKind.ADJUST) else {}
    if action in CREATES:
        back = power.retired or not held
        return RowPlan(entry, "restore" if back else "update" if changes else "record", power, changes)
    if action in RETIRES:
        return RowPlan(entry, "retire" if held and not power.retired else "record", power)
    if action == DecisionActionKind.ADJUST:
        return RowPlan(entry, "update" if changes else "unchanged", power, changes)
    return RowPlan(entry, "record", power)


def preview(session: Session, file: DecisionFile, add_departments: bool = False) -> Plan:
    """What applying ``file`` would do, row by row; writes nothing."""
    _, new = _departments(session, file, add_departments)
    decision = reference.find_decision(session, file.doc_number)
    recorded = _recorded(session, decision)
    index = _Index(session)
    effective_on = file.effective_on or file.issued_on
    matched = {e.where: index.match(e) for e in file.entries if (e.annex, e.seq) not in recorded}
    lineage = standing.steps(session, {p.id for p in matched.values() if p is not None})
    rows = []
    for e in file.entries:
        known = recorded.get((e.annex, e.seq))
        if known is not None:  # the same decision's same row again: unchanged, even for an item edited since
            rows.append(RowPlan(e, "unchanged", session.get(Power, known)))
            continue
        power = matched[e.where]
        held = power is not None and stand(lineage.get(power.id, []), effective_on).held
        rows.append(_row(e, power, set(recorded.values()), held))
    return Plan(file, decision, rows, new)


def _blocked(plan: Plan) -> None:
    unmatched = [r for r in plan.rows if r.outcome == "unmatched"]
    if unmatched:
        raise ValidationFailed(Message(Code.DECISION_BLOCKED, "{count} row(s) match no item of the registry; "
                                       "nothing was written", count=len(unmatched)), {r.entry.where: [Message(
                                           Code.DECISION_UNMATCHED, "{column}: no item {name} to {action}",
                                           column=COLUMNS["name"], name=r.entry.name, action=r.entry.action.label)]
                                           for r in unmatched})


def _require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise ValidationFailed(Message(Code.DECISION_REASON_REQUIRED, "say why the decision is imported"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    return reason.strip()


def _decision(session: Session, caller: Caller, plan: Plan, reason: str) -> Decision:
    if plan.decision is not None:
        return plan.decision
    f = plan.file
    return reference.create_decision(
        session, caller, reason=reason, doc_number=f.doc_number, title=f.title, issuer=f.issuer,
        issued_on=f.issued_on, effective_on=f.effective_on, recipient=f.recipient, zone_body=f.zone_body,
        annex_title=f.annex_title, body=f.body, source_ref=f"import:{f.format}", source_sha256=f.sha256)


def _offsets(entries: list[Entry]) -> dict[int, int]:
    """序号 of new items: each annex's numbers follow the previous annexes' (one list per decision)."""
    highest: dict[int, int] = {}
    for e in entries:
        highest[e.annex] = max(highest.get(e.annex, 0), e.seq)
    offsets, total = {}, 0
    for annex in sorted(highest):
        offsets[annex], total = total, total + highest[annex]
    return offsets


def _record_only(session: Session, caller: Caller, power: Power, reason: str) -> None:
    """A decision that changes none of the item's fields still changes its version, audited with the decision."""
    before = snapshots.power(power)
    power.updated_at = utcnow()
    session.flush()
    audit.record(session, caller, "decision", power, before, reason)


def _write(session: Session, caller: Caller, row: RowPlan, decision: Decision, departments: dict[str, int],
           seq: int, effective_on: date, reason: str) -> Power:
    """Write one row: the item's fields through the powers service, and what the decision does to its handover. A
    recall or cancellation leaves the row in place (where the item stands on a date is its lineage's answer)."""
    e = row.entry
    if row.outcome == "create":
        data = {"decision": decision.id, "seq": seq, "department": departments[e.department], **_fields(e, None)}
        return powers.create_power(session, caller, data, reason)
    power = row.power
    assert power is not None
    if e.action in RETIRES:
        handovers.follow_decision(session, caller, power.id, Status.RECALLED, effective_on, reason)
    elif e.action in CREATES and row.outcome == "restore":
        handovers.follow_decision(session, caller, power.id, Status.PENDING, effective_on, reason)
        if power.retired:
            power = powers.restore_power(session, caller, power.id, power.version, reason)
    if row.changes:
        wanted = _fields(e, power)
        return powers.update_power(session, caller, power.id, {k: wanted[k] for k in row.changes}, power.version,
                                   reason)
    if row.outcome != "unchanged":
        _record_only(session, caller, power, reason)
    return power


def apply(session: Session, caller: Caller, file: DecisionFile, reason: str | None,
          add_departments: bool = False) -> Plan:
    """Apply ``file`` in the caller's transaction (never committed here); refused whole if any row is unmatched."""
    authorize(caller, Action.DECISION_IMPORT)
    reason = _require_reason(reason)
    plan = preview(session, file, add_departments)
    _blocked(plan)
    if plan.decision is not None and all(r.outcome == "unchanged" for r in plan.rows):
        return plan
    for name in plan.new_departments:
        kind = DepartmentKind.ZONE if name == file.zone_body else DepartmentKind.CITY
        reference.create_department(session, caller, name=name, kind=kind, reason=reason)
    decision = _decision(session, caller, plan, reason)
    departments = {d.name: d.id for d in reference.list_departments(session)}
    body = departments[file.zone_body]
    offsets = _offsets(file.entries)
    for row in plan.rows:
        if row.outcome == "unchanged":
            continue
        e = row.entry
        why = f"{decision.doc_number} 附件{e.annex} 第{e.seq}项 {e.action.label}：{reason}"
        power = _write(session, caller, row, decision, departments, offsets[e.annex] + e.seq, plan.effective_on, why)
        session.add(DecisionAction(decision_id=decision.id, power_id=power.id, action=e.action, body_id=body,
                                   annex=e.annex, annex_title=e.annex_title[:300], seq=e.seq,
                                   effective_on=plan.effective_on, changes=row.changes or None))
    session.flush()
    plan.decision, plan.applied = decision, True
    return plan


def record_first(session: Session, decision: Decision) -> int:
    """Give each item of ``decision`` that has no lineage its 下放 by that decision, as `registry seed` loads it;
    the item's own creation entry accounts for it (backfilled, as migration 0014 does). Returns the count."""
    body = reference.find_department(session, decision.zone_body)
    if body is None:
        return 0
    have = set(session.scalars(select(DecisionAction.power_id)))
    count = 0
    for power in session.scalars(select(Power).where(Power.decision_id == decision.id).order_by(Power.seq)):
        if power.id in have:
            continue
        session.add(DecisionAction(decision_id=decision.id, power_id=power.id, action=DecisionActionKind.DEVOLVE,
                                   body_id=body.id, annex=1, annex_title=decision.annex_title[:300], seq=power.seq,
                                   effective_on=decision.effective_on or decision.issued_on, backfilled=True))
        count += 1
    session.flush()
    return count
