"""A power's service guide (办事指南) over HTTP, on every backend: anyone reads it (404 before there is one), its
guiding department or the admin changes it with a reason under If-Match, every field is checked together and
each wrong one named, and each change is one audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import bearer

WATER_POWER = 38  # 取水许可, guided by 市水利局
URL = f"/api/v1/powers/{WATER_POWER}/guide"
CREDIT = "11500000MB15299284"  # a made-up 统一社会信用代码 with a right GB 32100 check character
BASIC = "000172001000"
FULL: dict[str, Any] = {
    "basic_code": BASIC,
    "implementation_code": f"{CREDIT}4{BASIC}",
    "legal_basis": "《中华人民共和国水法》第七条、第四十八条",
    "service_object": "企业法人、事业法人、自然人",
    "conditions": "取用水资源的单位和个人",
    "materials": ["取水许可申请书", "建设项目水资源论证报告书"],
    "procedure": "申请、受理、审查、决定、送达",
    "legal_time_limit_days": 20,
    "promised_time_limit_days": 10,
    "fee": {"charged": False, "basis": None},
    "location": "重庆经开区测试路 1 号(测试数据)",
    "hours": "工作日 9:00-12:00, 14:00-17:30",
    "consult_phone": "023-0000-0001",
    "complaint_phone": "12345",
    "online_url": "https://zwfw.cq.gov.cn/example",
    "result": "取水许可证",
}


def patch(client: FlaskClient, headers: dict[str, str], body: dict[str, Any], if_match: str | None = None,
          url: str = URL):
    extra = {"If-Match": if_match} if if_match is not None else {}
    return client.patch(url, json=body, headers=headers | extra)


def made(client: FlaskClient, admin_headers: dict[str, str], **fields: Any) -> str:
    """Give the water power a guide; returns its ETag."""
    resp = patch(client, admin_headers, {**FULL, **fields, "reason": "公布办事指南"})
    assert resp.status_code == 200, resp.json
    return resp.headers["ETag"]


def test_a_power_without_a_guide_is_404(reader: FlaskClient) -> None:
    resp = reader.get(URL)
    assert (resp.status_code, resp.json["code"]) == (404, "guide.not_found")
    assert resp.mimetype == "application/problem+json"
    assert reader.get("/api/v1/powers/99999/guide").json["code"] == "power.not_found"


def test_the_admin_makes_a_guide_and_anyone_reads_it(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    etag = made(client, admin_headers)
    assert etag == '"1"'
    resp = client.get(URL)
    assert resp.status_code == 200 and resp.headers["ETag"] == etag
    body = resp.json
    assert {k: body[k] for k in FULL} == FULL
    assert body["power"] == WATER_POWER
    assert body["office"]["name"] == "市水利局"  # no receiving office yet: the guiding department
    assert not {"reason", "version", "actor", "author", "updated_at", "created_at"} & set(body)
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304


def test_a_change_is_audited_with_its_reason(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    etag = made(client, admin_headers)
    resp = patch(client, admin_headers, {"promised_time_limit_days": 5, "reason": "压缩承诺时限"}, etag)
    assert resp.status_code == 200 and resp.headers["ETag"] == '"2"'
    assert resp.json["promised_time_limit_days"] == 5 and resp.json["legal_time_limit_days"] == 20
    trail = client.get("/api/v1/audit", query_string={"entity_type": "service_guide"}, headers=admin_headers).json
    newest = trail["items"][0]
    assert (newest["action"], newest["reason"], newest["power_id"]) == ("update", "压缩承诺时限", WATER_POWER)
    assert newest["changed"] == ["promised_time_limit_days", "version"]
    again = patch(client, admin_headers, {"promised_time_limit_days": 5, "reason": "重复"}, '"2"')
    assert again.headers["ETag"] == '"2"'  # a change that alters nothing keeps the version and writes nothing
    assert client.get("/api/v1/audit", query_string={"entity_type": "service_guide"},
                      headers=admin_headers).json["total"] == 2


def test_the_guide_is_for_the_receiving_office_once_named(client: FlaskClient,
                                                          admin_headers: dict[str, str]) -> None:
    etag = made(client, admin_headers)
    handover = client.get(f"/api/v1/powers/{WATER_POWER}/handover", headers=admin_headers)
    office = next(d for d in client.get("/api/v1/departments").json if d["kind"]["code"] == "zone")
    resp = client.patch(f"/api/v1/powers/{WATER_POWER}/handover", json={"receiving_office": office["id"]},
                        headers=admin_headers | {"If-Match": handover.headers["ETag"]})
    assert resp.status_code == 200, resp.json
    changed = patch(client, admin_headers, {"hours": "工作日 9:00-17:00", "reason": "改到承接机构"}, etag)
    assert changed.json["office"]["id"] == office["id"]


@pytest.mark.parametrize(("if_match", "status", "code"), [
    (None, 428, "if_match.missing"),
    ('"7"', 412, "guide.stale"),
    ("*", 428, "if_match.wildcard"),
])
def test_a_change_to_a_guide_names_its_version(client: FlaskClient, admin_headers: dict[str, str],
                                               if_match: str | None, status: int, code: str) -> None:
    made(client, admin_headers)
    resp = patch(client, admin_headers, {"result": "取水许可证书", "reason": "更正"}, if_match)
    assert (resp.status_code, resp.json["code"]) == (status, code)
    assert client.get(URL).json["result"] == "取水许可证"


def test_a_version_for_a_guide_not_made_yet_is_stale(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    resp = patch(client, admin_headers, {**FULL, "reason": "公布"}, '"1"')
    assert (resp.status_code, resp.json["code"]) == (412, "guide.stale")
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize(("who", "status"), [
    ("water", 200),  # the guiding department's officer
    ("forestry", 403),  # an officer of another department
    ("zone", 403),
    ("auditor", 403),
    (None, 401),
])
def test_who_may_change_a_guide(client: FlaskClient, tokens: dict[str, str], who: str | None, status: int) -> None:
    headers = bearer(tokens[who]) if who else {}
    resp = patch(client, headers, {**FULL, "reason": "公布办事指南"})
    assert resp.status_code == status, resp.json
    assert client.get(URL).status_code == (200 if status == 200 else 404)


WRONG = [
    ({"basic_code": "00017200100"}, "basic_code", "is 12 digits"),
    ({"basic_code": "00017200100X"}, "basic_code", "is 12 digits"),
    ({"basic_code": "010000000000"}, "basic_code", "names no item"),
    ({"implementation_code": f"{CREDIT}4{BASIC}0"}, "implementation_code", "has 31 characters"),
    ({"implementation_code": f"{CREDIT[:-1]}5" + f"4{BASIC}"}, "implementation_code", "fails its check character"),
    ({"implementation_code": f"11500000MB1529928I4{BASIC}"}, "implementation_code", "not a unified social credit code"),
    ({"implementation_code": f"{CREDIT}7{BASIC}"}, "implementation_code", "exercising level"),
    ({"implementation_code": f"{CREDIT}4000172002000"}, "implementation_code", "are not the basic code"),
    ({"promised_time_limit_days": 21}, "promised_time_limit_days", "must not exceed the legal one (20)"),
    ({"legal_time_limit_days": 0}, "legal_time_limit_days", "working days, 1 to 3650"),
    ({"online_url": "javascript:alert(1)"}, "online_url", "http or https address"),
    ({"online_url": "ftp://example.org/a"}, "online_url", "http or https address"),
    ({"online_url": "zwfw.cq.gov.cn"}, "online_url", "http or https address"),
    ({"materials": ["申请书", "  "]}, "materials", "material 2 is blank"),
    ({"fee": {"charged": True}}, "fee.basis", "names the basis"),
    ({"fee": {"charged": None, "basis": "渝价〔2021〕1号"}}, "fee.charged", "whether a fee is charged"),
    ({"consult_phone": "打电话"}, "consult_phone", "a phone number"),
    ({"legal_basis": "x" * 4001}, "legal_basis", "at most 4000"),
    ({"result": "证\u0007书"}, "result", "control characters"),
]


@pytest.mark.parametrize(("fields", "field", "says"), WRONG, ids=[f"{w[1]}:{w[2]}" for w in WRONG])
def test_each_wrong_field_is_named(client: FlaskClient, admin_headers: dict[str, str], fields: dict[str, Any],
                                   field: str, says: str) -> None:
    resp = patch(client, admin_headers, {**FULL, **fields, "reason": "公布办事指南"})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert resp.json["code"] == "guide.invalid"
    assert list(resp.json["errors"]) == [field]
    assert says in resp.json["errors"][field][0]
    assert client.get(URL).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"materials": "取水许可申请书"}, "materials"),  # not a list
    ({"materials": [1, 2]}, "materials"),
    ({"legal_time_limit_days": "20"}, "legal_time_limit_days"),
    ({"fee": True}, "fee"),
    ({"fee": {"charged": "是"}}, "fee"),
    ({"version": 3}, "version"),
    ({"author": "某人"}, "author"),
])
def test_a_body_of_the_wrong_shape_is_422(client: FlaskClient, admin_headers: dict[str, str],
                                          body: dict[str, Any], field: str) -> None:
    resp = patch(client, admin_headers, {**body, "reason": "公布办事指南"})
    assert resp.status_code == 422 and field in resp.json["errors"]


@pytest.mark.parametrize("body", [{"result": "证书"}, {"result": "证书", "reason": " "}, {"reason": "只有原因"}])
def test_a_change_says_why_and_what(client: FlaskClient, admin_headers: dict[str, str], body: dict[str, Any]) -> None:
    resp = patch(client, admin_headers, body)
    assert resp.status_code == 422
    assert client.get(URL).status_code == 404


def test_null_clears_a_field_and_the_fee(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    etag = made(client, admin_headers, fee={"charged": True, "basis": "渝价〔2021〕1号"})
    resp = patch(client, admin_headers, {"fee": None, "online_url": None, "reason": "不再公布"}, etag)
    assert resp.status_code == 200
    assert (resp.json["fee"], resp.json["online_url"]) == (None, None)

