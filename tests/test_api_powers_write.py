"""Writes to powers: create, patch, retire, restore; read-only fields, registry rules and If-Match."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient


def get(client: FlaskClient, power_id: int) -> tuple[dict, str]:
    resp = client.get(f"/api/v1/powers/{power_id}")
    assert resp.status_code == 200
    return resp.json, resp.headers["ETag"]


REASON = "勘误: 测试"


def patch(client: FlaskClient, headers: dict, power_id: int, body: Any, etag: str | None = None):
    """PATCH with a reason, as every change to annex data must give (a body may override it)."""
    if etag is None:
        etag = get(client, power_id)[1]
    return client.patch(f"/api/v1/powers/{power_id}", json={"reason": REASON, **body},
                        headers={**headers, "If-Match": etag})


def act(client: FlaskClient, headers: dict, power_id: int, action: str, etag: str, **body: Any):
    """Retire or restore, with a reason."""
    return client.post(f"/api/v1/powers/{power_id}/{action}", json={"reason": REASON, **body},
                       headers={**headers, "If-Match": etag})


def department_id(client: FlaskClient, name: str) -> int:
    return next(d["id"] for d in client.get("/api/v1/departments").json if d["name"] == name)


def new_power(client: FlaskClient, **overrides: Any) -> dict:
    return {"decision": 1, "seq": 104, "name": "测试事项", "type": "行政许可", "level": "市级",
            "department": department_id(client, "市水利局"), "reason": REASON, **overrides}


def test_create(client: FlaskClient, admin_headers: dict) -> None:
    body = new_power(client, sub_items=["子项一", "子项二"], note="备注(试)")
    resp = client.post("/api/v1/powers", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.json
    power = resp.json
    assert resp.headers["ETag"] == f'"{power["version"]}"'
    assert resp.headers["Location"].endswith(f"/api/v1/powers/{power['id']}")
    assert (power["seq"], power["name"], power["sub_items"], power["note"]) == (
        104, "测试事项", ["子项一", "子项二"], "备注(试)")
    assert power["type"] == {"code": "licensing", "label": "行政许可"}
    assert get(client, power["id"])[0] == power
    assert client.get("/api/v1/powers").json["total"] == 104


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"seq": 0}, "seq"),
        ({"seq": "5"}, "seq"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "长" * 501}, "name"),
        ({"type": "许可"}, "type"),
        ({"level": 1}, "level"),
        ({"sub_items": "one"}, "sub_items"),
        ({"sub_items": [""]}, "sub_items"),
        ({"partial": "yes please"}, "partial"),
        ({"department": 9999}, "department"),
        ({"decision": 9999}, "decision"),
        ({"partial": True}, "devolved_part"),
        ({"devolved_part": "只有一部分"}, "devolved_part"),
        ({"id": 5}, "id"),
        ({"version": 3}, "version"),
        ({"retired": True}, "retired"),
        ({"created_at": "2021-01-01T00:00:00Z"}, "created_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_create_rejects_field(client: FlaskClient, admin_headers: dict, overrides: dict, field: str) -> None:
    before = client.get("/api/v1/powers").json["total"]
    resp = client.post("/api/v1/powers", json=new_power(client, **overrides), headers=admin_headers)
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == "application/problem+json"
    assert field in resp.json["errors"]
    assert client.get("/api/v1/powers").json["total"] == before


@pytest.mark.parametrize("field", ["seq", "name", "type", "level", "department", "decision"])
def test_create_requires(client: FlaskClient, admin_headers: dict, field: str) -> None:
    body = new_power(client)
    del body[field]
    resp = client.post("/api/v1/powers", json=body, headers=admin_headers)
    assert resp.status_code == 422
    assert field in resp.json["errors"]


def test_create_needs_a_city_department(client: FlaskClient, admin_headers: dict) -> None:
    zone = department_id(client, "重庆经开区管委会")
    resp = client.post("/api/v1/powers", json=new_power(client, department=zone), headers=admin_headers)
    assert resp.status_code == 422 and "department" in resp.json["errors"]


def test_create_taken_seq_conflicts(client: FlaskClient, admin_headers: dict) -> None:
    resp = client.post("/api/v1/powers", json=new_power(client, seq=38), headers=admin_headers)
    assert resp.status_code == 409
    assert (resp.json["type"], resp.json["code"]) == ("urn:registry:problem:conflict", "power.seq_taken")
    assert resp.json["errors"] == {"seq": ["already used by power 38"]}


def test_get_unknown_is_404(client: FlaskClient) -> None:
    resp = client.get("/api/v1/powers/99999")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("power_id", "change", "check"),
    [
        (38, {"name": "取水许可(改)"}, lambda p: p["name"] == "取水许可(改)"),
        (38, {"note": "新备注"}, lambda p: p["note"] == "新备注"),
        (73, {"note": None}, lambda p: p["note"] is None),
        (38, {"type": "other"}, lambda p: p["type"]["label"] == "其他行政权力"),
        (38, {"level": "市级"}, lambda p: p["level"]["code"] == "city"),
        (38, {"sub_items": ["甲", "乙"]}, lambda p: p["sub_items"] == ["甲", "乙"]),
        (38, {"seq": 200}, lambda p: p["seq"] == 200),
        (38, {"partial": True, "devolved_part": "部分", "retained_part": "其余"},
         lambda p: (p["partial"], p["devolved_part"], p["retained_part"]) == (True, "部分", "其余")),
    ],
)
def test_patch(client: FlaskClient, admin_headers: dict, power_id: int, change: dict, check) -> None:
    before, etag = get(client, power_id)
    resp = patch(client, admin_headers, power_id, change, etag)
    assert resp.status_code == 200, resp.json
    assert check(resp.json)
    assert resp.json["version"] == before["version"] + 1
    assert resp.headers["ETag"] == f'"{before["version"] + 1}"'
    assert get(client, power_id)[0] == resp.json


def test_patch_sub_items_grow_shrink_and_clear(client: FlaskClient, admin_headers: dict) -> None:
    for names in (["甲", "乙", "丙"], ["乙"], [], ["丁", "戊"]):
        resp = patch(client, admin_headers, 75, {"sub_items": names})
        assert resp.status_code == 200, resp.json
        assert resp.json["sub_items"] == names
        assert get(client, 75)[0]["sub_items"] == names


def test_patch_department(client: FlaskClient, admin_headers: dict) -> None:
    forestry = department_id(client, "市林业局")
    resp = patch(client, admin_headers, 38, {"department": forestry})
    assert resp.status_code == 200
    assert resp.json["department"] == {"id": forestry, "name": "市林业局"}


def test_noop_patch_keeps_version(client: FlaskClient, admin_headers: dict) -> None:
    before, etag = get(client, 38)
    resp = patch(client, admin_headers, 38, {"name": before["name"], "sub_items": []}, etag)
    assert resp.status_code == 200
    assert resp.json["version"] == before["version"]
    assert resp.json["updated_at"] == before["updated_at"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": 1}, "id"),
        ({"version": 9}, "version"),
        ({"decision": 1}, "decision"),
        ({"retired": False}, "retired"),
        ({"updated_at": "2021-01-01T00:00:00Z"}, "updated_at"),
        ({"name": "x", "bogus": 1}, "bogus"),
        ({"partial": False, "devolved_part": "x"}, "devolved_part"),
        ({"devolved_part": "x"}, "devolved_part"),  # power 38 is not partial
    ],
)
def test_patch_rejects_field(client: FlaskClient, admin_headers: dict, body: dict, field: str) -> None:
    before, etag = get(client, 38)
    resp = patch(client, admin_headers, 38, body, etag)
    assert resp.status_code == 422, resp.json
    assert field in resp.json["errors"]
    assert get(client, 38)[0] == before


def test_patch_empty_body_is_422(client: FlaskClient, admin_headers: dict) -> None:
    resp = patch(client, admin_headers, 38, {})
    assert resp.status_code == 422


def test_unpartial_needs_parts_cleared(client: FlaskClient, admin_headers: dict) -> None:
    resp = patch(client, admin_headers, 73, {"partial": False})
    assert resp.status_code == 422 and "devolved_part" in resp.json["errors"]
    resp = patch(client, admin_headers, 73, {"partial": False, "devolved_part": None, "retained_part": None})
    assert resp.status_code == 200
    assert (resp.json["partial"], resp.json["devolved_part"]) == (False, None)


def test_patch_seq_clash_is_409(client: FlaskClient, admin_headers: dict) -> None:
    resp = patch(client, admin_headers, 38, {"seq": 39})
    assert resp.status_code == 409 and "seq" in resp.json["errors"]


@pytest.mark.parametrize(
    ("if_match", "status"),
    [(None, 428), ("*", 428), ('"999"', 412), ("W/\"1\"", 412), ('"1", "2"', 412), ("1", 412), ("garbage", 412)],
)
def test_if_match_rules(client: FlaskClient, admin_headers: dict, if_match: str | None, status: int) -> None:
    headers = dict(admin_headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    before = get(client, 38)[0]
    for method, url, body in (("patch", "/api/v1/powers/38", {"name": "x", "reason": REASON}),
                              ("post", "/api/v1/powers/38/retire", {"reason": REASON}),
                              ("post", "/api/v1/powers/38/restore", {"reason": REASON})):
        resp = getattr(client, method)(url, json=body, headers=headers)
        assert resp.status_code == status, (method, resp.json)
        assert resp.mimetype == "application/problem+json"
    assert get(client, 38)[0] == before


def test_stale_etag_after_someone_else_wrote(client: FlaskClient, admin_headers: dict) -> None:
    _, etag = get(client, 38)
    assert patch(client, admin_headers, 38, {"note": "first"}, etag).status_code == 200
    resp = patch(client, admin_headers, 38, {"note": "second"}, etag)
    assert resp.status_code == 412
    assert resp.json["current_version"] == 2
    assert get(client, 38)[0]["note"] == "first"


def test_conditional_get(client: FlaskClient) -> None:
    _, etag = get(client, 38)
    resp = client.get("/api/v1/powers/38", headers={"If-None-Match": etag})
    assert resp.status_code == 304 and resp.headers["ETag"] == etag
    assert client.get("/api/v1/powers/38", headers={"If-None-Match": '"0"'}).status_code == 200


def test_retire_and_restore(client: FlaskClient, admin_headers: dict) -> None:
    _, etag = get(client, 38)
    resp = act(client, admin_headers, 38, "retire", etag)
    assert resp.status_code == 200 and resp.json["retired"] is True
    retired_etag = resp.headers["ETag"]
    assert 38 not in [p["seq"] for p in client.get("/api/v1/powers?per_page=200").json["items"]]
    assert client.get("/api/v1/powers").json["total"] == 102
    assert client.get("/api/v1/powers?include_retired=true").json["total"] == 103
    assert client.get("/api/v1/powers?q=取水许可&include_retired=true").json["items"][0]["retired"] is True
    assert get(client, 38)[0]["retired"] is True  # still readable at its stable URL
    again = act(client, admin_headers, 38, "retire", retired_etag)
    assert again.status_code == 409
    resp = act(client, admin_headers, 38, "restore", retired_etag)
    assert resp.status_code == 200 and resp.json["retired"] is False
    assert client.get("/api/v1/powers").json["total"] == 103
    again = act(client, admin_headers, 38, "restore", resp.headers["ETag"])
    assert again.status_code == 409


def test_delete_is_not_a_method_of_powers(client: FlaskClient, admin_headers: dict) -> None:
    """Powers are retired, never deleted: DELETE does not exist."""
    _, etag = get(client, 38)
    resp = client.delete("/api/v1/powers/38", headers={**admin_headers, "If-Match": etag})
    assert resp.status_code == 405
    assert get(client, 38)[1] == etag


def test_retired_power_keeps_its_seq(client: FlaskClient, admin_headers: dict) -> None:
    _, etag = get(client, 38)
    assert act(client, admin_headers, 38, "retire", etag).status_code == 200
    resp = client.post("/api/v1/powers", json=new_power(client, seq=38), headers=admin_headers)
    assert resp.status_code == 409


@pytest.mark.parametrize(
    ("method", "url"),
    [("post", "/api/v1/powers"), ("patch", "/api/v1/powers/38"), ("post", "/api/v1/powers/38/retire"),
     ("post", "/api/v1/powers/38/restore")],
)
def test_writes_need_a_token(client: FlaskClient, method: str, url: str) -> None:
    _, etag = get(client, 38)
    resp = getattr(client, method)(url, json={"name": "x", "reason": REASON}, headers={"If-Match": etag})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert get(client, 38)[1] == etag
