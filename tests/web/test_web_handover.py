"""The staff handover page (registry.web.handover) through its own forms, on every backend: each form answers 303
back to the page at its own place, where its result or its refusal is shown; the page words what happened in whole
Chinese sentences; an effective date before today is saved only when confirmed with a reason."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.handover_steps import CHECKLIST, WATER_POWER, confirm_both, fix_terms, publish_contact, zone_office
from tests.pages import field_errors, form, login, redirected_back, soup, text

PAGE = f"/console/powers/{WATER_POWER}"
EVIDENCE = {"doc_number": "渝水函〔2021〕9号", "evidence_date": "2021-05-20", "link": "https://slj.cq.gov.cn/x"}


def staff(app: Flask, key: str) -> FlaskClient:
    client = app.test_client()
    login(client, key)
    return client


def page(client: FlaskClient):
    resp = client.get(PAGE)
    assert resp.status_code == 200, resp.status_code
    return resp


def place(shown: BeautifulSoup, anchor: str):
    """The part of the page an anchor leads to: its section (for a heading) or the element itself."""
    target = shown.find(id=anchor)
    return target.find_parent("section") if target.name == "h2" else target


def words(tag) -> str:
    """A part of the page's text as read: its elements' text run together, whitespace collapsed."""
    return " ".join(tag.get_text().split())


def said_at(shown: BeautifulSoup, anchor: str, role: str = "status") -> list[str]:
    return [n.get_text(" ", strip=True) for n in place(shown, anchor).select(f"[role={role}]")]


def said_anywhere(shown: BeautifulSoup, role: str = "status") -> list[str]:
    return [n.get_text(" ", strip=True) for n in shown.select(f"[role={role}]")]


def audit_size(client: FlaskClient, tokens: dict[str, str]) -> int:
    return client.get("/api/v1/audit", headers=bearer(tokens["auditor"])).json["total"]


def last_entry(client: FlaskClient, tokens: dict[str, str]) -> dict:
    return client.get("/api/v1/audit", headers=bearer(tokens["auditor"])).json["items"][0]


def terms(client: FlaskClient, **values: str):
    return form(page(client), "/terms").submit(client, **{f"terms__{k}": v for k, v in values.items()})


@pytest.fixture
def office(app: Flask, tokens: dict[str, str]) -> dict:
    made = zone_office(app.test_client(), tokens)
    publish_contact(app.test_client(), tokens, made["id"])
    return made


# --- each result beside the form that caused it ----------------------------------------------------------

def test_a_saved_change_comes_back_to_the_terms_with_its_message_there(app: Flask, office: dict) -> None:
    zone = staff(app, "zone")
    resp = terms(zone, receiving_office=str(office["id"]), method="1", planned_date="2099-06-30", note="商定")
    shown = soup(redirected_back(zone, resp, PAGE, "terms"))
    assert said_at(shown, "terms") == ["交接条件已保存。"]
    assert said_anywhere(shown) == ["交接条件已保存。"]  # once, there, and not at the top of the page
    # Shown once: a reload shows the page without it.
    assert said_anywhere(soup(page(zone))) == []


@pytest.mark.parametrize(
    ("who", "action", "values", "anchor", "message"),
    [
        ("zone", "/transition/suspended", {"to-suspended-note": "等待机构调整"}, "status", "交接状态已转为“暂缓”。"),
        ("zone", "/check/files", {f"check-files-{k}": v for k, v in EVIDENCE.items()}, "check-files",
         "“档案资料移交”已完成。"),
    ],
    ids=["transition", "checklist"],
)
def test_each_action_answers_303_to_its_own_place(app: Flask, who: str, action: str, values: dict, anchor: str,
                                                  message: str) -> None:
    client = staff(app, who)
    resp = form(page(client), action).submit(client, **values)
    shown = soup(redirected_back(client, resp, PAGE, anchor))
    assert said_at(shown, anchor) == [message] and said_anywhere(shown) == [message]


@pytest.mark.parametrize(
    ("who", "side", "message", "line"),
    [
        ("water", "handover", "市水利局已确认移交。", "市水利局已确认移交（水利局甲，"),
        ("zone", "acceptance", "重庆经开区管委会已确认承接。", "重庆经开区管委会已确认承接（经开区甲，"),
    ],
)
def test_a_confirmation_is_said_in_a_sentence_naming_the_side(app: Flask, tokens: dict[str, str], office: dict,
                                                              who: str, side: str, message: str, line: str) -> None:
    api = app.test_client()
    fix_terms(api, tokens, WATER_POWER, office["id"])
    api.post(f"/api/v1/powers/{WATER_POWER}/handover/transitions", headers=bearer(tokens["zone"]),
             json={"to": "in_progress"})
    client = staff(app, who)
    resp = form(page(client), f"/confirm/{side}").submit(client)
    shown = soup(redirected_back(client, resp, PAGE, "confirmations"))
    assert said_at(shown, "confirmations") == [message]
    body = words(place(shown, "confirmations"))
    assert line in body and "已市级" not in body and "已经开区" not in body
    assert message in text_of_history(shown)


def text_of_history(shown: BeautifulSoup) -> str:
    return words(place(shown, "history"))


# --- a refused form comes back to the page as typed, its messages beside its fields ------------------------

@pytest.mark.parametrize(
    ("item", "values", "field", "message"),
    [
        ("files", {}, "check-files-doc_number", "标记完成须提供文号或链接"),
        ("guidance", {"link": "ftp://example/x"}, "check-guidance-link", "须为 http 或 https 链接"),
    ],
    ids=["no-evidence", "not-a-web-link"],
)
def test_a_checklist_error_sits_beside_its_item_and_names_it(app: Flask, tokens: dict[str, str], item: str,
                                                             values: dict, field: str, message: str) -> None:
    zone = staff(app, "zone")
    before = audit_size(app.test_client(), tokens)
    resp = form(page(zone), f"/check/{item}").submit(zone, **{f"check-{item}-{k}": v for k, v in values.items()})
    shown = redirected_back(zone, resp, PAGE, f"check-{item}")
    here = place(soup(shown), f"check-{item}")
    label = here.select_one("h3").get_text().split("：")[0]
    alert = [n.get_text(strip=True) for n in here.select("[role=alert]")]
    assert len(alert) == 1 and alert[0].startswith(f"“{label}”未能标记完成：")
    assert said_anywhere(soup(shown), "alert") == alert  # nowhere else
    assert message in field_errors(shown)[field]
    assert audit_size(app.test_client(), tokens) == before


def test_a_refused_form_keeps_what_was_typed(app: Flask, office: dict) -> None:
    zone = staff(app, "zone")
    resp = terms(zone, receiving_office=str(office["id"]), scope="经开区直管区域", effective_date="2021-06-01",
                 note="")
    shown = redirected_back(zone, resp, PAGE, "terms")
    kept = form(shown, "/terms").values
    assert (kept["terms-receiving_office"], kept["terms-scope"], kept["terms-effective_date"]) == (
        [str(office["id"])], ["经开区直管区域"], ["2021-06-01"])
    # Carried once: the page shows the stored terms again on the next visit.
    assert form(page(zone), "/terms").values["terms-scope"] == [""]


def test_input_too_long_for_the_session_is_shown_in_place(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    long_text = "经开区直管区域" * 500
    resp = terms(zone, scope=long_text, effective_date="2021-06-01")
    assert resp.status_code == 422
    assert form(resp, "/terms").values["terms-scope"] == [long_text]
    assert "早于今天" in " ".join(field_errors(resp)["terms-effective_date"])


# --- the warning before a change that withdraws confirmations ------------------------------------------------

def test_the_withdrawal_warning_shows_only_while_there_are_confirmations(app: Flask, tokens: dict[str, str],
                                                                        office: dict) -> None:
    api, zone = app.test_client(), staff(app, "zone")
    fix_terms(api, tokens, WATER_POWER, office["id"])
    assert soup(page(zone)).select("#terms-withdraws") == []
    api.post(f"/api/v1/powers/{WATER_POWER}/handover/transitions", headers=bearer(tokens["zone"]),
             json={"to": "in_progress"})
    confirm_both(api, tokens, WATER_POWER)
    shown = soup(page(zone))
    warning = shown.select_one("form[action$='/terms'] #terms-withdraws")
    assert warning is not None and "市水利局已确认移交，重庆经开区管委会已确认承接。" in warning.get_text()
    # It stands before the fields it warns about.
    assert warning.find_next("select")["name"] == "terms-receiving_office"

    resp = terms(zone, notes="备注不是交接条件")
    shown = soup(redirected_back(zone, resp, PAGE, "terms"))
    assert said_at(shown, "terms") == ["交接条件已保存。"] and shown.select("#terms-withdraws")

    resp = terms(zone, scope="经开区直管区域", note="调整范围")
    shown = soup(redirected_back(zone, resp, PAGE, "terms"))
    assert said_at(shown, "terms") == ["交接条件已保存。已作出的确认已撤回，须重新确认。"]
    assert shown.select("#terms-withdraws") == []
    assert "实施范围改为“经开区直管区域”；已作出的确认随之撤回，须重新确认。" in text_of_history(shown)


# --- what the history says ---------------------------------------------------------------------------------

def test_history_lines_say_what_changed(app: Flask, office: dict) -> None:
    zone = staff(app, "zone")
    resp = terms(zone, receiving_office=str(office["id"]), method="1", planned_date="2099-06-30",
                 effective_date="2099-07-01", note="商定交接条件")
    assert resp.status_code == 303
    terms(zone, planned_date="2099-08-31", content="仅下放新办审批", note="延期")
    history = [[td.get_text(" ", strip=True) for td in tr.select("td")]
               for tr in place(soup(page(zone)), "history").select("tbody tr")]
    assert history[0][1:3] == ["经开区甲（经开区管委会）", "具体内容改为“仅下放新办审批”；计划完成日期改为2099-08-31。"]
    assert history[1][2] == (f"承接部门改为{office['name']}；移交方式改为直接下放；计划完成日期改为2099-06-30；"
                             "生效日期改为2099-07-01。")
    assert (history[0][3], history[1][3]) == ("延期", "商定交接条件")
    assert history[-1][1:4] == ["系统初始化", "登记交接事项，状态为“待交接”。",
                                "载入渝府发〔2021〕13号附件（系统初始化）"]


def test_evidence_reads_as_number_date_and_a_link(app: Flask) -> None:
    zone = staff(app, "zone")
    form(page(zone), "/check/files").submit(zone, **{f"check-files-{k}": v for k, v in EVIDENCE.items()})
    shown = soup(page(zone))
    for where in (place(shown, "check-files"), place(shown, "history").select_one("tbody tr")):
        said = words(where)
        assert "文号 渝水函〔2021〕9号，日期 2021-05-20，链接" in said, said
        link = where.find("a", string="链接")
        assert link["href"] == EVIDENCE["link"]
    assert "“档案资料移交”已完成。" in text_of_history(shown)


def test_the_page_speaks_chinese_with_one_kind_of_quotation_marks(app: Flask, tokens: dict[str, str],
                                                                  office: dict) -> None:
    api = app.test_client()
    fix_terms(api, tokens, WATER_POWER, office["id"])
    api.post(f"/api/v1/powers/{WATER_POWER}/handover/transitions", headers=bearer(tokens["zone"]),
             json={"to": "in_progress"})
    confirm_both(api, tokens, WATER_POWER)
    zone = staff(app, "zone")
    for item in CHECKLIST:
        form(page(zone), f"/check/{item}").submit(zone, **{f"check-{item}-{k}": v for k, v in EVIDENCE.items()})
    for key in ("zone", "water", "admin", "auditor"):
        body = text(page(staff(app, key)))
        # Only the link schemes a hint names (http 或 https) are Latin letters.
        assert set(re.findall(r"[A-Za-z]{2,}", body)) <= {"http", "https"}, key
        assert not set("「」\"") & set(body), key


# --- an effective date before today: a second step with a confirmation and a reason -----------------------

def test_a_past_effective_date_asks_for_a_confirmation_and_a_reason_first(app: Flask, tokens: dict[str, str],
                                                                          office: dict) -> None:
    zone = staff(app, "zone")
    assert soup(page(zone)).select("[name=terms-confirm_past]") == []  # not asked before it is needed
    before = audit_size(app.test_client(), tokens)
    resp = terms(zone, receiving_office=str(office["id"]), effective_date="2021-06-01")
    shown = redirected_back(zone, resp, PAGE, "terms")
    errors = field_errors(shown)
    assert list(errors) == ["terms-effective_date", "terms-note"]
    assert errors["terms-effective_date"][0].startswith("生效日期 2021-06-01 早于今天")
    assert errors["terms-effective_date"][0].endswith("请勾选确认并说明原因")
    assert errors["terms-note"] == ["生效日期早于今天，请说明原因"]
    assert said_at(soup(shown), "terms", "alert")[0].startswith("交接条件未保存：")
    asked = soup(shown).select_one("[name=terms-confirm_past]")
    assert asked is not None and not asked.has_attr("checked")
    assert audit_size(app.test_client(), tokens) == before

    # Confirmed but without a reason: still refused, the box stays ticked.
    resp = form(shown, "/terms").submit(zone, terms__confirm_past="y")
    shown = redirected_back(zone, resp, PAGE, "terms")
    assert list(field_errors(shown)) == ["terms-note"]
    assert soup(shown).select_one("[name=terms-confirm_past]").has_attr("checked")
    assert audit_size(app.test_client(), tokens) == before

    resp = form(shown, "/terms").submit(zone, terms__note="按决定施行日期补录")
    shown = soup(redirected_back(zone, resp, PAGE, "terms"))
    assert said_at(shown, "terms") == ["交接条件已保存。"]
    entry = last_entry(app.test_client(), tokens)
    assert (entry["action"], entry["reason"]) == ("update", "按决定施行日期补录")
    assert ("effective_date", None, "2021-06-01") in [(d["field"], d["before"], d["after"]) for d in entry["diff"]]
    assert shown.select("[name=terms-confirm_past]") == []  # the stored date is not asked about again


def test_a_later_effective_date_needs_no_confirmation(app: Flask, tokens: dict[str, str]) -> None:
    zone = staff(app, "zone")
    resp = terms(zone, effective_date="2099-12-31")
    assert said_at(soup(redirected_back(zone, resp, PAGE, "terms")), "terms") == ["交接条件已保存。"]
    assert last_entry(app.test_client(), tokens)["reason"] is None
