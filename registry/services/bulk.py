"""One step for many powers at once (terms, checklist, a confirmation or a transition): all of them, or none."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.handover import ChecklistItem, Side, Status
from registry.domain.roles import Caller
from registry.models import Handover, Power
from registry.services import handovers, powers
from registry.services.errors import (
    Code,
    Conflict,
    DomainError,
    Forbidden,
    Message,
    StaleVersion,
    ValidationFailed,
)
from registry.services.powers import PowerFilter

MAX_POWERS = 200  # one request's limit, as the API's schema says


@dataclass(frozen=True)
class Matching:
    """"Every power this filter matches", as the list showed it: the fingerprint of the matches it counted."""

    filter: PowerFilter
    fingerprint: str


def fingerprint(power_ids: Iterable[int]) -> str:
    """A short digest of a set of power ids: the same set, the same text, whatever the order."""
    return hashlib.sha256(",".join(map(str, sorted(power_ids))).encode()).hexdigest()[:32]


def matching(session: Session, f: PowerFilter) -> list[int]:
    """Every power the list's filter matches, on all its pages."""
    return powers.matching_ids(session, f)


def _resolve(session: Session, selection: list[int] | Matching) -> list[int]:
    """The powers a request names: its ids, or the filter's matches as they are now, if they are what was shown."""
    if not isinstance(selection, Matching):
        return selection
    ids = matching(session, selection.filter)
    if fingerprint(ids) != selection.fingerprint:
        changed = Message(Code.BULK_SELECTION_CHANGED, "the powers matching the filter changed since the list was "
                          "shown ({total} now); look at the list again", total=len(ids))
        raise Conflict(changed, {"powers": [changed]})
    if not ids:
        none = Message(Code.BULK_NOTHING_MATCHES, "no power matches the filter")
        raise ValidationFailed(none, {"powers": [none]})
    if len(ids) > MAX_POWERS:
        many = Message(Code.BULK_TOO_MANY, "{total} powers match; at most {limit} at once", total=len(ids),
                       limit=MAX_POWERS)
        raise ValidationFailed(many, {"powers": [many]})
    return ids


def _failure(power_id: int, error: DomainError) -> dict[str, Any]:
    return {"power": power_id, "code": error.code.value, "detail": error.detail, **error.extra,
            **({"errors": error.errors} if error.errors else {})}


def _apply(session: Session, power_ids: list[int], step: Callable[[int], Handover]) -> list[Handover]:
    """Run ``step`` for each power in the caller's transaction; if any power fails, raise naming every failure.

    Each step audits its own power. The route commits only when no power failed, so a refusal leaves
    nothing behind. Powers the caller may not touch are refused together (403, each named); a concurrent
    change stops the request at once.
    """
    known = set(session.scalars(select(Power.id).where(Power.id.in_(power_ids))))
    unknown = [i for i in power_ids if i not in known]
    if unknown:
        raise ValidationFailed(Message(Code.POWERS_UNKNOWN, "unknown powers"), {"powers": [
            Message(Code.POWER_NOT_FOUND, "power {power} does not exist", power=i) for i in unknown]})
    done: list[Handover] = []
    forbidden: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for power_id in power_ids:
        try:
            done.append(step(power_id))
        except StaleVersion:
            raise
        except Forbidden as error:
            forbidden.append(_failure(power_id, error))
        except DomainError as error:
            failures.append(_failure(power_id, error))
    if forbidden:
        raise Forbidden(Message(Code.BULK_FORBIDDEN, "nothing was changed: {failed} of {total} powers are not "
                                "yours to change", failed=len(forbidden), total=len(power_ids)),
                        {f"powers.{f['power']}": [f["detail"]] for f in forbidden}, failures=forbidden)
    if failures:
        refused = Message(Code.BULK_REFUSED, "nothing was changed: {failed} of {total} powers cannot take this step",
                          failed=len(failures), total=len(power_ids))
        raise Conflict(refused,
                       {f"powers.{f['power']}": [f["detail"]] for f in failures}, failures=failures)
    return done


def _transition(session: Session, caller: Caller, power_id: int, *, to: Status, note: str | None = None,
                evidence: dict[str, Any] | None = None, effective_on: date | None = None) -> Handover:
    return handovers.transition(session, caller, power_id, to, note=note, evidence=evidence,
                                effective_on=effective_on)


def _checklist(session: Session, caller: Caller, power_id: int, *, items: list[ChecklistItem], done: bool,
               note: str | None = None, evidence: dict[str, Any] | None = None) -> Handover:
    """Each named item of one power's checklist, with the one evidence record (one audit entry per item)."""
    handover = handovers.get_handover(session, power_id)
    for item in items:
        handover = handovers.check(session, caller, power_id, item, done, note=note, evidence=evidence)
    return handover


def _terms(session: Session, caller: Caller, power_id: int, *, terms: dict[str, Any],
           note: str | None = None, confirm_past: bool = False) -> Handover:
    return handovers.update_terms(session, caller, power_id, terms, None, note, confirm_past=confirm_past)


def _confirmation(session: Session, caller: Caller, power_id: int, *, side: Side, note: str | None = None,
                  evidence: dict[str, Any] | None = None) -> Handover:
    return handovers.confirm(session, caller, power_id, side, note=note, evidence=evidence)


OPS: dict[str, Callable[..., Handover]] = {
    "transition": _transition, "checklist": _checklist, "terms": _terms, "confirmation": _confirmation,
}


def run(session: Session, caller: Caller, op: str, selection: list[int] | Matching, **params: Any) -> list[Handover]:
    """One op for every selected power, as its single-power service does it: ``transition`` (to, note, evidence,
    effective_on), ``checklist`` (items, done, note, evidence), ``terms`` (terms, note, confirm_past) or
    ``confirmation`` (side, note, evidence)."""
    step = OPS[op]
    return _apply(session, _resolve(session, selection), lambda power_id: step(session, caller, power_id, **params))
