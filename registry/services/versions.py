"""The one version check of every versioned row: a write made from an older version is refused, never applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.services.errors import Code, Message, PreconditionRequired, StaleVersion


def check_version(row: Any, expected: int | None, stale: Callable[[int, int], Message]) -> None:
    """Refuse with 412 and ``stale(version, expected)`` when ``expected`` is not ``row``'s version; None means the
    caller named none (the command line, or an action that allows it)."""
    if expected is not None and row.version != expected:
        detail = stale(row.version, expected)
        raise StaleVersion(detail, current_version=row.version)


def require_version(row: Any, expected: int | None, stale: Callable[[int, int], Message]) -> None:
    """As ``check_version``, but a write that names no version is refused too (428): If-Match is required."""
    if expected is None:
        raise PreconditionRequired(Message(Code.IF_MATCH_MISSING, "send If-Match with the ETag from your last GET of "
                                           "what you change"))
    check_version(row, expected, stale)
