"""Who the audit trail names for a command run from the shell."""

from __future__ import annotations

import getpass
import uuid

from registry.domain.roles import Caller, Role


def cli_caller() -> Caller:
    """Whoever can run the CLI against the database is an administrator; the trail names their OS account."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Caller(None, f"cli:{who}"[:100], Role.ADMIN.value, request_id=f"cli-{uuid.uuid4().hex}")
