"""The outermost WSGI layer: an error that escapes Flask, or the response cache in front of it (which reads the data
version before Flask runs), is answered as Flask answers errors (registry.http.problems), never with the server's
own bare error page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from registry.http import problems


class LastResort:
    """WSGI middleware around everything else the app's wsgi_app does."""

    def __init__(self, app: Flask):
        self.app, self.inner = app, app.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started: list[bool] = []

        def starting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            started.append(True)
            return start_response(status, headers, exc_info)

        try:
            return self.inner(environ, starting)
        except Exception as error:
            response = problems.answer_outside_flask(self.app, environ, error)
            # Headers the inner app gave (but the server has not sent yet) are replaced, as PEP 3333 allows.
            exc_info = (type(error), error, error.__traceback__) if started else None
            return response(environ, lambda status, headers: start_response(status, headers, exc_info))


def init_app(app: Flask) -> None:
    """Wrap the app's wsgi_app as it stands: call this last."""
    app.wsgi_app = LastResort(app)  # type: ignore[method-assign]
