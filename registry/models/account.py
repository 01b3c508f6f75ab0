"""Staff accounts and their API tokens; secrets are stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.domain.roles import Role
from registry.models.base import Base, Timestamped, code_enum, in_codes
from registry.models.reference import Department


class User(Timestamped, Base):
    """A staff member; a department user is bound to exactly one city guiding department."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(in_codes("role", Role), name="role"),
        CheckConstraint("(role = 'department') = (department_id IS NOT NULL)", name="department_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(code_enum(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    # argon2id; NULL means the account signs in with tokens only.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, server_default="1")

    department: Mapped[Department | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class ApiToken(Timestamped, Base):
    """A bearer token: only its keyed hash is kept, so a database dump holds no usable token."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
