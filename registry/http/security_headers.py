"""Headers on every answer that keep browsers to the registry's own files: its pages load styles and images from
itself only and no script at all, are never framed by another site, are never sniffed as another type, and send
no address to other sites."""

from __future__ import annotations

from flask import Flask, Response

# The pages have no script, no inline style and nothing from another host (they must work on an intranet), so the
# policy can forbid all of it: an injected <script>, <style> or off-site <img> is refused by the browser.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
    "Referrer-Policy": "same-origin",
}


def add(response: Response) -> Response:
    """Put the headers on ``response`` (those it sets itself stay)."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add)
