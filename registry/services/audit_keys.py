"""The audit key's life: the check that the configured key is the chain's before anything is written, and the
rotation that hands the chain over to a new key."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from registry.domain import chain
from registry.domain.roles import Caller
from registry.models import AuditEntry
from registry.services.audit import KEY_ID, append, head_entry, key_problem
from registry.services.errors import Code, Message, Unavailable, ValidationFailed

ENTITY = "audit_key"


def check_at_start(session: Session) -> None:
    """Raise Unavailable when the trail is not empty and the configured key is not its current key.

    One small read of the head entry; a database that cannot answer it (not made, not migrated, unreachable) is
    left alone here: init-db must still run, and every append checks the key again."""
    try:
        # No compiled statement kept: the app starts with the engine's statement cache empty.
        last = head_entry(session, compiled_cache=None)
    except DBAPIError:
        session.rollback()
        return
    problem = key_problem(session, last)
    if problem is not None:
        raise Unavailable(problem)


def rotate(session: Session, caller: Caller, new_key: str, reason: str | None = None) -> AuditEntry:
    """Append the entry that hands the chain to ``new_key``: chained under the current key, naming the new one's
    id; every later entry is chained under the new key."""
    current, new_id = session.info[KEY_ID], chain.key_id(new_key)
    if new_id == current:
        raise ValidationFailed(Message(Code.AUDIT_KEY_SAME, "the new key is the current audit key"))
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == chain.ROTATE_KEY))
    return append(session, caller, chain.ROTATE_KEY, entity_type=ENTITY, entity_id=(count or 0) + 1,
                  entity_label=f"audit key {new_id}", before={"key_id": current}, after={"key_id": new_id},
                  reason=reason)
