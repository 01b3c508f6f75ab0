"""/api/v1/decisions, /departments and /handover-methods: read by anyone, changed by admins, audited."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import BEARER, Blueprint, etag_header
from registry.domain.roles import Role
from registry.http.access import current_caller, public, roles
from registry.http.caching import conditional, keepable
from registry.http.etag import expected_version, not_modified, with_etag
from registry.models.base import MAX_ID
from registry.schemas.handovers import MethodIn, MethodOut, MethodPatch
from registry.schemas.reference import DecisionOut, DepartmentCreate, DepartmentOut, DepartmentPatch
from registry.services import methods, reference

blp = Blueprint("reference", __name__, url_prefix="/api/v1", description="Decisions, departments, handover methods")
admin = roles(Role.ADMIN)
DEPARTMENT = f"/departments/<int(max={MAX_ID}):department_id>"
METHOD = f"/handover-methods/<int(max={MAX_ID}):method_id>"


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


@blp.get(DEPARTMENT)
@public
@keepable
@blp.response(200, DepartmentOut, headers=etag_header("the department"))
@blp.alt_response(304, description="Not modified")
def get_department(department_id: int):
    """One department; its ETag is what PATCH expects in If-Match."""
    department = reference.get_department(db.session(), department_id)
    return not_modified(department.version) or with_etag(department)


@blp.post("/departments")
@admin
@blp.doc(security=BEARER)
@blp.arguments(DepartmentCreate)
@blp.response(201, DepartmentOut, headers=etag_header("the department"))
def create_department(data: dict[str, Any]):
    """Add a city guiding department or a zone office (承接部门) with its contact details."""
    session = db.session()
    department = reference.create_department(session, current_caller(), **data)
    session.commit()
    return with_etag(department, 201)


@blp.patch(DEPARTMENT)
@admin
@blp.versioned_write("this department", "department.stale")
@blp.arguments(DepartmentPatch)
@blp.response(200, DepartmentOut, headers=etag_header("the department"))
def update_department(changes: dict[str, Any], department_id: int):
    """Change a department's name, address, phone or hours, sending its ETag; a change that alters nothing keeps
    its version."""
    session = db.session()
    reason = changes.pop("reason", None)
    department = reference.update_department(session, current_caller(), department_id, changes, expected_version(),
                                             reason)
    session.commit()
    return with_etag(department)


@blp.get("/handover-methods")
@public
@conditional
@blp.response(200, MethodOut(many=True))
def list_methods():
    """移交方式 on offer (retired ones are kept but not listed)."""
    return methods.list_methods(db.session())


@blp.get(METHOD)
@public
@keepable
@blp.response(200, MethodOut, headers=etag_header("the method"))
@blp.alt_response(304, description="Not modified")
def get_method(method_id: int):
    """One handover method, retired or not; its ETag is what PATCH expects in If-Match."""
    method = methods.get_method(db.session(), method_id)
    return not_modified(method.version) or with_etag(method)


@blp.post("/handover-methods")
@admin
@blp.doc(security=BEARER)
@blp.arguments(MethodIn)
@blp.response(201, MethodOut, headers=etag_header("the method"))
def create_method(data: dict[str, Any]):
    """Offer a new handover method."""
    session = db.session()
    method = methods.create_method(session, current_caller(), data["name"], data.get("reason"))
    session.commit()
    return with_etag(method, 201)


@blp.patch(METHOD)
@admin
@blp.versioned_write("this method", "method.stale")
@blp.arguments(MethodPatch)
@blp.response(200, MethodOut, headers=etag_header("the method"))
def update_method(changes: dict[str, Any], method_id: int):
    """Rename a method, or retire it so new handovers cannot pick it, sending its ETag."""
    session = db.session()
    reason = changes.pop("reason", None)
    method = methods.update_method(session, current_caller(), method_id, changes, expected_version(), reason)
    session.commit()
    return with_etag(method)
