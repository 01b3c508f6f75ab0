"""/api/v1/powers/{id}/handover and friends: the terms, the workflow, confirmations, checklist, history, bulk."""

from __future__ import annotations

from typing import Any

from registry import db
from registry.api.blueprint import BEARER, Blueprint, etag_header
from registry.domain.roles import ALLOWED, Action, Role
from registry.http.access import current_caller, roles, staff
from registry.http.etag import expected_version, optional_version, with_etag
from registry.http.paths import POWER
from registry.schemas.handovers import (
    BulkIn,
    CheckIn,
    ConfirmationIn,
    HandoverEventStaffOut,
    HandoverOut,
    HandoverPageOut,
    HandoverPatch,
    HandoverQuery,
    TransitionIn,
)
from registry.services import bulk, handovers, progress
from registry.services.progress import HandoverFilter

blp = Blueprint("handovers", __name__, url_prefix="/api/v1", description="Handover of each power to the zone")

ETAG_HEADER = etag_header("the handover")
VERSIONED = blp.versioned_write("this handover", "handover.stale")
ACTION = blp.versioned_write("the handover you are acting on", "handover.stale", required=False)
HANDOVER = f"/powers{POWER}/handover"
editor = roles(*ALLOWED[Action.HANDOVER_EDIT])  # a department user only for its own powers (service check)
mover = roles(*ALLOWED[Action.HANDOVER_MOVE] | ALLOWED[Action.HANDOVER_RECALL])
confirmer = roles(*ALLOWED[Action.HANDOVER_CONFIRM] | ALLOWED[Action.HANDOVER_ACCEPT])
checker = roles(*ALLOWED[Action.HANDOVER_CHECK])


@blp.get(HANDOVER)
@staff
@blp.doc(security=BEARER)
@blp.response(200, HandoverOut, headers=ETAG_HEADER)
def get_handover(power_id: int):
    """A power's handover: terms, confirmations, checklist, progress, and each next step with what it lacks."""
    return with_etag(handovers.get_handover(db.session(), power_id))


@blp.patch(HANDOVER)
@editor
@VERSIONED
@blp.arguments(HandoverPatch)
@blp.response(200, HandoverOut, headers=ETAG_HEADER)
def update_handover(changes: dict[str, Any], power_id: int):
    """Fix the terms: receiving office, method, content, scope, dates, legal basis, notes.

    The terms are fixed once handed over; changing one while in progress withdraws both confirmations. An
    effective date before today (Beijing time) needs ``confirm_past: true`` and a ``note`` saying why (else 422,
    code handover.effective_date_past).
    """
    session = db.session()
    note, confirm_past = changes.pop("note", None), changes.pop("confirm_past", False)
    handover = handovers.update_terms(session, current_caller(), power_id, changes, expected_version(), note,
                                      confirm_past)
    session.commit()
    return with_etag(handover)


@blp.post(f"{HANDOVER}/transitions")
@mover
@ACTION
@blp.arguments(TransitionIn)
@blp.response(200, HandoverOut, headers=ETAG_HEADER)
def transition(body: dict[str, Any], power_id: int):
    """Move the handover one step; a step the workflow does not allow, or whose preconditions fail, is 409
    with ``allowed_next`` and ``missing``. Only the city department (or the admin) recalls a power.
    """
    session = db.session()
    handover = handovers.transition(session, current_caller(), power_id, body["to"], note=body.get("note"),
                                    evidence=body.get("evidence"), effective_on=body.get("effective_date"),
                                    expected_version=optional_version())
    session.commit()
    return with_etag(handover)


@blp.post(f"{HANDOVER}/confirmations")
@confirmer
@ACTION
@blp.arguments(ConfirmationIn)
@blp.response(200, HandoverOut, headers=ETAG_HEADER)
def confirm(body: dict[str, Any], power_id: int):
    """Confirm one side: a user of the city department hands over, a zone user accepts."""
    session = db.session()
    handover = handovers.confirm(session, current_caller(), power_id, body["side"], note=body.get("note"),
                                 evidence=body.get("evidence"), expected_version=optional_version())
    session.commit()
    return with_etag(handover)


@blp.post(f"{HANDOVER}/checklist")
@checker
@ACTION
@blp.arguments(CheckIn)
@blp.response(200, HandoverOut, headers=ETAG_HEADER)
def check(body: dict[str, Any], power_id: int):
    """Mark a checklist item done with its evidence, or reopen it saying why."""
    session = db.session()
    handover = handovers.check(session, current_caller(), power_id, body["item"], body["done"],
                               note=body.get("note"), evidence=body.get("evidence"),
                               expected_version=optional_version())
    session.commit()
    return with_etag(handover)


@blp.get(f"{HANDOVER}/history")
@staff
@blp.doc(security=BEARER)
@blp.response(200, HandoverEventStaffOut(many=True))
def history(power_id: int):
    """Every change of the handover, oldest first, with who, their note, evidence and audit entry."""
    return handovers.history(db.session(), power_id)


@blp.get("/handovers")
@staff
@blp.doc(security=BEARER)
@blp.arguments(HandoverQuery, location="query", as_kwargs=False)
@blp.response(200, HandoverPageOut)
def list_handovers(filters: HandoverFilter):
    """Handovers of the powers in force, in annex order; ``overdue=true`` lists the late ones."""
    return progress.list_handovers(db.session(), filters)


@blp.post("/handovers/bulk")
@roles(Role.ADMIN, Role.ZONE, Role.DEPARTMENT)
@blp.doc(security=BEARER)
@blp.arguments(BulkIn)
@blp.response(200, HandoverOut(many=True))
def bulk_step(body: dict[str, Any]):
    """Apply one transition, checklist step (one or more items, one evidence record), terms change or confirmation
    to many powers: all of them or none (409 names each failing power, 403 each power that is not the caller's).

    Each power gets its own audit entry and event per change, as single steps would.
    """
    session = db.session()
    done = bulk.run(session, current_caller(), body.pop("op"), body.pop("powers"), **body)
    session.commit()
    return done
