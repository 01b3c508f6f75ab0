"""Every answer carries the headers that keep browsers to the registry's own files (registry.security_headers):
pages, the API, errors, static files, 304s and answers from the response cache alike."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from registry.http.security_headers import HEADERS

URLS = [
    ("citizen page", "/?q=取水", {}, 200),
    ("citizen page again (from the cache)", "/?q=取水", {}, 200),
    ("one power's page", "/powers/38", {}, 200),
    ("sign-in page", "/auth/login", {}, 200),
    ("console, not signed in", "/console/", {}, 302),
    ("API search", "/api/v1/powers?q=取水", {}, 200),
    ("API docs", "/api/v1/docs", {}, 200),
    ("API problem", "/api/v1/powers?per_page=0", {}, 422),
    ("API refused", "/api/v1/audit", {}, 401),
    ("not found", "/nowhere", {}, 404),
    ("static file", "/static/registry.css", {}, 200),
]


@pytest.mark.parametrize(("label", "url", "headers", "status"), URLS, ids=[u[0] for u in URLS])
def test_every_answer_carries_the_headers(reader: FlaskClient, label: str, url: str, headers: dict,
                                          status: int) -> None:
    resp = reader.get(url, headers=headers)
    assert resp.status_code == status
    assert {name: resp.headers.get(name) for name in HEADERS} == HEADERS


def test_a_304_carries_them_too(reader: FlaskClient) -> None:
    tag = reader.get("/api/v1/powers?q=取水").headers["ETag"]
    resp = reader.get("/api/v1/powers?q=取水", headers={"If-None-Match": tag})
    assert resp.status_code == 304
    assert {name: resp.headers.get(name) for name in HEADERS} == HEADERS


def test_the_policy_lets_in_no_script_and_nothing_from_elsewhere() -> None:
    directives = dict(d.strip().split(" ", 1) for d in HEADERS["Content-Security-Policy"].split(";"))
    assert directives["default-src"] == "'none'" and "script-src" not in directives
    assert all(sources == "'self'" or sources == "'none'" for sources in directives.values())
