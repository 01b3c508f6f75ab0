"""A devolved power (one annex item) and its ordered sub-items."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.choices import ExerciseLevel, PowerType
from registry.models.base import Base, Timestamped, code_enum, in_codes
from registry.models.reference import Decision, Department

if TYPE_CHECKING:
    from registry.models.lineage import DecisionAction


class Power(Timestamped, Base):
    """One item of a decision's annex; retired, never deleted; versioned for optimistic locking."""

    __tablename__ = "power"
    __table_args__ = (
        UniqueConstraint("decision_id", "seq"),
        CheckConstraint(in_codes("type", PowerType), name="type"),
        CheckConstraint(in_codes("level", ExerciseLevel), name="level"),
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint(
            "(partial AND devolved_part IS NOT NULL) OR (NOT partial AND devolved_part IS NULL "
            "AND retained_part IS NULL)",
            name="partial_parts",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    type: Mapped[PowerType] = mapped_column(code_enum(PowerType), index=True)
    level: Mapped[ExerciseLevel] = mapped_column(code_enum(ExerciseLevel))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    devolved_part: Mapped[str | None] = mapped_column(Text)
    retained_part: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    version: Mapped[int] = mapped_column(Integer)

    decision: Mapped[Decision] = relationship(lazy="joined", innerjoin=True)
    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    sub_item_rows: Mapped[list[SubItem]] = relationship(
        order_by="SubItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    # What each decision did to this item, in the order applied (registry.models.lineage); read on demand.
    lineage: Mapped[list[DecisionAction]] = relationship(order_by="DecisionAction.id", lazy="select", viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def sub_items(self) -> list[str]:
        return [s.name for s in self.sub_item_rows]


class SubItem(Base):
    """子项名称: an ordered part of a power; the annex prints one row per sub-item."""

    __tablename__ = "power_sub_item"
    __table_args__ = (UniqueConstraint("power_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
