"""Who may call each route: every view declares a rule, and a view without one is refused.

Until user accounts exist (the trust issue), the only writer is the operator holding the token set in
REGISTRY_ADMIN_TOKEN; everyone else is anonymous and may only read.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g, request
from werkzeug.exceptions import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable)
RULE_ATTR = "_registry_access"
PUBLIC = "public"
# Endpoints Flask or flask-smorest add themselves; all of them only read.
BUILTIN_PUBLIC = frozenset({"static", "api-docs.openapi_json"})


@dataclass(frozen=True)
class Principal:
    name: str
    role: str


ANONYMOUS = Principal("anonymous", "anonymous")


def public(view: F) -> F:
    """Anyone may call this view."""
    setattr(view, RULE_ATTR, PUBLIC)
    return view


def roles(*allowed: str) -> Callable[[F], F]:
    """Only a principal holding one of ``allowed`` may call this view."""

    def mark(view: F) -> F:
        setattr(view, RULE_ATTR, frozenset(allowed))
        return view

    return mark


def rule_for(app: Flask, endpoint: str | None) -> str | frozenset[str] | None:
    if endpoint in BUILTIN_PUBLIC:
        return PUBLIC
    view = app.view_functions.get(endpoint or "")
    return getattr(view, RULE_ATTR, None)


def _principal() -> Principal:
    header = request.headers.get("Authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    expected = current_app.config.get("REGISTRY_ADMIN_TOKEN")
    if scheme.lower() != "bearer" or not token or not expected:
        raise Unauthorized("unknown credentials")
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Unauthorized("unknown credentials")
    return Principal("operator", "admin")


def current_principal() -> Principal:
    return g.get("principal", ANONYMOUS)


def _enforce() -> None:
    if request.endpoint is None:
        return  # no route matched: the 404/405 handler answers
    rule = rule_for(current_app, request.endpoint)
    g.principal = _principal()
    if rule == PUBLIC:
        return
    if rule is None:
        raise Forbidden("this route declares no access rule")
    if g.principal is ANONYMOUS:
        raise Unauthorized("sign in with a bearer token")
    if g.principal.role not in rule:
        raise Forbidden("your role may not do this")


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
