"""Decisions over time, on every backend: the zone's list on a date (GET /powers?on=), who handles a recalled item
(GET /powers/{id}/handler?on=), what changed between two dates (GET /changes), and the handover a recall closes.

One registry per backend and format goes through a timeline (module fixture ``timeline``): 取水许可 (seq 38) handed
over to a zone office from 2021-06-01; then 渝府发〔2027〕1号 (tests/fixtures/decision_2027_1.txt, test data: three new
items devolved, 38 and 75 recalled, from 2027-01-01) as its page, or as its annex in .xlsx or .csv
(tests/test_decisions.py's FILES); then a sheet devolving 取水许可 again from 2027-06-01. Every answer is
checked against the lineage read back and registry.domain.standing's plain rule, and against the source.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import db
from registry.domain.standing import stand
from registry.models import Power
from registry.services import standing
from seed import parse_annex
from tests.conftest import Databases, bearer, cli, dispose, make_app
from tests.handover_steps import WATER_POWER, drive, ok, zone_office
from tests.test_decisions import FILES, NUMBER, SUMMARY

AGAIN = "渝府发〔2027〕9号"
NEW = ["房屋建筑工程施工图设计文件审查备案", "对违反统计法律法规行为的处罚", "林木采伐许可证核发"]
RECALLED = {38: "取水许可", 75: "矿山、金属冶炼建设项目和用于生产、储存危险物品的建设项目的安全设施设计审查"}
HEADER = "调整类型,序号,事项名称,子项名称,事项类型,行使层级,市级指导(实施)部门(单位),备  注"
REDEVOLVE = f"\ufeff{HEADER}\n下放,1,取水许可,,行政许可,市级、区县级,市水利局,\n".encode()
DATES = ["2021-04-29", "2021-04-30", "2026-12-31", "2027-01-01", "2027-05-31", "2027-06-01", "2030-01-01"]


def _import(client: FlaskClient, admin: dict[str, str], payload: bytes, content_type: str, **query: Any) -> dict:
    return ok(client.post("/api/v1/decisions/imports", data=payload, query_string={"reason": "测试", **query},
                          headers={**admin, "Content-Type": content_type}))


@pytest.fixture(scope="module", params=sorted(FILES))
def timeline(databases: Databases, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The timeline with 渝府发〔2027〕1号 imported as its page (text), or as its annex in .xlsx (a title row,
    merged cells) or .csv with the metadata given as options."""
    app = make_app(databases.seeded())
    client, tokens = app.test_client(), databases.staff_tokens()
    admin = bearer(tokens["admin"])
    payload, content_type, meta = FILES[request.param]
    try:
        office = zone_office(client, tokens)
        drive(client, tokens, WATER_POWER, "handed_over", office["id"], "2021-06-01")
        first = _import(client, admin, payload, content_type, **meta)
        assert first["summary"] == SUMMARY
        handover_after_recall = ok(client.get(f"/api/v1/powers/{WATER_POWER}/handover", headers=admin))
        preview = _import(client, admin, REDEVOLVE, "text/csv", dry_run="true", number=AGAIN, title="测试决定",
                          date="2027-05-01", effective="2027-06-01", body="重庆经开区管委会")
        second = _import(client, admin, REDEVOLVE, "text/csv", number=AGAIN, title="测试决定",
                         date="2027-05-01", effective="2027-06-01", body="重庆经开区管委会")
        yield {"app": app, "client": client, "admin": admin, "office": office, "first": first, "preview": preview,
               "second": second, "handover_after_recall": handover_after_recall,
               "handover_now": ok(client.get(f"/api/v1/powers/{WATER_POWER}/handover", headers=admin))}
    finally:
        dispose(app)


def _listed(client: FlaskClient, **query: Any) -> dict[str, Any]:
    return ok(client.get("/api/v1/powers", query_string={"per_page": 200, **query}))


def _names(page: dict[str, Any]) -> set[str]:
    return {p["name"] for p in page["items"]}


@pytest.mark.parametrize(("on", "total", "has", "lacks"), [
    ("2021-04-29", 0, [], ["取水许可"]),  # before 13号 took effect
    ("2021-04-30", 103, ["取水许可", RECALLED[75]], NEW),
    ("2026-12-31", 103, ["取水许可", RECALLED[75]], NEW),
    ("2027-01-01", 104, NEW, ["取水许可", RECALLED[75]]),
    ("2027-05-31", 104, NEW, ["取水许可"]),
    ("2027-06-01", 105, [*NEW, "取水许可"], [RECALLED[75]]),
])
def test_the_list_on_a_date_follows_the_decisions_in_force(timeline: dict[str, Any], on: str, total: int,
                                                            has: list[str], lacks: list[str]) -> None:
    page = _listed(timeline["client"], on=on)
    assert page["total"] == total == len(page["items"])
    assert set(has) <= _names(page) and not set(lacks) & _names(page)
    assert sum(d["count"] for d in page["facets"]["department"]) == total  # facets count the same list
    everything = _listed(timeline["client"], on=on, include_retired="true")
    assert everything["total"] == 106  # retired (not held) items only when asked for


def _agrees_with_the_plain_rule(app: Flask, client: FlaskClient) -> None:
    """The SQL rule and registry.domain.standing agree on every date around every step, with filters too."""
    with app.app_context():
        session = db.session(write=False)
        powers = list(session.scalars(select(Power)).unique())
        lineage = standing.steps(session, [p.id for p in powers])
    days = sorted({s.effective_on for steps in lineage.values() for s in steps})
    probes = sorted({d for day in days for d in (day, date.fromordinal(day.toordinal() - 1))})
    for day in probes:
        expected = {p.id for p in powers if not p.retired and stand(lineage.get(p.id, []), day).held}
        got = {p["id"] for p in _listed(client, on=day.isoformat())["items"]}
        assert got == expected, day
        water = _listed(client, on=day.isoformat(), department="市水利局", q="许可")
        assert {p["id"] for p in water["items"]} <= expected


def test_the_list_on_every_date_is_the_plain_rule(timeline: dict[str, Any]) -> None:
    _agrees_with_the_plain_rule(timeline["app"], timeline["client"])


# Steps that only the plain rule's finer points decide: a suspension and its resumption, and a recall and a new
# devolution on the same day by two decisions (the later one applied wins).
STEPS = [("渝府发〔2027〕11号", "2027-02-01", "暂停", 2), ("渝府发〔2027〕12号", "2027-03-01", "恢复", 2),
         ("渝府发〔2027〕13号", "2027-04-01", "收回", 3), ("渝府发〔2027〕14号", "2027-04-01", "下放", 3),
         ("渝府发〔2027〕15号", "2027-05-01", "下放", 4), ("渝府发〔2027〕16号", "2027-05-01", "取消", 4)]


def test_suspensions_and_steps_on_one_day_follow_the_plain_rule(app: Flask, client: FlaskClient,
                                                                   admin_headers: dict[str, str]) -> None:
    items = {p["seq"]: p for p in parse_annex.parse_file()["powers"]}
    for number, effective, action, seq in STEPS:
        item = items[seq]
        row = [action, "1", item["name"], item["sub_items"][0] if item["sub_items"] else "", item["type"],
               item["level"], item["department"], ""]
        sheet = f"\ufeff{HEADER}\n{','.join(row)}\n".encode()
        _import(client, admin_headers, sheet, "text/csv", number=number, title="测试决定", date="2027-01-15",
                effective=effective, body="重庆经开区管委会")
    _agrees_with_the_plain_rule(app, client)
    on = {day: {p["seq"] for p in _listed(client, on=day)["items"] if p["seq"] in (2, 3, 4)}
          for day in ("2027-02-01", "2027-03-01", "2027-04-01", "2027-05-01")}
    assert on == {"2027-02-01": {3, 4}, "2027-03-01": {2, 3, 4}, "2027-04-01": {2, 3, 4}, "2027-05-01": {2, 3}}


def test_today_is_the_default(timeline: dict[str, Any]) -> None:
    assert _listed(timeline["client"])["total"] == 103  # 2026: the recall and the new items are still ahead


@pytest.mark.parametrize(("on", "office", "by_zone", "since", "standing", "next_change"), [
    ("2021-05-31", "city", False, None, "devolved", "2021-06-01"),
    ("2021-06-01", "zone", True, "2021-06-01", "devolved", "2027-01-01"),
    ("2026-12-31", "zone", True, "2021-06-01", "devolved", "2027-01-01"),
    ("2027-01-01", "city", False, "2027-01-01", "recalled", None),
    ("2027-05-31", "city", False, "2027-01-01", "recalled", None),
    ("2027-06-01", "city", False, "2027-01-01", "devolved", None),  # devolved again: a new handover is due
])
def test_a_recall_returns_the_item_to_the_city_from_its_date(timeline: dict[str, Any], on: str, office: str,
                                                               by_zone: bool, since: str | None, standing: str,
                                                               next_change: str | None) -> None:
    answer = ok(timeline["client"].get(f"/api/v1/powers/{WATER_POWER}/handler", query_string={"on": on}))
    part = answer["parts"][0]
    assert part["office"]["name"] == {"city": "市水利局", "zone": timeline["office"]["name"]}[office]
    assert (part["by_zone"], part["since"], answer["standing"]["standing"]["code"], answer["next_change"]) == (
        by_zone, since, standing, next_change)


def test_the_recall_closed_the_handover_as_recalled_and_the_redevolution_reopened_it(
        timeline: dict[str, Any]) -> None:
    closed = timeline["handover_after_recall"]
    assert (closed["status"]["code"], closed["recalled_on"]) == ("recalled", "2027-01-01")
    assert timeline["handover_now"]["status"]["code"] == "pending"
    assert "intact" in cli(timeline["app"], "audit", "verify")
    events = ok(timeline["client"].get(f"/api/v1/powers/{WATER_POWER}/handover/history", headers=timeline["admin"]))
    decided = [(e["from"]["code"], e["to"]["code"], e["effective_on"], e["note"]) for e in events
               if e["kind"] == "decision"]
    assert decided == [("handed_over", "recalled", "2027-01-01", f"{NUMBER} 附件2 第1项 收回：测试"),
                       ("recalled", "pending", None, f"{AGAIN} 附件1 第1项 下放：测试")]


def test_the_second_devolution_previews_as_a_return(timeline: dict[str, Any]) -> None:
    rows = timeline["preview"]["rows"]
    assert [(r["outcome"], r["power"]["id"]) for r in rows] == [("restore", WATER_POWER)]
    assert timeline["second"]["applied"] is True


@pytest.mark.parametrize(("start", "end", "added", "removed", "changed"), [
    ("2026-12-31", "2027-01-01", NEW, list(RECALLED.values()), []),
    ("2027-01-01", "2027-06-01", ["取水许可"], [], []),
    ("2026-01-01", "2027-06-01", NEW, [RECALLED[75]], ["取水许可"]),  # recalled, then devolved again
    ("2027-06-01", "2030-01-01", [], [], []),
    ("2021-04-29", "2021-04-30", 103, [], []),  # 13号 takes effect: its whole annex
])
def test_changes_between_two_dates(timeline: dict[str, Any], start: str, end: str, added: list[str] | int,
                                   removed: list[str], changed: list[str]) -> None:
    answer = ok(timeline["client"].get("/api/v1/changes", query_string={"from": start, "to": end}))
    assert (answer["from"], answer["to"]) == (start, end)
    names = {k: [c["power"]["name"] for c in answer[k]] for k in ("added", "removed", "changed")}
    assert (len(names["added"]) if isinstance(added, int) else names["added"]) == added
    assert (names["removed"], names["changed"]) == (removed, changed)
    for change in answer["removed"]:
        assert change["after"]["standing"]["label"] == "已收回" and change["after"]["decision"] == NUMBER
        assert [s["action"]["label"] for s in change["steps"]] == ["收回"]
    if isinstance(added, int):
        assert [c["power"]["seq"] for c in answer["added"]] == list(range(1, 104))


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2027-01-02", "to": "2027-01-01"}, "to"),
    ({"from": "2027-13-01", "to": "2027-01-01"}, "from"),
    ({"to": "2019-01-01"}, "to"),  # from defaults to a year ago: to is then before it
])
def test_changes_refuse_bad_dates(refusals: FlaskClient, query: dict[str, str], field: str) -> None:
    resp = refusals.get("/api/v1/changes", query_string=query)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert list(resp.json["errors"]) == [field]


def test_our_source_still_gives_the_registry_on_its_date(timeline: dict[str, Any]) -> None:
    on_day = _listed(timeline["client"], on="2021-04-30", decision=parse_annex.DOC_NUMBER)
    assert on_day["total"] == 103
