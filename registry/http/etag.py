"""Optimistic concurrency over HTTP: a power's ETag is its version; writes must send If-Match."""

from __future__ import annotations

import re

from flask import request

from registry.services.errors import Code, Message, PreconditionRequired, StaleVersion

ETAG_RE = re.compile(r'^"(\d+)"$')


def etag_for(version: int) -> str:
    return f'"{version}"'


def expected_version() -> int:
    """The version named by If-Match; refuse a write without one or with a weak or wildcard tag."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(Message(Code.IF_MATCH_MISSING,
                                           "send If-Match with the ETag from your last GET of this power"))
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if tags == ["*"]:
        raise PreconditionRequired(Message(Code.IF_MATCH_WILDCARD,
                                           "If-Match: * would overwrite blindly; send the power's ETag"))
    m = ETAG_RE.match(tags[0]) if len(tags) == 1 else None
    if m is None:
        raise StaleVersion(Message(Code.IF_MATCH_INVALID,
                                   "If-Match must be the one strong ETag of this power's current version"))
    return int(m[1])


def optional_version() -> int | None:
    """The version named by If-Match when the client sends one (actions re-check their own state anyway)."""
    return expected_version() if request.headers.get("If-Match") else None
