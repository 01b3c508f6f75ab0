"""The admin's console page for importing a decision: upload, preview, apply with a reason; the lineage lines on
a power's citizen page and console page."""

from __future__ import annotations

import io

from flask import Flask
from werkzeug.datastructures import MultiDict

from tests.pages import field_errors, form, login, soup, text
from tests.test_decision_roundtrip import META, TYPE, edit_xlsx, export
from tests.test_decisions import NUMBER, PAGE, lineage_count, power_id


def _preview(client, payload: bytes, filename: str, /, **fields: str):
    page = client.get("/console/decisions/import")
    assert page.status_code == 200
    upload = form(page, "/import/preview").fill(**fields)
    data = MultiDict([(k, v) for k, vs in upload.values.items() for v in vs])
    data.add("file", (io.BytesIO(payload), filename))
    return client.post(upload.action, data=data, content_type="multipart/form-data")


def test_an_admin_previews_then_applies_a_decision(app: Flask) -> None:
    client = app.test_client()
    login(client, "admin")
    shown = _preview(client, PAGE.encode(), "decision.txt")
    assert shown.status_code == 200
    page = soup(shown)
    assert {t["data-summary"]: t.get_text() for t in page.select("[data-summary]")}["recall"] == "收回 2"
    assert [tr["data-outcome"] for tr in page.select("tr[data-outcome]")] == ["create"] * 3 + ["retire"] * 2
    assert lineage_count(app) == 103  # the preview wrote nothing
    refused = form(shown, "/import/apply").submit(client, reason="")
    assert refused.status_code == 422 and field_errors(refused)["reason"] == ["必填"]
    assert lineage_count(app) == 103
    done = form(refused, "/import/apply").submit(client, reason="按渝府发〔2027〕1号调整")
    assert done.status_code == 303, text(done)
    assert "已导入 渝府发〔2027〕1号" in text(client.get(done.headers["Location"]))
    assert lineage_count(app) == 108
    water = power_id(app, 38)
    citizen = text(client.get(f"/powers/{water}"))
    assert "历次决定" in citizen and f"2027-01-01 起：{NUMBER}（2026-11-20）收回" in citizen
    console = text(client.get(f"/console/powers/{water}"))
    assert "历次决定（2）" in console and "2021-04-30 起：渝府发〔2021〕13号（2021-04-30）下放" in console


def test_a_wrong_row_is_named_in_chinese_and_nothing_is_written(app: Flask) -> None:
    client = app.test_client()
    login(client, "admin")
    csv = "序号,事项名称,子项名称,事项类型,行使层级,市级指导(实施)部门(单位),备注\n1,某事项,,行政审批,市级,市水利局,\n"
    shown = _preview(client, csv.encode(), "annex.csv", number=NUMBER, title="测试", date="2026-11-20",
                     body="重庆经开区管委会")
    assert shown.status_code == 422
    assert "第2行：“事项类型”列的“行政审批”无法识别" in text(shown)
    missing = _preview(client, csv.replace("行政审批", "行政许可").encode(), "annex.csv", number=NUMBER, title="测试",
                       body="重庆经开区管委会")
    assert missing.status_code == 422 and field_errors(missing)["date"] == ["请填写发文日期"]
    assert lineage_count(app) == 103


def test_only_the_admin_has_the_page(app: Flask) -> None:
    client = app.test_client()
    login(client, "water")
    assert client.get("/console/decisions/import").status_code == 403


def test_an_exported_annex_edited_in_one_cell_imports_as_one_adjustment(app: Flask) -> None:
    """The round trip in the console: the rows of the annex export count as 调整 when the form says so."""
    client = app.test_client()
    login(client, "admin")
    body = edit_xlsx(export(client, "xlsx"), 38, TYPE, "行政确认")
    shown = _preview(client, body, "annex-print.xlsx", action="adjust", **META)
    assert shown.status_code == 200, text(shown)
    page = soup(shown)
    summary = {t["data-summary"]: t.get_text() for t in page.select("[data-summary]")}
    assert (summary["adjust"], summary["unchanged"], summary["devolve"]) == ("调整 1", "无变化 102", "下放 0")
    assert [tr["data-outcome"] for tr in page.select("tr[data-outcome]") if tr["data-outcome"] != "unchanged"] == [
        "update"]
    done = form(shown, "/import/apply").submit(client, reason="按决定调整")
    assert done.status_code == 303, text(done)
    assert f"已导入 {META['number']}：调整 1 项，无变化 102 项。" in text(client.get(done.headers["Location"]))
    assert lineage_count(app) == 104


def test_the_action_is_one_of_the_choices(app: Flask) -> None:
    client = app.test_client()
    login(client, "admin")
    shown = _preview(client, PAGE.encode(), "decision.txt", action="withdraw")
    assert shown.status_code == 422 and "action" in field_errors(shown)
