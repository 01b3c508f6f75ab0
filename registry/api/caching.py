"""Conditional GET and a per-worker response cache for public reads, both keyed by the data version.

The version (registry.services.freshness) changes with every write, so a cached body or an ETag can
never outlive the data it was made from; a client that sends the ETag back gets 304 with no body.
The version is read before the view runs, so a body is never older than its version; it is kept only if the
version is still the same once the body is made (a write that landed meanwhile leaves nothing in the cache).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from cachetools import LRUCache
from flask import Response, current_app, make_response, request

from registry import db
from registry.services.freshness import data_version

F = TypeVar("F", bound=Callable)
CACHE_KEY = "registry.response_cache"
MAX_BODY = 1 << 20  # larger bodies (full exports at scale) are not kept
_lock = threading.Lock()


def _cache() -> LRUCache | None:
    size = current_app.config["REGISTRY_SETTINGS"].response_cache_entries
    return current_app.extensions.setdefault(CACHE_KEY, LRUCache(maxsize=size)) if size else None


def _etag(version: str) -> str:
    digest = hashlib.sha256(f"{version}\n{request.full_path}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def conditional(view: F) -> F:
    """Answer 304 when the client's ETag is current, else a cached copy of the body or a fresh one."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        engine = db.get_engine()
        version = data_version(engine)
        tag = _etag(version)
        if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
        key, cache = (version, request.full_path), _cache()
        with _lock:
            hit = cache.get(key) if cache is not None else None
        if hit is not None:
            body, status, headers = hit
            return Response(body, status=status, headers=headers)
        response = make_response(view(*args, **kwargs))
        response.headers["ETag"] = tag
        response.headers["Cache-Control"] = "no-cache"  # may be stored, but revalidated every time
        # A body that sets a cookie belongs to one client; the session cookie itself is added after this runs.
        if (cache is not None and response.status_code == 200 and not response.is_streamed
                and "Set-Cookie" not in response.headers):
            body = response.get_data()
            if len(body) <= MAX_BODY and data_version(engine) == version:
                with _lock:
                    cache[key] = (body, response.status_code, list(response.headers.items()))
        return response

    return wrapper  # type: ignore[return-value]
