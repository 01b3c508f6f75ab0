"""A power's service guide (办事指南): how citizens get the item done, for the office that receives applications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, Timestamped
from registry.models.power import Power
from registry.models.reference import Department


class ServiceGuide(Timestamped, Base):
    """One guide per power, for its receiving office (the handover's, else the guiding department); versioned.

    Every field but the office may be absent: an absent field is not shown. The rules live in
    registry.domain.guides; the database keeps only what must never be stored whatever the way in."""

    __tablename__ = "service_guide"
    __table_args__ = (
        CheckConstraint("legal_time_limit_days IS NULL OR legal_time_limit_days > 0", name="legal_days_positive"),
        CheckConstraint("promised_time_limit_days IS NULL OR promised_time_limit_days > 0",
                        name="promised_days_positive"),
        CheckConstraint("promised_time_limit_days IS NULL OR legal_time_limit_days IS NULL "
                        "OR promised_time_limit_days <= legal_time_limit_days", name="promised_within_legal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    basic_code: Mapped[str | None] = mapped_column(String(12))
    implementation_code: Mapped[str | None] = mapped_column(String(31))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    service_object: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[Any] = mapped_column(JSON(none_as_null=True), nullable=True)
    procedure: Mapped[str | None] = mapped_column(Text)
    legal_time_limit_days: Mapped[int | None] = mapped_column(Integer)
    promised_time_limit_days: Mapped[int | None] = mapped_column(Integer)
    fee_charged: Mapped[bool | None] = mapped_column(Boolean)
    fee_basis: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[str | None] = mapped_column(Text)
    consult_phone: Mapped[str | None] = mapped_column(String(64))
    complaint_phone: Mapped[str | None] = mapped_column(String(64))
    online_url: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    power: Mapped[Power] = relationship(lazy="joined", innerjoin=True)
    office: Mapped[Department] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}
