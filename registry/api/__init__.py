"""The JSON API under /api/v1: flask-smorest wired to answer every error as application/problem+json."""

from __future__ import annotations

import http
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from registry.api import (
    audit,
    calendar,
    case_volumes,
    changes,
    decisions,
    docs,
    evaluation,
    feed,
    guides,
    handovers,
    health,
    powers,
    progress,
    reference,
    supervision,
    users,
)
from registry.http.problems import PROBLEM_JSON, handle_http_exception
from registry.schemas.common import ProblemSchema

PREFIX = "/api/v1"
JSON_TYPES = frozenset({"application/json", "application/merge-patch+json"})


class RegistryApi(Api):
    """flask-smorest's Api, documenting and producing RFC 9457 problems for every error."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        # registry.api.problems.init_app registers the app-wide handlers.
        pass

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


FILE_BODIES = {decisions.IMPORTS}  # routes whose body is a file, its format told by the content type


def _require_json_body() -> None:
    """A write with a body must say it is JSON; anything else is 415, before any parsing."""
    if request.method in ("POST", "PUT", "PATCH") and request.path.startswith(PREFIX) and \
            request.path not in FILE_BODIES:
        has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding")
        if has_body and request.mimetype not in JSON_TYPES:
            raise UnsupportedMediaType("send the body as application/json")


def _require_utf8_query() -> None:
    """A query string must be UTF-8 once percent-decoded; werkzeug would keep bad bytes as literal %XX text."""
    if request.path.startswith(PREFIX):
        try:
            unquote_to_bytes(request.query_string).decode()
        except UnicodeDecodeError:
            raise BadRequest("the query string is not valid UTF-8") from None


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Devolved-powers registry",
        API_VERSION="1.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Powers devolved by 渝府发〔2021〕13号 to 重庆经开区, and their handover."},
        },
    )
    api = RegistryApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    app.before_request(_require_json_body)
    app.before_request(_require_utf8_query)
    for blp in (powers.blp, handovers.blp, guides.blp, progress.blp, feed.blp, reference.blp, calendar.blp, audit.blp,
                users.blp, decisions.blp, changes.blp, supervision.blp, evaluation.blp, case_volumes.blp):
        api.register_blueprint(blp)
    app.register_blueprint(health.bp)
    app.register_blueprint(docs.bp)
    app.extensions["registry.api"] = api
