"""X-Request-ID: taken from the client when it is sane, generated otherwise, echoed on every response."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
SANE = re.compile(r"^[A-Za-z0-9._:@+=/-]{1,128}$")


def current() -> str:
    return g.get("request_id", "")


def chosen(given: str) -> str:
    """The client's request id when it is sane, else a new one."""
    return given if SANE.match(given) else uuid.uuid4().hex


def assign() -> None:
    """This request's id, from the client's header when it is sane."""
    g.request_id = chosen(request.headers.get(HEADER, ""))


def echo(response: Response) -> Response:
    """Send this request's id back."""
    response.headers[HEADER] = g.get("request_id") or uuid.uuid4().hex
    return response


def init_app(app: Flask) -> None:
    app.before_request(assign)
    app.after_request(echo)
