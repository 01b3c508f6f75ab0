"""评估: the periodic evaluation of a devolved item, with the period's figures as they stood when it was made and
the evaluator's conclusion. Never deleted; evaluated again for the same period, it is updated (and audited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.choices import EvaluationConclusion
from registry.models.base import Base, Timestamped, code_enum, in_codes
from registry.models.power import Power


class Evaluation(Timestamped, Base):
    """One item's evaluation for one period (a calendar year by default)."""

    __tablename__ = "evaluation"
    __table_args__ = (
        UniqueConstraint("power_id", "period_start", "period_end"),
        CheckConstraint(in_codes("conclusion", EvaluationConclusion), name="conclusion"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        CheckConstraint("accepted >= 0 AND completed >= 0 AND open_rectifications >= 0 AND idle_months >= 0",
                        name="figures_not_negative"),
        CheckConstraint("on_time_permille IS NULL OR (on_time_permille >= 0 AND on_time_permille <= 1000)",
                        name="on_time_permille_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # The period's figures, copied when evaluated: the cases; the on-time share of the completed cases that
    # reported it, in per mille (None: none did); the rectifications open at the period's end; the months with
    # no case accepted.
    accepted: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    on_time_permille: Mapped[int | None] = mapped_column(Integer)
    open_rectifications: Mapped[int] = mapped_column(Integer)
    idle_months: Mapped[int] = mapped_column(Integer)
    conclusion: Mapped[EvaluationConclusion] = mapped_column(code_enum(EvaluationConclusion))
    reason: Mapped[str] = mapped_column(Text)
    evaluated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)

    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}
