"""The small services' one way to change a row: compare, snapshot, apply, flush, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from registry.domain.roles import Caller
from registry.models import Base
from registry.services import audit, snapshots


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
    session.flush()
    audit.record(session, caller, action, row, before, reason)
    return changed
