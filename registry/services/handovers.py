"""Handovers: one per power, its terms, the workflow transitions, the two-sided confirmation and the checklist.

Every write checks the caller, changes the handover, appends its audit entry and then its event, all in the
caller's transaction; the route commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from registry.domain import handover as flow
from registry.domain.choices import DepartmentKind
from registry.domain.handover import ChecklistItem, Facts, Missing, Side, Status
from registry.domain.roles import Action, Caller
from registry.domain.workdays import CalendarUnknown, add_days, today_in_china
from registry.models import AuditEntry, Department, Handover, HandoverCheck, HandoverEvent, HandoverMethod, Power
from registry.models.base import utcnow
from registry.services import audit, snapshots
from registry.services import calendar as calendars
from registry.services.authz import authorize
from registry.services.errors import Code, Conflict, Message, NotFound, StaleVersion, ValidationFailed
from registry.services.versions import check_version

# The terms both sides confirm: fixed once handed over, and changing one withdraws both confirmations.
TERMS = ("receiving_office", "method", "content", "scope", "effective_date", "authorisation_needed")


def create_for(session: Session, caller: Caller, power: Power, reason: str | None) -> Handover:
    """Open the handover of a new power; a partial item starts with its devolved part as content, its note as scope."""
    handover = Handover(
        power=power, status=Status.PENDING, status_since=utcnow(), authorisation_needed=False,
        content=power.devolved_part if power.partial else None, scope=power.note if power.partial else None,
        checks=[HandoverCheck(item=item, position=n, done=False) for n, item in enumerate(ChecklistItem)],
    )
    session.add(handover)
    session.flush()
    entry = audit.record(session, caller, "create", handover, None, reason)
    _event(session, caller, handover, entry, "create", to=Status.PENDING, note=reason)
    return handover


def get_handover(session: Session, power_id: int) -> Handover:
    handover = session.scalar(select(Handover).where(Handover.power_id == power_id))
    if handover is None:
        if session.get(Power, power_id) is None:
            raise NotFound(Message(Code.POWER_NOT_FOUND, "power {power} does not exist", power=power_id))
        raise NotFound(Message(Code.HANDOVER_MISSING,
                               "power {power} has no handover record; run `registry seed` to open the missing ones",
                               power=power_id))
    return handover


def facts(handover: Handover, today: date, reason: bool = False) -> Facts:
    return Facts(
        today=today, receiving_office=handover.receiving_office is not None,
        office_contact=bool(handover.receiving_office and handover.receiving_office.phone
                            and handover.receiving_office.address),
        method=handover.method is not None, effective_date=handover.effective_date,
        authorisation_needed=handover.authorisation_needed, authorisation_recorded=bool(handover.authorisation),
        handed_over_confirmed=handover.handed_over_by is not None, accepted_confirmed=handover.accepted_by is not None,
        open_items=handover.open_items, reason=reason,
    )


@dataclass(frozen=True)
class Step:
    """A state one transition away, and what is still missing to take it (a reason is asked for separately)."""

    to: Status
    missing: list[Missing]
    needs_reason: bool


def next_steps(handover: Handover, today: date | None = None) -> list[Step]:
    today = today or today_in_china()
    known = facts(handover, today, reason=True)
    return [Step(to, flow.missing(handover.status, to, known) or [], to in flow.NEEDS_REASON)
            for to in flow.allowed_next(handover.status)]


def for_powers(session: Session, power_ids: list[int]) -> dict[int, Handover]:
    """The handovers of many powers at once (a page of a list), by power id."""
    if not power_ids:
        return {}
    return {h.power_id: h for h in session.scalars(select(Handover).where(Handover.power_id.in_(power_ids))).unique()}


def history(session: Session, power_id: int) -> list[HandoverEvent]:
    handover = get_handover(session, power_id)
    return list(session.scalars(select(HandoverEvent).where(HandoverEvent.handover_id == handover.id)
                                .order_by(HandoverEvent.id)))


def _event(session: Session, caller: Caller, handover: Handover, entry: AuditEntry | None, kind: str, *,
           from_: Status | None = None, to: Status | None = None, detail: str | None = None,
           note: str | None = None, evidence: dict[str, Any] | None = None, effective_on: date | None = None,
           office_id: int | None = None) -> None:
    """Append the handover's event, tied to the audit entry of the same write."""
    if entry is None:
        return
    session.add(HandoverEvent(
        handover_id=handover.id, power_id=handover.power_id, at=entry.at, kind=kind, from_status=from_,
        to_status=to, detail=detail, effective_on=effective_on, office_id=office_id, actor_id=caller.user_id,
        actor_name=caller.name, actor_role=caller.role, note=note, evidence=evidence or None, audit_seq=entry.seq,
    ))
    session.flush()


def _check_version(handover: Handover, expected: int | None) -> None:
    check_version(handover, expected, lambda version, wanted: Message(
        Code.HANDOVER_STALE, "the handover of power {power} is at version {version}, not {expected}; reload it and "
        "retry", power=handover.power_id, version=version, expected=wanted))


def _flush(session: Session, handover: Handover) -> None:
    power_id = handover.power_id
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(Message(Code.HANDOVER_CHANGED_ELSEWHERE,
                                   "the handover of power {power} was changed by someone else; reload it and retry",
                                   power=power_id)) from exc


def _refused(handover: Handover, detail: Message, missing: list[Missing]) -> Conflict:
    """409 naming the states one step away and what is missing, field by field."""
    errors: dict[str, list[Message]] = {}
    for m in missing:
        errors.setdefault(m.code, []).append(m.message)
    return Conflict(detail, errors or None,
                    allowed_next=[s.value for s in flow.allowed_next(handover.status)],
                    missing=[{"code": m.code, "message": m.message} for m in missing])


# --- terms ------------------------------------------------------------------------------------------------

def _zone_office(session: Session, office_id: int) -> Department:
    office = session.get(Department, office_id)
    if office is None:
        raise ValidationFailed(Message(Code.OFFICE_UNKNOWN, "unknown office"), {"receiving_office": [
            Message(Code.DEPARTMENT_NOT_FOUND, "department {department} does not exist", department=office_id)]})
    if office.kind != DepartmentKind.ZONE:
        raise ValidationFailed(Message(Code.OFFICE_NOT_ZONE, "not a zone office"), {"receiving_office": [
            Message(Code.OFFICE_MUST_BE_ZONE, "must be a zone office (经开区承接机构)")]})
    return office


def _method(session: Session, method_id: int, current: int | None) -> HandoverMethod:
    method = session.get(HandoverMethod, method_id)
    if method is None:
        raise ValidationFailed(Message(Code.METHOD_UNKNOWN, "unknown method"), {"method": [
            Message(Code.METHOD_NOT_FOUND, "handover method {method} does not exist", method=method_id)]})
    if method.retired and method.id != current:
        raise ValidationFailed(Message(Code.METHOD_RETIRED, "retired method"), {"method": [
            Message(Code.METHOD_NO_LONGER_OFFERED, "{name} is no longer offered", name=method.name)]})
    return method


def _planned(session: Session, changes: dict[str, Any]) -> dict[str, Any]:
    """A planned date given as a date, or as a number of calendar or working days from a start, counted on the
    working-day calendar held in the database (registry.services.calendar)."""
    if "planned_in" in changes:
        term = changes.pop("planned_in")
        if term is None:
            return {"planned_date": None, "planned_from": None, "planned_days": None, "planned_day_kind": None}
        try:
            planned = add_days(calendars.load(session, since=term["from"]), term["from"], term["days"], term["kind"])
        except CalendarUnknown as exc:
            raise ValidationFailed(
                Message(Code.CALENDAR_UNKNOWN, "the working-day calendar for {year} is not loaded; an administrator "
                        "loads it with `registry calendar import`", year=exc.year),
                {"planned_in": [Message(Code.CALENDAR_GIVE_DATE, "the working-day calendar for {year} is not loaded "
                                        "(`registry calendar import`); give planned_date instead",
                                        year=exc.year)]}) from None
        return {"planned_date": planned, "planned_from": term["from"], "planned_days": term["days"],
                "planned_day_kind": term["kind"]}
    if "planned_date" in changes:
        return {"planned_date": changes.pop("planned_date"), "planned_from": None, "planned_days": None,
                "planned_day_kind": None}
    return {}


def _current(handover: Handover, name: str) -> Any:
    if name in ("receiving_office", "method"):
        return getattr(handover, f"{name}_id")
    return getattr(handover, name)


def _not_backdated(changed: dict[str, Any], confirm_past: bool, note: str | None) -> None:
    """A new effective date before today (Beijing time) is refused unless the caller confirms it and says why."""
    if "effective_date" not in changed:
        return
    today = today_in_china()
    missing = flow.backdating(changed["effective_date"], today, confirm_past, bool(note and note.strip()))
    if missing:
        errors: dict[str, list[Message]] = {}
        for m in missing:
            errors.setdefault(m.code, []).append(m.message)
        raise ValidationFailed(Message(
            Code.EFFECTIVE_DATE_PAST, "the effective date {date} is before today ({today}): confirm it "
            "(confirm_past: true) and say why (note)", date=changed["effective_date"].isoformat(),
            today=today.isoformat()), errors)


def update_terms(session: Session, caller: Caller, power_id: int, changes: dict[str, Any],
                 expected_version: int, note: str | None = None, confirm_past: bool = False) -> Handover:
    """Fix or change the handover's terms; a change that alters nothing writes nothing. A new effective date before
    today needs ``confirm_past`` and a ``note`` saying why."""
    handover = get_handover(session, power_id)
    authorize(caller, Action.HANDOVER_EDIT, handover.power.department_id)
    _check_version(handover, expected_version)
    changes = dict(changes)
    changes.update(_planned(session, changes))
    changed = {k: v for k, v in changes.items() if _current(handover, k) != v}
    if not changed:
        return handover
    fixed = [k for k in changed if k in TERMS]
    if fixed and handover.status not in flow.EDITABLE:
        status = handover.status.label
        raise Conflict(Message(Code.TERMS_FIXED, "the terms are fixed once the handover is {status}", status=status),
                       {k: [Message(Code.TERM_FIXED, "fixed while {status}", status=status)] for k in fixed})
    _not_backdated(changed, confirm_past, note)
    related: dict[str, Any] = {}
    if "receiving_office" in changed:
        office_id = changed.pop("receiving_office")
        related["receiving_office"] = None if office_id is None else _zone_office(session, office_id)
    if "method" in changed:
        method_id = changed.pop("method")
        related["method"] = None if method_id is None else _method(session, method_id, handover.method_id)
    before = snapshots.handover(handover)
    for key, value in (changed | related).items():
        setattr(handover, key, value)
    lost = flow.kept(handover.status, facts(handover, today_in_china()))
    if lost:
        # Refused after the assignments: the route never commits, so the request's transaction is dropped.
        raise _refused(handover, Message(Code.OFFICE_AND_METHOD_KEPT, "a handover {status} keeps its office and "
                                         "method; suspend it first to change them", status=handover.status.label),
                       lost)
    withdrawn = fixed and (handover.handed_over_by or handover.accepted_by)
    if withdrawn:
        # Both sides confirmed other terms: they confirm again, on what is now written.
        handover.handed_over_by = handover.handed_over_at = handover.accepted_by = handover.accepted_at = None
    handover.updated_at = utcnow()
    _flush(session, handover)
    entry = audit.record(session, caller, "update", handover, before, note)
    # That confirmations were withdrawn shows in the entry's diff (the confirmers' names cleared).
    _event(session, caller, handover, entry, "update", note=note)
    return handover


# --- workflow -----------------------------------------------------------------------------------------------

def transition(session: Session, caller: Caller, power_id: int, to: Status, *, note: str | None = None,
               evidence: dict[str, Any] | None = None, effective_on: date | None = None,
               expected_version: int | None = None, today: date | None = None) -> Handover:
    """Move the handover one step along the workflow, if the table allows it and its preconditions hold."""
    today = today or today_in_china()
    handover = get_handover(session, power_id)
    authorize(caller, Action.HANDOVER_RECALL if to == Status.RECALLED else Action.HANDOVER_MOVE,
              handover.power.department_id)
    _check_version(handover, expected_version)
    if effective_on is not None and to != Status.RECALLED:
        raise ValidationFailed(Message(Code.RECALL_DATE_ONLY, "only a recall takes a date"),
                               {"effective_date": [Message(Code.ONLY_FOR_RECALL, "only for a recall")]})
    missing = flow.missing(handover.status, to, facts(handover, today, reason=bool(note and note.strip())))
    if missing is None:
        raise _refused(handover, Message(Code.TRANSITION_NOT_ALLOWED, "{current} → {target} is not a step of the "
                                         "workflow", current=handover.status.label, target=to.label), [])
    if missing:
        raise _refused(handover, Message(Code.TRANSITION_NOT_READY, "{current} → {target} is not possible yet",
                                         current=handover.status.label, target=to.label), missing)
    before = snapshots.handover(handover)
    from_ = handover.status
    handover.status, handover.status_since = to, utcnow()
    if to == Status.RECALLED:
        handover.recalled_on = effective_on or today
    if from_ == Status.RECALLED:
        _start_again(handover)
    _flush(session, handover)
    entry = audit.record(session, caller, "transition", handover, before, note)
    _event(session, caller, handover, entry, "transition", from_=from_, to=to, note=note, evidence=evidence,
           effective_on={Status.HANDED_OVER: handover.effective_date, Status.RECALLED: handover.recalled_on}.get(to),
           office_id=handover.receiving_office_id if to == Status.HANDED_OVER else None)
    return handover


def _start_again(handover: Handover) -> None:
    """A new handover after a recall starts again: a new effective date, new confirmations, a new checklist. The
    office and method stay as proposals; the next in_progress step re-checks them."""
    handover.effective_date = handover.recalled_on = None
    handover.handed_over_by = handover.handed_over_at = handover.accepted_by = handover.accepted_at = None
    for check in handover.checks:
        check.done, check.done_by, check.done_at, check.evidence, check.note = False, None, None, None, None


def follow_decision(session: Session, caller: Caller, power_id: int, to: Status, effective_on: date,
                    note: str) -> Handover | None:
    """What a decision does to an item's handover, whatever its state (the caller may import decisions): a recall
    or cancellation closes it as recalled from the decision's effective date; devolving a recalled item again
    reopens it. Audited as "decision", with its event; None when the handover is already there (or absent)."""
    handover = session.scalar(select(Handover).where(Handover.power_id == power_id))
    if handover is None or handover.status == to or (to == Status.PENDING and handover.status != Status.RECALLED):
        return None
    before = snapshots.handover(handover)
    from_ = handover.status
    handover.status, handover.status_since = to, utcnow()
    if to == Status.RECALLED:
        handover.recalled_on = effective_on
    else:
        _start_again(handover)
    _flush(session, handover)
    entry = audit.record(session, caller, "decision", handover, before, note)
    _event(session, caller, handover, entry, "decision", from_=from_, to=to, note=note,
           effective_on=effective_on if to == Status.RECALLED else None)
    return handover


def confirm(session: Session, caller: Caller, power_id: int, side: Side, *, note: str | None = None,
            evidence: dict[str, Any] | None = None, expected_version: int | None = None,
            today: date | None = None) -> Handover:
    """One side's confirmation: the city department hands over, the zone accepts; each only for itself."""
    today = today or today_in_china()
    handover = get_handover(session, power_id)
    authorize(caller, Action.HANDOVER_CONFIRM if side == Side.HANDOVER else Action.HANDOVER_ACCEPT,
              handover.power.department_id)
    _check_version(handover, expected_version)
    if handover.status != Status.IN_PROGRESS:
        raise _refused(handover, Message(Code.CONFIRM_NOT_IN_PROGRESS, "confirmations are given while the handover "
                                         "is {expected}, not {current}", expected=Status.IN_PROGRESS.label,
                                         current=handover.status.label), [])
    missing = flow.confirmation_missing(facts(handover, today))
    if missing:
        raise _refused(handover, Message(Code.TERMS_INCOMPLETE, "the terms to confirm are not complete"), missing)
    by = "handed_over" if side == Side.HANDOVER else "accepted"
    if getattr(handover, f"{by}_by") is not None:
        raise Conflict(Message(Code.ALREADY_CONFIRMED_BY, "{side} was already given by {by}", side=side.label,
                               by=getattr(handover, f"{by}_by")),
                       {"side": [Message(Code.ALREADY_CONFIRMED, "already confirmed")]})
    before = snapshots.handover(handover)
    setattr(handover, f"{by}_by", caller.name)
    setattr(handover, f"{by}_at", utcnow())
    _flush(session, handover)
    entry = audit.record(session, caller, "confirm", handover, before, note)
    _event(session, caller, handover, entry, "confirmation", detail=side.value, note=note, evidence=evidence)
    return handover


def check(session: Session, caller: Caller, power_id: int, item: ChecklistItem, done: bool, *,
          note: str | None = None, evidence: dict[str, Any] | None = None,
          expected_version: int | None = None) -> Handover:
    """Mark a checklist item done (with its evidence) or reopen it (saying why)."""
    handover = get_handover(session, power_id)
    authorize(caller, Action.HANDOVER_CHECK, handover.power.department_id)
    _check_version(handover, expected_version)
    if handover.status not in flow.EDITABLE:
        raise _refused(handover, Message(Code.CHECKLIST_CLOSED, "the checklist is closed while the handover is "
                                         "{status}", status=handover.status.label), [])
    if done and not evidence:
        raise ValidationFailed(Message(Code.EVIDENCE_REQUIRED, "say what shows it is done"), {"evidence": [
            Message(Code.EVIDENCE_REQUIRED_FIELD, "required to mark an item done")]})
    if not done and not (note and note.strip()):
        raise ValidationFailed(Message(Code.REOPEN_REASON_REQUIRED, "say why the item is reopened"), {"note": [
            Message(Code.REOPEN_REASON_REQUIRED_FIELD, "required to reopen an item")]})
    row = handover.check(item)
    if row.done == done and (not done or row.evidence == evidence):
        return handover
    before = snapshots.handover(handover)
    row.done, row.note, row.evidence = done, note, evidence if done else None
    row.done_by, row.done_at = (caller.name, utcnow()) if done else (None, None)
    handover.updated_at = utcnow()  # bumps the version: the checklist is part of the handover
    _flush(session, handover)
    entry = audit.record(session, caller, "check", handover, before, note)
    _event(session, caller, handover, entry, "checklist", detail=item.value, note=note, evidence=evidence)
    return handover
