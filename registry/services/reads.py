"""Reads too large for SQLAlchemy's rows: the driver's own rows, in the session's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable


def driver_rows(session: Session, stmt: Executable) -> list[tuple[Any, ...]]:
    """Every row of ``stmt`` as the driver returns it. SQLAlchemy's Row costs ~1.2 µs each even for one unprocessed
    integer, which reads by the ten thousand (postings, the search copy) cannot afford. Values come unconverted:
    the caller turns codes into choices itself."""
    result = session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()
