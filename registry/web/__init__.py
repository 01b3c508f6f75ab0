"""The server-rendered pages: session cookies (HttpOnly, SameSite, Secure over HTTPS) and CSRF on every form."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect

from registry.access import API_PREFIX, note
from registry.web import auth

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
csrf = CSRFProtect()


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _check_csrf() -> None:
    # The API takes only bearer tokens, which a browser never sends on its own; every page takes cookies.
    if request.method in UNSAFE_METHODS and not request.path.startswith(API_PREFIX):
        csrf.protect()


def _csrf_failed(error: CSRFError) -> tuple[str, int] | Response:
    note("csrf_failed", str(error.description)[:300])
    return render_template("error.html", title="表单已失效", message="表单已过期或来源不明，请刷新页面后重试。"), 400


def init_app(app: Flask) -> None:
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False)
    app.session_interface = SessionCookies()
    csrf.init_app(app)
    app.before_request(_check_csrf)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_blueprint(auth.bp)
