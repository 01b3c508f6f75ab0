"""Who may do what: the roles, the actions, and the one table that joins them (deny by default)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from registry.domain.choices import LabelledChoice

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
    USER_MANAGE = "user.manage"
    TOKEN_MANAGE = "token.manage"
    AUDIT_READ = "audit.read"


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.POWER_CREATE: frozenset({Role.ADMIN}),
    Action.POWER_UPDATE: frozenset({Role.ADMIN, Role.DEPARTMENT}),
    Action.POWER_RETIRE: frozenset({Role.ADMIN}),
    Action.POWER_RESTORE: frozenset({Role.ADMIN}),
    Action.POWER_REASSIGN: frozenset({Role.ADMIN}),
    Action.REFERENCE_MANAGE: frozenset({Role.ADMIN}),
    Action.USER_MANAGE: frozenset({Role.ADMIN}),
    Action.TOKEN_MANAGE: frozenset({Role.ADMIN}),
    Action.AUDIT_READ: frozenset({Role.AUDITOR, Role.ADMIN}),
}
# Actions on one department's data: a department user may take them only for their own department.
SCOPED_TO_DEPARTMENT = frozenset({Action.POWER_UPDATE})


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


def refusal(caller: Caller, action: Action, department_id: int | None = None) -> str | None:
    """Why ``caller`` may not take ``action`` (on data of ``department_id``), or None when allowed."""
    allowed = ALLOWED[action]
    if caller.role not in allowed:
        return f"the {caller.role} role may not {action.value}"
    if caller.role == Role.DEPARTMENT and action in SCOPED_TO_DEPARTMENT:
        if caller.department_id is None or caller.department_id != department_id:
            return "this power belongs to another department"
    return None
