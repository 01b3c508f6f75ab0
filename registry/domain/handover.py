"""The handover workflow: its states, the one transition table, and each transition's preconditions.

Pure: it knows nothing of the database. The service gathers the facts of one handover into ``Facts``
and asks ``missing()`` what stands between it and the state it wants to reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.domain.choices import LabelledChoice
from registry.domain.messages import Code, Message


class Status(LabelledChoice):
    """交接状态 of one power."""

    PENDING = ("pending", "待交接")
    IN_PROGRESS = ("in_progress", "交接中")
    AWAITING_AUTHORISATION = ("awaiting_authorisation", "待法定授权")
    HANDED_OVER = ("handed_over", "已交接")
    OPERATING = ("operating", "已运行")
    SUSPENDED = ("suspended", "暂缓")
    RECALLED = ("recalled", "已收回")


class ChecklistItem(LabelledChoice):
    """What the decision asks of a handover besides the transfer itself; every item must be done to hand over."""

    GUIDANCE = ("guidance", "业务指导和培训")
    SUPERVISION = ("supervision", "事中事后监管措施")
    FILES = ("files", "档案资料移交")
    SYSTEM_ACCESS = ("system_access", "业务系统权限开通")
    LIST_UPDATED = ("list_updated", "权力清单和办事指南更新")


class Side(LabelledChoice):
    """The two sides that confirm a handover: the city department hands over, the zone accepts."""

    HANDOVER = ("handover", "市级部门确认移交")
    ACCEPTANCE = ("acceptance", "经开区确认承接")


class DayKind(LabelledChoice):
    """How a planned duration is counted."""

    CALENDAR = ("calendar", "自然日")
    WORKING = ("working", "工作日")


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.IN_PROGRESS, Status.AWAITING_AUTHORISATION, Status.SUSPENDED}),
    Status.IN_PROGRESS: frozenset({Status.HANDED_OVER, Status.AWAITING_AUTHORISATION, Status.SUSPENDED}),
    Status.AWAITING_AUTHORISATION: frozenset({Status.IN_PROGRESS, Status.SUSPENDED}),
    Status.HANDED_OVER: frozenset({Status.OPERATING, Status.RECALLED}),
    Status.OPERATING: frozenset({Status.RECALLED}),
    Status.SUSPENDED: frozenset({Status.PENDING, Status.IN_PROGRESS}),
    Status.RECALLED: frozenset({Status.PENDING}),
}
# From these states the zone handles the item (from the effective date); their terms are fixed.
DONE = frozenset({Status.HANDED_OVER, Status.OPERATING})
# States still moving towards a handover: a planned date passed in one of them is overdue.
OPEN = frozenset({Status.PENDING, Status.IN_PROGRESS, Status.AWAITING_AUTHORISATION})
# States in which the checklist and the terms may still change.
EDITABLE = frozenset({Status.PENDING, Status.IN_PROGRESS, Status.AWAITING_AUTHORISATION, Status.SUSPENDED})
# Targets that must say why: they stop, undo or restart the handover.
NEEDS_REASON = frozenset({Status.SUSPENDED, Status.RECALLED, Status.PENDING})


def is_overdue(status: Status, planned_date: date | None, today: date) -> bool:
    """Still open on the day after its planned date."""
    return planned_date is not None and planned_date < today and status in OPEN


def allowed_next(current: Status) -> list[Status]:
    """The states reachable from ``current`` in one step, in the order of the enum."""
    return [s for s in Status if s in TRANSITIONS[current]]


@dataclass(frozen=True)
class Missing:
    """One unmet precondition: a stable code (usually the field to fill in) and a sentence for people (whose own
    code words it in Chinese)."""

    code: str
    message: Message


@dataclass(frozen=True)
class Facts:
    """What the preconditions look at, gathered from one handover by the service."""

    today: date
    receiving_office: bool = False
    office_contact: bool = False  # the receiving office has published a phone and an address
    method: bool = False
    effective_date: date | None = None
    authorisation_needed: bool = False
    authorisation_recorded: bool = False
    handed_over_confirmed: bool = False
    accepted_confirmed: bool = False
    open_items: tuple[ChecklistItem, ...] = ()
    reason: bool = False


def _terms(f: Facts) -> list[Missing]:
    out = []
    if not f.receiving_office:
        out.append(Missing("receiving_office",
                           Message(Code.NEEDS_OFFICE, "指定承接部门 (name the receiving zone office)")))
    if not f.method:
        out.append(Missing("method", Message(Code.NEEDS_METHOD, "确定移交方式 (choose a handover method)")))
    return out


def _authorisation(f: Facts) -> list[Missing]:
    if f.authorisation_needed and not f.authorisation_recorded:
        return [Missing("authorisation", Message(Code.NEEDS_AUTHORISATION,
                                          "需依法取得授权: record the authorising document first"))]
    return []


def kept(current: Status, f: Facts) -> list[Missing]:
    """What the current state still requires of the terms: an item in progress keeps its office and method."""
    return _terms(f) if current == Status.IN_PROGRESS else []


def confirmation_missing(f: Facts) -> list[Missing]:
    """What both sides need before either may confirm: the terms they are agreeing to."""
    out = _terms(f)
    if f.effective_date is None:
        out.append(Missing("effective_date",
                           Message(Code.NEEDS_EFFECTIVE_DATE, "确定生效日期 (set the effective date)")))
    return out


def _requirements(target: Status, f: Facts) -> list[Missing]:
    if target == Status.IN_PROGRESS:
        return _terms(f) + _authorisation(f)
    if target == Status.AWAITING_AUTHORISATION:
        if not f.authorisation_needed:
            return [Missing("authorisation_needed", Message(
                Code.AUTHORISATION_NOT_NEEDED, "only an item that needs a legal authorisation waits for one"))]
        return []
    if target == Status.HANDED_OVER:
        out = confirmation_missing(f) + _authorisation(f)
        if f.receiving_office and not f.office_contact:  # citizens must be able to reach who handles it
            out.append(Missing("receiving_office.contact", Message(
                Code.NEEDS_OFFICE_CONTACT, "the receiving office has no published phone and address")))
        if not f.handed_over_confirmed:
            out.append(Missing("confirmation.handover", Message(Code.NEEDS_HANDOVER_CONFIRMATION,
                                                             "市级部门确认移交 (the city department confirms)")))
        if not f.accepted_confirmed:
            out.append(Missing("confirmation.acceptance", Message(Code.NEEDS_ACCEPTANCE_CONFIRMATION,
                                                               "经开区确认承接 (the zone confirms)")))
        out += [Missing(f"checklist.{item.value}", Message(Code.NEEDS_CHECKLIST_ITEM, "{item}未完成", item=item.label))
                for item in f.open_items]
        return out
    if target == Status.OPERATING:
        if f.effective_date is None or f.effective_date > f.today:
            return [Missing("effective_date",
                            Message(Code.NOT_YET_EFFECTIVE, "the effective date has not been reached"))]
        return []
    return []


def backdating(effective_date: date | None, today: date, confirmed: bool, reason: bool) -> list[Missing]:
    """What setting the effective date to a day before ``today`` still needs: the caller's confirmation that it is
    meant, and a reason (kept in the audit entry); nothing for today, a later day, or no date."""
    if effective_date is None or effective_date >= today:
        return []
    out = []
    if not confirmed:
        out.append(Missing("effective_date", Message(
            Code.PAST_DATE_UNCONFIRMED, "{date} is before today ({today}); send confirm_past: true to mean it",
            date=effective_date.isoformat(), today=today.isoformat())))
    if not reason:
        out.append(Missing("note", Message(Code.PAST_DATE_REASON_REQUIRED,
                                           "say why the effective date is in the past")))
    return out


def missing(current: Status, target: Status, f: Facts) -> list[Missing] | None:
    """None when ``target`` is not one step from ``current``; else what is missing (empty: ready)."""
    if target not in TRANSITIONS[current]:
        return None
    out = _requirements(target, f)
    if target in NEEDS_REASON and not f.reason:
        out.append(Missing("reason", Message(Code.NEEDS_REASON, "say why")))
    return out
