"""An audit entry's diff as an auditor reads it on the page: each change (registry.domain.trail_words) with
what was removed and added marked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.domain.trail_words import Names, changes
from registry.web.textdiff import Piece, inline


@dataclass(frozen=True)
class Row:
    label: str
    field: str
    old: list[Piece]
    new: list[Piece]


def rows(entity: str, diff: list[dict[str, Any]], names: Names) -> list[Row]:
    """One row per changed field; a changed checklist gives one row per item that changed."""
    return [Row(c.label, c.field, *inline(c.before, c.after, whole=c.whole)) for c in changes(entity, diff, names)]
