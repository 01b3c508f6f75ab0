"""The devolved-powers registry: a Flask app built by create_app()."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask

from registry import api, cli, db, web
from registry.config import Settings
from registry.db.files import private_directory
from registry.domain.chain import chain_key
from registry.http import access, caching, problems, request_id, security_headers
from registry.services.accounts import TOKEN_KEY, token_key
from registry.services.audit import CHAIN_KEY


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings, database, request ids, security headers, access rules, error mapping, API, pages,
    CLI, and the response cache in front of them all."""
    app = Flask(__name__, instance_relative_config=True)
    settings = settings or Settings.from_env(Path(app.instance_path))
    _configure(app, settings)
    db.init_app(app, db.make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms,
                                    cache_mib=settings.sqlite_cache_mib, echo=settings.log_sql),
                info={CHAIN_KEY: chain_key(settings.audit_key), TOKEN_KEY: token_key(settings.secret_key)})
    request_id.init_app(app)
    security_headers.init_app(app)
    access.init_app(app)
    problems.init_app(app)
    api.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    caching.init_app(app)
    return app


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
