"""Service guides (办事指南): read one, change one (audited, with a reason, against its version), and the one write
that the sheet import (registry.services.guide_import) shares.

A guide is made by its first change; it is for the power's receiving office (the handover's, once named; until
then the guiding department), recorded again with every change. Every rule is registry.domain.guides'.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.domain import guides as rules
from registry.domain.roles import Action, Caller
from registry.models import Department, Handover, Power, ServiceGuide
from registry.services import audit, snapshots
from registry.services.authz import authorize
from registry.services.changes import flush_versioned
from registry.services.errors import Code, Message, NotFound, StaleVersion, ValidationFailed
from registry.services.powers import get_power
from registry.services.versions import check_version

# Where the API's body puts the fields a guide stores apart: the fee is one object there.
API_KEYS = {"fee_charged": "fee.charged", "fee_basis": "fee.basis"}


def find_guide(session: Session, power_id: int) -> ServiceGuide | None:
    return session.scalar(select(ServiceGuide).where(ServiceGuide.power_id == power_id))


def get_guide(session: Session, power_id: int) -> ServiceGuide:
    """The guide of a power; NotFound for a power that has none (or does not exist)."""
    guide = find_guide(session, power_id)
    if guide is None:
        get_power(session, power_id)
        raise NotFound(Message(Code.GUIDE_NOT_FOUND, "power {power} has no service guide yet", power=power_id))
    return guide


def values(guide: ServiceGuide | None) -> dict[str, Any]:
    """Every field of a guide (None for a power without one), by its name in registry.domain.guides."""
    return {name: getattr(guide, name) if guide is not None else None for name in rules.FIELDS}


def receiving_office_id(session: Session, power: Power) -> int:
    """The office a power's guide is for: its handover's receiving office once named, else its guiding department."""
    office = session.scalar(select(Handover.receiving_office_id).where(Handover.power_id == power.id))
    return office or power.department_id


def _reason(reason: str | None) -> str:
    if not (reason and reason.strip()):
        raise ValidationFailed(Message(Code.GUIDE_REASON_REQUIRED, "say why the guide is changed"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    return reason.strip()


def check(guide: dict[str, Any], keys: dict[str, str] | None = None) -> None:
    """Refuse ``guide`` (every field) with each wrong field named (by ``keys``' name for it, if any)."""
    found = rules.problems(guide)
    if found:
        keys = keys or {}
        raise ValidationFailed(Message(Code.GUIDE_INVALID, "{count} field(s) of the guide are wrong; nothing was "
                                       "saved", count=len(found)),
                               {keys.get(name, name): messages for name, messages in found.items()})


def write(session: Session, caller: Caller, power: Power, guide: ServiceGuide | None, wanted: dict[str, Any],
          reason: str) -> ServiceGuide | None:
    """Store ``wanted`` (every field, already checked) as ``power``'s guide, audited; None when nothing changes."""
    office_id = receiving_office_id(session, power)
    if guide is None and not any(value is not None for value in wanted.values()):
        return None  # nothing to say is no guide
    if guide is not None and values(guide) == wanted and guide.office_id == office_id:
        return None
    before = snapshots.service_guide(guide) if guide is not None else None
    if guide is None:
        guide = ServiceGuide(power=power)
        session.add(guide)
    guide.office = session.get(Department, office_id)
    for name, value in wanted.items():
        setattr(guide, name, value)
    try:
        flush_versioned(session, guide)
    except IntegrityError as exc:  # another request made this power's guide first
        raise StaleVersion(Message(Code.GUIDE_STALE, "someone else just made the guide of power {power}; reload it "
                                   "and retry", power=power.id)) from exc
    audit.record(session, caller, "create" if before is None else "update", guide, before, reason)
    return guide


def update_guide(session: Session, caller: Caller, power_id: int, changes: dict[str, Any],
                 expected_version: int | None, reason: str | None) -> ServiceGuide:
    """Change the fields of ``changes`` (None clears one), if the guide is still at ``expected_version``; a power
    without a guide gets one, and then no version may be named. Every field is checked together (a promised time
    limit against the legal one, the implementation code against the basic code), each wrong one named.

    ``expected_version`` 0 says the caller saw no guide (a console form made before the first one): refused as
    stale once there is one. None names no version (the API, for a power without a guide)."""
    power = get_power(session, power_id)
    authorize(caller, Action.GUIDE_EDIT, power.department_id)
    reason = _reason(reason)
    guide = find_guide(session, power_id)
    if guide is None and expected_version not in (None, 0):
        raise StaleVersion(Message(Code.GUIDE_STALE, "power {power} has no guide, so no version {expected}",
                                   power=power_id, expected=expected_version))
    if guide is not None:
        check_version(guide, expected_version, lambda version, expected: Message(
            Code.GUIDE_STALE, "the guide of power {power} is at version {version}, not {expected}; reload it and "
            "retry", power=power_id, version=version, expected=expected))
    wanted = values(guide) | {name: rules.tidy(value) for name, value in changes.items()}
    check(wanted, API_KEYS)
    written = write(session, caller, power, guide, wanted, reason)
    return written or guide or get_guide(session, power_id)
