"""The service layer's permission check: every write asks here before it touches a row."""

from __future__ import annotations

from registry.domain.roles import Action, Caller, refusal
from registry.services.errors import Forbidden


def authorize(caller: Caller, action: Action, department_id: int | None = None) -> None:
    """Raise Forbidden unless ``caller`` may take ``action`` (on data of ``department_id``)."""
    reason = refusal(caller, action, department_id)
    if reason is not None:
        raise Forbidden(reason)
