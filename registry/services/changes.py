"""The small services' one way to change a row: compare, snapshot, apply, flush, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from registry.domain.roles import Caller
from registry.models import Base
from registry.services import audit, snapshots
from registry.services.errors import Code, Message, StaleVersion


def apply_changes(session: Session, caller: Caller, row: Base, changes: dict[str, Any], *,
                  reason: str | None = None, action: str = "update",
                  check: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Set the fields of ``changes`` whose value differs from ``row``'s, flush, and audit the write as
    ``action`` with the row's snapshot (registry.services.snapshots) from before and after.

    Returns what changed; when nothing does, nothing is written or audited. ``check`` sees the changed fields
    before anything is set, and may refuse them by raising.
    """
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed:
        return changed
    if check is not None:
        check(changed)
    before = snapshots.KINDS[snapshots.entity_type(row)].snapshot(row)
    for key, value in changed.items():
        setattr(row, key, value)
    flush_versioned(session, row)
    audit.record(session, caller, action, row, before, reason)
    return changed


def flush_versioned(session: Session, row: Base) -> None:
    """Flush; a versioned row another transaction changed since it was read (PostgreSQL lets both read it) is 412,
    not a server error."""
    kind, row_id = snapshots.entity_type(row), row.id  # read now: a failed flush expires the instance
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(Message(Code.CHANGED_ELSEWHERE, "{kind} {id} was changed by someone else; reload it "
                                   "and retry", kind=kind, id=row_id)) from exc
