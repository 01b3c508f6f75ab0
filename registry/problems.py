"""The one place that turns errors into RFC 9457 problem responses (application/problem+json)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException, InternalServerError

from registry.services import errors

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.ValidationFailed: 422,
    errors.Conflict: 409,
    errors.PreconditionRequired: 428,
    errors.StaleVersion: 412,
}


def problem(status: int, detail: str | None = None, *, type_: str = "about:blank",
            errors_map: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    """Build a problem response; ``errors`` holds field-by-field messages when there are any."""
    body: dict[str, Any] = {"type": type_, "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    if errors_map:
        body["errors"] = errors_map
    body.update(extra)
    # An unpaired surrogate echoed from a JSON body (say, an unknown field's name) goes out as its \u escape.
    text = json.dumps(body, ensure_ascii=False).encode("utf-8", "backslashreplace")
    resp = Response(text, status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs groups messages by location (json, query, ...); clients want them by field."""
    out: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, msgs in fields.items():
                out[str(name) if name != "_schema" else "_body"] = msgs
        else:
            out[location] = fields
    return out


def handle_http_exception(error: HTTPException) -> Response:
    """Every HTTP error: aborts, webargs parse errors, 404/405/413, and wrapped 500s."""
    status = error.code or 500
    if isinstance(error, InternalServerError) or status >= 500:
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
        return problem(500, "The server could not complete the request.")
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    errors_map = _flatten_locations(messages) if isinstance(messages, dict) else None
    detail = error.description if isinstance(error.description, str) else None
    if status == 422 and errors_map:
        detail = "The request has invalid fields; see errors."
    elif status == 400 and errors_map:
        detail = "The request body is not valid JSON."
        errors_map = None
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return problem(status, detail, errors_map=errors_map, headers=headers)


def handle_domain_error(error: errors.DomainError) -> Response:
    status = STATUS_BY_ERROR.get(type(error), 400)
    return problem(status, error.detail, type_=f"urn:registry:problem:{error.slug}",
                   errors_map=error.errors, **error.extra)


def handle_unexpected(error: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
    return problem(500, "The server could not complete the request.")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(errors.DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
