"""The working-day calendar held in the database: seeded from chinesecalendar by `registry seed`, a year loaded
or replaced from a CSV (`registry calendar import`) or through the API (PUT /api/v1/calendar/years/{year}), every
row checked before anything is written, each load audited; working-day deadlines count on it, a year not loaded
is refused by name, and from 1 November the console and /readyz warn when next year is missing.

The far-off year 2099 is test data, not a schedule. The one 2027 day used, 1 January, is New Year's Day, a
holiday by law (全国年节及纪念日放假办法 第二条); 2027's full schedule (its 调休 days) is not published yet and
none is made up here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from registry import db
from registry.models import AuditEntry, CalendarDay, CalendarYear
from registry.services import calendar as calendars
from registry.services.errors import ValidationFailed
from tests.conftest import bearer, cli, invoke
from tests.handover_steps import WATER_POWER, handover
from tests.pages import login, soup
from tests.pages import text as page_text

GOOD_2099 = "date,kind\n2099-01-01,holiday\n2099-01-02,holiday\n2099-01-10,workday\n"


def audit_size(app: Flask) -> int:
    with app.app_context():
        return db.session(write=False).scalar(select(func.count(AuditEntry.seq)))


def calendar_rows(app: Flask) -> tuple[int, int]:
    with app.app_context():
        session = db.session(write=False)
        return (session.scalar(select(func.count(CalendarYear.id))), session.scalar(select(func.count()).select_from(
            CalendarDay)))


def calendar_entries(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session(write=False).scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "calendar_year").order_by(AuditEntry.seq)))


def write(tmp_path: Path, content: str, name: str = "year.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def years(client: FlaskClient) -> dict[int, dict]:
    resp = client.get("/api/v1/calendar/years")
    assert resp.status_code == 200, resp.json
    return {y["year"]: y for y in resp.json}


# --- seeding -----------------------------------------------------------------------------------------------

def test_the_seed_loads_every_year_the_package_knows(reader: FlaskClient) -> None:
    known = years(reader)
    assert sorted(known) == list(range(2004, 2027))
    assert known[2026]["source"].startswith("chinesecalendar ")
    # 2026 in chinesecalendar 1.11: 33 days off, 6 make-up workdays (2026-01-04, 02-14, 02-28, 05-09, 09-20, 10-10).
    assert (known[2026]["holidays"], known[2026]["workdays"]) == (33, 6)
    detail = reader.get("/api/v1/calendar/years/2026").json
    assert {"date": "2026-02-14", "kind": {"code": "workday", "label": "调休上班"}} in detail["days"]
    assert reader.get("/api/v1/calendar/years/2027").status_code == 404


def test_the_seed_is_audited_one_entry_per_year_and_not_repeated(app: Flask) -> None:
    entries = calendar_entries(app)
    assert [e.after["year"] for e in entries] == list(range(2004, 2027))
    assert {(e.action, e.actor_role, e.reason) for e in entries} == {("create", "admin", calendars.SEED_REASON)}
    assert "2026-10-10" in entries[-1].after["workdays"] and entries[-1].entity_label == "2026年工作日历"
    size = audit_size(app)
    assert "loaded 0 year(s)" in cli(app, "seed")
    assert audit_size(app) == size


# --- registry calendar import ------------------------------------------------------------------------------

def test_import_a_year_from_a_csv_then_replace_it(app: Flask, tmp_path: Path) -> None:
    out = cli(app, "calendar", "import", str(write(tmp_path, GOOD_2099)), "--reason", "测试数据")
    assert out == "loaded 2099: 2 holiday(s), 1 make-up workday(s)\n"
    listed = cli(app, "calendar", "list").splitlines()
    assert len(listed) == 24 and listed[-1].startswith("2099\t2 holiday(s)\t1 workday(s)\tfile year.csv\t")
    entry = calendar_entries(app)[-1]
    assert (entry.action, entry.reason, entry.before, entry.actor_name[:4]) == ("create", "测试数据", None, "cli:")
    assert (entry.after["holidays"], entry.after["workdays"]) == (["2099-01-01", "2099-01-02"], ["2099-01-10"])

    size = audit_size(app)
    assert cli(app, "calendar", "import", str(write(tmp_path, GOOD_2099)), "--reason", "再载入").startswith(
        "unchanged 2099")
    assert audit_size(app) == size  # the same days from the same file: nothing written

    out = cli(app, "calendar", "import", str(write(tmp_path, "2099-01-01,holiday\n2099-01-03,workday\n")),
              "--reason", "更正")
    assert out == "replaced 2099: 1 holiday(s), 1 make-up workday(s)\n"
    entry = calendar_entries(app)[-1]
    assert (entry.action, entry.reason) == ("replace", "更正")
    assert entry.before["holidays"] == ["2099-01-01", "2099-01-02"] and entry.after["holidays"] == ["2099-01-01"]
    assert (entry.before["workdays"], entry.after["workdays"]) == (["2099-01-10"], ["2099-01-03"])
    assert set(entry.changed) == {"loaded_at", "holidays", "workdays"}
    assert "intact" in cli(app, "audit", "verify")  # the trail replays every year, the replaced one too


@pytest.mark.parametrize(
    ("content", "errors"),
    [
        pytest.param("date,kind\n2099-01-01,holiday\n2099-13-01,holiday\n",
                     ["row 3: 2099-13-01 is not a date (YYYY-MM-DD)"], id="not-a-date"),
        pytest.param("2099-01-01,holiday\n2099/01/02,holiday\n", ["row 2: 2099/01/02 is not a date (YYYY-MM-DD)"],
                     id="wrong-date-format"),
        pytest.param("2099-01-01,holiday\n2099-01-02,vacation\n",
                     ["row 2: the kind must be holiday or workday, not vacation"], id="unknown-kind"),
        pytest.param("2099-01-01,holiday\n2098-12-31,holiday\n2100-01-01,holiday\n",
                     ["row 2: 2098-12-31 is not in 2099: a load is one year",
                      "row 3: 2100-01-01 is not in 2099: a load is one year"], id="other-years"),
        pytest.param("2099-01-01,holiday\n2099-01-02,holiday\n2099-01-01,holiday\n",
                     ["row 3: 2099-01-01 is given again (first in row 1)"], id="duplicate"),
        pytest.param("2099-01-01,holiday\n2099-01-05,workday\n",
                     ["row 2: 2099-01-05 is a weekday, a working day already: a make-up workday is a Saturday or "
                      "a Sunday"], id="workday-on-a-monday"),
        pytest.param("2099-01-01,holiday,extra\n2099-01-02\n",
                     ["row 1: 2099-01-01,holiday,extra is not a date (YYYY-MM-DD); the kind must be holiday or "
                      "workday, not \n", "row 2: the kind must be holiday or workday, not \n"], id="wrong-field-count"),
        pytest.param("date,kind\n2099-01-01,holiday\n2099-01-02,holday\n2099-01-03,workday\n2099-01-03,holiday\n",
                     ["2 row(s) are wrong; nothing was loaded",
                      "row 3: the kind must be holiday or workday, not holday",
                      "row 5: 2099-01-03 is given again (first in row 4)"], id="every-wrong-row-named"),
        pytest.param("date,kind\n", ["no days given"], id="no-rows"),
    ],
)
def test_a_file_with_any_wrong_row_loads_nothing(module_app: Flask, tmp_path: Path, content: str,
                                                 errors: list[str]) -> None:
    before, size = calendar_rows(module_app), audit_size(module_app)
    result = invoke(module_app, "calendar", "import", str(write(tmp_path, content)), "--reason", "测试")
    assert result.exit_code != 0
    for error in errors:
        assert error in result.output, result.output
    assert (calendar_rows(module_app), audit_size(module_app)) == (before, size)


def test_import_needs_a_reason(module_app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_2099)
    result = invoke(module_app, "calendar", "import", str(path))
    assert result.exit_code == 2 and "--reason" in result.output


# --- the API -----------------------------------------------------------------------------------------------

def test_put_a_year_through_the_api(app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    body = {"reason": "测试数据", "days": [{"date": "2099-01-01", "kind": "holiday"},
                                          {"date": "2099-01-10", "kind": "workday"}]}
    resp = client.put("/api/v1/calendar/years/2099", json=body, headers=bearer(tokens["admin"]))
    assert resp.status_code == 200, resp.json
    assert (resp.json["year"], resp.json["holidays"], resp.json["workdays"], resp.json["source"]) == (2099, 1, 1, "api")
    assert years(client)[2099]["holidays"] == 1
    entries = client.get("/api/v1/audit", query_string={"entity_type": "calendar_year"},
                         headers=bearer(tokens["auditor"])).json["items"]
    assert (entries[0]["action"], entries[0]["actor"]["name"]) == ("create", "管理员甲")
    assert entries[0]["reason"] == "测试数据"
    assert entries[0]["after"]["workdays"] == ["2099-01-10"]
    # Replacing a seeded year keeps what it was in the trail.
    etag = client.get("/api/v1/calendar/years/2026").headers["ETag"]
    resp = client.put("/api/v1/calendar/years/2026", headers={**bearer(tokens["admin"]), "If-Match": etag},
                      json={"reason": "测试替换", "days": [{"date": "2026-01-01", "kind": "holiday"}]})
    assert resp.status_code == 200 and (resp.json["holidays"], resp.json["workdays"]) == (1, 0)
    entry = client.get("/api/v1/audit", query_string={"entity_type": "calendar_year"},
                       headers=bearer(tokens["auditor"])).json["items"][0]
    assert entry["action"] == "replace" and len(entry["before"]["holidays"]) == 33 and entry["after"]["workdays"] == []


@pytest.mark.parametrize(
    ("days", "errors"),
    [
        pytest.param([{"date": "2099-02-30", "kind": "holiday"}], {"days.0": ["calendar.date_invalid"]},
                     id="not-a-date"),
        pytest.param([{"date": "2099-01-01", "kind": "holiday"}, {"date": "2098-01-01", "kind": "holiday"},
                      {"date": "2099-01-01", "kind": "rest"}],
                     {"days.1": ["calendar.other_year"], "days.2": ["calendar.kind_invalid", "calendar.duplicate"]},
                     id="other-year-kind-and-duplicate"),
        pytest.param([{"date": "2099-01-07", "kind": "workday"}], {"days.0": ["calendar.workday_on_weekday"]},
                     id="workday-on-a-wednesday"),
    ],
)
def test_put_with_wrong_rows_writes_nothing(refusals: FlaskClient, module_app: Flask, tokens: dict[str, str],
                                            days: list[dict], errors: dict[str, list[str]]) -> None:
    before, size = calendar_rows(module_app), audit_size(module_app)
    resp = refusals.put("/api/v1/calendar/years/2099", json={"reason": "测试", "days": days},
                        headers=bearer(tokens["admin"]))
    assert (resp.status_code, resp.mimetype) == (422, "application/problem+json"), resp.json
    assert resp.json["code"] == "calendar.rows_invalid"
    assert sorted(resp.json["errors"]) == sorted(errors)
    with pytest.raises(ValidationFailed) as info:  # the codes behind the field messages
        calendars.check_rows([calendars.Row(f"days.{n}", d["date"], d["kind"]) for n, d in enumerate(days)], 2099)
    assert {k: [m.code.value for m in v] for k, v in (info.value.errors or {}).items()} == errors
    assert (calendar_rows(module_app), audit_size(module_app)) == (before, size)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"days": [{"date": "2099-01-01", "kind": "holiday"}]}, id="no-reason"),
        pytest.param({"reason": "测试", "days": []}, id="no-days"),
        pytest.param({"reason": "测试", "days": [{"date": "2099-01-01"}]}, id="no-kind"),
    ],
)
def test_put_with_a_malformed_body_is_422(refusals: FlaskClient, tokens: dict[str, str], body: dict) -> None:
    resp = refusals.put("/api/v1/calendar/years/2099", json=body, headers=bearer(tokens["admin"]))
    assert resp.status_code == 422, resp.json


def test_only_the_admin_loads_a_year(refusals: FlaskClient, tokens: dict[str, str]) -> None:
    body = {"reason": "测试", "days": [{"date": "2099-01-01", "kind": "holiday"}]}
    assert refusals.put("/api/v1/calendar/years/2099", json=body).status_code == 401
    for who in ("zone", "auditor", "water"):
        assert refusals.put("/api/v1/calendar/years/2099", json=body, headers=bearer(tokens[who])).status_code == 403


# --- working days across a year boundary -------------------------------------------------------------------

def test_a_deadline_into_a_year_not_loaded_is_refused_by_name_then_counted_once_loaded(
        app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    term = {"planned_in": {"from": "2026-12-24", "days": 6, "kind": "working"}}

    def patch() -> object:
        return client.patch(f"/api/v1/powers/{WATER_POWER}/handover", json=term,
                            headers={**bearer(tokens["zone"]), "If-Match": handover(client, tokens, WATER_POWER)[1]})

    resp = patch()
    assert resp.status_code == 422, resp.json
    assert resp.json["code"] == "calendar.unknown"
    assert "2027 is not loaded" in resp.json["detail"] and "registry calendar import" in resp.json["detail"]
    assert "2027" in resp.json["errors"]["planned_in"][0]
    # Within 2026 the same count works: 25, 28, 29, 30, 31 December.
    term["planned_in"]["days"] = 5
    assert patch().json["planned_date"] == "2026-12-31"

    resp = client.put("/api/v1/calendar/years/2027", headers=bearer(tokens["admin"]),
                      json={"reason": "测试：仅元旦", "days": [{"date": "2027-01-01", "kind": "holiday"}]})
    assert resp.status_code == 200, resp.json
    term["planned_in"]["days"] = 6
    resp = patch()
    assert resp.status_code == 200, resp.json
    assert resp.json["planned_date"] == "2027-01-04"  # Fri 1 January off, then the weekend
    term["planned_in"] = {"from": "2026-12-24", "days": 8, "kind": "calendar"}
    assert patch().json["planned_date"] == "2027-01-04"  # ends on a holiday: moves to the next working day


# --- warnings from 1 November ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 10, 31), []),
        (date(2026, 11, 1), [2027]),
        (date(2026, 12, 2), [2027]),
        (date(2025, 11, 15), []),  # 2026 is loaded
        (date(2027, 3, 1), []),
    ],
)
def test_the_warning_from_the_first_of_november(shared_app: Flask, today: date, expected: list[int]) -> None:
    with shared_app.app_context():
        found = calendars.warnings(db.session(write=False), today)
    assert [m.params["year"] for m in found] == expected
    assert all(m.code.value == "calendar.next_year_missing" for m in found)


def test_readyz_warns_but_stays_ready(app: Flask, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    import registry.api.health as health

    client = app.test_client()
    monkeypatch.setattr(health, "today_in_china", lambda: date(2026, 10, 31))
    resp = client.get("/readyz")
    assert (resp.status_code, [w["code"] for w in resp.json["warnings"] if w["code"].startswith("calendar")]) == (
        200, [])
    monkeypatch.setattr(health, "today_in_china", lambda: date(2026, 11, 1))
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.json["status"] == "ready"
    assert [w["code"] for w in resp.json["warnings"] if w["code"] != "disk.low"] == ["calendar.next_year_missing"]
    assert "2027" in resp.json["warnings"][0]["message"]
    assert "registry calendar import" in resp.json["warnings"][0]["message"]
    assert client.put("/api/v1/calendar/years/2027", headers=bearer(tokens["admin"]), json={
        "reason": "测试：仅元旦", "days": [{"date": "2027-01-01", "kind": "holiday"}]}).status_code == 200
    assert [w for w in client.get("/readyz").json["warnings"] if w["code"].startswith("calendar")] == []


# --- the console -------------------------------------------------------------------------------------------

def test_the_console_lists_the_years_and_warns_on_its_index(shared_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import registry.web.console as console

    client = shared_app.test_client()
    login(client, "admin")
    page = soup(client.get("/console/calendar/"))
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in page.select("tbody tr")]
    assert len(rows) == 23 and rows[0][:3] == ["2026", "33", "6"] and rows[-1][0] == "2004"
    days = page_text(client.get("/console/calendar/", query_string={"year": "2026"}))
    assert "2026-02-14" in days and "调休上班" in days
    index = client.get("/console/")
    assert soup(index).find("a", href="/console/calendar/") is not None
    monkeypatch.setattr(console, "today_in_china", lambda: date(2026, 11, 2))
    assert "2027 年的工作日历尚未载入" in page_text(client.get("/console/"))
    monkeypatch.setattr(console, "today_in_china", lambda: date(2026, 10, 2))
    assert "工作日历尚未载入" not in page_text(client.get("/console/"))


@pytest.mark.parametrize("who", ["zone", "auditor", "water"])
def test_only_the_admin_sees_the_calendar_page(shared_app: Flask, who: str) -> None:
    client = shared_app.test_client()
    login(client, who)
    assert client.get("/console/calendar/").status_code == 403


def test_a_day_changed_behind_the_application_is_caught_by_verify(app: Flask) -> None:
    with app.extensions["registry.engine"].begin() as conn:
        conn.execute(text("UPDATE calendar_day SET kind = 'holiday' WHERE day = :day"), {"day": date(2026, 2, 14)})
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1
    assert "(replay): calendar_year" in result.output and "no longer matches" in result.output
