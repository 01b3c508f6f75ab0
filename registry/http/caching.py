"""Conditional GET and a per-worker response cache for public reads, both keyed by the data version.

The version (registry.services.freshness) changes with every write, so a cached answer or an ETag can never
outlive the data it was made from; a client that sends the ETag back gets 304 with no body. The version is read
before the view runs, so a body is never older than its version; it is kept only if the version is still the same
once the body is made (a write that landed meanwhile leaves nothing in the cache).

The cache holds only answers to anonymous requests (no bearer token, no session cookie) on public routes, as Flask
sent them, every hook's header included; it is served by `CachedAnswers`, in front of Flask, so that a hit costs
one version read rather than a request's whole dispatch. Each answer is kept under the URL as the client sent it,
host included: a body may hold absolute links made from the Host header (the Atom feed does).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from cachetools import LRUCache
from flask import Flask, Response, current_app, make_response, request, session

from registry import db
from registry.http import access, request_id
from registry.services.freshness import data_version

F = TypeVar("F", bound=Callable)
CACHE_KEY = "registry.response_cache"
VERSION_KEY = "registry.data_version"  # environ: the version CachedAnswers read, so the view's wrapper need not
KEEP_KEY = "registry.keep_at"  # environ: the version the answer was made at, when it may be kept
LARGEST_SHARE = 8  # an answer larger than this share of the cache (a full export) is not kept
OVERHEAD = 256  # bytes an answer costs beyond its URL, headers and body (the objects that hold them)
STAFF_CACHE_CONTROL = "private, no-store"
OWN_HEADER = request_id.HEADER.lower()  # belongs to one exchange, never replayed: a hit gets its own request id


def request_url(environ: dict[str, Any]) -> str:
    """What an answer is for: scheme, host, mount point, path and query, as the client sent them."""
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    return (f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"
            f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")


def has_credentials(environ: dict[str, Any], cookie_name: str) -> bool:
    """An Authorization header or a session cookie (any cookie of that name)."""
    return "HTTP_AUTHORIZATION" in environ or f"{cookie_name}=" in environ.get("HTTP_COOKIE", "")


def anonymous_get(environ: dict[str, Any], cookie_name: str) -> bool:
    """A GET without credentials."""
    return environ.get("REQUEST_METHOD") == "GET" and not has_credentials(environ, cookie_name)


@dataclass(frozen=True, slots=True)
class Answer:
    version: str
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def answer_size(url: str, answer: Answer) -> int:
    """What an answer held for ``url`` costs, roughly, in bytes."""
    return OVERHEAD + len(url) + len(answer.body) + sum(len(k) + len(v) for k, v in answer.headers)


class ResponseCache:
    """The last answer kept for each URL, at most ``max_bytes`` of them in all, least recently used out first."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._answers: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda pair: answer_size(*pair))
        self._lock = threading.Lock()  # one request at a time per sync worker; the lock is for threaded servers

    def get(self, url: str) -> Answer | None:
        with self._lock:
            held = self._answers.get(url)
        return held[1] if held is not None else None

    def keep(self, url: str, answer: Answer) -> None:
        """Hold ``answer`` unless it alone would take more than its share of the cache."""
        if answer_size(url, answer) * LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            self._answers[url] = (url, answer)

    @property
    def size(self) -> int:
        """Bytes held now."""
        with self._lock:
            return int(self._answers.currsize)

    def items(self) -> list[tuple[str, Answer]]:
        """What is held now, URL by URL."""
        with self._lock:
            return [(url, answer) for url, answer in self._answers.values()]


class CachedAnswers:
    """WSGI middleware: answers an anonymous GET from the cache when its answer is at the current data version;
    otherwise Flask answers, and what a `conditional` or `keepable` view marked is kept on its way out."""

    def __init__(self, app: Flask, cache: ResponseCache):
        self.app, self.cache, self.wsgi_app = app, cache, app.wsgi_app
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not anonymous_get(environ, self.cookie_name):
            return self.wsgi_app(environ, start_response)
        url = request_url(environ)
        held = self.cache.get(url)
        if held is not None:
            version = environ[VERSION_KEY] = data_version(self.app.extensions[db.ENGINE_KEY])
            if held.version == version and "HTTP_IF_NONE_MATCH" not in environ:
                own = request_id.chosen(environ.get("HTTP_X_REQUEST_ID", ""))
                start_response(held.status, [*held.headers, (request_id.HEADER, own)])
                return [held.body]
        return self._answer_and_keep(environ, start_response, url)

    def _answer_and_keep(self, environ: dict[str, Any], start_response: Callable, url: str) -> Iterable[bytes]:
        sent: list[tuple[str, list[tuple[str, str]]]] = []

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            sent.append((status, headers))
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, recording)
        version = environ.get(KEEP_KEY)
        if version is None:
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        status, headers = sent[-1]
        if (status.startswith("200 ")
                and not any(name.lower() == "set-cookie" for name, _ in headers)):
            kept = [(name, value) for name, value in headers if name.lower() != OWN_HEADER]
            self.cache.keep(url, Answer(version, status, kept, body))
        return [body]


def _etag(version: str) -> str:
    digest = hashlib.sha256(f"{version}\n{request_url(request.environ)}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _version_before_view() -> str:
    """The data version, read before the view reads anything (CachedAnswers may have read it already)."""
    version = request.environ.get(VERSION_KEY)
    if version is None:
        version = request.environ[VERSION_KEY] = data_version(db.get_engine())
    return version


def _keep_if_current(response: Response, version: str) -> None:
    """Mark the answer for the cache when it may be kept: 200, not streamed, for an anonymous caller (who got this
    far, so the route is public), and made at an unchanged version."""
    if (CACHE_KEY in current_app.extensions and response.status_code == 200 and not response.is_streamed
            and anonymous_get(request.environ, current_app.config["SESSION_COOKIE_NAME"])
            and data_version(db.get_engine()) == version):
        request.environ[KEEP_KEY] = version


def keepable(view: F) -> F:
    """Let the response cache keep the view's answers (see _keep_if_current); the view makes its own ETag."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        version = _version_before_view()
        response = make_response(view(*args, **kwargs))
        _keep_if_current(response, version)
        return response

    return wrapper  # type: ignore[return-value]


def conditional(view: F) -> F:
    """Answer 304 when the client's ETag (made from the data version) is current, else the view's answer, with that
    ETag, which the response cache may keep."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        version = _version_before_view()
        tag = _etag(version)
        if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
        response = make_response(view(*args, **kwargs))
        response.headers["ETag"] = tag
        response.headers["Cache-Control"] = "no-cache"  # may be stored, but revalidated every time
        _keep_if_current(response, version)
        return response

    return wrapper  # type: ignore[return-value]


def _no_store_for_staff(response: Response) -> Response:
    """Nothing a browser or a proxy may keep for someone else: an answer to a caller with credentials, from a
    route that is not public (a console page, the staff API, its 401 or redirect), or that sets a cookie."""
    if (has_credentials(request.environ, current_app.config["SESSION_COOKIE_NAME"])
            or access.rule_for(current_app, request.endpoint) not in (access.PUBLIC, None)
            or session.modified or "Set-Cookie" in response.headers):  # the session cookie is set after this
        response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
        response.headers.remove("Expires")
    return response


def init_app(app: Flask) -> None:
    """Mark staff answers private and unstored; put the response cache in front of the app, unless it is sized 0."""
    app.after_request(_no_store_for_staff)
    size = app.config["REGISTRY_SETTINGS"].response_cache_bytes
    if size:
        cache = app.extensions[CACHE_KEY] = ResponseCache(size)
        app.wsgi_app = CachedAnswers(app, cache)  # type: ignore[method-assign]
