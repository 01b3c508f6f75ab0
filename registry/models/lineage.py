"""An item's lineage: what each decision did to it (下放, 收回, …), for which receiving body, from when."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.choices import DecisionActionKind
from registry.models.base import Base, Timestamped, code_enum, in_codes
from registry.models.reference import Decision, Department


class DecisionAction(Timestamped, Base):
    """One annex row of a decision applied to one item: append-only, one per decision and item."""

    __tablename__ = "decision_action"
    __table_args__ = (
        UniqueConstraint("decision_id", "power_id"),
        CheckConstraint(in_codes("action", DecisionActionKind), name="action"),
        CheckConstraint("annex > 0 AND seq > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id"), index=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    action: Mapped[DecisionActionKind] = mapped_column(code_enum(DecisionActionKind))
    body_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)  # 承接主体, a zone department
    annex: Mapped[int] = mapped_column(Integer)  # 附件N, from 1
    annex_title: Mapped[str] = mapped_column(String(300))
    seq: Mapped[int] = mapped_column(Integer)  # the item's 序号 in that annex
    effective_on: Mapped[date] = mapped_column(Date)
    changes: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)  # adjust: {field: [before, after]}
    # Written with the item itself (migration 0014, `registry seed`), not by an import: its creation entry audits it.
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    decision: Mapped[Decision] = relationship(lazy="joined", innerjoin=True)
    body: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
