"""A restore from a backup in the trail: the entry that records it, and how verify recognises one."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registry.domain.roles import Caller
from registry.models import AuditEntry
from registry.services.audit import REGISTRY, record_registry

RESTORE = "restore"


def record_restore(session: Session, caller: Caller, backup: str, entries: int, head: str,
                   reason: str) -> AuditEntry:
    """Append the entry saying the registry was restored from ``backup``, whose trail ended at ``entries``."""
    return record_registry(session, caller, RESTORE, f"从备份恢复 {backup}"[:600],
                           {"backup": backup, "backup_entries": entries, "backup_head": head}, reason)


def restore_point(entry: AuditEntry) -> int | None:
    """The size of the restored trail if ``entry`` records a restore right after it, else None."""
    if entry.entity_type != REGISTRY or entry.action != RESTORE or not isinstance(entry.after, dict):
        return None
    size = entry.after.get("backup_entries")
    if size != entry.seq - 1 or entry.after.get("backup_head") != entry.prev_hash:
        return None
    return size
