"""Decisions (the legal source of powers) and departments (who guides, who receives)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from registry.domain.choices import DepartmentKind
from registry.models.base import Base, Timestamped, code_enum, in_codes


class Decision(Timestamped, Base):
    """A published decision that devolves powers, such as 渝府发〔2021〕13号."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(100))
    issued_on: Mapped[date] = mapped_column(Date)
    # "自…起施行" when the text says so; None: in force from issued_on.
    effective_on: Mapped[date | None] = mapped_column(Date)
    recipient: Mapped[str] = mapped_column(String(300))
    zone_body: Mapped[str] = mapped_column(String(100))
    annex_title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    source_ref: Mapped[str] = mapped_column(String(300))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    # Generated for measuring scale (`registry seed --synthetic`): never published as law, removable.
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Department(Timestamped, Base):
    """A city guiding department or a receiving zone office, with contact details for citizens."""

    __tablename__ = "department"
    __table_args__ = (CheckConstraint(in_codes("kind", DepartmentKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[DepartmentKind] = mapped_column(code_enum(DepartmentKind))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(64))
    hours: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    __mapper_args__ = {"version_id_col": version}
