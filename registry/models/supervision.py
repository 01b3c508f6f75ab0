"""Supervision after the handover (事中事后监管): the guiding department's records of guidance, training and
inspection of an item, and the rectification (整改) a finding may require, closed by the zone. Never deleted."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.choices import SupervisionKind
from registry.models.base import Base, Timestamped, code_enum, in_codes
from registry.models.power import Power
from registry.models.reference import Department


class Supervision(Timestamped, Base):
    """One record of a guiding department's supervision of an item: when, what kind, what it found, on what
    evidence, by whom."""

    __tablename__ = "supervision"
    __table_args__ = (CheckConstraint(in_codes("kind", SupervisionKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    # The guiding department that supervised (the item's department when recorded).
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[SupervisionKind] = mapped_column(code_enum(SupervisionKind))
    findings: Mapped[str] = mapped_column(Text)
    evidence: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)  # 文号, date, link
    recorded_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)

    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)
    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    rectification: Mapped[Rectification | None] = relationship(back_populates="supervision", lazy="selectin",
                                                               uselist=False)

    __mapper_args__ = {"version_id_col": version}


class Rectification(Timestamped, Base):
    """整改: what a finding requires, its deadline in working days from the record's date, and its closing record
    (closed on, note, evidence, by whom) given by the zone."""

    __tablename__ = "rectification"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
        CheckConstraint("due_on > counted_from", name="due_after_start"),
        CheckConstraint("(closed_on IS NULL) = (closed_by IS NULL)", name="closed_by_whom"),
        CheckConstraint("closed_on IS NULL OR closed_on >= counted_from", name="closed_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supervision_id: Mapped[int] = mapped_column(ForeignKey("supervision.id"), unique=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    requirement: Mapped[str] = mapped_column(Text)
    counted_from: Mapped[date] = mapped_column(Date)  # the record's date; the start day does not count
    days: Mapped[int] = mapped_column(Integer)  # working days
    due_on: Mapped[date] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, index=True)
    closed_note: Mapped[str | None] = mapped_column(Text)
    closed_evidence: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)

    supervision: Mapped[Supervision] = relationship(back_populates="rectification", lazy="joined", innerjoin=True)
    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}
