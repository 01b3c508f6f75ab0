"""Who is calling and whether they may call this route: every view declares a rule; no rule means refused.

The API takes bearer tokens only; the web pages take the session cookie (and so carry CSRF tokens).
Refusals that matter to auditors (bad tokens, forbidden attempts) become security events, written after
the refused request's transaction has been rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import NoReturn, TypeVar

from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized

from registry import db
from registry.domain import throttle
from registry.domain.roles import ANONYMOUS, Caller, Role
from registry.http import problems, request_id
from registry.models import User
from registry.models.base import utcnow
from registry.services import accounts, errors, security

F = TypeVar("F", bound=Callable)
RULE_ATTR = "_registry_access"
PUBLIC = "public"
API_PREFIX = problems.API_PREFIX
# Endpoints Flask or flask-smorest add themselves; all of them only read.
BUILTIN_PUBLIC = frozenset({"static", "api-docs.openapi_json"})
STAFF = tuple(Role)
REFUSALS = {
    "token_invalid": "unknown credentials",
    "token_expired": "this token has expired",
    "token_revoked": "this token has been revoked",
    "user_disabled": "this account is disabled",
}
log = logging.getLogger(__name__)


def public(view: F) -> F:
    """Anyone may call this view."""
    setattr(view, RULE_ATTR, PUBLIC)
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Only a caller holding one of ``allowed`` may call this view."""

    def mark(view: F) -> F:
        setattr(view, RULE_ATTR, frozenset(str(r) for r in allowed))
        return view

    return mark


def staff(view: F) -> F:
    """Any signed-in staff member may call this view."""
    return roles(*STAFF)(view)


def rule_for(app: Flask, endpoint: str | None) -> str | frozenset[str] | None:
    if endpoint in BUILTIN_PUBLIC:
        return PUBLIC
    view = app.view_functions.get(endpoint or "")
    return getattr(view, RULE_ATTR, None)


def may_call(endpoint: str, caller: Caller) -> bool:
    """Whether ``endpoint``'s declared rule admits ``caller`` (a page offers only the links its user may follow)."""
    rule = rule_for(current_app, endpoint)
    return rule == PUBLIC or (rule is not None and caller.authenticated and caller.role in rule)


def anonymous() -> Caller:
    return Caller(None, ANONYMOUS, ANONYMOUS, request_id=request_id.current())


def current_caller() -> Caller:
    """The caller of this request, as the services take it."""
    return g.get("caller") or anonymous()


def note(kind: str, detail: str, *, account: str | None = None, user_id: int | None = None) -> None:
    """Keep a security event about this request; it is written once the request's transaction is over."""
    caller = g.get("caller")
    g.setdefault("security_events", []).append(security.Event(
        kind=kind, detail=detail, method=request.method, path=request.path, request_id=request_id.current(),
        address=request.remote_addr, account=account or (caller.name if caller and caller.authenticated else None),
        user_id=user_id if user_id is not None else (caller.user_id if caller else None),
    ))


def _write_security_events(_exc: BaseException | None) -> None:
    events = g.pop("security_events", None)
    if not events:
        return
    db.close_session()  # roll back the refused request first; on SQLite it may hold the write lock
    side = db.side_session()
    try:
        for event in events:
            security.record(side, event)
        side.commit()
    except Exception:
        log.exception("could not record %d security event(s)", len(events))
    finally:
        side.close()


def throttle_rule() -> throttle.Rule:
    """The throttle of failed sign-ins and unknown tokens, as this deployment configures it."""
    settings = current_app.config["REGISTRY_SETTINGS"]
    return throttle.Rule(free_failures=settings.login_failures_per_pair,
                         first_delay=timedelta(seconds=settings.login_first_delay_seconds),
                         longest_delay=timedelta(seconds=settings.login_longest_delay_seconds),
                         per_address=settings.login_failures_per_address,
                         window=timedelta(seconds=settings.login_window_seconds))


def _unknown_token(detail: str, answer: str) -> NoReturn:
    """Refuse an unknown or malformed token: 401, or 429 once its address has sent too many of them.

    Only the refused path pays for the count, so a valid token is never held back by its neighbours' mistakes.
    """
    settings = current_app.config["REGISTRY_SETTINGS"]
    rule = replace(throttle_rule(), per_address=settings.token_failures_per_address)
    wait = security.token_retry_after(db.session(), rule, request.remote_addr, utcnow())
    if wait is not None:
        note("token_throttled", f"unknown token refused; told to wait {wait} s")
        raise TooManyRequests("too many unknown tokens from this address; retry later", retry_after=wait)
    note("token_invalid", detail)
    raise Unauthorized(answer)


def _bearer_caller(header: str) -> Caller:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 256:
        _unknown_token("malformed Authorization header", "send Authorization: Bearer <token>")
    check = accounts.check_token(db.session(), token)
    if check.refusal == "token_invalid":
        _unknown_token(REFUSALS["token_invalid"], REFUSALS["token_invalid"])
    if check.refusal is not None:
        user = check.token.user if check.token else None
        note(check.refusal, REFUSALS[check.refusal], account=user.name if user else None,
             user_id=user.id if user else None)
        raise Unauthorized(REFUSALS[check.refusal])
    return accounts.caller_for(check.token.user, request_id.current(), check.token.id)


def _session_caller() -> Caller:
    """The signed-in user of the web session, if the session is still valid for them."""
    uid = session.get("uid")
    if uid is None:
        return anonymous()
    user = db.session().get(User, uid) if isinstance(uid, int) else None
    signed_in_at = session.get("at", 0)
    lifetime = current_app.config["REGISTRY_SETTINGS"].session_lifetime_seconds
    if (user is None or user.disabled or session.get("pwv") != password_version(user)
            or datetime.now(UTC).timestamp() - signed_in_at > lifetime):
        session.clear()
        return anonymous()
    return accounts.caller_for(user, request_id.current())


def password_version(user: User) -> str:
    """Changes when the password does, which ends every web session opened with the old one."""
    changed = user.password_changed_at
    return changed.isoformat() if changed else ""


def _authenticate() -> Caller:
    header = request.headers.get("Authorization")
    if header is not None:
        return _bearer_caller(header)
    if not request.path.startswith(API_PREFIX):
        return _session_caller()
    return anonymous()


def _enforce() -> Response | None:
    if request.endpoint is None:
        return None  # no route matched: the 404/405 handler answers
    rule = rule_for(current_app, request.endpoint)
    g.caller = anonymous()  # what note() reports while the credentials are still being checked
    g.caller = _authenticate()
    if rule == PUBLIC:
        return None
    if rule is None:
        note("forbidden", "route declares no access rule")
        raise Forbidden("this route declares no access rule")
    if not g.caller.authenticated:
        if not request.path.startswith(API_PREFIX):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        raise Unauthorized("sign in with a bearer token")
    if g.caller.role not in rule:
        note("forbidden", f"the {g.caller.role} role may not call {request.endpoint}")
        raise Forbidden("your role may not do this")
    return None


def _forbidden_by_service(error: errors.Forbidden) -> Response:
    note("forbidden", error.detail)
    return problems.handle_domain_error(error)


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
    app.register_error_handler(errors.Forbidden, _forbidden_by_service)
    app.teardown_request(_write_security_events)
