"""Declarative base with a naming convention so every constraint has a stable, migratable name."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from registry.domain.choices import LabelledChoice

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger number names no row and must not reach the database.
MAX_ID = 2**31 - 1


def is_id(value: str) -> bool:
    """ASCII digits within the id range; anything else (say "²" or 20 digits) can only be a name."""
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


def code_enum(choices: type[LabelledChoice]) -> Enum:
    """Store a closed set by its stable code (a VARCHAR); a CHECK from in_codes() guards the database."""
    length = max(16, *(len(c.value) for c in choices))
    return Enum(choices, native_enum=False, create_constraint=False, length=length,
                values_callable=lambda e: [c.value for c in e], validate_strings=True)


def in_codes(column: str, choices: type[LabelledChoice]) -> str:
    """The SQL of a CHECK constraint that keeps ``column`` within the codes of ``choices``."""
    return f"{column} IN ({', '.join(repr(c) for c in choices.codes())})"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """Creation and last-change times, in UTC."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
