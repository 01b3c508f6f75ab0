"""The one place that turns errors into responses: RFC 9457 problems (application/problem+json) for the API,
an HTML page in plain Chinese for the pages people read."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, json, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from registry.db import failures
from registry.http import request_id, security_headers
from registry.services import errors

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"
MACHINE_PATHS = ("/healthz", "/readyz")
log = logging.getLogger(__name__)
# What a person reads for each status on a page; the detail stays in the log and the API.
PAGE_TITLES = {
    400: ("请求无效", "请求的内容无法处理，请返回上一页检查后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的账号无权查看或办理此项。"),
    404: ("页面不存在", "找不到您要的页面或事项，请检查链接，或回到首页重新查询。"),
    405: ("请求方式不支持", "此页面不支持这种请求方式。"),
    409: ("无法办理", "当前状态下不能办理此项。"),
    412: ("内容已被他人修改", "您看到的内容已过期，请刷新后重试。"),
    413: ("提交内容过大", "提交的内容超过了允许的大小。"),
    422: ("填写有误", "提交的内容有误，请返回检查。"),
    428: ("缺少版本信息", "请刷新页面后重试。"),
    429: ("请求过于频繁", "请稍后再试。"),
    503: ("服务暂时不可用", "请稍后再试。"),
    507: ("存储空间已满", "暂时无法保存修改。"),
}

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.Forbidden: 403,
    errors.ValidationFailed: 422,
    errors.TooLarge: 413,
    errors.Conflict: 409,
    errors.PreconditionRequired: 428,
    errors.StaleVersion: 412,
    errors.Unavailable: 503,
    errors.StorageFull: 507,
}
# Outages whose page says what happened: error.html words their message in Chinese by its code (the `zh` filter).
WORDED_ON_PAGES = (errors.Unavailable, errors.StorageFull)


def _for_a_page() -> bool:
    return not request.path.startswith(API_PREFIX) and request.path not in MACHINE_PATHS


def page(status: int, headers: dict[str, str] | None = None, message: str | None = None) -> Response:
    """The error as a page: a title and a sentence (a Message is worded in Chinese by its code), never a stack
    trace, SQL or internal detail."""
    title, default = PAGE_TITLES.get(status, ("出错了", "请求无法完成，请稍后再试。") if status >= 500
                                      else ("请求无法完成", "请返回上一页重试。"))
    message = message or default
    resp = Response(render_template("error.html", title=title, message=message, status=status), status=status,
                    mimetype="text/html")
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def problem(status: int, detail: str | None = None, *, type_: str = "about:blank", code: str | None = None,
            errors_map: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    """Build a problem response; ``code`` is a domain error's stable code, ``errors`` holds field-by-field
    messages when there are any."""
    body: dict[str, Any] = {"type": type_, "title": HTTPStatus(status).phrase, "status": status}
    if code:
        body["code"] = code
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
            return handle_unexpected(original)
        return page(500) if _for_a_page() else problem(500, "The server could not complete the request.")
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
    if _for_a_page():
        return page(status, headers)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="registry"'
    return problem(status, detail, errors_map=errors_map, headers=headers)


def handle_domain_error(error: errors.DomainError) -> Response:
    status = STATUS_BY_ERROR.get(type(error), 400)
    retry = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry)} if retry is not None else None
    if _for_a_page():
        return page(status, headers, error.detail if isinstance(error, WORDED_ON_PAGES) else None)
    return problem(status, error.detail, type_=f"urn:registry:problem:{error.slug}", code=error.code.value,
                   errors_map=error.errors, headers=headers, **error.extra)


def handle_unexpected(error: BaseException) -> Response:
    """A database outage (503, 507) or a bug (500), logged once with the request id: an outage in one line, a bug
    with its traceback."""
    outage = failures.classify(error)
    where = f"{request.method} {request.path} (request {request_id.current() or '-'})"
    if outage is not None:
        log.error("%s on %s: %s: %s", outage.code.value, where, type(error).__name__,
                  " ".join(str(error).split()))
        return handle_domain_error(outage)
    log.error("unhandled error on %s", where, exc_info=error)
    if _for_a_page():
        return page(500)
    return problem(500, "The server could not complete the request.")


def answer_outside_flask(app: Flask, environ: dict, error: BaseException) -> Response:
    """The answer to an error that escaped Flask, or came before it (in the response cache): the same problem or
    page as inside, with the request id and the security headers (set here: the after-request hooks may be what
    failed)."""
    with app.request_context(environ):
        request_id.assign()
        return request_id.echo(security_headers.add(handle_unexpected(error)))


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(errors.DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
    # An error these handlers cannot answer (one raised by a handler or an after-request hook) goes on to
    # registry.http.last_resort, which answers and logs it once with the request id, rather than to Flask's own
    # fallback, which logs it without the id and may answer without the after-request headers.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    app.logger  # noqa: B018 - installs Flask's handler, which writes to the server's error log (wsgi.errors)
