"""The citizens' pages (registry.web.public) on every backend: search, filters, a power's page, progress.

Expected values come from the source document (re-parsed) and from the plain search rule
(registry.domain.searchtext), never from the page's own code.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.domain import searchtext
from registry.domain.choices import PowerType
from seed import parse_annex
from tests.conftest import bearer
from tests.handover_steps import (
    PARTIAL_POWER,
    PATHS,
    WATER_POWER,
    complete_checklist,
    confirm_both,
    drive,
    handover,
    ok,
    step,
    zone_office,
)
from tests.pages import external_urls, login, soup, text

SOURCE = parse_annex.parse_file()
ITEMS = {p["seq"]: p for p in SOURCE["powers"]}


def result_seqs(client: FlaskClient, **args) -> list[int]:
    """Every result of a search, over all its pages, as 序号 (the seeded ids are the 序号)."""
    out, page = [], 1
    while True:
        html = soup(client.get("/", query_string={**args, "page": page}))
        links = [a["href"] for a in html.select("ol.results a.title")]
        out += [int(href.rsplit("/", 1)[1]) for href in links]
        if not html.select_one('a[rel="next"]'):
            return out
        page += 1


def plain_rule(q: str) -> list[int]:
    query = searchtext.query(q)
    return sorted(seq for seq, p in ITEMS.items()
                  if searchtext.matches(searchtext.document(p["name"], p["sub_items"], p["note"]), query))


@pytest.mark.parametrize("q", ["取水", "林地", "施工许可", "qushui", "qsxk", "取", "ＱＳＸＫ", "许可证", "(1)",
                               "小(1)型"])
def test_search_finds_what_the_rule_finds(reader: FlaskClient, q: str) -> None:
    assert sorted(result_seqs(reader, q=q)) == plain_rule(q)
    assert plain_rule(q), "a query of this table must find something"


def test_the_exact_name_comes_first_and_matches_are_marked(reader: FlaskClient) -> None:
    page = soup(reader.get("/", query_string={"q": "取水许可"}))
    first = page.select_one("ol.results a.title")
    assert first.get_text() == "取水许可" and first.select_one("mark").get_text() == "取水许可"
    page = soup(reader.get("/", query_string={"q": "qsxk"}))
    assert [m.get_text() for m in page.select("ol.results a.title mark")][0] == "取水许可"


def test_a_sub_item_match_is_shown_under_its_power(reader: FlaskClient) -> None:
    seq, sub = next((s, p["sub_items"][0]) for s, p in ITEMS.items()
                    if p["sub_items"] and p["sub_items"][0] not in p["name"])
    page = soup(reader.get("/", query_string={"q": sub}))
    hits = [h.get_text() for h in page.select("ol.results .hit")]
    assert f"子项：{sub}" in hits
    assert seq in result_seqs(reader, q=sub)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"type": "licensing"}, lambda p: p["type"] == "行政许可"),
        ({"type": ["licensing", "inspection"]}, lambda p: p["type"] in ("行政许可", "行政检查")),
        ({"partial": "true"}, lambda p: p["partial"]),
        ({"partial": "false"}, lambda p: not p["partial"]),
        ({"q": "取水", "type": "penalty"}, lambda p: p["type"] == "行政处罚" and "取水" in p["name"]),
        ({"status": "pending"}, lambda p: True),
        ({"status": "operating"}, lambda p: False),
    ],
    ids=["licensing", "two-types", "partial", "whole", "q-and-type", "pending", "operating"],
)
def test_filters(reader: FlaskClient, args: dict, expected) -> None:
    assert sorted(result_seqs(reader, **args)) == sorted(s for s, p in ITEMS.items() if expected(p))


def test_filter_counts_honour_the_query_and_the_other_filters(reader: FlaskClient) -> None:
    page = soup(reader.get("/", query_string={"q": "取水"}))
    labels = {i["value"]: i.parent.get_text(" ", strip=True) for i in page.select('input[name="type"]')}
    for t in PowerType:
        count = sum(1 for s in plain_rule("取水") if ITEMS[s]["type"] == t.label)
        assert labels[t.value] == f"{t.label} ({count})"


def test_a_department_filter_by_its_checkbox(reader: FlaskClient) -> None:
    page = soup(reader.get("/"))
    water = next(i["value"] for i in page.select('input[name="department"]') if "市水利局" in i.parent.get_text())
    assert sorted(result_seqs(reader, department=water)) == sorted(s for s, p in ITEMS.items()
                                                                     if p["department"] == "市水利局")


@pytest.mark.parametrize("args", [{"type": "bogus"}, {"status": "nope"}, {"department": "x"}, {"department": "99999"},
                                  {"partial": "maybe"}, {"q": "字" * 101}])
def test_a_bad_filter_is_explained_and_left_out(reader: FlaskClient, args: dict) -> None:
    resp = reader.get("/", query_string=args)
    assert resp.status_code == 200
    assert soup(resp).select(".field-error"), "the bad value is named next to its filter"
    assert "共 103 项" in text(resp)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "100001"])
def test_a_bad_page_number_shows_the_first_page(reader: FlaskClient, page: str) -> None:
    resp = reader.get("/", query_string={"page": page})
    assert resp.status_code == 200
    assert soup(resp).select_one("ol.results")["start"] == "1"


@pytest.mark.parametrize(("args", "last"), [
    ({"page": "99"}, 6),  # 103 items, 20 a page
    ({"q": "取水许可", "page": "2", "type": "licensing"}, 1),
])
def test_a_page_past_the_last_goes_to_the_last(reader: FlaskClient, args: dict, last: int) -> None:
    resp = reader.get("/", query_string=args)
    assert resp.status_code == 302
    target = reader.get(resp.headers["Location"])
    assert target.status_code == 200
    assert soup(target).select_one("ol.results")["start"] == str((last - 1) * 20 + 1)
    kept = soup(target).select_one('input[name="q"]')["value"]
    assert kept == args.get("q", "")


def test_every_department_filter_shows_its_count_even_when_zero(reader: FlaskClient) -> None:
    page = soup(reader.get("/", query_string={"q": "取水许可"}))
    labels = [i.find_parent("label").get_text(" ", strip=True) for i in page.select('input[name="department"]')]
    assert len(labels) == len({p["department"] for p in SOURCE["powers"]})
    assert any(label.endswith("(0)") for label in labels)
    assert [label for label in labels if not label.endswith("(0)")] == [f"市水利局 ({len(plain_rule('取水许可'))})"]


def test_no_result_says_so_and_offers_shorter_queries_that_find(reader: FlaskClient) -> None:
    resp = reader.get("/", query_string={"q": "取水囧许可证书"})
    body = text(resp)
    assert "没有找到与“取水囧许可证书”相关的事项" in body
    offered = [a.get_text() for a in soup(resp).select(".notice li a")]
    assert offered and all(plain_rule(q) for q in offered)
    assert all(q in "取水囧许可证书" for q in offered)


def test_no_result_under_filters_points_to_the_results_without_them(reader: FlaskClient) -> None:
    found = plain_rule("取水许可")
    absent = next(t for t in PowerType if all(ITEMS[s]["type"] != t.label for s in found))
    resp = reader.get("/", query_string={"q": "取水许可", "type": absent.value})
    assert "共 0 项" in text(resp)
    assert f"去掉筛选条件后有 {len(found)} 项" in text(resp)
    link = soup(resp).select_one(".notice a")
    assert sorted(result_seqs(reader, q="取水许可")) == found
    assert link["href"] == "/?q=%E5%8F%96%E6%B0%B4%E8%AE%B8%E5%8F%AF"


@pytest.mark.parametrize("seq", [1, 18, 38, 73, 75, 100, 103])
def test_the_power_page_shows_the_source_text(reader: FlaskClient, seq: int) -> None:
    want = ITEMS[seq]
    resp = reader.get(f"/powers/{seq}")
    assert resp.status_code == 200
    page = soup(resp)
    assert page.select_one("h1").get_text() == want["name"]
    body = text(resp)
    for value in [want["type"], want["level"], want["department"], *want["sub_items"], want["note"],
                  want["devolved_part"], want["retained_part"], "渝府发〔2021〕13号", "2021-04-30", f"序号 {seq}"]:
        if value:
            assert " ".join(value.split()) in body, value
    assert ("部分下放" if want["partial"] else "全部下放") in body


def test_an_unknown_power_is_a_page_not_json(reader: FlaskClient) -> None:
    resp = reader.get("/powers/99999")
    assert (resp.status_code, resp.mimetype) == (404, "text/html")
    assert "页面不存在" in text(resp)


def test_who_handles_it_follows_the_handover(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    before = soup(client.get(f"/powers/{WATER_POWER}"))
    assert before.select_one(".handling-office").get_text() == "市水利局"
    drive(client, tokens, WATER_POWER, "handed_over", office["id"], effective_date="2021-06-01")
    page = soup(client.get(f"/powers/{WATER_POWER}"))
    assert page.select_one(".handling-office").get_text() == office["name"]
    body = text(client.get(f"/powers/{WATER_POWER}"))
    for detail in (office["address"], office["phone"], office["hours"], "自 2021-06-01 起", "已交接"):
        assert detail in body, detail
    assert "交接状态由“交接中”变为“已交接”，自 2021-06-01 起由重庆经开区行政审批局办理" in body


def test_a_partial_item_names_both_offices(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, PARTIAL_POWER, "handed_over", office["id"])
    page = soup(client.get(f"/powers/{PARTIAL_POWER}"))
    offices = [o.get_text() for o in page.select(".handling-office")]
    assert offices == [office["name"], ITEMS[PARTIAL_POWER]["department"]]
    headings = [h.get_text() for h in page.select(".office h3")]
    assert headings == ["下放到经开区的部分", "保留在市级部门的部分"]


def _result_offices(client: FlaskClient, power_id: int, q: str) -> list[tuple[str, str | None]]:
    """The offices (and their tel: links) the search result for ``power_id`` names."""
    page = soup(client.get("/", query_string={"q": q}))
    item = next(li for li in page.select("ol.results > li")
                if li.select_one("a.title")["href"].endswith(f"/powers/{power_id}"))
    out = []
    for line in item.select(".handled-by"):
        link = line.select_one('a[href^="tel:"]')
        out.append((line.get_text(strip=True).split("，")[0], link["href"] if link else None))
    return out


@pytest.mark.parametrize(("power_id", "q", "target", "effective", "expected"), [
    (WATER_POWER, "取水许可", None, None, [("现由市水利局办理", None)]),
    (WATER_POWER, "取水许可", "in_progress", "2021-06-01", [("现由市水利局办理", None)]),
    (WATER_POWER, "取水许可", "handed_over", "2021-06-01",
     [("现由重庆经开区行政审批局办理", "tel:023-00000000")]),
    (WATER_POWER, "取水许可", "handed_over", "2099-01-01", [("现由市水利局办理", None)]),
    (WATER_POWER, "取水许可", "recalled", "2021-06-01", [("现由市水利局办理", None)]),
    (PARTIAL_POWER, str(ITEMS[PARTIAL_POWER]["name"]), "handed_over", "2021-06-01",
     [("下放部分现由重庆经开区行政审批局办理", "tel:023-00000000"),
      (f"保留部分现由{ITEMS[PARTIAL_POWER]['department']}办理", None)]),
], ids=["pending", "in-progress", "handed-over", "effective-later", "recalled", "partial"])
def test_a_search_result_names_who_handles_it_today(client: FlaskClient, tokens: dict[str, str], power_id: int,
                                                     q: str, target: str | None, effective: str | None,
                                                     expected: list) -> None:
    office = zone_office(client, tokens)
    if target:
        drive(client, tokens, power_id, target, office["id"], effective_date=effective)
    assert _result_offices(client, power_id, q) == expected
    api = client.get(f"/api/v1/powers/{power_id}/handler").json
    assert [p["office"]["name"] for p in api["parts"]] == [
        line.split("由")[1].removesuffix("办理") for line, _ in expected]


def _history(client: FlaskClient, power_id: int) -> list[str]:
    return [li.get_text(strip=True) for li in soup(client.get(f"/powers/{power_id}")).select("ol.timeline li")]


@pytest.mark.parametrize(("target", "steps"), [
    ("pending", []),
    ("in_progress", []),
    ("handed_over", ["“交接中”变为“已交接”"]),
    ("operating", ["“交接中”变为“已交接”", "“已交接”变为“已运行”"]),
    ("recalled", ["“交接中”变为“已交接”", "“已交接”变为“已收回”"]),
])
def test_the_public_history_shows_the_steps_a_citizen_cares_about(client: FlaskClient, tokens: dict[str, str],
                                                                   target: str, steps: list[str]) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, WATER_POWER, target, office["id"])
    history = _history(client, WATER_POWER)
    assert history[0] == "2021-04-30：重庆市人民政府渝府发〔2021〕13号决定将此事项下放重庆经开区。"
    assert len(history) == 1 + len(steps)
    for line, expected in zip(history[1:], steps, strict=True):
        assert expected in line


@pytest.mark.parametrize(("target", "shown"), [("in_progress", True), ("handed_over", False), ("operating", False)])
def test_a_planned_date_shows_only_while_the_handover_is_open(client: FlaskClient, tokens: dict[str, str],
                                                              target: str, shown: bool) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, WATER_POWER, "in_progress", office["id"])
    _, etag = handover(client, tokens, WATER_POWER)
    ok(client.patch(f"/api/v1/powers/{WATER_POWER}/handover", headers={**bearer(tokens["zone"]), "If-Match": etag},
                    json={"planned_date": "2021-05-31"}))
    if target != "in_progress":
        confirm_both(client, tokens, WATER_POWER)
        complete_checklist(client, tokens, WATER_POWER)
        for to in PATHS[target][1:]:
            step(client, tokens, WATER_POWER, to)
    assert ("计划完成日期" in text(client.get(f"/powers/{WATER_POWER}"))) is shown


def test_a_partly_devolved_item_says_its_parts_as_sentences_and_its_note_once(reader: FlaskClient) -> None:
    body = text(reader.get("/powers/18"))
    assert "仅下放“新办和变更”审批。" in body
    assert "房地产开发企业资质“延续、核定和升级”审批仍由市级部门办理。" in body
    assert body.count(ITEMS[18]["note"]) == 1


def test_the_public_page_shows_no_staff_names_notes_or_evidence(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, WATER_POWER, "handed_over", office["id"])
    step(client, tokens, WATER_POWER, "recalled", note="内部说明：不可公开")
    body = client.get(f"/powers/{WATER_POWER}").get_data(as_text=True)
    for secret in ("内部说明", "渝水函〔2021〕1号", "水利局甲", "经开区甲", "管理员甲"):
        assert secret not in body, secret
    assert "已收回" in body


def test_progress_shows_the_same_figures_as_the_api(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, WATER_POWER, "handed_over", office["id"])
    stats = client.get("/api/v1/stats/handover").json
    resp = client.get("/progress")
    page = soup(resp)
    rows = {r.th.get_text(): int(r.td.get_text()) for r in page.select("#by-status ~ .table-wrap tbody tr")}
    assert rows == {s["label"]: s["count"] for s in stats["by_status"]}
    charts = page.select("figure.chart > svg[role=img]")
    assert len(charts) == 2 and all(c.find("title") and c.find("desc") for c in charts)
    water = next(r for r in page.select("#by-department ~ .table-wrap tbody tr") if r.th.get_text() == "市水利局")
    assert [int(td.get_text()) for td in water.select("td")][-1] == sum(1 for p in ITEMS.values()
                                                                       if p["department"] == "市水利局")
    assert "完成 1/36" in text(resp)


@pytest.mark.parametrize("path", ["/", "/?q=取水", "/?q=囧囧", "/powers/38", "/powers/100", "/progress",
                                  "/powers/9999"])
def test_public_pages_load_nothing_from_elsewhere_and_need_no_script(reader: FlaskClient, path: str) -> None:
    resp = reader.get(path)
    html = resp.get_data(as_text=True)
    assert external_urls(resp) == []
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+\s*=", html, re.I)
    assert soup(resp).html["lang"] == "zh-Hans"


def test_the_stylesheet_and_icon_are_served_here(reader: FlaskClient) -> None:
    page = soup(reader.get("/"))
    for href in [page.select_one('link[rel="stylesheet"]')["href"], page.select_one('link[rel="icon"]')["href"]]:
        assert href.startswith("/static/")
        resp = reader.get(href)
        assert resp.status_code == 200 and resp.data
    css = reader.get(page.select_one('link[rel="stylesheet"]')["href"]).get_data(as_text=True)
    assert not re.search(r"https?://|@import|url\(\s*['\"]?//", css)


def test_anyone_reads_without_signing_in(reader: FlaskClient) -> None:
    for path in ("/", "/powers/38", "/progress"):
        assert reader.get(path).status_code == 200


def test_the_api_gives_the_status_facet(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers", query_string={"status": "pending", "q": "取水"}).json
    assert body["total"] == len(plain_rule("取水"))
    assert {s["code"]: s["count"] for s in body["facets"]["status"]}["pending"] == len(plain_rule("取水"))
    assert reader.get("/api/v1/powers", query_string={"status": "bogus"}).status_code == 422


@pytest.mark.parametrize("path", ["/", "/?q=取水", f"/powers/{WATER_POWER}", "/progress"])
def test_public_pages_answer_304_while_nothing_changed_and_never_serve_a_stale_page(
        client: FlaskClient, tokens: dict[str, str], path: str) -> None:
    first = client.get(path)
    tag = first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert client.get(path).get_data() == first.get_data()  # from the cache: the same page
    office = zone_office(client, tokens)
    drive(client, tokens, WATER_POWER, "handed_over", office["id"])
    after = client.get(path, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    assert after.get_data() != first.get_data()  # the status shown, or its count, changed


def test_a_cached_public_page_carries_no_one_elses_session(app: Flask) -> None:
    staff = app.test_client()
    login(staff, "zone")
    seen = staff.get("/progress")
    assert "registry_session=" in " ".join(seen.headers.getlist("Set-Cookie"))
    anonymous = app.test_client().get("/progress")
    assert anonymous.get_data() == seen.get_data()
    assert anonymous.headers.getlist("Set-Cookie") == []


def test_a_chosen_department_without_results_can_still_be_unticked(reader: FlaskClient) -> None:
    page = soup(reader.get("/"))
    finance = next(i["value"] for i in page.select('input[name="department"]') if "市财政局" in i.parent.get_text())
    page = soup(reader.get("/", query_string={"q": "取水", "department": finance}))
    shown = {i.parent.get_text(" ", strip=True): i.has_attr("checked") for i in page.select('input[name="department"]')}
    assert shown["市财政局 (0)"] is True
    assert {k: v for k, v in shown.items() if v or not k.endswith("(0)")} == {
        "市财政局 (0)": True, f"市水利局 ({len(plain_rule('取水'))})": False}
