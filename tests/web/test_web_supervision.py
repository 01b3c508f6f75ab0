"""Supervision on the staff page of an item (registry.web.handover, "监管记录") and the console's list of overdue
rectifications (registry.web.rectifications), on every backend: the guiding department records, the zone closes,
each form answers 303 back to its place with its result there, and a refused form comes back with its messages
beside its fields."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.domain.workdays import today_in_china
from tests.conftest import bearer
from tests.handover_steps import WATER_POWER, ok
from tests.pages import field_errors, form, login, redirected_back, soup

PAGE = f"/console/powers/{WATER_POWER}"
OVERDUE = "/console/rectifications/"
RECORD = {"held_on": "2026-09-30", "kind": "inspection", "findings": "一次性告知书未随受理通知书送达",
          "doc_number": "渝水监〔2026〕7号", "needs_rectification": "y", "requirement": "补发一次性告知书",
          "days": "5"}
FIELD = "supervision-new-"


def staff(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    login(client, key)
    return client


def record(client: FlaskClient, **changes: str | None):
    values = {f"{FIELD}{k}": v for k, v in (RECORD | changes).items()}
    return form(client.get(PAGE), f"/{WATER_POWER}/supervision").submit(client, **values)


def said(shown, anchor: str) -> list[str]:
    target = shown.find(id=anchor)
    target = target.find_parent("section") if target.name == "h2" else target
    return [n.get_text(" ", strip=True) for n in target.select("[role=status]")]


@pytest.mark.parametrize(("who", "may_record", "may_close"), [
    ("water", True, False),
    ("forestry", False, False),  # another department's item
    ("zone", False, True),
    ("admin", True, True),
    ("auditor", False, False),
])
def test_the_page_offers_each_form_to_whom_may_use_it(app: Flask, tokens: dict[str, str], who: str,
                                                      may_record: bool, may_close: bool) -> None:
    ok(app.test_client().post(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["water"]), json={
        "held_on": "2026-09-30", "kind": "inspection", "findings": "告知不全",
        "rectification": {"requirement": "补发告知书", "days": 5}}), 201)
    shown = soup(staff(app, who).get(PAGE))
    section = shown.find(id="supervision").find_parent("section")
    assert "告知不全" in section.get_text() and "补发告知书" in section.get_text()
    actions = [f.get("action", "") for f in section.find_all("form")]
    assert any(a.endswith("/supervision") for a in actions) is may_record
    assert any(a.endswith("/close") for a in actions) is may_close


def test_the_department_records_and_the_zone_closes(app: Flask, tokens: dict[str, str]) -> None:
    water = staff(app, "water")
    resp = record(water)
    shown = soup(redirected_back(water, resp, PAGE, "supervision"))
    fix = ok(app.test_client().get("/api/v1/rectifications", headers=bearer(tokens["zone"])))[0]
    assert said(shown, "supervision") == [f"已记录检查。整改截止日期为 {fix['due_on']}。"]
    row = shown.select_one("#supervision-records tbody tr")
    assert "渝水监〔2026〕7号" in row.get_text() and "补发一次性告知书" in row.get_text()
    assert row.select_one("[data-rectification]").get_text() == "逾期未整改"  # 2026-10 is past
    overdue = soup(water.get(OVERDUE)).select("#overdue-rectifications tbody tr")
    assert len(overdue) == 1 and "补发一次性告知书" in overdue[0].get_text()

    zone = staff(app, "zone")
    resp = form(zone.get(PAGE), f"/rectifications/{fix['id']}/close").submit(
        zone, **{f"close-{fix['id']}-doc_number": "渝经开整改〔2026〕1号", f"close-{fix['id']}-note": "已补发"})
    shown = soup(redirected_back(zone, resp, PAGE, "supervision"))
    assert said(shown, "supervision") == ["整改已办结（逾期办结）。"]
    assert shown.select_one("#supervision-records [data-rectification]").get_text() == "逾期整改"
    assert soup(zone.get(OVERDUE)).select_one("#none-overdue") is not None
    closed = ok(app.test_client().get(f"/api/v1/rectifications/{fix['id']}", headers=bearer(tokens["zone"])))
    assert (closed["closed_by"], closed["closed_note"], closed["closed_on"]) == (
        "经开区甲", "已补发", today_in_china().isoformat())  # the closing date defaults to today


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"findings": ""}, "findings", "必填"),
    ({"held_on": "2099-01-01"}, "held_on", "日期不能晚于今天"),
    ({"requirement": ""}, "requirement", "需要整改时，请写明整改要求"),
    ({"days": ""}, "days", "需要整改时，请填写整改期限"),
    ({"link": "ftp://x"}, "link", "须为 http 或 https 链接"),
])
def test_a_refused_record_comes_back_with_messages_beside_the_fields(app: Flask, tokens: dict[str, str],
                                                                     changes: dict, field: str,
                                                                     message: str) -> None:
    water = staff(app, "water")
    resp = record(water, **changes)
    shown = redirected_back(water, resp, PAGE, "supervision-new")
    errors = field_errors(shown)
    assert any(m.startswith(message) for m in errors[f"{FIELD}{field}"]), errors
    # What was typed comes back as typed.
    assert soup(shown).find(id=f"{FIELD}findings").get_text().strip() == (RECORD | changes)["findings"]
    assert ok(app.test_client().get(f"/api/v1/powers/{WATER_POWER}/supervision",
                                    headers=bearer(tokens["zone"]))) == []


def test_closing_without_evidence_is_refused_beside_the_field(app: Flask, tokens: dict[str, str]) -> None:
    made = ok(app.test_client().post(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["water"]),
                                     json={"held_on": "2026-09-30", "kind": "inspection", "findings": "告知不全",
                                           "rectification": {"requirement": "补发告知书", "days": 5}}), 201)
    key = f"close-{made['rectification']['id']}"
    zone = staff(app, "zone")
    resp = form(zone.get(PAGE), f"/rectifications/{made['rectification']['id']}/close").submit(zone)
    shown = redirected_back(zone, resp, PAGE, key)
    assert field_errors(shown)[f"{key}-doc_number"] == ["请提供整改依据：文号或链接至少填一项"]
    assert "整改未能办结" in soup(shown).find(id=key).get_text()


def test_the_auditor_reads_the_records_and_the_closing_in_chinese(app: Flask, tokens: dict[str, str]) -> None:
    made = ok(app.test_client().post(f"/api/v1/powers/{WATER_POWER}/supervision", headers=bearer(tokens["water"]),
                                     json={"held_on": "2026-09-30", "kind": "inspection", "findings": "告知不全",
                                           "rectification": {"requirement": "补发告知书", "days": 5}}), 201)
    fix = made["rectification"]
    ok(app.test_client().post(f"/api/v1/rectifications/{fix['id']}/close", json={
        "evidence": {"doc_number": "渝经开整改〔2026〕1号"}, "note": "已补发"},
        headers={**bearer(tokens["zone"]), "If-Match": f'"{fix["version"]}"'}))
    auditor = staff(app, "auditor")
    shown = " ".join(soup(auditor.get(f"/console/audit/?power_id={WATER_POWER}")).get_text(" ").split())
    for words in ("监管记录", "整改", "办结", "检查", "监管方式", "整改截止日期", fix["due_on"], "办结依据",
                  "渝经开整改〔2026〕1号", "市水利局 (#"):
        assert words in shown, words
