"""The case-volume pages (registry.web.volumes), on every backend: /volumes for anyone, /console/volumes for staff.
The figures shown add up what was recorded through the API; the charts are inline SVG with the same figures in a
table beside them; a wrong period is explained beside its field (422); the public page and its .xlsx show sums
only — never a finding, an import's reason or a member of staff's name."""

from __future__ import annotations

import io
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from registry.web import volumes as volume_pages
from tests.conftest import STAFF, bearer
from tests.handover_steps import drive
from tests.pages import external_urls, field_errors, login, soup, text

ZONE, ZONE_ID = "重庆经开区管委会", 7
WATER, FORESTRY = 38, 100  # 取水许可 of 市水利局; an item of 市林业局
DEPARTMENT = {WATER: "市水利局", FORESTRY: "市林业局"}
PERIOD = {"from": "2026-01", "to": "2026-06"}
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
# (item, month, 受理量, 办结量): the test's own input; 2025-12 and 2026-07 fall outside PERIOD.
ROWS = [(WATER, "2026-01", 12, 10), (WATER, "2026-03", 7, 7), (FORESTRY, "2026-03", 5, 4),
        (FORESTRY, "2026-06", 30, 21), (WATER, "2025-12", 100, 100), (FORESTRY, "2026-07", 50, 50)]
SECRET_FINDING, SECRET_REASON = "SECRET-MARKER-7f3a 现场检查发现", "SECRET-MARKER-91c2 由经开区甲导出"
STAFF_NAMES = [name for name, _, _ in STAFF.values()]
PAGES = {"/volumes": None, "/console/volumes": "zone"}


def record(client: FlaskClient, tokens: dict[str, str], rows=ROWS, reason: str = "2026年政务服务系统导出") -> None:
    body = {"reason": reason, "rows": [{"power": p, "office": ZONE_ID, "month": m, "accepted": a, "completed": c}
                                       for p, m, a, c in rows]}
    resp = client.post("/api/v1/case-volumes", json=body, headers=bearer(tokens["zone"]))
    assert resp.status_code == 200, resp.json


def expected(key) -> dict[str, tuple[int, int]]:
    """The sums of ROWS within PERIOD, keyed by ``key(row)``."""
    sums: dict[str, tuple[int, int]] = {}
    for row in ROWS:
        if PERIOD["from"] <= row[1] <= PERIOD["to"]:
            a, c = sums.get(key(row), (0, 0))
            sums[key(row)] = (a + row[2], c + row[3])
    return sums


def table(page, table_id: str) -> dict[str, tuple[int, int]]:
    """A figures table as {row heading: (受理量, 办结量)}, the two columns named so."""
    found = page.find(id=table_id)
    heads = [th.get_text(strip=True) for th in found.thead.find_all("th")]
    out = {}
    for tr in found.tbody.find_all("tr"):
        cells = {h: c.get_text(strip=True) for h, c in zip(heads, tr.find_all(["th", "td"]), strict=True)}
        out[tr.th.get_text(strip=True)] = (int(cells["受理量"]), int(cells["办结量"]))
    return out


def chart(page, chart_id: str) -> tuple[str, str, list[str]]:
    svg = page.find(id=f"{chart_id}-title").find_parent("svg")
    return (svg.title.get_text(strip=True), svg.desc.get_text(strip=True),
            [t.get_text(strip=True) for t in svg.find_all("text")])


def client_for(app: Flask, key: str | None) -> FlaskClient:
    client = app.test_client()
    if key:
        login(client, key)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_the_figures_add_up_what_was_recorded(app: Flask, tokens: dict[str, str], path: str) -> None:
    record(app.test_client(), tokens)
    resp = client_for(app, PAGES[path]).get(path, query_string=PERIOD)
    assert resp.status_code == 200
    page = soup(resp)
    by_month = {m: expected(lambda r: r[1]).get(m, (0, 0)) for m in MONTHS}  # every month, zeros too
    by_department = {DEPARTMENT[p]: s for p, s in expected(lambda r: r[0]).items()}
    assert table(page, "volumes-by-month") == by_month
    assert table(page, "volumes-by-department") == by_department
    items = {DEPARTMENT[p]: 1 for p, _ in expected(lambda r: r[0]).items()}  # one item each has figures
    assert {tr.th.get_text(strip=True): int(tr.td.get_text(strip=True))
            for tr in page.find(id="volumes-by-department").tbody.find_all("tr")} == items
    total = (sum(a for a, _ in by_month.values()), sum(c for _, c in by_month.values()))
    assert f"受理 {total[0]} 件，办结 {total[1]} 件" in page.find(id="volume-total").get_text()
    # Each chart: inline SVG, titled and described, a bar per table row with the same figures written beside it.
    for chart_id, title, table_id in [("chart-month", "各月受理量", "volumes-by-month"),
                                      ("chart-department", "各市级指导部门事项的受理量", "volumes-by-department")]:
        got_title, desc, texts = chart(page, chart_id)
        rows = table(page, table_id)  # in the table's order, its figures already checked
        assert (got_title, bool(desc)) == (title, True)
        assert texts == [t for label, (a, c) in rows.items() for t in (label, f"受理 {a}，办结 {c}")]


@pytest.mark.parametrize(("path", "by_item"), [
    ("/volumes", None),  # the public page: sums by month and department only
    ("/console/volumes", {"取水许可": ZONE}),  # staff: each item with its receiving office
])
def test_only_staff_see_each_item_and_its_receiving_office(app: Flask, tokens: dict[str, str], path: str,
                                                           by_item: dict | None) -> None:
    record(app.test_client(), tokens, rows=[(WATER, "2026-01", 12, 10)])
    page = soup(client_for(app, PAGES[path]).get(path, query_string=PERIOD))
    found = page.find(id="volumes-by-item")
    if by_item is None:
        assert found is None
    else:
        assert {tr.th.get_text(strip=True): tr.find_all("td")[2].get_text(strip=True)
                for tr in found.tbody.find_all("tr")} == by_item


@pytest.mark.parametrize("path", PAGES)
def test_items_in_use_with_no_case_in_the_period_are_listed(app: Flask, tokens: dict[str, str], path: str) -> None:
    client = app.test_client()
    drive(client, tokens, WATER, "operating", ZONE_ID)
    drive(client, tokens, FORESTRY, "handed_over", ZONE_ID)
    # 取水许可: cases only before the period, and a month of none in it; the forestry item had cases.
    record(client, tokens, rows=[(WATER, "2025-12", 3, 3), (WATER, "2026-02", 0, 0), (FORESTRY, "2026-03", 5, 4)])
    page = soup(client_for(app, PAGES[path]).get(path, query_string=PERIOD))
    assert page.find(id="idle").get_text(strip=True) == "零办件事项（1 项）"
    [item] = [" ".join(li.get_text(" ").split()) for li in page.find(id="idle-items").find_all("li")]
    assert re.fullmatch(r"第\d+项 取水许可 （市水利局）", item), item


@pytest.mark.parametrize(("today", "start", "end"), [
    (date(2026, 7, 15), "2025-07", "2026-06"),
    (date(2026, 1, 1), "2025-01", "2025-12"),  # new year's day in Beijing: last year, whole
    (date(2026, 12, 31), "2025-12", "2026-11"),
])
def test_the_default_period_is_the_last_12_full_months_in_beijing(reader: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                                                                  today: date, start: str, end: str) -> None:
    monkeypatch.setattr(volume_pages, "today_in_china", lambda: today)
    page = soup(reader.get("/volumes"))
    assert (page.find(id="from")["value"], page.find(id="to")["value"]) == (start, end)
    months = list(table(page, "volumes-by-month"))
    assert (len(months), months[0], months[-1]) == (12, start, end)


@pytest.mark.parametrize(("args", "errors"), [
    ({"from": "2027-13", "to": "2027-12"}, {"from": ["请按“年-月”填写月份，例如 2026-01"]}),
    ({"from": "2026-01", "to": "2026-1"}, {"to": ["请按“年-月”填写月份，例如 2026-01"]}),
    ({"from": "abc", "to": "2026-00"}, {"from": ["请按“年-月”填写月份，例如 2026-01"],
                                        "to": ["请按“年-月”填写月份，例如 2026-01"]}),
    ({"from": "2026-05", "to": "2026-01"}, {"from": ["起始月份 2026-05 晚于截止月份 2026-01"]}),
    ({"from": "2000-01", "to": "2026-01"}, {"to": ["统计期间最长 120 个月，此处为 313 个月"]}),
])
@pytest.mark.parametrize("path", PAGES)
def test_a_wrong_period_is_explained_beside_its_field(shared_app: Flask, path: str, args: dict,
                                                      errors: dict) -> None:
    resp = client_for(shared_app, PAGES[path]).get(path, query_string=args)
    assert resp.status_code == 422
    assert field_errors(resp) == errors
    assert soup(resp).find(id="volumes-by-month") is None


def test_the_public_page_and_its_sheet_leak_nothing_staff_only(app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    finding = {"held_on": "2026-03-31", "kind": "inspection", "findings": SECRET_FINDING,
               "evidence": {"doc_number": "渝水监〔2026〕99号", "date": "2026-03-31"}}
    resp = client.post(f"/api/v1/powers/{WATER}/supervision", json=finding, headers=bearer(tokens["water"]))
    assert resp.status_code == 201, resp.json
    record(client, tokens, reason=SECRET_REASON)
    page = client.get("/volumes", query_string=PERIOD)
    assert page.status_code == 200 and "受理 54 件" in text(page)  # the figures are there, recorded with the reason
    href = soup(page).find(id="volumes-xlsx")["href"]
    assert {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()} == PERIOD
    sheet = client.get(href)
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.data), read_only=True)
    cells = " ".join(str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)
    for shown in (page.get_data(as_text=True), cells):
        leaked = [s for s in ["SECRET-MARKER", "现场检查发现", *STAFF_NAMES] if s in shown]
        assert leaked == []


@pytest.mark.parametrize("query", [PERIOD, {}, {"from": "2027-13"}])
@pytest.mark.parametrize("path", PAGES)
def test_the_pages_load_nothing_from_elsewhere_and_need_no_script(shared_app: Flask, path: str,
                                                                  query: dict) -> None:
    resp = client_for(shared_app, PAGES[path]).get(path, query_string=query)
    html = resp.get_data(as_text=True)
    assert external_urls(resp) == []
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)


def test_the_console_page_is_for_staff_only(reader: FlaskClient) -> None:
    resp = reader.get("/console/volumes")
    assert resp.status_code in (302, 303) and "/auth/login" in resp.headers["Location"]
