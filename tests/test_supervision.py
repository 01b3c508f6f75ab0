"""Supervision after the handover (事中事后监管) over HTTP, on every backend: the guiding department records
guidance, training and inspections of its own items; a finding may require rectification (整改) within working
days of the record's date, counted on the calendar the registry holds; the zone closes it; open ones past their
deadline are listed from the day after it; every write is audited and the trail stays intact.

The expected deadlines are counted here from the calendar the API publishes (GET /api/v1/calendar/years/{year}),
not copied by hand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.schemas import supervision as supervision_schemas
from registry.services import supervision as supervision_service
from tests.conftest import bearer, cli
from tests.handover_steps import WATER_POWER, ok

PROBLEM = "application/problem+json"
FORESTRY_POWER = 100  # 市林业局's
EVIDENCE = {"doc_number": "渝水监〔2026〕12号", "date": "2026-09-30"}
CLOSING = {"doc_number": "渝经开整改〔2026〕3号", "link": "https://example.org/zg/3"}
INSPECTION = {"held_on": "2026-09-30", "kind": "inspection", "findings": "受理材料未按办事指南一次性告知",
              "evidence": EVIDENCE}


def expected_due(client: FlaskClient, start: date, days: int) -> date:
    """The last of ``days`` working days after ``start``, counted from the calendar the registry publishes."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    for year in (start.year, start.year + 1):
        resp = client.get(f"/api/v1/calendar/years/{year}")
        if resp.status_code != 200:
            continue
        for day in resp.json["days"]:
            (workdays if day["kind"]["code"] == "workday" else holidays).add(date.fromisoformat(day["date"]))
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if day in workdays or (day.weekday() < 5 and day not in holidays):
            left -= 1
    return day


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch):
    """Make Beijing's today ``day`` for the supervision service and its output."""
    def set_today(day: date) -> None:
        monkeypatch.setattr(supervision_service, "today_in_china", lambda: day)
        monkeypatch.setattr(supervision_schemas, "today_in_china", lambda: day)
    return set_today


def record(client: FlaskClient, who: str, tokens: dict[str, str], power_id: int = WATER_POWER,
           **body: Any):
    return client.post(f"/api/v1/powers/{power_id}/supervision", headers=bearer(tokens[who]),
                       json={**INSPECTION, **body})


def close(client: FlaskClient, who: str, tokens: dict[str, str], rectification: dict, **body: Any):
    headers = {**bearer(tokens[who]), "If-Match": f'"{rectification["version"]}"'}
    return client.post(f"/api/v1/rectifications/{rectification['id']}/close", headers=headers,
                       json={"evidence": CLOSING, **body})


def audit_entries(client: FlaskClient, tokens: dict[str, str], entity_type: str) -> list[dict]:
    return ok(client.get("/api/v1/audit", headers=bearer(tokens["auditor"]),
                         query_string={"entity_type": entity_type, "per_page": 200}))["items"]


@pytest.mark.parametrize(("who", "power_id", "status", "code"), [
    ("water", WATER_POWER, 201, None),  # 市水利局 on its own item
    ("admin", WATER_POWER, 201, None),
    ("admin", FORESTRY_POWER, 201, None),
    ("forestry", WATER_POWER, 403, "access.other_department"),  # another department's item
    ("water", FORESTRY_POWER, 403, "access.other_department"),
    ("zone", WATER_POWER, 403, None),  # the zone is supervised; it does not supervise (refused by the route)
    ("auditor", WATER_POWER, 403, None),
    ("anonymous", WATER_POWER, 401, None),
])
def test_who_records_supervision(client: FlaskClient, tokens: dict[str, str], who: str, power_id: int,
                                 status: int, code: str | None) -> None:
    headers = {} if who == "anonymous" else bearer(tokens[who])
    before = len(audit_entries(client, tokens, "supervision"))
    resp = client.post(f"/api/v1/powers/{power_id}/supervision", headers=headers, json=INSPECTION)
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status == 201:
        assert (resp.json["power"]["id"], resp.json["kind"]["label"], resp.json["rectification"]) == (
            power_id, "检查", None)
        assert len(audit_entries(client, tokens, "supervision")) == before + 1
    else:
        assert resp.mimetype == PROBLEM and (code is None or resp.json["code"] == code)
        assert len(audit_entries(client, tokens, "supervision")) == before
        assert ok(client.get(f"/api/v1/powers/{power_id}/supervision", headers=bearer(tokens["zone"]))) == []


@pytest.mark.parametrize(("held_on", "days"), [
    ("2026-09-30", 5),  # crosses the National Day holiday (and its make-up workdays)
    ("2026-09-25", 3),
    ("2026-02-13", 4),  # crosses the Spring Festival
    ("2026-06-01", 10),
])
def test_the_deadline_counts_working_days_on_the_calendar(client: FlaskClient, tokens: dict[str, str],
                                                         held_on: str, days: int) -> None:
    start = date.fromisoformat(held_on)
    body = ok(record(client, "water", tokens, held_on=held_on,
                     rectification={"requirement": "一次性告知清单上墙", "days": days}), 201)
    fix = body["rectification"]
    assert (fix["counted_from"], fix["days"]) == (held_on, days)
    assert fix["due_on"] == expected_due(client, start, days).isoformat()
    plain = start + timedelta(days=days)
    if held_on == "2026-09-30":
        assert date.fromisoformat(fix["due_on"]) > plain + timedelta(days=7)  # the holiday week is not counted


def test_the_deadline_needs_the_calendar_of_its_year(client: FlaskClient, tokens: dict[str, str],
                                                    on_day) -> None:
    on_day(date(2099, 12, 31))  # a year no calendar holds yet
    resp = record(client, "water", tokens, held_on="2099-12-30", rectification={"requirement": "整改", "days": 5})
    assert resp.status_code == 422 and resp.json["code"] == "calendar.unknown", resp.json
    assert ok(client.get(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["zone"]))) == []


@pytest.mark.parametrize(("change", "path", "code"), [
    ({"held_on": "2026-12-04"}, ("held_on",), "supervision.invalid"),  # after today
    ({"held_on": "2026-12-03", "rectification": {"requirement": "整改", "days": 0}}, ("rectification", "days"),
     None),
    ({"findings": "   "}, ("findings",), None),  # the schema: never blank
    ({"kind": "督查"}, ("kind",), None),
    ({"rectification": {"requirement": " ", "days": 5}}, ("rectification", "requirement"), None),
])
def test_a_wrong_record_is_refused_field_by_field(client: FlaskClient, tokens: dict[str, str], on_day,
                                                 change: dict, path: tuple[str, ...], code: str | None) -> None:
    on_day(date(2026, 12, 3))
    resp = record(client, "water", tokens, **change)
    assert resp.status_code == 422, resp.json
    assert resp.json.get("code") == code
    errors = resp.json["errors"]
    for key in path:
        errors = errors[key]
    assert errors
    assert ok(client.get(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["zone"]))) == []


@pytest.mark.parametrize(("after_due", "overdue"), [
    (-1, False),
    (0, False),  # on its deadline it is still open
    (1, True),  # the day after it is overdue
    (30, True),
])
def test_overdue_from_the_day_after_the_deadline(client: FlaskClient, tokens: dict[str, str], on_day,
                                                after_due: int, overdue: bool) -> None:
    fix = ok(record(client, "water", tokens, rectification={"requirement": "补正告知", "days": 5}), 201)
    fix = fix["rectification"]
    due = date.fromisoformat(fix["due_on"])
    on_day(due + timedelta(days=after_due))
    listed = ok(client.get("/api/v1/rectifications", query_string={"overdue": "true"},
                           headers=bearer(tokens["auditor"])))
    others = ok(client.get("/api/v1/rectifications", query_string={"overdue": "false"},
                           headers=bearer(tokens["auditor"])))
    assert [r["id"] for r in listed] == ([fix["id"]] if overdue else [])
    assert [r["id"] for r in others] == ([] if overdue else [fix["id"]])
    shown = ok(client.get(f"/api/v1/rectifications/{fix['id']}", headers=bearer(tokens["zone"])))
    assert shown["state"]["code"] == ("overdue" if overdue else "open")
    assert shown["power"]["id"] == WATER_POWER and shown["supervision"]["kind"]["label"] == "检查"


@pytest.mark.parametrize(("after_due", "state", "late"), [
    (-1, "closed", 0),
    (0, "closed", 0),  # on its deadline: on time
    (1, "closed_late", 1),
    (2, "closed_late", 2),
])
def test_the_zone_closes_a_rectification(client: FlaskClient, tokens: dict[str, str], on_day, after_due: int,
                                         state: str, late: int) -> None:
    fix = ok(record(client, "water", tokens, rectification={"requirement": "补正告知", "days": 5}), 201)
    fix = fix["rectification"]
    due = date.fromisoformat(fix["due_on"])
    closed_on = due + timedelta(days=after_due)
    on_day(due + timedelta(days=10))
    resp = close(client, "zone", tokens, fix, closed_on=closed_on.isoformat(), note="已整改并上墙公示")
    body = ok(resp)
    assert resp.headers["ETag"] == f'"{fix["version"] + 1}"'
    assert (body["state"]["code"], body["days_late"], body["closed_on"], body["closed_by"]) == (
        state, late, closed_on.isoformat(), "经开区甲")
    assert body["closed_evidence"] == CLOSING
    assert ok(client.get("/api/v1/rectifications", query_string={"overdue": "true"},
                         headers=bearer(tokens["zone"]))) == []
    # Closed once: a second closing is refused, naming who closed it.
    again = close(client, "admin", tokens, body)
    assert again.status_code == 409 and again.json["code"] == "rectification.already_closed"


@pytest.mark.parametrize(("who", "if_match", "body", "status", "code"), [
    ("water", "current", {}, 403, None),  # the department supervises; the zone puts right
    ("auditor", "current", {}, 403, None),
    ("anonymous", "current", {}, 401, None),
    ("zone", None, {}, 428, "if_match.missing"),
    ("zone", "stale", {}, 412, "rectification.stale"),
    ("zone", "current", {"evidence": {}}, 422, None),  # the schema: a number or a link
    ("zone", "current", {"closed_on": "2026-09-29"}, 422, "rectification.close_invalid"),  # before the record
    ("zone", "current", {"closed_on": "2026-12-04"}, 422, "rectification.close_invalid"),  # after today
    ("admin", "current", {}, 200, None),
    ("zone", "current", {}, 200, None),
])
def test_who_closes_and_how(client: FlaskClient, tokens: dict[str, str], on_day, who: str, if_match: str | None,
                            body: dict, status: int, code: str | None) -> None:
    on_day(date(2026, 12, 3))
    fix = ok(record(client, "water", tokens, rectification={"requirement": "补正告知", "days": 5}), 201)
    fix = fix["rectification"]
    headers = {} if who == "anonymous" else bearer(tokens[who])
    if if_match:
        headers["If-Match"] = f'"{fix["version"] + (1 if if_match == "stale" else 0)}"'
    resp = client.post(f"/api/v1/rectifications/{fix['id']}/close", headers=headers,
                       json={"evidence": CLOSING, **body})
    assert resp.status_code == status, resp.get_data(as_text=True)
    after = ok(client.get(f"/api/v1/rectifications/{fix['id']}", headers=bearer(tokens["zone"])))
    if status == 200:
        assert after["state"]["code"] == "closed_late" and after["closed_by"] == {"admin": "管理员甲",
                                                                                 "zone": "经开区甲"}[who]
    else:
        assert resp.mimetype == PROBLEM and (code is None or resp.json["code"] == code)
        assert (after["closed_on"], after["version"]) == (None, fix["version"])


def test_every_write_is_audited_with_before_and_after(app: Flask, client: FlaskClient, tokens: dict[str, str],
                                                      on_day) -> None:
    on_day(date(2026, 12, 3))
    made = ok(record(client, "water", tokens, rectification={"requirement": "补正告知", "days": 5}), 201)
    fix = made["rectification"]
    ok(close(client, "zone", tokens, fix, closed_on="2026-10-09", note="已整改"))
    [created] = audit_entries(client, tokens, "supervision")
    assert (created["action"], created["actor"]["name"], created["entity_id"], created["power_id"]) == (
        "create", "水利局甲", made["id"], WATER_POWER)
    assert (created["before"], created["after"]["kind"], created["after"]["findings"]) == (
        None, "inspection", INSPECTION["findings"])
    closed, opened = audit_entries(client, tokens, "rectification")  # newest first
    assert (opened["action"], opened["before"], opened["after"]["due_on"]) == ("create", None, fix["due_on"])
    assert (closed["action"], closed["actor"]["name"], closed["reason"]) == ("close", "经开区甲", "已整改")
    assert closed["before"]["closed_on"] is None and closed["after"]["closed_on"] == "2026-10-09"
    assert set(closed["changed"]) == {"closed_on", "closed_note", "closed_evidence", "closed_by", "version"}
    assert cli(app, "audit", "verify").startswith("intact:")


def test_the_records_of_an_item_latest_first(client: FlaskClient, tokens: dict[str, str]) -> None:
    for held_on, kind in (("2026-03-02", "training"), ("2026-09-30", "inspection"), ("2026-05-06", "guidance")):
        ok(client.post(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["water"]),
                       json={"held_on": held_on, "kind": kind, "findings": "讲解办事指南"}), 201)
    listed = ok(client.get(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["auditor"])))
    assert [(r["held_on"], r["kind"]["label"], r["department"]["name"], r["recorded_by"]) for r in listed] == [
        ("2026-09-30", "检查", "市水利局", "水利局甲"), ("2026-05-06", "指导", "市水利局", "水利局甲"),
        ("2026-03-02", "培训", "市水利局", "水利局甲")]
    assert client.get(f"/api/v1/powers/{WATER_POWER}/supervision").status_code == 401
    assert client.get("/api/v1/powers/99999/supervision", headers=bearer(tokens["zone"])).status_code == 404
