"""The server-rendered pages: session cookies (HttpOnly, SameSite, Secure over HTTPS) and CSRF on every form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, Response, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup, escape

from registry.domain.highlight import segments
from registry.domain.moments import as_utc, beijing_text
from registry.domain.roles import Action, refusal
from registry.domain.trail_words import role_label
from registry.domain.workdays import CHINA
from registry.exports.evaluation import percent
from registry.http.access import API_PREFIX, current_caller, note
from registry.schemas.handovers import HandoverEventOut
from registry.web import (
    auditor,
    auth,
    calendar_page,
    console,
    decision_import,
    edit,
    evaluation,
    feedback,
    guide,
    handover,
    home,
    offices,
    public,
    rectifications,
    volumes,
)
from registry.web.wording import changed_fields, devolved_sub_items, event_sentence

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGNER_KEY = "registry.session_signer"
csrf = CSRFProtect()


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request came over HTTPS, with its signer made once
    per app and its keys (Flask makes one per request, and itsdangerous then serialises {} to test it)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        made = app.extensions.get(SIGNER_KEY)
        if made is None or made[0] != keys:
            made = app.extensions[SIGNER_KEY] = (keys, super().get_signing_serializer(app))
        return made[1]


def _check_csrf() -> None:
    # The API takes only bearer tokens, which a browser never sends on its own; every page takes cookies.
    if request.method in UNSAFE_METHODS and not request.path.startswith(API_PREFIX):
        csrf.protect()


def _csrf_failed(error: CSRFError) -> tuple[str, int] | Response:
    note("csrf_failed", str(error.description)[:300])
    return render_template("error.html", title="表单已失效", message="表单已过期或来源不明，请刷新页面后重试。"), 400


def highlight(text: str | None, query: str | None, name: bool = False) -> Markup:
    """``text`` with what ``query`` matched wrapped in <mark>, everything escaped (``name``: a power's name, which
    a longer term holding it whole marks whole)."""
    return Markup("").join(Markup("<mark>{}</mark>").format(s.text) if s.matched else escape(s.text)
                           for s in segments(text or "", query, name))


def matches(text: str | None, query: str | None) -> bool:
    return any(s.matched for s in segments(text or "", query))


def beijing(moment: str | datetime | None, with_time: bool = False) -> str:
    """A moment (UTC, as the schemas dump it) as the Beijing date, or date and minute."""
    if not moment:
        return ""
    value = datetime.fromisoformat(moment.replace("Z", "+00:00")) if isinstance(moment, str) else as_utc(moment)
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def url_with(**changes: Any) -> str:
    """This page's address with some query arguments replaced (for paging) or dropped (None), the others kept as
    they were."""
    args = request.args.to_dict(flat=False)
    args.update({k: [str(v)] for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def event_text(event: Any) -> str:
    """A handover event (the model) in the same plain words the public page uses."""
    return event_sentence(HandoverEventOut().dump(event))


def may(action: str, department_id: int | None = None) -> bool:
    """Whether the signed-in user may take ``action`` (a code of roles.Action): the pages ask the one rule table."""
    return refusal(current_caller(), Action(action), department_id) is None


def init_app(app: Flask) -> None:
    # WTForms' own Chinese catalogue (Flask-WTF's i18n would need Flask-Babel).
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_I18N_ENABLED=False)
    app.session_interface = SessionCookies()
    csrf.init_app(app)
    app.before_request(guide.allow_sheet_upload)
    app.before_request(decision_import.allow_upload)  # before the CSRF check reads the (larger) form
    app.before_request(_check_csrf)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.add_template_filter(highlight)
    app.add_template_filter(matches)
    app.add_template_filter(beijing, "beijing_date")
    app.add_template_filter(lambda m: beijing(m, with_time=True), "beijing_time")
    app.add_template_filter(beijing_text, "beijing_seconds")
    app.add_template_filter(feedback.words, "zh")
    app.add_template_filter(devolved_sub_items)
    app.add_template_filter(changed_fields)
    app.add_template_global(url_with)
    app.add_template_global(current_caller)
    app.add_template_global(role_label)
    app.add_template_global(may)
    app.add_template_global(event_text)
    app.add_template_global(percent)
    for blueprint in (auth.bp, home.bp, public.bp, console.bp, handover.bp, edit.bp, guide.bp, auditor.bp, offices.bp,
                      calendar_page.bp, decision_import.bp, rectifications.bp, volumes.bp, evaluation.bp):
        app.register_blueprint(blueprint)
