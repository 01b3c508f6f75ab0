"""One workflow step or checklist step for many powers at once: all of them, or none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.handover import ChecklistItem, Status
from registry.domain.roles import Caller
from registry.models import Handover, Power
from registry.services import handovers
from registry.services.errors import Code, Conflict, DomainError, Forbidden, Message, StaleVersion, ValidationFailed


def _apply(session: Session, power_ids: list[int], step: Callable[[int], Handover]) -> list[Handover]:
    """Run ``step`` for each power in the caller's transaction; if any power fails, raise naming every failure.

    Each step audits its own power. The route commits only when no power failed, so a refusal leaves
    nothing behind. A forbidden power or a concurrent change stops the request at once.
    """
    known = set(session.scalars(select(Power.id).where(Power.id.in_(power_ids))))
    unknown = [i for i in power_ids if i not in known]
    if unknown:
        raise ValidationFailed(Message(Code.POWERS_UNKNOWN, "unknown powers"), {"powers": [
            Message(Code.POWER_NOT_FOUND, "power {power} does not exist", power=i) for i in unknown]})
    done: list[Handover] = []
    failures: list[dict[str, Any]] = []
    for power_id in power_ids:
        try:
            done.append(step(power_id))
        except (Forbidden, StaleVersion):
            raise
        except DomainError as error:
            failures.append({"power": power_id, "code": error.code.value, "detail": error.detail, **error.extra,
                             **({"errors": error.errors} if error.errors else {})})
    if failures:
        refused = Message(Code.BULK_REFUSED, "nothing was changed: {failed} of {total} powers cannot take this step",
                          failed=len(failures), total=len(power_ids))
        raise Conflict(refused,
                       {f"powers.{f['power']}": [f["detail"]] for f in failures}, failures=failures)
    return done



def run(session: Session, caller: Caller, op: str, power_ids: list[int], *, to: Status | None = None,
        item: ChecklistItem | None = None, done: bool | None = None, note: str | None = None,
        evidence: dict[str, Any] | None = None, effective_on: date | None = None) -> list[Handover]:
    """A transition (``to``) or a checklist step (``item``, ``done``) for every power in ``power_ids``."""
    if op == "transition":
        def step(power_id: int) -> Handover:
            return handovers.transition(session, caller, power_id, to, note=note, evidence=evidence,
                                        effective_on=effective_on)
    else:
        def step(power_id: int) -> Handover:
            return handovers.check(session, caller, power_id, item, bool(done), note=note, evidence=evidence)
    return _apply(session, power_ids, step)
