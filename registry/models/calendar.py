"""The working-day calendar: the years loaded, and the days of each that differ from their weekday."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.choices import DayOverride
from registry.models.base import Base, code_enum, in_codes


class CalendarYear(Base):
    """A year whose official calendar is loaded: only such a year is known to working-day arithmetic."""

    __tablename__ = "calendar_year"
    __table_args__ = (CheckConstraint("year BETWEEN 1900 AND 9999", name="year_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    # Where the days came from: "chinesecalendar 1.11.0" for the seeded years, a file name or "api" after that.
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    days: Mapped[list[CalendarDay]] = relationship(back_populates="calendar_year", order_by="CalendarDay.day",
                                                   cascade="all, delete-orphan", passive_deletes=True)

    __mapper_args__ = {"version_id_col": version}


class CalendarDay(Base):
    """A day that overrides its weekday: a holiday (any day) or a make-up workday (a Saturday or Sunday)."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint(in_codes("kind", DayOverride), name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("calendar_year.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DayOverride] = mapped_column(code_enum(DayOverride))
    calendar_year: Mapped[CalendarYear] = relationship(back_populates="days")
