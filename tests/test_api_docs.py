"""The OpenAPI document and its human-readable page, which loads nothing from outside."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def test_openapi_lists_every_operation(reader: FlaskClient) -> None:
    spec = reader.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    ops = {(m.upper(), p) for p, item in spec["paths"].items() for m in item if m in ("get", "post", "patch", "delete")}
    assert ops >= {
        ("GET", "/api/v1/powers"), ("POST", "/api/v1/powers"), ("GET", "/api/v1/powers/{power_id}"),
        ("PATCH", "/api/v1/powers/{power_id}"), ("POST", "/api/v1/powers/{power_id}/retire"),
        ("POST", "/api/v1/powers/{power_id}/restore"), ("GET", "/api/v1/powers/{power_id}/history"),
        ("GET", "/api/v1/audit"), ("GET", "/api/v1/audit/export.csv"), ("GET", "/api/v1/audit/export.json"),
        ("GET", "/api/v1/security-events"), ("GET", "/api/v1/users"), ("POST", "/api/v1/users"),
        ("POST", "/api/v1/users/{user_id}/tokens"), ("POST", "/api/v1/tokens/{token_id}/revoke"),
        ("GET", "/api/v1/powers/export.csv"),
        ("GET", "/api/v1/powers/export.json"), ("GET", "/api/v1/decisions"), ("GET", "/api/v1/departments"),
    }


def test_openapi_is_built_from_the_schemas(reader: FlaskClient) -> None:
    schemas = reader.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert set(schemas["PowerDetail"]["properties"]) >= {"id", "seq", "name", "sub_items", "type", "level", "version"}
    assert "id" not in schemas["PowerCreate"]["properties"]
    assert "行政许可" in schemas["PowerCreate"]["properties"]["type"]["enum"]
    problem = reader.get("/api/v1/openapi.json").json["components"]["responses"]["DEFAULT_ERROR"]
    assert list(problem["content"]) == ["application/problem+json"]


def test_every_security_requirement_is_defined(reader: FlaskClient) -> None:
    spec = reader.get("/api/v1/openapi.json").json
    defined = set(spec["components"].get("securitySchemes", {}))
    used = {name for item in spec["paths"].values() for op in item.values() if isinstance(op, dict)
            for req in op.get("security", []) for name in req}
    assert used and used <= defined


def test_docs_page_needs_nothing_from_outside(reader: FlaskClient) -> None:
    resp = reader.get("/api/v1/docs")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "/api/v1/powers/{power_id}" in html and "PowerDetail" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html
