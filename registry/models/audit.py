"""The append-only, hash-chained audit trail and the log of security events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class AuditEntry(Base):
    """One successful write: who, when, what, before and after; linked to the previous entry by its hash."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity_type", "entity_type", "entity_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    entity_label: Mapped[str] = mapped_column(String(600))
    power_id: Mapped[int | None] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    after: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    changed: Mapped[list[str]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str] = mapped_column(String(128))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The id of the audit key that chained this entry (registry.domain.chain.key_id); NULL for entries written
    # before ids were recorded (migration 0008), which were chained under the key of the first entry naming one.
    key_id: Mapped[str | None] = mapped_column(String(16))


class SecurityEvent(Base):
    """A refused or suspicious request (failed login, forbidden attempt, revoked token); kept for auditors."""

    __tablename__ = "security_event"
    __table_args__ = (
        # The throttle's lookups (a pair's failures and last sign-in; an address's recent failures of one kind)
        # and the auditors' filters by account or address.
        Index("ix_security_event_account", "account", "address", "kind", "at"),
        Index("ix_security_event_address", "address", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    account: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    request_id: Mapped[str] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(String(300))
