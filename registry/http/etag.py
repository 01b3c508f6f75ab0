"""Optimistic concurrency over HTTP: a versioned row's ETag is its version; writes must send it back in If-Match."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

from registry.services.errors import Code, Message, PreconditionRequired, StaleVersion

ETAG_RE = re.compile(r'^"(\d+)"$')


def etag_for(version: int) -> str:
    return f'"{version}"'


def with_etag(row: Any, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    """A view's answer for one versioned row, with its ETag."""
    return row, status, {"ETag": etag_for(row.version)}


def not_modified(version: int) -> Response | None:
    """304 when the client's If-None-Match names this version already."""
    tag = etag_for(version)
    if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return Response(status=304, headers={"ETag": tag})
    return None


def expected_version() -> int:
    """The version named by If-Match; refuse a write without one or with a weak or wildcard tag."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(Message(Code.IF_MATCH_MISSING,
                                           "send If-Match with the ETag from your last GET of what you change"))
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if tags == ["*"]:
        raise PreconditionRequired(Message(Code.IF_MATCH_WILDCARD,
                                           "If-Match: * would overwrite blindly; send the ETag you last read"))
    m = ETAG_RE.match(tags[0]) if len(tags) == 1 else None
    if m is None:
        raise StaleVersion(Message(Code.IF_MATCH_INVALID,
                                   "If-Match must be the one strong ETag of the current version"))
    return int(m[1])


def optional_version() -> int | None:
    """The version named by If-Match when the client sends one (actions re-check their own state anyway)."""
    return expected_version() if request.headers.get("If-Match") else None
