"""The devolved-powers registry: a Flask app built by create_app()."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask

from registry import api, db, web
from registry.config import Settings
from registry.db.files import private_directory
from registry.domain import chain
from registry.http import access, caching, last_resort, problems, proxies, request_id, security_headers
from registry.services import audit_keys
from registry.services.accounts import TOKEN_KEY, token_key
from registry.services.audit import CHAIN_KEY, CHECKPOINT_PUBLIC, KEY_ID, KEY_SOURCE


def create_app(settings: Settings | None = None, *, check_audit_key: bool = True) -> Flask:
    """Build the app: settings, database, the audit key check, request ids, security headers, access rules, error
    mapping, API, pages, the response cache in front of them all, the trusted proxies' word on who the
    client is before it, and in front of everything the answer to any error that escapes.

    ``check_audit_key``: refuse to start (errors.Unavailable) when the trail's current key is not the configured
    one; the CLI turns it off so that `registry audit verify` can say so, and its writes are refused anyway."""
    app = Flask(__name__, instance_relative_config=True)
    settings = settings or Settings.from_env(Path(app.instance_path))
    _configure(app, settings)
    db.init_app(app, db.make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                                    cache_mib=settings.sqlite_cache_mib, echo=settings.log_sql),
                info=_session_info(settings))
    if check_audit_key:
        _check_audit_key(app)
    request_id.init_app(app)
    security_headers.init_app(app)
    access.init_app(app)
    problems.init_app(app)
    api.init_app(app)
    web.init_app(app)
    caching.init_app(app)
    proxies.init_app(app)
    last_resort.init_app(app)
    return app


def _session_info(settings: Settings) -> dict:
    """What every session carries: the keys of the audit chain, of checkpoints and of tokens."""
    key = settings.audit_key
    checkpoint = chain.signing_key(settings.checkpoint_key).public_key() if settings.checkpoint_key else None
    return {CHAIN_KEY: chain.chain_key(key) if key else None, KEY_ID: chain.key_id(key) if key else None,
            KEY_SOURCE: settings.audit_key_source, CHECKPOINT_PUBLIC: checkpoint,
            TOKEN_KEY: token_key(settings.secret_key)}


def _check_audit_key(app: Flask) -> None:
    """One read of the trail's head; the connection is closed again, so a gunicorn master forks holding none."""
    engine = app.extensions[db.ENGINE_KEY]
    try:
        with app.extensions["registry.sessionmaker"]() as session:
            audit_keys.check_at_start(session)
    finally:
        engine.dispose()


def _configure(app: Flask, settings: Settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_content_length,
        JSON_AS_ASCII=False,
        REGISTRY_SETTINGS=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="registry_session",
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.session_lifetime_seconds),
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if settings.database_url.startswith("sqlite:///") and Path(app.instance_path) in Path(
        settings.database_url.removeprefix("sqlite:///")
    ).parents:
        private_directory(app.instance_path)
    logging.getLogger("registry").setLevel(logging.INFO)
