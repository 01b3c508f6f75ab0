"""Decisions and departments: look-ups by id or by their published names, and their creation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.choices import DepartmentKind
from registry.domain.roles import Action, Caller
from registry.models import Decision, Department
from registry.models.base import is_id
from registry.services import audit
from registry.services.authz import authorize
from registry.services.changes import apply_changes
from registry.services.errors import Code, Conflict, Message, NotFound, ValidationFailed
from registry.services.versions import check_version


def list_decisions(session: Session) -> list[Decision]:
    return list(session.scalars(select(Decision).order_by(Decision.issued_on, Decision.id)))


def list_departments(session: Session, kind: DepartmentKind | None = None) -> list[Department]:
    stmt = select(Department).order_by(Department.kind, Department.id)
    if kind is not None:
        stmt = stmt.where(Department.kind == kind)
    return list(session.scalars(stmt))


def find_decision(session: Session, doc_number: str) -> Decision | None:
    return session.scalar(select(Decision).where(Decision.doc_number == doc_number))


def find_department(session: Session, name: str) -> Department | None:
    return session.scalar(select(Department).where(Department.name == name))


def resolve_ids(session: Session, model: type, label_column: str, field: str, values: Iterable[str]) -> list[int]:
    """Turn filter values (ids or published names) into ids; unknown ones are a field error."""
    ids = [int(v) for v in values if is_id(v)]
    names = [v for v in values if not is_id(v)]
    if names:
        column = getattr(model, label_column)
        found = dict(session.execute(select(column, model.id).where(column.in_(names))).all())
        missing = [n for n in names if n not in found]
        if missing:
            raise ValidationFailed(Message(Code.FILTER_UNKNOWN, "unknown {field}", field=field), {field: [
                Message(Code.FILTER_NO_SUCH, "no {field} named {name}", field=field, name=n) for n in missing]})
        ids.extend(found[n] for n in names)
    return ids


def create_decision(session: Session, caller: Caller, *, reason: str | None = None, doc_number: str, title: str,
                    issuer: str, issued_on: date, recipient: str, zone_body: str, annex_title: str, body: str,
                    source_ref: str, source_sha256: str | None, effective_on: date | None = None) -> Decision:
    decision = Decision(doc_number=doc_number, title=title, issuer=issuer, issued_on=issued_on,
                        effective_on=effective_on, recipient=recipient, zone_body=zone_body,
                        annex_title=annex_title, body=body, source_ref=source_ref, source_sha256=source_sha256)
    authorize(caller, Action.REFERENCE_MANAGE)
    session.add(decision)
    session.flush()
    audit.record(session, caller, "create", decision, None, reason)
    return decision


def create_department(session: Session, caller: Caller, *, name: str, kind: DepartmentKind,
                      address: str | None = None, phone: str | None = None, hours: str | None = None,
                      reason: str | None = None) -> Department:
    authorize(caller, Action.REFERENCE_MANAGE)
    if find_department(session, name) is not None:
        raise Conflict(Message(Code.DEPARTMENT_NAME_TAKEN, "a department named {name} already exists", name=name),
                       {"name": [Message(Code.FIELD_TAKEN, "already used")]})
    department = Department(name=name, kind=kind, address=address, phone=phone, hours=hours)
    session.add(department)
    session.flush()
    audit.record(session, caller, "create", department, None, reason)
    return department


def get_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(Message(Code.DEPARTMENT_NOT_FOUND, "department {department} does not exist",
                               department=department_id))
    return department


def update_department(session: Session, caller: Caller, department_id: int, changes: dict[str, Any],
                      expected_version: int | None, reason: str | None = None) -> Department:
    """Change a department's name or the contact details citizens see, if it is still at ``expected_version``;
    its kind is fixed. A change that alters nothing keeps its version."""
    authorize(caller, Action.REFERENCE_MANAGE)
    department = get_department(session, department_id)
    check_version(department, expected_version, lambda version, expected: Message(
        Code.DEPARTMENT_STALE, "department {name} is at version {version}, not {expected}; reload it and retry",
        name=department.name, version=version, expected=expected))

    def name_free(changed: dict[str, Any]) -> None:
        if "name" in changed and find_department(session, changed["name"]) is not None:
            raise Conflict(Message(Code.DEPARTMENT_NAME_TAKEN, "a department named {name} already exists",
                                   name=changed["name"]), {"name": [Message(Code.FIELD_TAKEN, "already used")]})

    apply_changes(session, caller, department, changes, reason=reason, check=name_free)
    return department
