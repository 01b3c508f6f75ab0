"""办件量: the cases one receiving office handled for one item in one month (accepted, completed, on time)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, Timestamped
from registry.models.power import Power
from registry.models.reference import Department

# The month as text YYYY-MM (sorts and compares as the month does); each character checked, as both SQLite and
# PostgreSQL read it: a month 01..12 of a year 1000..2999.
DIGIT = "substr(month, {n}, 1) BETWEEN '0' AND '9'"
MONTH_CHECK = (
    "length(month) = 7 AND substr(month, 1, 1) IN ('1', '2') AND "
    + " AND ".join(DIGIT.format(n=n) for n in (2, 3, 4))
    + " AND substr(month, 5, 1) = '-' AND substr(month, 6, 2) IN "
    "('01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12')"
)


class CaseVolume(Timestamped, Base):
    """One month's figures for one item at one receiving office; replaced by a later import, never deleted."""

    __tablename__ = "case_volume"
    __table_args__ = (
        UniqueConstraint("power_id", "office_id", "month"),
        CheckConstraint(MONTH_CHECK, name="month_format"),
        CheckConstraint("accepted >= 0", name="accepted_not_negative"),
        CheckConstraint("completed >= 0 AND completed <= accepted", name="completed_within_accepted"),
        CheckConstraint("on_time IS NULL OR (on_time >= 0 AND on_time <= completed)", name="on_time_within_completed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)  # 承接部门, a zone office
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    accepted: Mapped[int] = mapped_column(Integer)  # 受理量
    completed: Mapped[int] = mapped_column(Integer)  # 办结量
    on_time: Mapped[int | None] = mapped_column(Integer)  # 按时办结量, when reported
    version: Mapped[int] = mapped_column(Integer)

    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)
    office: Mapped[Department] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}
