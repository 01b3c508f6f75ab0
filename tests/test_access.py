"""Every route declares who may call it, anonymous callers reach only the public ones, and a route that
forgets its rule is refused rather than opened.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from registry import access
from registry.access import PUBLIC, public, roles
from tests.conftest import ADMIN_TOKEN, Databases, dispose, make_app

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PROBLEM_JSON = "application/problem+json"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# The whole public surface, written out: a route that turns public by accident fails here.
EXPECTED_PUBLIC = {
    "GET static",
    "GET api-docs.openapi_json",
    "GET docs.api_docs",
    "GET health.healthz",
    "GET powers.list_powers",
    "GET powers.get_power",
    "GET powers.export_csv",
    "GET powers.export_json",
    "GET reference.list_decisions",
    "GET reference.list_departments",
}
# A plausible value for every path argument; a route with an argument not listed here fails loudly.
PATH_ARGS = {"power_id": 1, "filename": "no-such-file.txt"}
# What the admin sends to each write, so that it succeeds rather than failing validation.
ADMIN_BODIES = {
    "POST powers.create_power": {"decision": 1, "seq": 9001, "name": "访问测试事项", "type": "licensing",
                                 "level": "city", "department": 1},
    "PATCH powers.update_power": {"note": "访问测试"},
}
# Routes the admin may call but which answer 404 for the plausible arguments above.
ADMIN_NOT_FOUND = {"GET static"}


def routes(app: Flask) -> Iterator[tuple[str, str, Rule]]:
    """(``METHOD endpoint``, method, rule) for every route and method a client would call."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            yield f"{method} {rule.endpoint}", method, rule


def url_of(rule: Rule) -> str:
    unknown = set(rule.arguments) - set(PATH_ARGS)
    assert not unknown, f"{rule.rule}: add a plausible value for {unknown} to PATH_ARGS"
    _, url = rule.build({name: PATH_ARGS[name] for name in rule.arguments})
    return url


def test_every_route_declares_an_access_rule(shared_app: Flask) -> None:
    missing = sorted(key for key, _, rule in routes(shared_app) if access.rule_for(shared_app, rule.endpoint) is None)
    assert missing == []


def test_declared_public_routes_are_the_expected_ones(shared_app: Flask) -> None:
    declared = {key for key, _, rule in routes(shared_app) if access.rule_for(shared_app, rule.endpoint) == PUBLIC}
    assert declared == EXPECTED_PUBLIC


def test_non_public_routes_are_for_the_admin(shared_app: Flask) -> None:
    rules = {key: access.rule_for(shared_app, rule.endpoint) for key, _, rule in routes(shared_app)
             if key not in EXPECTED_PUBLIC}
    assert rules and all(rule == frozenset({"admin"}) for rule in rules.values()), rules


def _call(client: FlaskClient, key: str, method: str, rule: Rule, headers: dict[str, str]) -> TestResponse:
    """Call one route as a real client would: writes to a power carry its current ETag."""
    headers = dict(headers)
    if "power_id" in rule.arguments and method != "GET":
        power = f"/api/v1/powers/{PATH_ARGS['power_id']}"
        current = client.get(power)
        headers["If-Match"] = current.headers["ETag"]
        if key == "POST powers.restore_power" and "Authorization" in headers and not current.json["retired"]:
            # Only a retired power can be restored; retire it first so the restore itself can succeed.
            headers["If-Match"] = client.delete(power, headers=headers).headers["ETag"]
    body = ADMIN_BODIES.get(key) if "Authorization" in headers else {"name": "x"}
    return client.open(url_of(rule), method=method, json=body if method != "GET" else None, headers=headers)


def test_anonymous_reaches_only_the_public_routes(client: FlaskClient) -> None:
    responses = {key: _call(client, key, method, rule, {}) for key, method, rule in routes(client.application)}
    for key, resp in responses.items():
        assert resp.status_code < 500, (key, resp.status_code, resp.get_data(as_text=True))
        if key in EXPECTED_PUBLIC:
            assert resp.status_code not in (401, 403), (key, resp.status_code)
        else:
            assert resp.status_code == 401, (key, resp.status_code, resp.get_data(as_text=True))
            assert resp.mimetype == PROBLEM_JSON, key
            assert resp.headers["WWW-Authenticate"].startswith("Bearer"), key
    assert {key for key, resp in responses.items() if resp.status_code != 401} == EXPECTED_PUBLIC
    # Nothing was written: power 1 is untouched and no power was added.
    assert client.get("/api/v1/powers/1").json["version"] == 1
    assert client.get("/api/v1/powers", query_string={"include_retired": "true"}).json["total"] == 103


def test_admin_reaches_every_route(client: FlaskClient) -> None:
    for key, method, rule in routes(client.application):
        resp = _call(client, key, method, rule, ADMIN)
        if key in ADMIN_NOT_FOUND:
            assert resp.status_code == 404, (key, resp.status_code)
        else:
            assert resp.status_code < 400, (key, resp.status_code, resp.get_data(as_text=True))


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wrong-token",
        f"Bearer {ADMIN_TOKEN}x",
        f"Bearer {ADMIN_TOKEN[:-1]}",
        "Bearer",
        "Bearer ",
        f"Basic {ADMIN_TOKEN}",
        f"Token {ADMIN_TOKEN}",
        ADMIN_TOKEN,
    ],
    ids=["wrong", "longer", "shorter", "scheme-only", "scheme-and-space", "basic", "other-scheme", "no-scheme"],
)
@pytest.mark.parametrize(
    ("method", "url"), [("GET", "/api/v1/powers"), ("PATCH", "/api/v1/powers/1"), ("POST", "/api/v1/powers")],
    ids=["public-read", "patch", "create"],
)
def test_bad_credentials_are_401_with_a_bearer_challenge(reader: FlaskClient, authorization: str, method: str,
                                                          url: str) -> None:
    resp = reader.open(url, method=method, json={"name": "x"},
                       headers={"Authorization": authorization, "If-Match": '"1"'})
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.mimetype == PROBLEM_JSON
    assert ADMIN_TOKEN not in resp.get_data(as_text=True)


@pytest.fixture
def bare_app(databases: Databases) -> Iterator[Flask]:
    """An app with no data, for registering throwaway routes."""
    app = make_app(databases.empty())
    yield app
    dispose(app)


def test_a_route_without_a_rule_is_refused_to_everyone(bare_app: Flask) -> None:
    bare_app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "secret")
    assert access.rule_for(bare_app, "forgotten") is None
    client = bare_app.test_client()
    for headers in ({}, ADMIN):
        resp = client.get("/api/v1/forgotten", headers=headers)
        assert resp.status_code == 403
        assert resp.mimetype == PROBLEM_JSON
        assert "secret" not in resp.get_data(as_text=True)


def test_a_role_the_caller_lacks_is_403(bare_app: Flask) -> None:
    bare_app.add_url_rule("/api/v1/auditors", "auditors", roles("auditor")(lambda: "secret"))
    bare_app.add_url_rule("/api/v1/open", "open", public(lambda: "open"))
    client = bare_app.test_client()
    assert client.get("/api/v1/auditors").status_code == 401
    resp = client.get("/api/v1/auditors", headers=ADMIN)
    assert resp.status_code == 403
    assert resp.mimetype == PROBLEM_JSON
    assert client.get("/api/v1/open").get_data(as_text=True) == "open"
