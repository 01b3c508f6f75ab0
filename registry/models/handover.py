"""A power's handover to the zone: its terms, two-sided confirmation, checklist and append-only event log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.handover import ChecklistItem, DayKind, Status
from registry.models.base import Base, Timestamped, code_enum, in_codes
from registry.models.power import Power
from registry.models.reference import Department


class HandoverMethod(Timestamped, Base):
    """移交方式: an editable list; a method no longer offered is retired, never deleted."""

    __tablename__ = "handover_method"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class Handover(Timestamped, Base):
    """The handover of one power: created with the power, moved through the workflow, never deleted."""

    __tablename__ = "handover"
    __table_args__ = (
        CheckConstraint(in_codes("status", Status), name="status"),
        CheckConstraint(f"planned_day_kind IS NULL OR {in_codes('planned_day_kind', DayKind)}",
                        name="planned_day_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), unique=True)
    status: Mapped[Status] = mapped_column(code_enum(Status), index=True)
    status_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    receiving_office_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    method_id: Mapped[int | None] = mapped_column(ForeignKey("handover_method.id"))
    content: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(Text)
    planned_date: Mapped[date | None] = mapped_column(Date, index=True)
    planned_from: Mapped[date | None] = mapped_column(Date)
    planned_days: Mapped[int | None] = mapped_column(Integer)
    planned_day_kind: Mapped[DayKind | None] = mapped_column(code_enum(DayKind))
    effective_date: Mapped[date | None] = mapped_column(Date)
    recalled_on: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    authorisation_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    authorisation: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    notes: Mapped[str | None] = mapped_column(Text)
    handed_over_by: Mapped[str | None] = mapped_column(String(100))
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)
    receiving_office: Mapped[Department | None] = relationship(lazy="joined")
    method: Mapped[HandoverMethod | None] = relationship(lazy="joined")
    checks: Mapped[list[HandoverCheck]] = relationship(order_by="HandoverCheck.position", lazy="selectin",
                                                       cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    def check(self, item: ChecklistItem) -> HandoverCheck:
        return next(c for c in self.checks if c.item == item)

    @property
    def open_items(self) -> tuple[ChecklistItem, ...]:
        return tuple(c.item for c in self.checks if not c.done)

    @property
    def progress(self) -> float:
        """Share of the checklist done, derived from the items (never typed in)."""
        return sum(c.done for c in self.checks) / len(self.checks) if self.checks else 0.0


class HandoverCheck(Base):
    """One checklist item of a handover: done or not, by whom, when, on what evidence."""

    __tablename__ = "handover_check"
    __table_args__ = (
        UniqueConstraint("handover_id", "item"),
        CheckConstraint(in_codes("item", ChecklistItem), name="item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id"))
    item: Mapped[ChecklistItem] = mapped_column(code_enum(ChecklistItem))
    position: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evidence: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text)


class HandoverEvent(Base):
    """One change of a handover, append-only (the database refuses UPDATE and DELETE), tied to its audit entry."""

    __tablename__ = "handover_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handover.id"), index=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[Status | None] = mapped_column(code_enum(Status))
    to_status: Mapped[Status | None] = mapped_column(code_enum(Status))
    detail: Mapped[str | None] = mapped_column(String(32))  # the checklist item or the confirming side
    effective_on: Mapped[date | None] = mapped_column(Date)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    # The audit entry of the same write. No foreign key: like the trail's own references, it must not stop
    # `audit verify` from seeing a tampered trail for what it is.
    audit_seq: Mapped[int] = mapped_column(Integer, index=True)

    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)
    office: Mapped[Department | None] = relationship(lazy="joined")
