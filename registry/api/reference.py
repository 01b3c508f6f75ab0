"""GET /api/v1/decisions and /api/v1/departments."""

from __future__ import annotations

from registry import db
from registry.access import public
from registry.api.blueprint import Blueprint
from registry.api.schemas.reference import DecisionOut, DepartmentOut
from registry.services import reference

blp = Blueprint("reference", __name__, url_prefix="/api/v1", description="Decisions and departments")


@blp.get("/decisions")
@public
@blp.response(200, DecisionOut(many=True))
def list_decisions():
    """Decisions that devolve powers."""
    return reference.list_decisions(db.session())


@blp.get("/departments")
@public
@blp.response(200, DepartmentOut(many=True))
def list_departments():
    """City guiding departments and zone offices."""
    return reference.list_departments(db.session())
