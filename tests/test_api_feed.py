"""The public change feed and the reference lists behind handovers, on every backend.

GET /api/v1/events is how other systems follow handovers: oldest first with a resume cursor (``after``),
filters by power and by moment (``since``, which must name its time zone), and bounded pages. It is public,
so an event shows what changed and when, and never who did it, their note, their evidence or the audit
entry behind it, even when the write carried all of these. GET /api/v1/events.atom says the same to feed
readers, newest first, as valid Atom. The handover methods (移交方式) and the departments (where a zone
office's address, phone and hours live) are read by anyone and changed only by the admin, with a trail.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import Databases, bearer, dispose, make_app
from tests.handover_steps import WATER_POWER, complete_checklist, confirm_both, fix_terms, ok, step, zone_office

PROBLEM = "application/problem+json"
ATOM = "{http://www.w3.org/2005/Atom}"
EVENT_KEYS = {"id", "at", "power", "kind", "from", "to", "detail", "effective_on", "office"}
ANNEX = {p["seq"]: p for p in json.loads(
    (Path(__file__).parent.parent / "seed" / "annex.json").read_text("utf-8"))["powers"]}
PENDING = {"code": "pending", "label": "待交接"}
IN_PROGRESS = {"code": "in_progress", "label": "交接中"}
HANDED_OVER = {"code": "handed_over", "label": "已交接"}
# What the transition to in_progress carries, none of which the public may read.
SECRET_NOTE = "内部备注: 仅限工作人员"
SECRET_EVIDENCE = {"doc_number": "渝经开内〔2021〕99号", "link": "https://intranet.example.gov.cn/files/99"}
STAFF_NAMES = ("管理员甲", "经开区甲", "审计甲", "水利局甲", "林业局甲")
NEVER_PUBLIC = (SECRET_NOTE, SECRET_EVIDENCE["doc_number"], SECRET_EVIDENCE["link"], "渝水函〔2021〕1号",
                "intranet.example", *STAFF_NAMES)
METHODS = ["直接下放", "委托下放", "书面移交", "现场交接", "系统移交"]


def events(client: FlaskClient, **params: Any) -> list[dict]:
    return ok(client.get("/api/v1/events", query_string=params))  # public: no token


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- the seed: 103 create events --------------------------------------------------------------------------

def test_seed_events(reader: FlaskClient) -> None:
    seen = events(reader, limit=500)
    assert len(seen) == 103
    ids = [e["id"] for e in seen]
    assert ids == sorted(ids) and len(set(ids)) == 103, "oldest first, each once"
    assert [e["power"]["id"] for e in seen] == list(range(1, 104))
    assert [e["power"]["name"] for e in seen] == [ANNEX[n]["name"] for n in range(1, 104)]
    for e in seen:
        assert set(e) == EVENT_KEYS
        assert (e["kind"], e["from"], e["to"], e["detail"], e["effective_on"], e["office"]) == (
            "create", None, PENDING, None, None, None)
    ats = [moment(e["at"]) for e in seen]
    assert all(a.utcoffset() == timedelta(0) for a in ats), "in UTC"
    assert ats == sorted(ats)


def test_cursor(reader: FlaskClient) -> None:
    everything = events(reader, limit=500)
    first = events(reader)
    assert first == everything[:100], "100 by default"
    rest = events(reader, after=first[-1]["id"])
    assert rest == everything[100:]
    assert events(reader, after=everything[-1]["id"]) == []
    assert events(reader, after=0, limit=3) == everything[:3]
    assert events(reader, after=everything[49]["id"], limit=2) == everything[50:52]


@pytest.mark.parametrize(("limit", "count"), [(1, 1), (2, 2), (100, 100), (500, 103)])
def test_limit(reader: FlaskClient, limit: int, count: int) -> None:
    assert len(events(reader, limit=limit)) == count


def test_power_filter_on_seed(reader: FlaskClient) -> None:
    only = events(reader, power=WATER_POWER)
    assert [(e["power"]["id"], e["kind"]) for e in only] == [(WATER_POWER, "create")]
    assert events(reader, power=WATER_POWER, after=only[0]["id"]) == []


@pytest.mark.parametrize("offset_hours", [8, 0, -5])
@pytest.mark.parametrize("index", [0, 51, 102])
def test_since(reader: FlaskClient, index: int, offset_hours: int) -> None:
    """``since`` is a moment: the same instant written in any offset selects the same events."""
    everything = events(reader, limit=500)
    at = moment(everything[index]["at"])
    since = at.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()
    expected = [e for e in everything if moment(e["at"]) >= at]
    assert events(reader, since=since, limit=500) == expected
    assert everything[index] in expected


@pytest.mark.parametrize(("since", "count"), [
    ("2000-01-01T00:00:00+08:00", 103),
    ("2000-01-01T00:00:00Z", 103),
    ("2100-01-01T00:00:00+08:00", 0),
])
def test_since_bounds(reader: FlaskClient, since: str, count: int) -> None:
    assert len(events(reader, since=since, limit=500)) == count


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "2021-06-01T00:00:00"}, "since"),  # naive: which time zone?
    ({"since": "2021-06-01"}, "since"),
    ({"since": "yesterday"}, "since"),
    ({"limit": 0}, "limit"),
    ({"limit": 501}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"after": -1}, "after"),
    ({"power": 0}, "power"),
    ({"colour": "red"}, "colour"),
])
def test_bad_query(reader: FlaskClient, params: dict, field: str) -> None:
    resp = reader.get("/api/v1/events", query_string=params)
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == PROBLEM
    assert list(resp.json["errors"]) == [field]


# --- after writes ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(databases: Databases) -> Iterator[dict[str, Any]]:
    """Power 38 handed over; the step to in_progress carried a note and evidence, and its feed was read."""
    app = make_app(databases.seeded())
    client, tokens = app.test_client(), databases.staff_tokens()
    try:
        office = zone_office(client, tokens)
        fix_terms(client, tokens, WATER_POWER, office["id"])
        cursor = events(client, limit=500)[-1]["id"]
        step(client, tokens, WATER_POWER, "in_progress", note=SECRET_NOTE, evidence=SECRET_EVIDENCE)
        after_one = events(client, after=cursor, limit=500)
        confirm_both(client, tokens, WATER_POWER)
        complete_checklist(client, tokens, WATER_POWER)
        step(client, tokens, WATER_POWER, "handed_over", note=SECRET_NOTE, evidence=SECRET_EVIDENCE)
        staff_history = ok(client.get(f"/api/v1/powers/{WATER_POWER}/handover/history",
                                      headers=bearer(tokens["auditor"])))
        yield {"client": client, "office": office, "cursor": cursor, "after_one": after_one,
               "staff_history": staff_history}
    finally:
        dispose(app)


def test_one_write_one_event(written: dict[str, Any]) -> None:
    [event] = written["after_one"]
    assert event["id"] > written["cursor"]
    assert set(event) == EVENT_KEYS
    assert (event["power"]["id"], event["kind"], event["from"], event["to"], event["detail"],
            event["effective_on"], event["office"]) == (WATER_POWER, "transition", PENDING, IN_PROGRESS, None,
                                                        None, None)


def test_power_history_in_the_feed(written: dict[str, Any]) -> None:
    mine = events(written["client"], power=WATER_POWER)
    assert [(e["kind"], (e["detail"] or {}).get("code")) for e in mine] == [
        ("create", None), ("update", None), ("transition", None), ("confirmation", "handover"),
        ("confirmation", "acceptance"), ("checklist", "guidance"), ("checklist", "supervision"),
        ("checklist", "files"), ("checklist", "system_access"), ("checklist", "list_updated"),
        ("transition", None)]
    last = mine[-1]
    assert (last["from"], last["to"], last["effective_on"], last["office"]) == (
        IN_PROGRESS, HANDED_OVER, "2021-06-01", {"id": written["office"]["id"], "name": written["office"]["name"]})
    assert [e["id"] for e in mine] == [e["id"] for e in written["staff_history"]], "the same events staff see"
    # Resuming after 38's create: the creates of 39..103, then 38's own later events, in order.
    resumed = events(written["client"], limit=500, after=mine[0]["id"])
    assert [e["power"]["id"] for e in resumed] == [*range(WATER_POWER + 1, 104), *[WATER_POWER] * 10]


def test_staff_history_does_hold_what_the_public_feed_hides(written: dict[str, Any]) -> None:
    """The secrets are really there for staff, so their absence from the public feed means something."""
    staff = {e["id"]: e for e in written["staff_history"]}
    public = written["after_one"][0]
    assert (staff[public["id"]]["note"], staff[public["id"]]["evidence"], staff[public["id"]]["actor"]["name"]) == (
        SECRET_NOTE, SECRET_EVIDENCE, "经开区甲")
    assert isinstance(staff[public["id"]]["audit_seq"], int)


@pytest.mark.parametrize("path", ["/api/v1/events?limit=500", f"/api/v1/events?power={WATER_POWER}",
                                  "/api/v1/events.atom"])
def test_nothing_internal_is_public(written: dict[str, Any], path: str) -> None:
    resp = written["client"].get(path)
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert [s for s in NEVER_PUBLIC if s in text] == []
    for word in ("audit_seq", "actor", "evidence", "note"):
        assert f'"{word}"' not in text and f"<{word}" not in text
    if resp.is_json:
        assert all(set(e) == EVENT_KEYS for e in resp.json)


# --- Atom -------------------------------------------------------------------------------------------------

def atom(client: FlaskClient) -> ET.Element:
    resp = client.get("/api/v1/events.atom")
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.get_data())
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def text_of(element: ET.Element, tag: str) -> str:
    found = element.find(f"{ATOM}{tag}")
    assert found is not None and found.text, tag
    return found.text


def test_atom_on_seed(reader: FlaskClient) -> None:
    root = atom(reader)
    assert text_of(root, "title") == "重庆经开区下放权力事项交接动态"
    assert text_of(root, "id") == "http://localhost/api/v1/events.atom"
    newest = events(reader, limit=500)[-100:][::-1]
    got = entries(root)
    assert [text_of(e, "title") for e in got] == [
        f"第{e['power']['seq']}项 {e['power']['name']}: 建立交接记录" for e in newest]
    assert [text_of(e, "id") for e in got] == [
        f"http://localhost/api/v1/events.atom#event-{e['id']}" for e in newest]
    updated = [moment(text_of(e, "updated")) for e in got]
    assert updated == sorted(updated, reverse=True), "newest entry first"
    assert moment(text_of(root, "updated")) == updated[0] == moment(newest[0]["at"])
    link = got[0].find(f"{ATOM}link")
    assert link is not None and link.get("href") == "http://localhost/powers/103"


def test_atom_feed_names_an_author(reader: FlaskClient) -> None:
    root = atom(reader)
    authors = root.findall(f"{ATOM}author") or [a for e in entries(root) for a in e.findall(f"{ATOM}author")]
    assert authors, "atom:feed needs an atom:author (RFC 4287 section 4.1.1)"
    names = [text_of(a, "name") for a in authors]
    assert [n for n in names if n in STAFF_NAMES] == [], "an office, never a member of staff"


def test_atom_after_writes(written: dict[str, Any]) -> None:
    root = atom(written["client"])
    titles = [text_of(e, "title") for e in entries(root)]
    assert titles[:11] == [
        "第38项 取水许可: 交接中 → 已交接",
        *["第38项 取水许可: 交接清单"] * 5,
        *["第38项 取水许可: 交接确认"] * 2,
        "第38项 取水许可: 待交接 → 交接中",
        "第38项 取水许可: 交接信息更新",
        f"第103项 {ANNEX[103]['name']}: 建立交接记录",
    ]
    assert len(titles) == 100
    content = entries(root)[0].find(f"{ATOM}content")
    assert content is not None and content.text == "第38项 取水许可: 交接中 → 已交接(生效日期 2021-06-01)"
    assert moment(text_of(root, "updated")) == moment(text_of(entries(root)[0], "updated"))
    assert moment(text_of(root, "updated")) > datetime(2021, 4, 30, tzinfo=UTC)


# --- handover methods -------------------------------------------------------------------------------------

def method_names(client: FlaskClient) -> list[str]:
    return [m["name"] for m in ok(client.get("/api/v1/handover-methods"))]


def test_seeded_methods(reader: FlaskClient) -> None:
    assert ok(reader.get("/api/v1/handover-methods")) == [
        {"id": n, "name": name, "retired": False, "version": 1} for n, name in enumerate(METHODS, start=1)]


def test_method_lifecycle(client: FlaskClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    created = ok(client.post("/api/v1/handover-methods", headers=admin, json={"name": "联合交接"}), 201)
    assert created == {"id": 6, "name": "联合交接", "retired": False, "version": 1}
    assert method_names(client) == [*METHODS, "联合交接"]
    for name in ("联合交接", "直接下放"):
        resp = client.post("/api/v1/handover-methods", headers=admin, json={"name": name})
        assert resp.status_code == 409, resp.json
        assert list(resp.json["errors"]) == ["name"]
    retired = ok(client.patch("/api/v1/handover-methods/6", headers={**admin, "If-Match": '"1"'},
                              json={"retired": True, "reason": "停用"}))
    assert retired == {"id": 6, "name": "联合交接", "retired": True, "version": 2}
    assert method_names(client) == METHODS
    # A retired method can no longer be chosen for a handover.
    etag = client.get(f"/api/v1/powers/{WATER_POWER}/handover", headers=admin).headers["ETag"]
    resp = client.patch(f"/api/v1/powers/{WATER_POWER}/handover", headers={**bearer(tokens["zone"]), "If-Match": etag},
                        json={"method": 6})
    assert resp.status_code == 422, resp.json
    assert list(resp.json["errors"]) == ["method"]
    audit = ok(client.get("/api/v1/audit", query_string={"entity_type": "handover_method"},
                          headers=bearer(tokens["auditor"])))
    assert [(e["action"], e["entity_id"]) for e in audit["items"]][:2] == [("update", 6), ("create", 6)]


@pytest.mark.parametrize(("who", "verb", "path", "body", "status"), [
    ("zone", "post", "/api/v1/handover-methods", {"name": "联合交接"}, 403),
    ("water", "post", "/api/v1/handover-methods", {"name": "联合交接"}, 403),
    ("zone", "patch", "/api/v1/handover-methods/1", {"retired": True}, 403),
    (None, "post", "/api/v1/handover-methods", {"name": "联合交接"}, 401),
    ("admin", "post", "/api/v1/handover-methods", {"name": ""}, 422),
    ("admin", "post", "/api/v1/handover-methods", {"id": 9, "name": "联合交接"}, 422),
    ("admin", "patch", "/api/v1/handover-methods/99", {"retired": True}, 404),
    ("admin", "patch", "/api/v1/handover-methods/2", {"name": "直接下放"}, 409),
])
def test_method_refusals(refusals: FlaskClient, tokens: dict[str, str], who: str | None, verb: str, path: str,
                         body: dict, status: int) -> None:
    headers = {**(bearer(tokens[who]) if who else {}), "If-Match": '"1"'}  # every method is at version 1
    resp = getattr(refusals, verb)(path, headers=headers, json=body)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == PROBLEM
    assert ok(refusals.get("/api/v1/handover-methods")) == [
        {"id": n, "name": name, "retired": False, "version": 1} for n, name in enumerate(METHODS, start=1)]


# --- departments ------------------------------------------------------------------------------------------

OFFICE = {"name": "重庆经开区政务服务中心", "kind": "zone", "address": "重庆市南岸区经开区某路2号",
          "phone": "023-11111111", "hours": "工作日 9:00-17:00"}


def test_department_lifecycle(client: FlaskClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    created = ok(client.post("/api/v1/departments", headers=admin, json=OFFICE), 201)
    expected = {**OFFICE, "id": 8, "kind": {"code": "zone", "label": "经开区承接机构"}, "version": 1}
    assert created == expected
    assert expected in ok(client.get("/api/v1/departments"))  # public
    for name in (OFFICE["name"], "市水利局"):
        resp = client.post("/api/v1/departments", headers=admin, json={**OFFICE, "name": name})
        assert resp.status_code == 409, resp.json
        assert list(resp.json["errors"]) == ["name"]

    audit_query = {"entity_type": "department", "per_page": 500}
    trail = ok(client.get("/api/v1/audit", query_string=audit_query, headers=bearer(tokens["auditor"])))
    changed = ok(client.patch("/api/v1/departments/8", headers={**admin, "If-Match": '"1"'},
                              json={"phone": "023-22222222"}))
    assert changed == {**expected, "phone": "023-22222222", "version": 2}
    assert {**expected, "phone": "023-22222222", "version": 2} in ok(client.get("/api/v1/departments"))
    after = ok(client.get("/api/v1/audit", query_string=audit_query, headers=bearer(tokens["auditor"])))
    assert after["total"] == trail["total"] + 1
    entry = after["items"][0]
    assert (entry["entity_type"], entry["action"], entry["entity_id"], entry["changed"], entry["actor"]["name"]) == (
        "department", "update", 8, ["phone"], "管理员甲")
    assert [(d["field"], d["before"], d["after"]) for d in entry["diff"]] == [("phone", "023-11111111", "023-22222222")]

    # The same value again changes nothing and writes nothing.
    assert ok(client.patch("/api/v1/departments/8", headers={**admin, "If-Match": '"2"'},
                           json={"phone": "023-22222222"}))["version"] == 2
    assert ok(client.get("/api/v1/audit", query_string=audit_query,
                         headers=bearer(tokens["auditor"])))["total"] == after["total"]


@pytest.mark.parametrize(("who", "verb", "path", "body", "status", "field"), [
    ("admin", "patch", "/api/v1/departments/7", {"kind": "city"}, 422, "kind"),
    ("admin", "patch", "/api/v1/departments/7", {"id": 9}, 422, "id"),
    ("admin", "patch", "/api/v1/departments/7", {"reason": "无改动"}, 422, "_body"),
    ("admin", "patch", "/api/v1/departments/99", {"phone": "023-1"}, 404, None),
    ("admin", "patch", "/api/v1/departments/7", {"name": "市水利局"}, 409, "name"),
    ("admin", "post", "/api/v1/departments", {**OFFICE, "kind": "county"}, 422, "kind"),
    ("admin", "post", "/api/v1/departments", {"name": "某机构"}, 422, "kind"),
    ("zone", "post", "/api/v1/departments", OFFICE, 403, None),
    ("zone", "patch", "/api/v1/departments/7", {"phone": "023-1"}, 403, None),
    ("water", "patch", "/api/v1/departments/3", {"phone": "023-1"}, 403, None),
    (None, "post", "/api/v1/departments", OFFICE, 401, None),
])
def test_department_refusals(refusals: FlaskClient, tokens: dict[str, str], who: str | None, verb: str,
                             path: str, body: dict, status: int, field: str | None) -> None:
    before = ok(refusals.get("/api/v1/departments"))
    assert len(before) == 7
    headers = {**(bearer(tokens[who]) if who else {}), "If-Match": '"1"'}  # every department is at version 1
    resp = getattr(refusals, verb)(path, headers=headers, json=body)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == PROBLEM
    if field is not None:
        assert list(resp.json["errors"]) == [field]
    assert ok(refusals.get("/api/v1/departments")) == before
