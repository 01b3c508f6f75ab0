"""Every error is application/problem+json with the right status, and never leaks internals."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import dispose, make_app

LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "/work/", "site-packages", "SELECT ")


def assert_problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.data
    assert resp.mimetype == "application/problem+json"
    body = resp.json
    assert body["status"] == status and body["title"] and body["type"]
    text = resp.get_data(as_text=True)
    assert not any(leak in text for leak in LEAKS), text
    return body


@pytest.fixture
def etag(client: FlaskClient) -> str:
    return client.get("/api/v1/powers/38").headers["ETag"]


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status"),
    [
        ("get", "/api/v1/powers/99999", {}, 404),
        ("get", "/api/v1/nothing-here", {}, 404),
        ("get", "/api/v1/powers/abc", {}, 404),
        ("put", "/api/v1/powers/38", {}, 405),
        ("delete", "/api/v1/powers", {}, 405),
        ("post", "/api/v1/decisions", {}, 405),
        ("post", "/api/v1/powers", {"data": "{not json", "content_type": "application/json"}, 400),
        ("post", "/api/v1/powers", {"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, 415),
        ("post", "/api/v1/powers", {"data": "<x/>", "content_type": "application/xml"}, 415),
        ("post", "/api/v1/powers", {"data": "x" * 70_000, "content_type": "application/json"}, 413),
        ("post", "/api/v1/powers", {"json": []}, 422),
        ("post", "/api/v1/powers", {"json": "text"}, 422),
        ("post", "/api/v1/powers", {"json": None}, 422),
    ],
)
def test_error_statuses(client: FlaskClient, admin_headers: dict, method: str, url: str, kwargs: dict,
                        status: int) -> None:
    resp = getattr(client, method)(url, headers=admin_headers, **kwargs)
    assert_problem(resp, status)


def test_405_names_allowed_methods(reader: FlaskClient) -> None:
    resp = reader.put("/api/v1/powers/38")
    assert_problem(resp, 405)
    assert {"GET", "PATCH"} <= set(resp.headers["Allow"].replace(" ", "").split(","))


def test_validation_errors_are_field_by_field(client: FlaskClient, admin_headers: dict) -> None:
    resp = client.post("/api/v1/powers", json={"seq": -1, "name": "", "type": "x", "id": 1}, headers=admin_headers)
    body = assert_problem(resp, 422)
    assert set(body["errors"]) >= {"id"}  # read-only fields are reported first, on their own
    resp = client.post("/api/v1/powers", json={"seq": -1, "name": "", "type": "x"}, headers=admin_headers)
    body = assert_problem(resp, 422)
    assert {"seq", "name", "type", "level", "department", "decision"} <= set(body["errors"])
    assert all(isinstance(v, list) and v for v in body["errors"].values())


def test_patch_malformed_json_is_400(client: FlaskClient, admin_headers: dict, etag: str) -> None:
    resp = client.patch("/api/v1/powers/38", data="{", content_type="application/json",
                        headers={**admin_headers, "If-Match": etag})
    assert_problem(resp, 400)


def test_unexpected_error_is_a_bare_500(databases) -> None:
    app: Flask = make_app(databases.empty())  # never migrated: every query fails inside SQLAlchemy
    try:
        resp = app.test_client().get("/api/v1/powers")
        body = assert_problem(resp, 500)
        assert body["detail"] == "The server could not complete the request."
    finally:
        dispose(app)
