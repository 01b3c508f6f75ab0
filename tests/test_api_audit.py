"""The audit trail over HTTP, on every backend.

Proves that each successful write (create, patch, retire, restore of a power; user and token creation)
appends exactly one entry with the actor's snapshot, the entity, before/after, the changed fields, the
reason and the request id; that refused or no-op writes append nothing and change nothing; that
X-Request-ID is echoed (or replaced when insane) on every response; that the auditor's list filters,
pages, diffs, CSV/JSON exports, power history and "as of" reconstruction say what the trail holds; who
may read them (and that forbidden attempts become security events); and that no response leaks a hash.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from registry.services import calendar as calendars
from tests.conftest import Databases, dispose, make_app

PROBLEM = "application/problem+json"
CST = timezone(timedelta(hours=8))  # Chongqing's offset: every "moment" below is sent in it, not in UTC
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
SECRET_KEYS = {"hash", "prev_hash", "token_hash", "password_hash"}
# The one 64-hex string the trail may show: the published SHA-256 of the decision's source text, which the
# decision's snapshot records for provenance. It is a digest of a public document, not a secret.
SOURCE_SHA256 = json.loads(Path(__file__).parent.parent.joinpath("seed", "annex.json").read_text("utf-8"))[
    "source"]["sha256"]
POWER = 38
AUDIT_ENDPOINTS = ["/api/v1/audit", "/api/v1/audit/export.csv", "/api/v1/audit/export.json",
                   f"/api/v1/powers/{POWER}/history", "/api/v1/security-events"]
CSV_HEADER = ["seq", "at", "actor_id", "actor_name", "actor_role", "action", "entity_type", "entity_id",
              "entity_label", "power_id", "department_id", "changed", "diff", "reason", "request_id"]


# --- helpers ---------------------------------------------------------------------------------------------

def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def power_of(client: FlaskClient, power_id: int) -> tuple[dict, str]:
    resp = client.get(f"/api/v1/powers/{power_id}")
    assert resp.status_code == 200, resp.json
    return resp.json, resp.headers["ETag"]


def audit_page(client: FlaskClient, headers: dict, **params: Any) -> dict:
    resp = client.get("/api/v1/audit", query_string=params, headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def audit_total(client: FlaskClient, headers: dict) -> int:
    return audit_page(client, headers, per_page=1)["total"]


def newest(client: FlaskClient, headers: dict) -> dict:
    return audit_page(client, headers, per_page=1)["items"][0]


def all_listed(client: FlaskClient, headers: dict, **params: Any) -> list[dict]:
    """Every entry the list returns for ``params``, page by page (newest first)."""
    items: list[dict] = []
    page = 1
    while True:
        body = audit_page(client, headers, page=page, per_page=500, **params)
        items += body["items"]
        if len(items) >= body["total"]:
            return items
        page += 1


def department_id(client: FlaskClient, name: str) -> int:
    return next(d["id"] for d in client.get("/api/v1/departments").json if d["name"] == name)


def first_power_of(client: FlaskClient, department: str) -> int:
    body = client.get("/api/v1/powers", query_string={"department": department, "per_page": 1}).json
    return body["items"][0]["id"]


def me(client: FlaskClient, headers: dict) -> dict:
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 200
    return resp.json


def new_power(client: FlaskClient, **overrides: Any) -> dict:
    return {"decision": 1, "seq": 104, "name": "测试事项", "type": "行政许可", "level": "市级",
            "department": department_id(client, "市水利局"), "reason": "新增事项(测试)", **overrides}


def moment(at: str, shift: timedelta = timedelta(0)) -> str:
    """An entry's ``at``, shifted, written in +08:00."""
    return (datetime.fromisoformat(at) + shift).astimezone(CST).isoformat()


def assert_problem(resp: TestResponse, status: int, *names: str) -> None:
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    assert resp.mimetype == PROBLEM
    for name in names:
        assert name in (resp.json.get("errors") or {}), resp.json


def walk_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk_keys(inner)


def assert_no_secrets(body: str, secrets: set[str]) -> None:
    """No hash-named key, no stored hash, and no 64-hex string but the published source digest."""
    assert body
    if body.lstrip("\ufeff")[:1] in "[{":
        assert not SECRET_KEYS & set(walk_keys(json.loads(body)))
    assert set(HEX64.findall(body)) <= {SOURCE_SHA256}
    leaked = [s for s in secrets if s in body]
    assert not leaked


def stored_secrets(app: Flask) -> set[str]:
    """Every hash the database holds: the chain's links, token hashes and password hashes."""
    with app.extensions["registry.engine"].connect() as conn:
        rows = conn.execute(text("SELECT hash FROM audit_entry UNION SELECT prev_hash FROM audit_entry "
                                 "UNION SELECT token_hash FROM api_token "
                                 "UNION SELECT password_hash FROM user_account WHERE password_hash IS NOT NULL"))
        secrets = {r[0] for r in rows}
    assert len(secrets) > 100
    return secrets


# --- every successful write appends exactly one entry ----------------------------------------------------

@dataclass
class Write:
    response: TestResponse
    actor: str
    action: str
    entity_type: str
    entity_id: int
    label: str
    reason: str | None
    changed: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


def _create_power(client: FlaskClient, h: Callable, rid: dict) -> Write:
    resp = client.post("/api/v1/powers", json=new_power(client, note="备注(试)"), headers={**h("admin"), **rid})
    assert resp.status_code == 201, resp.json
    changed = ["decision", "seq", "name", "sub_items", "type", "level", "department", "note", "partial",
               "retired", "version"]
    return Write(resp, "admin", "create", "power", resp.json["id"], "渝府发〔2021〕13号 第104项 测试事项",
                 "新增事项(测试)", changed,
                 {"power_id": resp.json["id"], "department_id": resp.json["department"]["id"], "before": None})


def _patch(client: FlaskClient, h: Callable, rid: dict, role: str, body: dict) -> TestResponse:
    etag = power_of(client, POWER)[1]
    return client.patch(f"/api/v1/powers/{POWER}", json=body, headers={**h(role), **rid, "If-Match": etag})


def _patch_note(client: FlaskClient, h: Callable, rid: dict) -> Write:
    resp = _patch(client, h, rid, "admin", {"note": "经开区承接", "reason": "补充备注"})
    assert resp.status_code == 200, resp.json
    return Write(resp, "admin", "update", "power", POWER, "渝府发〔2021〕13号 第38项 取水许可", "补充备注",
                 ["note", "version"], {"diff": [
                     {"field": "note", "label": "备注", "before": None, "after": "经开区承接"},
                     {"field": "version", "label": "版本", "before": 1, "after": 2}]})


def _patch_by_department(client: FlaskClient, h: Callable, rid: dict) -> Write:
    resp = _patch(client, h, rid, "water", {"name": "取水许可(勘误)", "sub_items": ["新办"], "reason": "名称勘误"})
    assert resp.status_code == 200, resp.json
    # The label is the power as it now stands.
    return Write(resp, "water", "update", "power", POWER, "渝府发〔2021〕13号 第38项 取水许可(勘误)", "名称勘误",
                 ["name", "sub_items", "version"], {"diff": [
                     {"field": "name", "label": "事项名称", "before": "取水许可", "after": "取水许可(勘误)"},
                     {"field": "sub_items", "label": "子项名称", "before": [], "after": ["新办"]},
                     {"field": "version", "label": "版本", "before": 1, "after": 2}]})


def _retire(client: FlaskClient, h: Callable, rid: dict) -> Write:
    etag = power_of(client, POWER)[1]
    resp = client.post(f"/api/v1/powers/{POWER}/retire", json={"reason": "已取消"},
                       headers={**h("admin"), **rid, "If-Match": etag})
    assert resp.status_code == 200, resp.json
    return Write(resp, "admin", "retire", "power", POWER, "渝府发〔2021〕13号 第38项 取水许可", "已取消",
                 ["retired", "version"], {"diff": [
                     {"field": "retired", "label": "已停用", "before": False, "after": True},
                     {"field": "version", "label": "版本", "before": 1, "after": 2}]})


def _restore(client: FlaskClient, h: Callable, rid: dict) -> Write:
    _retire(client, h, {})
    etag = power_of(client, POWER)[1]
    resp = client.post(f"/api/v1/powers/{POWER}/restore", json={"reason": "恢复实施"},
                       headers={**h("admin"), **rid, "If-Match": etag})
    assert resp.status_code == 200, resp.json
    return Write(resp, "admin", "restore", "power", POWER, "渝府发〔2021〕13号 第38项 取水许可", "恢复实施",
                 ["retired", "version"], {"diff": [
                     {"field": "retired", "label": "已停用", "before": True, "after": False},
                     {"field": "version", "label": "版本", "before": 2, "after": 3}]})


def _create_user(client: FlaskClient, h: Callable, rid: dict) -> Write:
    forestry = department_id(client, "市林业局")
    resp = client.post("/api/v1/users", json={"name": "林业局乙", "role": "department", "department": forestry,
                                              "reason": "新同事"}, headers={**h("admin"), **rid})
    assert resp.status_code == 201, resp.json
    return Write(resp, "admin", "create", "user", resp.json["id"], "林业局乙", "新同事",
                 ["name", "role", "department", "disabled", "has_password"],
                 {"department_id": forestry, "power_id": None, "before": None,
                  # A user's name is not an annex column: it has its own label, not 事项名称.
                  "labels": {"name": "用户名", "role": "角色"}})


def _create_token(client: FlaskClient, h: Callable, rid: dict) -> Write:
    auditor = me(client, h("auditor"))
    resp = client.post(f"/api/v1/users/{auditor['id']}/tokens", json={"label": "导出脚本"},
                       headers={**h("admin"), **rid})
    assert resp.status_code == 201, resp.json
    return Write(resp, "admin", "create", "token", resp.json["id"], "导出脚本 (审计甲)", None,
                 ["user", "label", "expires_at"], {"power_id": None, "before": None,
                                                   "after_has": {"user": auditor["id"], "label": "导出脚本",
                                                                 "revoked_at": None}})


WRITES = {
    "create power": _create_power,
    "patch by admin": _patch_note,
    "patch by department user": _patch_by_department,
    "retire": _retire,
    "restore": _restore,
    "create user": _create_user,
    "create token": _create_token,
}


@pytest.mark.parametrize("kind", list(WRITES))
def test_each_write_appends_one_entry(client: FlaskClient, as_role: Callable, kind: str) -> None:
    auditor = as_role("auditor")
    rid = f"req-{kind.replace(' ', '-')}"
    count = audit_total(client, auditor)
    write = WRITES[kind](client, as_role, {"X-Request-ID": rid})
    assert write.response.headers["X-Request-ID"] == rid
    appended = audit_page(client, auditor, per_page=3)
    # Restoring needs a retire first; creating a power also opens its handover (the newest entry).
    assert appended["total"] == count + (2 if kind in ("restore", "create power") else 1)
    if kind == "create power":
        opened = appended["items"].pop(0)
        assert (opened["entity_type"], opened["action"], opened["request_id"]) == ("handover", "create", rid)
        assert opened["power_id"] == write.response.json["id"]
    entry = appended["items"][0]
    actor = me(client, as_role(write.actor))
    assert entry["actor"] == {"id": actor["id"], "name": actor["name"], "role": actor["role"]["code"]}
    assert (entry["action"], entry["entity_type"], entry["entity_id"], entry["entity_label"]) == (
        write.action, write.entity_type, write.entity_id, write.label)
    assert entry["reason"] == write.reason
    assert entry["request_id"] == rid
    assert entry["seq"] == appended["items"][1]["seq"] + 1
    before, after = entry["before"] or {}, entry["after"]
    assert set(write.changed) <= set(entry["changed"])
    assert entry["changed"] == [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    assert [d["field"] for d in entry["diff"]] == entry["changed"]
    assert all((d["before"], d["after"]) == (before.get(d["field"]), after[d["field"]]) for d in entry["diff"])
    if write.entity_type == "power":
        body = write.response.json
        assert entry["power_id"] == body["id"]
        assert entry["department_id"] == body["department"]["id"]
        assert (after["version"], after["name"], after["note"], after["retired"], after["sub_items"]) == (
            body["version"], body["name"], body["note"], body["retired"], body["sub_items"])
        assert write.response.headers["ETag"] == f'"{after["version"]}"'
    for key in ("power_id", "department_id", "before"):
        if key in write.extra:
            assert entry[key] == write.extra[key], key
    if "diff" in write.extra:
        assert entry["diff"] == write.extra["diff"]
    for name, label in write.extra.get("labels", {}).items():
        assert next(d["label"] for d in entry["diff"] if d["field"] == name) == label
    for name, value in write.extra.get("after_has", {}).items():
        assert after[name] == value


def test_generated_request_id_is_echoed_and_recorded(client: FlaskClient, as_role: Callable) -> None:
    write = _patch_note(client, as_role, {})
    rid = write.response.headers["X-Request-ID"]
    assert GENERATED_ID.match(rid)
    assert newest(client, as_role("auditor"))["request_id"] == rid


@pytest.mark.parametrize("given", ["has spaces", "x" * 129, "请求编号".encode().decode("latin-1"), "a;b", ""],
                         ids=["spaces", "too-long", "non-ascii", "semicolon", "empty"])
def test_insane_request_id_is_replaced_in_header_and_trail(client: FlaskClient, as_role: Callable,
                                                           given: str) -> None:
    write = _patch_note(client, as_role, {"X-Request-ID": given})
    rid = write.response.headers["X-Request-ID"]
    assert rid != given
    assert GENERATED_ID.match(rid)
    assert newest(client, as_role("auditor"))["request_id"] == rid


def test_longest_sane_request_id_is_kept(client: FlaskClient, as_role: Callable) -> None:
    given = "trace:" + "a1.-_" * 24 + "zz"
    assert len(given) == 128
    write = _patch_note(client, as_role, {"X-Request-ID": given})
    assert write.response.headers["X-Request-ID"] == given
    assert newest(client, as_role("auditor"))["request_id"] == given


# --- X-Request-ID on every response -------------------------------------------------------------------

ECHOES = [
    ("200 public read", "GET", "/api/v1/powers/38", None, {}, 200),
    ("200 audit list", "GET", "/api/v1/audit", "auditor", {}, 200),
    ("404 no power", "GET", "/api/v1/powers/999999", None, {}, 404),
    ("404 no route", "GET", "/api/v1/nowhere", None, {}, 404),
    ("401 anonymous", "GET", "/api/v1/audit", None, {}, 401),
    ("401 bad token", "GET", "/api/v1/audit", "bogus", {}, 401),
    ("403 zone", "GET", "/api/v1/audit", "zone", {}, 403),
    ("422 bad filter", "GET", "/api/v1/audit?action=delete", "auditor", {}, 422),
    ("422 naive as_of", "GET", "/api/v1/powers/38?as_of=2021-05-01T00:00:00", None, {}, 422),
    ("428 no If-Match", "PATCH", "/api/v1/powers/38", "admin", {"json": {"note": "x", "reason": "y"}}, 428),
    ("405 wrong method", "DELETE", "/api/v1/powers/38", "admin", {}, 405),
]


@pytest.mark.parametrize(("method", "path", "role", "kwargs", "status"), [e[1:] for e in ECHOES],
                         ids=[e[0] for e in ECHOES])
def test_request_id_is_echoed_on_every_response(client: FlaskClient, tokens: dict, method: str, path: str,
                                                role: str | None, kwargs: dict, status: int) -> None:
    headers = {"X-Request-ID": "echo-me-1"}
    if role:
        headers |= bearer(tokens.get(role, "not-a-token"))
    resp = client.open(path, method=method, headers=headers, **kwargs)
    assert resp.status_code == status
    assert resp.headers["X-Request-ID"] == "echo-me-1"
    if status >= 400:
        assert resp.mimetype == PROBLEM
    resp = client.open(path, method=method, headers={k: v for k, v in headers.items() if k != "X-Request-ID"},
                       **kwargs)
    assert resp.status_code == status
    assert GENERATED_ID.match(resp.headers["X-Request-ID"])


# --- refused and no-op writes leave no trace ----------------------------------------------------------

def test_noop_patch_appends_nothing_and_keeps_version(client: FlaskClient, as_role: Callable) -> None:
    auditor = as_role("auditor")
    power, etag = power_of(client, POWER)
    count = audit_total(client, auditor)
    body = {"name": power["name"], "sub_items": power["sub_items"], "note": power["note"],
            "department": power["department"]["id"], "type": power["type"]["label"], "reason": "核对"}
    resp = client.patch(f"/api/v1/powers/{POWER}", json=body, headers={**as_role("water"), "If-Match": etag})
    assert resp.status_code == 200, resp.json
    assert resp.headers["ETag"] == etag
    assert resp.json == power
    assert power_of(client, POWER) == (power, etag)
    assert audit_total(client, auditor) == count


@dataclass(frozen=True)
class Refusal:
    role: str | None
    method: str
    path: str
    body: dict | None
    status: int
    etag: str | None = "current"  # "current", None (no If-Match), or a literal tag


def _refusals(forestry_power: int, zone_department: int, forestry_department: int) -> dict[str, Refusal]:
    p = f"/api/v1/powers/{POWER}"
    return {
        "422 bad value beside a good one": Refusal("admin", "PATCH", p, {"name": "改了", "seq": 0, "reason": "r"},
                                                   422),
        "422 unknown field": Refusal("admin", "PATCH", p, {"name": "改了", "colour": "red", "reason": "r"}, 422),
        "422 read-only version": Refusal("admin", "PATCH", p, {"name": "改了", "version": 9, "reason": "r"}, 422),
        "422 read-only decision": Refusal("admin", "PATCH", p, {"note": "改了", "decision": 1, "reason": "r"}, 422),
        "422 read-only retired": Refusal("admin", "PATCH", p, {"retired": True, "reason": "r"}, 422),
        "422 not a guiding department": Refusal("admin", "PATCH", p,
                                                {"name": "改了", "department": zone_department, "reason": "r"}, 422),
        "422 create with read-only field": Refusal("admin", "POST", "/api/v1/powers", {"retired": True}, 422),
        "422 retire with unknown field": Refusal("admin", "POST", f"{p}/retire", {"reason": "r", "when": "now"},
                                                 422),
        "412 stale ETag": Refusal("admin", "PATCH", p, {"name": "改了", "reason": "r"}, 412, '"7"'),
        "412 stale ETag on retire": Refusal("admin", "POST", f"{p}/retire", {"reason": "r"}, 412, '"0"'),
        "428 no If-Match": Refusal("admin", "PATCH", p, {"name": "改了", "reason": "r"}, 428, None),
        "403 other department's power": Refusal("water", "PATCH", f"/api/v1/powers/{forestry_power}",
                                                {"name": "改了", "reason": "r"}, 403),
        "403 department user reassigning": Refusal("water", "PATCH", p,
                                                   {"department": forestry_department, "reason": "r"}, 403),
        "403 zone role": Refusal("zone", "PATCH", p, {"name": "改了", "reason": "r"}, 403),
        "403 department user retiring": Refusal("water", "POST", f"{p}/retire", {"reason": "r"}, 403),
        "403 auditor creating": Refusal("auditor", "POST", "/api/v1/powers", {}, 403),
        "409 seq clash": Refusal("admin", "PATCH", p, {"name": "改了", "seq": 1, "reason": "r"}, 409),
        "409 create seq clash": Refusal("admin", "POST", "/api/v1/powers", {"seq": 38}, 409),
        "409 restore in force": Refusal("admin", "POST", f"{p}/restore", {"reason": "r"}, 409),
        "401 anonymous": Refusal(None, "PATCH", p, {"name": "改了", "reason": "r"}, 401),
        "401 bad token": Refusal("bogus", "PATCH", p, {"name": "改了", "reason": "r"}, 401),
    }


REFUSAL_NAMES = list(_refusals(0, 0, 0))


@pytest.mark.parametrize("name", REFUSAL_NAMES)
def test_refused_write_appends_nothing_and_changes_nothing(client: FlaskClient, tokens: dict, as_role: Callable,
                                                           name: str) -> None:
    forestry_power = first_power_of(client, "市林业局")
    case = _refusals(forestry_power, department_id(client, "重庆经开区管委会"),
                     department_id(client, "市林业局"))[name]
    target = forestry_power if str(forestry_power) in case.path else POWER
    assert power_of(client, POWER)[0]["department"]["name"] == "市水利局"
    auditor = as_role("auditor")
    count = audit_total(client, auditor)
    power, etag = power_of(client, target)
    powers_total = client.get("/api/v1/powers", query_string={"include_retired": "true"}).json["total"]
    body = case.body
    if case.path == "/api/v1/powers":
        body = new_power(client, **body)
    headers = {} if case.role is None else bearer(tokens.get(case.role, "not-a-token"))
    if case.etag is not None:
        headers["If-Match"] = etag if case.etag == "current" else case.etag
    resp = client.open(case.path, method=case.method, json=body, headers=headers)
    assert_problem(resp, case.status)
    assert power_of(client, target) == (power, etag)
    assert client.get("/api/v1/powers", query_string={"include_retired": "true"}).json["total"] == powers_total
    assert audit_total(client, auditor) == count


REASONS = {"missing": ..., "null": None, "empty": "", "blank": "   "}


@pytest.mark.parametrize("reason", list(REASONS))
@pytest.mark.parametrize("op", ["patch", "create", "retire", "restore"])
def test_every_power_write_needs_a_reason(client: FlaskClient, as_role: Callable, op: str, reason: str) -> None:
    admin, auditor = as_role("admin"), as_role("auditor")
    if op == "restore":
        _retire(client, as_role, {})
    power, etag = power_of(client, POWER)
    count = audit_total(client, auditor)
    powers_total = client.get("/api/v1/powers", query_string={"include_retired": "true"}).json["total"]
    body: dict[str, Any] = {"patch": {"note": "新备注"}, "create": new_power(client), "retire": {},
                            "restore": {}}[op]
    body.pop("reason", None)
    if REASONS[reason] is not ...:
        body["reason"] = REASONS[reason]
    if op in ("patch", "create"):
        resp = client.open("/api/v1/powers" if op == "create" else f"/api/v1/powers/{POWER}",
                           method="POST" if op == "create" else "PATCH", json=body,
                           headers={**admin, "If-Match": etag})
    else:
        resp = client.post(f"/api/v1/powers/{POWER}/{op}", json=body, headers={**admin, "If-Match": etag})
    assert_problem(resp, 422, "reason")
    assert power_of(client, POWER) == (power, etag)
    assert client.get("/api/v1/powers", query_string={"include_retired": "true"}).json["total"] == powers_total
    assert audit_total(client, auditor) == count


# --- a written trail shared by the read-side tests ----------------------------------------------------

@dataclass
class Trail:
    """A seeded database plus a few known writes; its audit trail does not change after setup."""

    app: Flask
    client: FlaskClient
    tokens: dict[str, str]
    ids: dict[str, int]
    step: dict[str, dict]  # the entry each write appended, by its request id
    entries: list[dict]  # the whole trail as export.json gives it, oldest first

    def h(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role])


@pytest.fixture(scope="module")
def trail(databases: Databases) -> Iterator[Trail]:
    app = make_app(databases.seeded())
    client = app.test_client()
    tokens = databases.staff_tokens()
    admin, water = bearer(tokens["admin"]), bearer(tokens["water"])
    forestry_power = first_power_of(client, "市林业局")
    ids = {"forestry_power": forestry_power, "forestry": department_id(client, "市林业局"),
           "water": department_id(client, "市水利局"), "water_user": me(client, water)["id"],
           "admin_user": me(client, admin)["id"]}

    def versioned(path: str, power_id: int, method: str, body: dict, headers: dict, rid: str) -> None:
        etag = power_of(client, power_id)[1]
        resp = client.open(path, method=method, json=body, headers={**headers, "If-Match": etag, "X-Request-ID": rid})
        assert resp.status_code == 200, resp.json

    versioned(f"/api/v1/powers/{POWER}", POWER, "PATCH", {"name": "取水许可(试)", "reason": "名称勘误"}, water,
              "trail-name")
    versioned(f"/api/v1/powers/{POWER}", POWER, "PATCH", {"note": "经开区承接", "reason": "补充备注"}, admin,
              "trail-note")
    versioned(f"/api/v1/powers/{forestry_power}/retire", forestry_power, "POST", {"reason": "已取消"}, admin,
              "trail-retire")
    versioned(f"/api/v1/powers/{forestry_power}/restore", forestry_power, "POST", {"reason": "恢复"}, admin,
              "trail-restore")
    versioned(f"/api/v1/powers/{POWER}", POWER, "PATCH", {"name": "取水许可", "reason": "改回"}, water,
              "trail-name-back")
    resp = client.post("/api/v1/powers", json=new_power(client), headers={**admin, "X-Request-ID": "trail-create"})
    assert resp.status_code == 201, resp.json
    ids["new_power"] = resp.json["id"]
    resp = client.post("/api/v1/users", json={"name": "审计乙", "role": "auditor", "reason": "新同事"},
                       headers={**admin, "X-Request-ID": "trail-user"})
    assert resp.status_code == 201, resp.json
    ids["new_user"] = resp.json["id"]
    resp = client.post(f"/api/v1/users/{ids['new_user']}/tokens", json={"label": "脚本"},
                       headers={**admin, "X-Request-ID": "trail-token"})
    assert resp.status_code == 201, resp.json
    entries = client.get("/api/v1/audit/export.json", headers=bearer(tokens["auditor"])).json
    step: dict[str, dict] = {}
    for e in entries:  # creating a power also opens its handover: the step is the first entry of the request
        if e["request_id"].startswith("trail-"):
            step.setdefault(e["request_id"], e)
    assert len(step) == 8
    yield Trail(app, client, tokens, ids, step, entries)
    dispose(app)


def test_trail_holds_the_seed_then_the_writes(trail: Trail) -> None:
    seqs = [e["seq"] for e in trail.entries]
    assert seqs == list(range(1, len(seqs) + 1))
    seed = [e for e in trail.entries if e["reason"] == "载入渝府发〔2021〕13号附件（系统初始化）"]
    assert [e["entity_type"] for e in seed] == (["decision"] + ["department"] * 7 + ["handover_method"] * 5
                                                + ["power", "handover"] * 103)
    assert all(e["actor"]["id"] is None and e["actor"]["name"].startswith("cli:") and e["actor"]["role"] == "admin"
               for e in seed)
    # Then the working-day calendar, one entry per year chinesecalendar knows (2004–2026), then the staff.
    calendar = trail.entries[len(seed):len(seed) + 23]
    assert [(e["entity_type"], e["after"]["year"], e["reason"]) for e in calendar] == [
        ("calendar_year", year, calendars.SEED_REASON) for year in range(2004, 2027)]
    staffed = len(seed) + len(calendar) + 10
    assert [e["entity_type"] for e in trail.entries[len(seed) + len(calendar):staffed]] == ["user", "token"] * 5
    assert [e["request_id"] for e in trail.entries[staffed:]] == ["trail-name", "trail-note", "trail-retire",
                                                             "trail-restore", "trail-name-back", "trail-create",
                                                             "trail-create", "trail-user", "trail-token"]
    power, handover = (e for e in trail.entries if e["request_id"] == "trail-create")
    assert (power["entity_type"], handover["entity_type"]) == ("power", "handover")
    assert handover["power_id"] == power["entity_id"] and handover["after"]["status"] == "pending"


# --- filters and pagination ---------------------------------------------------------------------------

Pred = Callable[[Trail, dict], bool]
FILTERS: list[tuple[str, Callable[[Trail], dict], Pred, list[str], list[str]]] = [
    ("entity_type=power", lambda t: {"entity_type": "power"}, lambda t, e: e["entity_type"] == "power",
     ["trail-name", "trail-create"], ["trail-user", "trail-token"]),
    ("entity_type=user", lambda t: {"entity_type": "user"}, lambda t, e: e["entity_type"] == "user",
     ["trail-user"], ["trail-token", "trail-name"]),
    ("entity_type+entity_id", lambda t: {"entity_type": "power", "entity_id": POWER},
     lambda t, e: e["entity_type"] == "power" and e["entity_id"] == POWER, ["trail-name", "trail-note"],
     ["trail-retire"]),
    ("power", lambda t: {"power": t.ids["forestry_power"]}, lambda t, e: e["power_id"] == t.ids["forestry_power"],
     ["trail-retire", "trail-restore"], ["trail-name"]),
    ("department", lambda t: {"department": t.ids["forestry"]},
     lambda t, e: e["department_id"] == t.ids["forestry"], ["trail-retire", "trail-restore"],
     ["trail-name", "trail-create"]),
    ("actor by name", lambda t: {"actor": "水利局甲"}, lambda t, e: e["actor"]["name"] == "水利局甲",
     ["trail-name", "trail-name-back"], ["trail-note"]),
    ("actor by id", lambda t: {"actor": str(t.ids["water_user"])},
     lambda t, e: e["actor"]["id"] == t.ids["water_user"], ["trail-name", "trail-name-back"], ["trail-note"]),
    ("actor by cli name", lambda t: {"actor": t.entries[0]["actor"]["name"]},
     lambda t, e: e["actor"]["name"] == t.entries[0]["actor"]["name"], [], ["trail-name", "trail-user"]),
    ("action=update", lambda t: {"action": "update"}, lambda t, e: e["action"] == "update",
     ["trail-name", "trail-note", "trail-name-back"], ["trail-retire", "trail-create"]),
    ("action=retire", lambda t: {"action": "retire"}, lambda t, e: e["action"] == "retire", ["trail-retire"],
     ["trail-restore"]),
    ("action=restore", lambda t: {"action": "restore"}, lambda t, e: e["action"] == "restore",
     ["trail-restore"], ["trail-retire"]),
    ("field=name", lambda t: {"field": "name"}, lambda t, e: "name" in e["changed"],
     ["trail-name", "trail-name-back", "trail-create", "trail-user"], ["trail-note", "trail-retire"]),
    ("field=note", lambda t: {"field": "note"}, lambda t, e: "note" in e["changed"], ["trail-note"],
     ["trail-name", "trail-name-back"]),
    ("field=retired", lambda t: {"field": "retired"}, lambda t, e: "retired" in e["changed"],
     ["trail-retire", "trail-restore", "trail-create"], ["trail-name", "trail-user"]),
    ("since (+08:00, inclusive)", lambda t: {"since": moment(t.step["trail-note"]["at"])},
     lambda t, e: e["seq"] >= t.step["trail-note"]["seq"], ["trail-note", "trail-token"], ["trail-name"]),
    ("until (+08:00, exclusive)", lambda t: {"until": moment(t.step["trail-note"]["at"])},
     lambda t, e: e["seq"] < t.step["trail-note"]["seq"], ["trail-name"], ["trail-note"]),
    ("since and until in UTC", lambda t: {"since": t.step["trail-retire"]["at"],
                                          "until": t.step["trail-create"]["at"]},
     lambda t, e: t.step["trail-retire"]["seq"] <= e["seq"] < t.step["trail-create"]["seq"],
     ["trail-retire", "trail-restore", "trail-name-back"], ["trail-note", "trail-create"]),
    ("combined", lambda t: {"power": POWER, "action": "update", "actor": "水利局甲", "field": "name"},
     lambda t, e: e["power_id"] == POWER and e["action"] == "update" and e["actor"]["name"] == "水利局甲",
     ["trail-name", "trail-name-back"], ["trail-note"]),
]


@pytest.mark.parametrize(("params", "pred", "included", "excluded"), [f[1:] for f in FILTERS],
                         ids=[f[0] for f in FILTERS])
def test_filter_narrows_to_exactly_the_matching_entries(trail: Trail, params: Callable, pred: Pred,
                                                        included: list[str], excluded: list[str]) -> None:
    query = params(trail)
    listed = all_listed(trail.client, trail.h("auditor"), **query)
    expected = [e for e in reversed(trail.entries) if pred(trail, e)]
    assert 0 < len(expected) < len(trail.entries)
    assert listed == expected
    seqs = {e["seq"] for e in listed}
    assert {trail.step[s]["seq"] for s in included} <= seqs
    assert not {trail.step[s]["seq"] for s in excluded} & seqs
    exported = trail.client.get("/api/v1/audit/export.json", query_string=query, headers=trail.h("auditor")).json
    assert exported == expected[::-1]


def test_filter_for_nothing_is_empty(trail: Trail) -> None:
    body = audit_page(trail.client, trail.h("auditor"), actor="nobody", page=1)
    assert (body["items"], body["total"]) == ([], 0)
    future = (datetime.now(UTC) + timedelta(days=1)).astimezone(CST).isoformat()
    assert audit_page(trail.client, trail.h("auditor"), since=future)["total"] == 0


@pytest.mark.parametrize("per_page", [1, 7, 50, 500])
def test_pages_partition_the_trail_newest_first(trail: Trail, per_page: int) -> None:
    total = len(trail.entries)
    pages = -(-total // per_page)
    seen: list[dict] = []
    for page in ([1, 2, pages - 1, pages] if pages > 4 else range(1, pages + 1)):
        body = audit_page(trail.client, trail.h("auditor"), page=page, per_page=per_page)
        assert (body["total"], body["page"], body["per_page"]) == (total, page, per_page)
        start = (page - 1) * per_page
        assert body["items"] == trail.entries[::-1][start:start + per_page]
        seen += body["items"]
    assert len({e["seq"] for e in seen}) == len(seen)
    beyond = audit_page(trail.client, trail.h("auditor"), page=pages + 1, per_page=per_page)
    assert (beyond["items"], beyond["total"]) == ([], total)


INVALID = [
    ("unknown action", {"action": "delete"}, "action"),
    ("unknown entity type", {"entity_type": "audit_entry"}, "entity_type"),
    ("field with quotes", {"field": 'name"'}, "field"),
    ("field with wildcard", {"field": "na%"}, "field"),
    ("field with uppercase", {"field": "Name"}, "field"),
    ("naive since", {"since": "2021-05-01T00:00:00"}, "since"),
    ("naive until", {"until": "2021-05-01 08:00"}, "until"),
    ("not a date", {"since": "yesterday"}, "since"),
    ("page 0", {"page": 0}, "page"),
    ("per_page 0", {"per_page": 0}, "per_page"),
    ("per_page 501", {"per_page": 501}, "per_page"),
    ("power 0", {"power": 0}, "power"),
    ("department not a number", {"department": "市水利局"}, "department"),
    ("actor too long", {"actor": "x" * 101}, "actor"),
    ("actor with control character", {"actor": "a\x00b"}, "actor"),
    ("unknown parameter", {"user": "admin"}, "user"),
]


@pytest.mark.parametrize(("params", "name"), [i[1:] for i in INVALID], ids=[i[0] for i in INVALID])
def test_invalid_filter_is_a_problem(reader: FlaskClient, as_role: Callable, params: dict, name: str) -> None:
    resp = reader.get("/api/v1/audit", query_string=params, headers=as_role("auditor"))
    assert_problem(resp, 422, name)
    if name not in ("page", "per_page"):
        for export in ("csv", "json"):
            resp = reader.get(f"/api/v1/audit/export.{export}", query_string=params, headers=as_role("auditor"))
            assert_problem(resp, 422, name)


@pytest.mark.parametrize("export", ["csv", "json"])
def test_exports_take_no_paging(reader: FlaskClient, as_role: Callable, export: str) -> None:
    resp = reader.get(f"/api/v1/audit/export.{export}", query_string={"page": 1}, headers=as_role("auditor"))
    assert_problem(resp, 422, "page")


# --- diffs, exports, history ----------------------------------------------------------------------------

def test_diff_is_field_level_with_published_labels(trail: Trail) -> None:
    assert trail.step["trail-note"]["diff"] == [
        {"field": "note", "label": "备注", "before": None, "after": "经开区承接"},
        {"field": "version", "label": "版本", "before": 2, "after": 3}]
    assert trail.step["trail-name"]["diff"] == [
        {"field": "name", "label": "事项名称", "before": "取水许可", "after": "取水许可(试)"},
        {"field": "version", "label": "版本", "before": 1, "after": 2}]
    assert trail.step["trail-name"]["changed"] == ["name", "version"]
    assert trail.step["trail-retire"]["diff"][0] == {"field": "retired", "label": "已停用", "before": False,
                                                     "after": True}
    created = {d["field"]: d for d in trail.step["trail-create"]["diff"]}
    assert created["department"] == {"field": "department", "label": "市级指导(实施)部门(单位)", "before": None,
                                     "after": trail.ids["water"]}
    assert created["type"]["after"] == "licensing"
    assert {d["label"] for d in trail.step["trail-user"]["diff"]}.isdisjoint({"事项名称", "市级指导(实施)部门(单位)"})


def test_csv_export(trail: Trail) -> None:
    resp = trail.client.get("/api/v1/audit/export.csv", query_string={"labels": "codes"}, headers=trail.h("auditor"))
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"))))
    assert rows[0] == CSV_HEADER
    body = rows[1:]
    assert [int(r[0]) for r in body] == [e["seq"] for e in trail.entries]
    by_seq = {int(r[0]): dict(zip(CSV_HEADER, r, strict=True)) for r in body}
    note = by_seq[trail.step["trail-note"]["seq"]]
    assert note["entity_label"] == "渝府发〔2021〕13号 第38项 取水许可(试)"
    assert (note["actor_name"], note["actor_role"], note["action"]) == ("管理员甲", "admin", "update")
    assert note["changed"] == "note;version"
    assert note["diff"] == '备注 (note): null → "经开区承接"\n版本 (version): 2 → 3'
    assert (note["reason"], note["request_id"]) == ("补充备注", "trail-note")
    assert note["power_id"] == str(POWER) and note["department_id"] == str(trail.ids["water"])
    seed = by_seq[1]
    assert (seed["actor_id"], seed["entity_label"]) == ("", "渝府发〔2021〕13号")
    assert seed["reason"] == "载入渝府发〔2021〕13号附件（系统初始化）"
    token = by_seq[trail.step["trail-token"]["seq"]]
    assert (token["entity_label"], token["reason"], token["power_id"]) == ("脚本 (审计乙)", "", "")
    for row in body:
        entry = next(e for e in trail.entries if e["seq"] == int(row[0]))
        assert row[4:9] == [entry["actor"]["role"], entry["action"], entry["entity_type"],
                            str(entry["entity_id"]), entry["entity_label"]]


def test_csv_diff_tells_text_from_empty(client: FlaskClient, as_role: Callable) -> None:
    for note in ("null", "第一行\n第二行", None):
        etag = power_of(client, POWER)[1]
        resp = client.patch(f"/api/v1/powers/{POWER}", json={"note": note, "reason": "试"},
                            headers={**as_role("admin"), "If-Match": etag})
        assert resp.status_code == 200, resp.json
    resp = client.get("/api/v1/audit/export.csv", query_string={"power": POWER, "field": "note", "labels": "codes"},
                      headers=as_role("auditor"))
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).removeprefix("\ufeff"))))
    assert [r["diff"].split("\n")[0] for r in rows] == [
        '备注 (note): null → "null"',
        '备注 (note): "null" → "第一行\\n第二行"',
        '备注 (note): "第一行\\n第二行" → null',
    ]


def test_csv_export_honours_filters(trail: Trail) -> None:
    resp = trail.client.get("/api/v1/audit/export.csv", query_string={"power": POWER, "labels": "codes"},
                            headers=trail.h("auditor"))
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).removeprefix("\ufeff"))))
    # The power's entries and its handover's: both concern power 38.
    assert [r["request_id"] for r in rows[2:]] == ["trail-name", "trail-note", "trail-name-back"]
    assert [(r["action"], r["entity_type"], r["entity_label"]) for r in rows[:2]] == [
        ("create", "power", "渝府发〔2021〕13号 第38项 取水许可"),
        ("create", "handover", "渝府发〔2021〕13号 第38项 取水许可 交接")]


def test_json_export_matches_the_list(trail: Trail) -> None:
    resp = trail.client.get("/api/v1/audit/export.json", headers=trail.h("auditor"))
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert "取水许可" in resp.get_data(as_text=True)  # not \u-escaped
    assert resp.json == all_listed(trail.client, trail.h("auditor"))[::-1]


def test_history_lists_the_powers_entries_oldest_first(trail: Trail) -> None:
    resp = trail.client.get(f"/api/v1/powers/{POWER}/history", headers=trail.h("auditor"))
    assert resp.status_code == 200
    history = resp.json
    assert [e["action"] for e in history] == ["create", "update", "update", "update"]
    assert [e["request_id"] for e in history[1:]] == ["trail-name", "trail-note", "trail-name-back"]
    assert history == [e for e in trail.entries if e["entity_type"] == "power" and e["entity_id"] == POWER]
    assert [e["after"]["version"] for e in history] == [1, 2, 3, 4]
    forestry = trail.client.get(f"/api/v1/powers/{trail.ids['forestry_power']}/history",
                                headers=trail.h("admin")).json
    assert [e["action"] for e in forestry] == ["create", "retire", "restore"]


@pytest.mark.parametrize("power_id", [999_999, 2**31 - 1, 2**31])
def test_history_of_missing_power_is_404(reader: FlaskClient, as_role: Callable, power_id: int) -> None:
    resp = reader.get(f"/api/v1/powers/{power_id}/history", headers=as_role("auditor"))
    assert_problem(resp, 404)


# --- as of ----------------------------------------------------------------------------------------------

def as_of(client: FlaskClient, power_id: int, when: str) -> TestResponse:
    return client.get(f"/api/v1/powers/{power_id}", query_string={"as_of": when})


AS_OF: list[tuple[str, Callable[[Trail], str], dict[str, Any]]] = [
    ("at the first edit", lambda t: moment(t.step["trail-name"]["at"]), {"name": "取水许可(试)", "note": None,
                                                                         "version": 2}),
    ("between the edits", lambda t: moment(t.step["trail-note"]["at"], -timedelta(microseconds=1)),
     {"name": "取水许可(试)", "note": None, "version": 2}),
    ("at the second edit", lambda t: moment(t.step["trail-note"]["at"]),
     {"name": "取水许可(试)", "note": "经开区承接", "version": 3}),
    ("just before the first edit", lambda t: moment(t.step["trail-name"]["at"], -timedelta(microseconds=1)),
     {"name": "取水许可", "note": None, "version": 1}),
]


@pytest.mark.parametrize(("when", "expected"), [a[1:] for a in AS_OF], ids=[a[0] for a in AS_OF])
def test_as_of_between_edits(trail: Trail, when: Callable, expected: dict) -> None:
    resp = as_of(trail.client, POWER, when(trail))
    assert resp.status_code == 200, resp.json
    assert {k: resp.json[k] for k in expected} == expected
    assert "ETag" not in resp.headers


def test_as_of_shape_and_present(trail: Trail) -> None:
    current, _ = power_of(trail.client, POWER)
    later = (datetime.now(UTC) + timedelta(hours=1)).astimezone(CST).isoformat()
    past = as_of(trail.client, POWER, later).json
    assert list(past) == list(current)
    stamps = ("created_at", "updated_at")
    assert {k: v for k, v in past.items() if k not in stamps} == {k: v for k, v in current.items() if k not in stamps}
    for key in stamps:
        assert abs(datetime.fromisoformat(past[key]) - datetime.fromisoformat(current[key])) < timedelta(seconds=5)
    assert past["created_at"] == next(e["at"] for e in trail.entries
                                      if e["entity_type"] == "power" and e["entity_id"] == POWER)
    assert past["updated_at"] == trail.step["trail-name-back"]["at"]


def test_as_of_sees_a_retired_power(trail: Trail) -> None:
    pid = trail.ids["forestry_power"]
    assert as_of(trail.client, pid, moment(trail.step["trail-retire"]["at"])).json["retired"] is True
    assert as_of(trail.client, pid, moment(trail.step["trail-restore"]["at"])).json["retired"] is False


@pytest.mark.parametrize("when", ["2021-04-30T00:00:00+08:00", "first-entry-minus-1us"])
def test_as_of_before_the_power_existed_is_404(trail: Trail, when: str) -> None:
    created = next(e for e in trail.entries if e["entity_type"] == "power" and e["entity_id"] == POWER)
    if when == "first-entry-minus-1us":
        when = moment(created["at"], -timedelta(microseconds=1))
    assert_problem(as_of(trail.client, POWER, when), 404)
    new = trail.ids["new_power"]
    assert_problem(as_of(trail.client, new, moment(trail.step["trail-create"]["at"], -timedelta(microseconds=1))),
                   404)
    assert as_of(trail.client, new, moment(trail.step["trail-create"]["at"])).json["name"] == "测试事项"


@pytest.mark.parametrize("when", ["2021-05-01T00:00:00", "2021-05-01", "soon"])
def test_as_of_needs_an_aware_moment(reader: FlaskClient, when: str) -> None:
    assert_problem(as_of(reader, POWER, when), 422, "as_of")


# --- who may read ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", AUDIT_ENDPOINTS)
@pytest.mark.parametrize(("role", "status"), [(None, 401), ("bogus", 401), ("zone", 403), ("water", 403),
                                              ("forestry", 403), ("auditor", 200), ("admin", 200)])
def test_who_may_read_the_trail(trail: Trail, path: str, role: str | None, status: int) -> None:
    headers = {} if role is None else bearer(trail.tokens.get(role, "not-a-token"))
    resp = trail.client.get(path, headers=headers)
    assert resp.status_code == status
    if status != 200:
        assert resp.mimetype == PROBLEM
        assert "seq" not in resp.get_data(as_text=True)


FORBIDDEN = [
    ("water patches a forestry power", "water", "PATCH", "forestry_power", {"name": "改了", "reason": "r"}),
    ("water retires its own power", "water", "POST", "retire", {"reason": "r"}),
    ("zone reads the trail", "zone", "GET", "/api/v1/audit", None),
    ("forestry reads the security events", "forestry", "GET", "/api/v1/security-events", None),
    ("auditor creates a power", "auditor", "POST", "/api/v1/powers", {}),
]


@pytest.mark.parametrize(("who", "method", "where", "body"), [f[1:] for f in FORBIDDEN],
                         ids=[f[0] for f in FORBIDDEN])
def test_forbidden_attempt_is_a_security_event(trail: Trail, who: str, method: str, where: str,
                                               body: dict | None) -> None:
    path = {"forestry_power": f"/api/v1/powers/{trail.ids['forestry_power']}",
            "retire": f"/api/v1/powers/{POWER}/retire"}.get(where, where)
    rid = f"forbidden-{who}-{method}-{len(path)}"
    headers = {**trail.h(who), "X-Request-ID": rid}
    if method != "GET":
        headers["If-Match"] = power_of(trail.client, POWER if "forestry" not in where else
                                       trail.ids["forestry_power"])[1]
    count = len(trail.entries)
    resp = trail.client.open(path, method=method, json=body, headers=headers)
    assert_problem(resp, 403)
    events = trail.client.get("/api/v1/security-events", query_string={"kind": "forbidden", "per_page": 500},
                              headers=trail.h("auditor"))
    assert events.status_code == 200
    mine = [e for e in events.json["items"] if e["request_id"] == rid]
    assert len(mine) == 1
    user = me(trail.client, trail.h(who))
    assert (mine[0]["kind"], mine[0]["account"], mine[0]["user_id"]) == ("forbidden", user["name"], user["id"])
    assert (mine[0]["method"], mine[0]["path"]) == (method, path)
    assert audit_total(trail.client, trail.h("auditor")) == count


def test_refused_token_is_a_security_event(trail: Trail) -> None:
    resp = trail.client.get("/api/v1/audit", headers={**bearer("reg_not-a-real-token"), "X-Request-ID": "bad-tok"})
    assert_problem(resp, 401)
    events = trail.client.get("/api/v1/security-events", query_string={"kind": "token_invalid"},
                              headers=trail.h("admin")).json["items"]
    assert [e["path"] for e in events if e["request_id"] == "bad-tok"] == ["/api/v1/audit"]


# --- no hashes, ever ------------------------------------------------------------------------------------

def test_no_response_leaks_a_hash(trail: Trail) -> None:
    secrets = stored_secrets(trail.app)
    auditor = trail.h("auditor")
    paths = [*AUDIT_ENDPOINTS, "/api/v1/audit?per_page=500", "/api/v1/audit?per_page=500&page=2",
             "/api/v1/audit/export.json?entity_type=token", "/api/v1/audit/export.json?entity_type=user",
             f"/api/v1/powers/{trail.ids['forestry_power']}/history", "/api/v1/security-events?per_page=500",
             f"/api/v1/users/{trail.ids['new_user']}/tokens", "/api/v1/users"]
    for path in paths:
        headers = trail.h("admin") if path.startswith("/api/v1/users") else auditor
        resp = trail.client.get(path, headers=headers)
        assert resp.status_code == 200, path
        assert_no_secrets(resp.get_data(as_text=True), secrets)
    later = (datetime.now(UTC) + timedelta(hours=1)).astimezone(CST).isoformat()
    assert_no_secrets(as_of(trail.client, POWER, later).get_data(as_text=True), secrets)
    listed = trail.client.get("/api/v1/audit/export.json", headers=auditor).get_data(as_text=True)
    assert SOURCE_SHA256 in listed  # the only 64-hex string is the published digest, and the check sees it


@pytest.mark.parametrize("kind", ["create user", "create token", "patch by admin"])
def test_write_responses_leak_no_hash(app: Flask, client: FlaskClient, as_role: Callable, kind: str) -> None:
    write = WRITES[kind](client, as_role, {})
    body = dict(write.response.json)
    token = body.pop("token", None)
    assert (token is not None) == (kind == "create token")
    assert_no_secrets(json.dumps(body, ensure_ascii=False), stored_secrets(app))
    trail = client.get("/api/v1/audit/export.json", headers=as_role("auditor")).get_data(as_text=True)
    assert_no_secrets(trail, stored_secrets(app))
    if token:
        assert token not in trail
