"""URL rules shared by the API and the pages."""

from __future__ import annotations

from registry.models.base import MAX_ID

# An id beyond the column's range cannot exist: such a path is a 404 at routing, never a database error.
POWER = f"/<int(max={MAX_ID}):power_id>"
RECTIFICATION = f"/<int(max={MAX_ID}):rectification_id>"
