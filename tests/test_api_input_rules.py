"""The 422 rules the OpenAPI document states are the ones enforced: a body it says is required is required, and a
boolean is JSON true or false, not "yes", "on", 1 or "true"."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import bearer

ETAG_OF = {"/api/v1/users/2/enable": "/api/v1/users/2", "/api/v1/users/2/disable": "/api/v1/users/2",
           "/api/v1/handover-methods/1": "/api/v1/handover-methods/1", "/api/v1/powers/38": "/api/v1/powers/38",
           "/api/v1/powers/38/handover": "/api/v1/powers/38/handover",
           "/api/v1/powers/38/handover/checklist": "/api/v1/powers/38/handover"}
POWER = {"decision": 1, "seq": 9104, "name": "严格布尔测试", "type": "licensing", "level": "city", "department": 1,
         "reason": "测试"}
EVIDENCE = {"doc_number": "测试1号"}


def send(client: FlaskClient, tokens: dict[str, str], method: str, url: str, **kwargs: Any):
    headers = bearer(tokens["admin"])
    if url in ETAG_OF:
        headers["If-Match"] = client.get(ETAG_OF[url], headers=headers).headers["ETag"]
    return client.open(url, method=method, headers=headers, **kwargs)


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "field"),
    [
        ("POST", "/api/v1/users/2/enable", {}, "json"),
        ("POST", "/api/v1/users/2/disable", {}, "json"),
        ("POST", "/api/v1/tokens/2/revoke", {}, "json"),
        ("POST", "/api/v1/users/2/enable", {"data": "", "content_type": "application/json"}, "json"),
        ("PATCH", "/api/v1/handover-methods/1", {"json": {"retired": "yes"}}, "retired"),
        ("PATCH", "/api/v1/handover-methods/1", {"json": {"retired": "true"}}, "retired"),
        ("PATCH", "/api/v1/handover-methods/1", {"json": {"retired": 1}}, "retired"),
        ("PATCH", "/api/v1/handover-methods/1", {"json": {"retired": "on"}}, "retired"),
        ("PATCH", "/api/v1/handover-methods/1", {"json": {"retired": None}}, "retired"),
        ("POST", "/api/v1/powers", {"json": {**POWER, "partial": "yes"}}, "partial"),
        ("PATCH", "/api/v1/powers/38", {"json": {"partial": 0, "reason": "测试"}}, "partial"),
        ("PATCH", "/api/v1/powers/38/handover", {"json": {"authorisation_needed": "false"}}, "authorisation_needed"),
        ("POST", "/api/v1/powers/38/handover/checklist",
         {"json": {"item": "guidance", "done": "yes", "evidence": EVIDENCE}}, "done"),
        ("POST", "/api/v1/handovers/bulk",
         {"json": {"powers": [38], "op": "checklist", "item": "files", "done": 1, "evidence": EVIDENCE}}, "done"),
    ],
    ids=["enable-no-body", "disable-no-body", "revoke-no-body", "enable-empty-body", "retired-yes", "retired-string",
         "retired-1", "retired-on", "retired-null", "create-partial-yes", "patch-partial-0", "authorisation-string",
         "checklist-done-yes", "bulk-done-1"],
)
def test_refused_with_422_naming_the_field(refusals: FlaskClient, tokens: dict[str, str], method: str, url: str,
                                           kwargs: dict[str, Any], field: str) -> None:
    resp = send(refusals, tokens, method, url, **kwargs)
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == "application/problem+json"
    assert field in resp.json["errors"], resp.json


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("POST", "/api/v1/users/2/disable", {}, 200),
        ("POST", "/api/v1/users/2/enable", {"reason": "复职"}, 200),
        ("PATCH", "/api/v1/handover-methods/1", {"retired": True}, 200),
        ("PATCH", "/api/v1/handover-methods/1", {"retired": False}, 200),
    ],
)
def test_the_same_routes_take_a_proper_body(client: FlaskClient, tokens: dict[str, str], method: str, url: str,
                                            body: dict[str, Any], status: int) -> None:
    assert send(client, tokens, method, url, json=body).status_code == status


def test_every_route_with_a_body_documents_it_required_and_its_422(reader: FlaskClient) -> None:
    spec = reader.get("/api/v1/openapi.json").json
    with_body = [(method, path, op) for path, item in spec["paths"].items() for method, op in item.items()
                 if isinstance(op, dict) and "requestBody" in op]
    assert len(with_body) > 10
    for method, path, op in with_body:
        assert op["requestBody"]["required"] is True, (method, path)
        assert "422" in op["responses"], (method, path)


def test_a_strict_boolean_is_documented_as_a_boolean(reader: FlaskClient) -> None:
    schemas = reader.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert schemas["MethodPatch"]["properties"]["retired"]["type"] == "boolean"
    assert schemas["CheckIn"]["properties"]["done"]["type"] == "boolean"
