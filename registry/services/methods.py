"""移交方式: the editable list of handover methods; a method is retired, never deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.roles import Action, Caller
from registry.models import HandoverMethod
from registry.services import audit
from registry.services.authz import authorize
from registry.services.changes import apply_changes
from registry.services.errors import Code, Conflict, Message, NotFound
from registry.services.versions import check_version


def list_methods(session: Session, include_retired: bool = False) -> list[HandoverMethod]:
    stmt = select(HandoverMethod).order_by(HandoverMethod.id)
    if not include_retired:
        stmt = stmt.where(HandoverMethod.retired.is_(False))
    return list(session.scalars(stmt))


def find_method(session: Session, name: str) -> HandoverMethod | None:
    return session.scalar(select(HandoverMethod).where(HandoverMethod.name == name))


def create_method(session: Session, caller: Caller, name: str, reason: str | None = None) -> HandoverMethod:
    authorize(caller, Action.REFERENCE_MANAGE)
    if find_method(session, name) is not None:
        raise Conflict(Message(Code.METHOD_NAME_TAKEN, "the method {name} already exists", name=name),
                       {"name": [Message(Code.FIELD_TAKEN, "already used")]})
    method = HandoverMethod(name=name, retired=False)
    session.add(method)
    session.flush()
    audit.record(session, caller, "create", method, None, reason)
    return method


def get_method(session: Session, method_id: int) -> HandoverMethod:
    method = session.get(HandoverMethod, method_id)
    if method is None:
        raise NotFound(Message(Code.METHOD_NOT_FOUND, "handover method {method} does not exist", method=method_id))
    return method


def update_method(session: Session, caller: Caller, method_id: int, changes: dict[str, Any],
                  expected_version: int | None, reason: str | None = None) -> HandoverMethod:
    """Rename a method or retire it (handovers that use it keep it; new ones cannot pick it), if it is still at
    ``expected_version``."""
    authorize(caller, Action.REFERENCE_MANAGE)
    method = get_method(session, method_id)
    check_version(method, expected_version, lambda version, expected: Message(
        Code.METHOD_STALE, "handover method {name} is at version {version}, not {expected}; reload it and retry",
        name=method.name, version=version, expected=expected))

    def name_free(changed: dict[str, Any]) -> None:
        if "name" in changed and find_method(session, changed["name"]) is not None:
            raise Conflict(Message(Code.METHOD_NAME_TAKEN, "the method {name} already exists", name=changed["name"]),
                           {"name": [Message(Code.FIELD_TAKEN, "already used")]})

    apply_changes(session, caller, method, changes, reason=reason, check=name_free)
    return method
