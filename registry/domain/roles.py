"""Who may do what: the roles, the actions, and the one table that joins them (deny by default)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from registry.domain.choices import LabelledChoice
from registry.domain.messages import Code, Message

ANONYMOUS = "anonymous"


class Role(LabelledChoice):
    """A staff account's role; callers without an account are ANONYMOUS."""

    DEPARTMENT = ("department", "市级指导部门")
    ZONE = ("zone", "经开区管委会")
    AUDITOR = ("auditor", "审计")
    ADMIN = ("admin", "管理员")


class Action(StrEnum):
    """A write or a privileged read that the service layer checks before doing it."""

    POWER_CREATE = "power.create"
    POWER_UPDATE = "power.update"
    POWER_RETIRE = "power.retire"
    POWER_RESTORE = "power.restore"
    POWER_REASSIGN = "power.reassign"  # move a power to another guiding department
    REFERENCE_MANAGE = "reference.manage"
    CALENDAR_MANAGE = "calendar.manage"  # load or replace a year of the working-day calendar
    DECISION_IMPORT = "decision.import"  # apply a decision's annex (devolve, recall, …) to the registry
    USER_MANAGE = "user.manage"
    TOKEN_MANAGE = "token.manage"
    AUDIT_READ = "audit.read"
    HANDOVER_EDIT = "handover.edit"  # the terms: office, method, content, scope, dates, legal basis
    HANDOVER_MOVE = "handover.move"  # a workflow transition other than a recall
    HANDOVER_RECALL = "handover.recall"
    HANDOVER_CHECK = "handover.check"  # tick or reopen a checklist item
    HANDOVER_CONFIRM = "handover.confirm"  # the city department's side of the two-sided confirmation
    HANDOVER_ACCEPT = "handover.accept"  # the zone's side
    GUIDE_EDIT = "guide.edit"  # a power's service guide (办事指南)
    GUIDE_IMPORT = "guide.import"  # many guides at once, from a sheet
    SUPERVISION_RECORD = "supervision.record"  # guidance, training or an inspection of the zone's handling
    RECTIFICATION_CLOSE = "rectification.close"  # the zone's record that a required rectification is done
    EVALUATION_RECORD = "evaluation.record"  # an item's periodic evaluation and its conclusion
    VOLUME_RECORD = "volume.record"  # case volumes (办件量): a month's figures per item and receiving office


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.POWER_CREATE: frozenset({Role.ADMIN}),
    Action.POWER_UPDATE: frozenset({Role.ADMIN, Role.DEPARTMENT}),
    Action.POWER_RETIRE: frozenset({Role.ADMIN}),
    Action.POWER_RESTORE: frozenset({Role.ADMIN}),
    Action.POWER_REASSIGN: frozenset({Role.ADMIN}),
    Action.REFERENCE_MANAGE: frozenset({Role.ADMIN}),
    Action.CALENDAR_MANAGE: frozenset({Role.ADMIN}),
    Action.DECISION_IMPORT: frozenset({Role.ADMIN}),
    Action.USER_MANAGE: frozenset({Role.ADMIN}),
    Action.TOKEN_MANAGE: frozenset({Role.ADMIN}),
    Action.AUDIT_READ: frozenset({Role.AUDITOR, Role.ADMIN}),
    Action.HANDOVER_EDIT: frozenset({Role.ADMIN, Role.ZONE, Role.DEPARTMENT}),
    Action.HANDOVER_MOVE: frozenset({Role.ADMIN, Role.ZONE, Role.DEPARTMENT}),
    # The power returns to the city: its department (or the admin) decides that, not the zone.
    Action.HANDOVER_RECALL: frozenset({Role.ADMIN, Role.DEPARTMENT}),
    Action.HANDOVER_CHECK: frozenset({Role.ADMIN, Role.ZONE, Role.DEPARTMENT}),
    # Each side confirms for itself: nobody, not even the admin, confirms on the other's behalf.
    Action.HANDOVER_CONFIRM: frozenset({Role.DEPARTMENT}),
    Action.HANDOVER_ACCEPT: frozenset({Role.ZONE}),
    # The guiding department writes how its item is handled; the admin for any item, and from a sheet.
    Action.GUIDE_EDIT: frozenset({Role.ADMIN, Role.DEPARTMENT}),
    Action.GUIDE_IMPORT: frozenset({Role.ADMIN}),
    # The guiding department supervises the zone's handling of its own items (事中事后监管); the zone puts right.
    Action.SUPERVISION_RECORD: frozenset({Role.ADMIN, Role.DEPARTMENT}),
    Action.RECTIFICATION_CLOSE: frozenset({Role.ADMIN, Role.ZONE}),
    # The zone administration evaluates the items it handles (评估); the admin for any.
    Action.EVALUATION_RECORD: frozenset({Role.ADMIN, Role.ZONE}),
    # The zone reports what its offices handled; the guiding departments read the figures, they do not type them.
    Action.VOLUME_RECORD: frozenset({Role.ADMIN, Role.ZONE}),
}
# Actions on one department's data: a department user may take them only for their own department.
SCOPED_TO_DEPARTMENT = frozenset({Action.POWER_UPDATE, Action.HANDOVER_EDIT, Action.HANDOVER_MOVE,
                                  Action.HANDOVER_RECALL, Action.HANDOVER_CHECK, Action.HANDOVER_CONFIRM,
                                  Action.GUIDE_EDIT, Action.SUPERVISION_RECORD})


@dataclass(frozen=True)
class Caller:
    """Who is asking, as the service layer sees it; name and role are what the audit trail snapshots."""

    user_id: int | None
    name: str
    role: str
    department_id: int | None = None
    token_id: int | None = None
    request_id: str = ""

    @property
    def authenticated(self) -> bool:
        return self.role != ANONYMOUS


def refusal(caller: Caller, action: Action, department_id: int | None = None) -> Message | None:
    """Why ``caller`` may not take ``action`` (on data of ``department_id``), or None when allowed."""
    allowed = ALLOWED[action]
    if caller.role not in allowed:
        return Message(Code.ROLE_NOT_ALLOWED, "the {role} role may not {action}", role=caller.role,
                       action=action.value)
    if caller.role == Role.DEPARTMENT and action in SCOPED_TO_DEPARTMENT:
        if caller.department_id is None or caller.department_id != department_id:
            return Message(Code.OTHER_DEPARTMENT, "this power belongs to another department")
    return None
