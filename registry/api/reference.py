"""/api/v1/decisions, /departments and /handover-methods: read by anyone, changed by admins, audited."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import BEARER, Blueprint
from registry.domain.roles import Role
from registry.http.access import current_caller, public, roles
from registry.http.caching import conditional
from registry.models.base import MAX_ID
from registry.schemas.handovers import MethodIn, MethodOut, MethodPatch
from registry.schemas.reference import DecisionOut, DepartmentCreate, DepartmentOut, DepartmentPatch
from registry.services import methods, reference

blp = Blueprint("reference", __name__, url_prefix="/api/v1", description="Decisions, departments, handover methods")
admin = roles(Role.ADMIN)


@blp.get("/decisions")
@public
@conditional
@blp.response(200, DecisionOut(many=True))
def list_decisions():
    """Decisions that devolve powers."""
    return reference.list_decisions(db.session())


@blp.get("/departments")
@public
@conditional
@blp.response(200, DepartmentOut(many=True))
def list_departments():
    """City guiding departments and zone offices."""
    return reference.list_departments(db.session())


@blp.post("/departments")
@admin
@blp.doc(security=BEARER)
@blp.arguments(DepartmentCreate)
@blp.response(201, DepartmentOut)
def create_department(data: dict[str, Any]):
    """Add a city guiding department or a zone office (承接部门) with its contact details."""
    session = db.session()
    department = reference.create_department(session, current_caller(), **data)
    session.commit()
    return department, 201


@blp.patch(f"/departments/<int(max={MAX_ID}):department_id>")
@admin
@blp.doc(security=BEARER)
@blp.arguments(DepartmentPatch)
@blp.response(200, DepartmentOut)
def update_department(changes: dict[str, Any], department_id: int):
    """Change a department's name, address, phone or hours."""
    session = db.session()
    reason = changes.pop("reason", None)
    department = reference.update_department(session, current_caller(), department_id, changes, reason)
    session.commit()
    return department


@blp.get("/handover-methods")
@public
@conditional
@blp.response(200, MethodOut(many=True))
def list_methods():
    """移交方式 on offer (retired ones are kept but not listed)."""
    return methods.list_methods(db.session())


@blp.post("/handover-methods")
@admin
@blp.doc(security=BEARER)
@blp.arguments(MethodIn)
@blp.response(201, MethodOut)
def create_method(data: dict[str, Any]):
    """Offer a new handover method."""
    session = db.session()
    method = methods.create_method(session, current_caller(), data["name"], data.get("reason"))
    session.commit()
    return method, 201


@blp.patch(f"/handover-methods/<int(max={MAX_ID}):method_id>")
@admin
@blp.doc(security=BEARER)
@blp.arguments(MethodPatch)
@blp.response(200, MethodOut)
def update_method(changes: dict[str, Any], method_id: int):
    """Rename a method, or retire it so new handovers cannot pick it."""
    session = db.session()
    reason = changes.pop("reason", None)
    method = methods.update_method(session, current_caller(), method_id, changes, reason)
    session.commit()
    return method
