"""One power's handover over HTTP, on every backend: reading it, fixing its terms, confirming, the checklist, history.

The decision (渝府发〔2021〕13号) asks the city departments and the zone to settle, item by item, the 具体内容,
实施范围, 承接部门 and 移交方式 of each devolved power, to give guidance and supervision, and to hand over
for real. These tests hold the API to that, through the public endpoints and as the role each step names:

1. GET /powers/{id}/handover is for staff; a seeded handover starts pending with an open five-item checklist,
   and a partial item (序号 18, 73, 100, 101, 102) starts with the annex's own words as content and scope;
   the expectation is read from seed/annex.json, which is generated from the source document.
2. PATCH fixes the terms under If-Match: only a zone office receives, only a live method can be chosen
   (a retired one stays where it is used), a planned date is given directly or counted in PRC working
   days (调休 included), and every real change writes exactly one audit entry with labelled diffs while a
   no-op writes nothing.
3. Once handed over the terms are fixed (notes are not); changing a term after both confirmations
   withdraws them, so the two sides confirm what is now written.
4. Each side confirms only for itself: the power's own department hands over, the zone accepts; nobody
   (not even the admin) confirms for the other, and a refused confirmation writes nothing.
5. Each checklist item is ticked with evidence (a document number or an http(s) link) and reopened with a
   reason; progress is derived from it, and it closes once handed over.
6. The history lists every event oldest first, each tied to the audit entry of the same write; the
   database refuses to rewrite or delete an event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import STAFF, Databases, bearer, dispose, make_app
from tests.handover_steps import (
    BACKDATED,
    CHECKLIST,
    EVIDENCE,
    WATER_POWER,
    complete_checklist,
    confirm_both,
    drive,
    fix_terms,
    handover,
    ok,
    publish_contact,
    step,
)

ANNEX = json.loads(Path(__file__).parent.parent.joinpath("seed", "annex.json").read_text("utf-8"))
SOURCE = {p["seq"]: p for p in ANNEX["powers"]}
PARTIAL_SEQS = (18, 73, 100, 101, 102)
URL = f"/api/v1/powers/{WATER_POWER}/handover"
ZONE_BODY = 7  # 重庆经开区管委会: the seeded zone office (kind zone)
CITY_WATER = 3  # 市水利局: a city department, never a receiving office
NAME = {key: name for key, (name, _, _) in STAFF.items()}
LINK_EVIDENCE = {"link": "https://www.cq.gov.cn/zwgk/zfxxgkml/szfwj/qtgw/202105/t20210506_9250386.html"}


# --- helpers ----------------------------------------------------------------------------------------------

def patch(client: FlaskClient, tokens: dict[str, str], body: dict[str, Any], *, etag: str | None = None,
          who: str = "zone", power_id: int = WATER_POWER):
    """PATCH the handover with If-Match (the current ETag unless one is given)."""
    if etag is None:
        etag = handover(client, tokens, power_id)[1]
    return client.patch(f"/api/v1/powers/{power_id}/handover", json=body,
                        headers={**bearer(tokens[who]), "If-Match": etag})


def confirm(client: FlaskClient, tokens: dict[str, str], who: str, side: str, **body: Any):
    return client.post(f"{URL}/confirmations", headers=bearer(tokens[who]), json={"side": side, **body})


def tick(client: FlaskClient, tokens: dict[str, str], who: str, **body: Any):
    return client.post(f"{URL}/checklist", headers=bearer(tokens[who]), json=body)


def audit_entries(client: FlaskClient, tokens: dict[str, str], power_id: int = WATER_POWER) -> list[dict]:
    """Every audit entry about the power's handover, oldest first."""
    body = ok(client.get("/api/v1/audit", headers=bearer(tokens["auditor"]),
                         query_string={"entity_type": "handover", "power": power_id, "per_page": 500}))
    assert body["total"] == len(body["items"])
    return body["items"][::-1]


def history(client: FlaskClient, tokens: dict[str, str], power_id: int = WATER_POWER) -> list[dict]:
    return ok(client.get(f"/api/v1/powers/{power_id}/handover/history", headers=bearer(tokens["zone"])))


def trail(client: FlaskClient, tokens: dict[str, str]) -> tuple[str, int, int]:
    """What a write would change: the handover's ETag, the whole audit chain's length, the handover's events."""
    chain = ok(client.get("/api/v1/audit", headers=bearer(tokens["auditor"]), query_string={"per_page": 1}))
    return handover(client, tokens, WATER_POWER)[1], chain["total"], len(history(client, tokens))


@contextmanager
def clock() -> Iterator[list[datetime]]:
    """The moments before and after the block, to bracket a server-side timestamp."""
    window = [datetime.now(UTC)]
    yield window
    window.append(datetime.now(UTC))


def within(stamp: str, window: list[datetime]) -> bool:
    return window[0] <= datetime.fromisoformat(stamp) <= window[1]


def in_progress(client: FlaskClient, tokens: dict[str, str], effective_date: str | None = "2021-06-01") -> None:
    """Power 38 with its terms fixed (the seeded zone office, its contact published; method 1) and in progress."""
    publish_contact(client, tokens, ZONE_BODY)
    fix_terms(client, tokens, WATER_POWER, ZONE_BODY, effective_date)
    step(client, tokens, WATER_POWER, "in_progress")


@pytest.fixture(scope="module")
def refusing_app(databases: Databases) -> Iterator[Flask]:
    """Power 38 in progress with its terms fixed, on a database of its own shared by the tests whose every
    request must be refused: each checks its refusal wrote nothing, so none of them sees another's traces."""
    app = make_app(databases.seeded())
    in_progress(app.test_client(), databases.staff_tokens())
    yield app
    dispose(app)


@pytest.fixture
def refusing(refusing_app: Flask) -> FlaskClient:
    return refusing_app.test_client()


# --- 1. reading a handover --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [URL, f"{URL}/history"])
def test_anonymous_callers_are_refused(reader: FlaskClient, path: str) -> None:
    resp = reader.get(path)
    assert resp.status_code == 401
    assert resp.json["title"] == "Unauthorized"


@pytest.mark.parametrize("who", list(STAFF))
def test_every_staff_role_reads_handover_and_history(reader: FlaskClient, tokens: dict[str, str], who: str) -> None:
    resp = reader.get(URL, headers=bearer(tokens[who]))
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"1"'
    assert resp.json["power"]["id"] == WATER_POWER
    assert [e["kind"] for e in ok(reader.get(f"{URL}/history", headers=bearer(tokens[who])))] == ["create"]


def test_a_seeded_full_item_starts_pending_with_an_open_checklist(reader: FlaskClient, tokens: dict[str, str]) -> None:
    body, etag = handover(reader, tokens, WATER_POWER)
    assert etag == '"1"'
    assert body["power"] == {"id": 38, "seq": 38, "name": "取水许可", "department": {"id": 3, "name": "市水利局"}}
    assert body["status"] == {"code": "pending", "label": "待交接"}
    unset = ("receiving_office", "method", "content", "scope", "planned_date", "planned_in", "effective_date",
             "recalled_on", "legal_basis", "authorisation", "notes")
    assert {k: body[k] for k in unset} == dict.fromkeys(unset)
    assert (body["authorisation_needed"], body["overdue"], body["version"]) == (False, False, 1)
    assert body["confirmations"] == {"handover": None, "acceptance": None}
    assert body["checklist"] == [
        {"item": {"code": code, "label": label}, "done": False, "done_by": None, "done_at": None,
         "evidence": None, "note": None}
        for code, label in [("guidance", "业务指导和培训"), ("supervision", "事中事后监管措施"),
                            ("files", "档案资料移交"), ("system_access", "业务系统权限开通"),
                            ("list_updated", "权力清单和办事指南更新")]]
    assert body["progress"] == 0.0
    assert [(s["to"]["code"], s["ready"], s["needs_reason"], [m["code"] for m in s["missing"]])
            for s in body["next"]] == [
        ("in_progress", False, False, ["receiving_office", "method"]),
        ("awaiting_authorisation", False, False, ["authorisation_needed"]),
        ("suspended", True, True, []),
    ]


def test_the_source_names_exactly_five_partial_items() -> None:
    assert len(SOURCE) == 103
    assert tuple(seq for seq, p in SOURCE.items() if p["partial"]) == PARTIAL_SEQS
    for seq in PARTIAL_SEQS:
        assert SOURCE[seq]["note"].startswith("部分下放。"), seq
        assert SOURCE[seq]["devolved_part"], seq


def test_content_and_scope_start_from_the_annex_for_partial_items_only(reader: FlaskClient,
                                                                       tokens: dict[str, str]) -> None:
    """Partial items: content = the devolved part, scope = the annex note; full items: neither (all 103)."""
    expected = {seq: (p["devolved_part"], p["note"]) if p["partial"] else (None, None) for seq, p in SOURCE.items()}
    actual = {}
    for power_id in range(1, 104):
        body = handover(reader, tokens, power_id)[0]
        assert body["power"]["seq"] == power_id
        actual[power_id] = (body["content"], body["scope"])
    assert actual == expected
    assert actual[100] == ("森林经营单位修筑直接为林业生产服务的工程设施占用林地审批(核)",
                           "部分下放。仅下放森林经营单位修筑直接为林业生产服务的工程设施占用林地审批(核)。")


# --- 2. fixing the terms ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        pytest.param(None, 428, id="missing"),
        pytest.param("*", 428, id="wildcard"),
        pytest.param('"7"', 412, id="stale"),
        pytest.param('W/"1"', 412, id="weak"),
        pytest.param('"1", "2"', 412, id="several"),
    ],
)
def test_patch_without_the_current_etag_is_refused(refusing: FlaskClient, tokens: dict[str, str],
                                                   if_match: str | None, status: int) -> None:
    before = trail(refusing, tokens)
    headers = {**bearer(tokens["zone"]), **({"If-Match": if_match} if if_match else {})}
    resp = refusing.patch(URL, json={"notes": "备注"}, headers=headers)
    assert resp.status_code == status, resp.json
    assert trail(refusing, tokens) == before


def test_a_write_changes_the_etag_and_stales_the_old_one(client: FlaskClient, tokens: dict[str, str]) -> None:
    done = patch(client, tokens, {"notes": "备注"}, etag='"1"')
    assert done.status_code == 200, done.json
    assert done.headers["ETag"] == '"2"'
    assert (done.json["notes"], done.json["version"]) == ("备注", 2)
    assert handover(client, tokens, WATER_POWER)[1] == '"2"'
    again = patch(client, tokens, {"notes": "又一条备注"}, etag='"1"')
    assert again.status_code == 412
    assert again.json["current_version"] == 2
    assert handover(client, tokens, WATER_POWER)[0]["notes"] == "备注"


@pytest.mark.parametrize("who", ["zone", "water", "admin"])
def test_the_zone_the_department_and_the_admin_fix_the_terms(client: FlaskClient, tokens: dict[str, str],
                                                             who: str) -> None:
    resp = patch(client, tokens, {"receiving_office": ZONE_BODY}, who=who)
    assert resp.status_code == 200, resp.json
    assert resp.json["receiving_office"]["id"] == ZONE_BODY
    assert audit_entries(client, tokens)[-1]["actor"]["name"] == NAME[who]


@pytest.mark.parametrize("who", ["forestry", "auditor"])
def test_another_department_and_the_auditor_may_not(refusing: FlaskClient, tokens: dict[str, str], who: str) -> None:
    before = trail(refusing, tokens)
    resp = patch(refusing, tokens, {"notes": "越权"}, who=who)
    assert resp.status_code == 403, resp.json
    assert trail(refusing, tokens) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"receiving_office": CITY_WATER}, "receiving_office", id="city-department-as-office"),
        pytest.param({"receiving_office": 999}, "receiving_office", id="unknown-office"),
        pytest.param({"receiving_office": "7"}, "receiving_office", id="office-id-as-text"),
        pytest.param({"method": 99}, "method", id="unknown-method"),
        pytest.param({"planned_in": {"from": "2031-03-03", "days": 5, "kind": "working"}}, "planned_in",
                     id="working-days-beyond-the-calendar"),
        pytest.param({"planned_in": {"from": "2031-03-03", "days": 30, "kind": "calendar"}}, "planned_in",
                     id="calendar-days-beyond-the-calendar"),
        pytest.param({"planned_date": "2021-06-30", "planned_in": {"from": "2021-06-01", "days": 5,
                                                                   "kind": "calendar"}},
                     "planned_in", id="planned-date-and-planned-in"),
        pytest.param({"planned_in": {"from": "2021-06-01", "days": 5, "kind": "fortnightly"}}, "planned_in",
                     id="unknown-day-kind"),
        pytest.param({"owner": "经开区"}, "owner", id="unknown-field"),
        pytest.param({"status": "handed_over"}, "status", id="read-only-status"),
        pytest.param({"version": 5}, "version", id="read-only-version"),
        pytest.param({"note": "只有说明"}, "_body", id="only-a-note"),
        pytest.param({}, "_body", id="empty"),
    ],
)
def test_invalid_terms_are_refused_and_write_nothing(refusing: FlaskClient, tokens: dict[str, str], body: dict,
                                                     field: str) -> None:
    before = trail(refusing, tokens)
    resp = patch(refusing, tokens, body)
    assert resp.status_code == 422, resp.json
    assert list(resp.json["errors"]) == [field]
    assert trail(refusing, tokens) == before


@pytest.mark.parametrize(
    ("planned_in", "planned_date"),
    [
        # Spring Festival 2021: Sun 7 Feb is a make-up workday (调休), 11–17 Feb are holidays:
        # 7, 8, 9, 10, 18 Feb are the five working days after Fri 5 Feb.
        pytest.param({"from": "2021-02-05", "days": 5, "kind": "working"}, "2021-02-18", id="spring-festival"),
        # National Day 2021: 1–7 Oct holidays, Sat 9 Oct a make-up workday: 8, 9, 11 Oct.
        pytest.param({"from": "2021-09-30", "days": 3, "kind": "working"}, "2021-10-11", id="national-day"),
        pytest.param({"from": "2021-02-05", "days": 5, "kind": "calendar"}, "2021-02-10", id="calendar-days"),
        # A calendar-day period ending on a holiday ends on the next working day (民法典 第二百零三条).
        pytest.param({"from": "2021-02-05", "days": 6, "kind": "calendar"}, "2021-02-18", id="calendar-days-holiday"),
    ],
)
def test_planned_in_counts_days_on_the_prc_calendar(client: FlaskClient, tokens: dict[str, str], planned_in: dict,
                                                    planned_date: str) -> None:
    body = ok(patch(client, tokens, {"planned_in": planned_in}))
    labels = {"working": "工作日", "calendar": "自然日"}
    assert body["planned_date"] == planned_date
    assert body["planned_in"] == {"from": planned_in["from"], "days": planned_in["days"],
                                  "kind": {"code": planned_in["kind"], "label": labels[planned_in["kind"]]}}


def test_a_direct_planned_date_replaces_a_counted_one(client: FlaskClient, tokens: dict[str, str]) -> None:
    ok(patch(client, tokens, {"planned_in": {"from": "2021-02-05", "days": 5, "kind": "working"}}))
    body = ok(patch(client, tokens, {"planned_date": "2021-07-01"}))
    assert (body["planned_date"], body["planned_in"]) == ("2021-07-01", None)
    after = audit_entries(client, tokens)[-1]["after"]
    assert [after[k] for k in ("planned_date", "planned_from", "planned_days", "planned_day_kind")] == [
        "2021-07-01", None, None, None]


def test_a_retired_method_stays_where_used_but_cannot_be_chosen_anew(client: FlaskClient,
                                                                       tokens: dict[str, str]) -> None:
    ok(patch(client, tokens, {"method": 2}))  # 委托下放
    retired = ok(client.patch("/api/v1/handover-methods/2", headers={**bearer(tokens["admin"]), "If-Match": '"1"'},
                              json={"retired": True}))
    assert retired == {"id": 2, "name": "委托下放", "retired": True, "version": 2}
    assert [m["id"] for m in ok(client.get("/api/v1/handover-methods"))] == [1, 3, 4, 5]

    kept = handover(client, tokens, WATER_POWER)[0]
    assert kept["method"] == {"id": 2, "name": "委托下放", "retired": True}
    assert ok(patch(client, tokens, {"method": 2, "notes": "沿用委托下放"}))["method"]["id"] == 2

    elsewhere = patch(client, tokens, {"method": 2}, power_id=39)
    assert elsewhere.status_code == 422
    assert list(elsewhere.json["errors"]) == ["method"]
    assert handover(client, tokens, 39)[0]["method"] is None

    ok(patch(client, tokens, {"method": 1}))
    back = patch(client, tokens, {"method": 2})
    assert back.status_code == 422
    assert list(back.json["errors"]) == ["method"]
    assert handover(client, tokens, WATER_POWER)[0]["method"]["id"] == 1


TERMS = {"receiving_office": ZONE_BODY, "method": 1, "effective_date": "2021-06-01", "notes": "备注", **BACKDATED,
         "planned_in": {"from": "2021-02-05", "days": 5, "kind": "working"}, "legal_basis": "《行政许可法》",
         "authorisation": {"doc_number": "渝府发〔2021〕13号", "date": "2021-04-30"}}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"receiving_office": ZONE_BODY}, id="same-office"),
        pytest.param({"method": 1, "note": "再次确认"}, id="same-method-with-a-note"),
        pytest.param({"effective_date": "2021-06-01"}, id="same-effective-date"),
        pytest.param({"planned_in": {"from": "2021-02-05", "days": 5, "kind": "working"}}, id="same-planned-in"),
        pytest.param({"content": None, "scope": None}, id="still-no-content"),
        pytest.param({"authorisation": {"date": "2021-04-30", "doc_number": "渝府发〔2021〕13号"}},
                     id="same-authorisation"),
        pytest.param(TERMS, id="all-the-same"),
    ],
)
def test_a_patch_that_changes_nothing_writes_nothing(client: FlaskClient, tokens: dict[str, str], body: dict) -> None:
    ok(patch(client, tokens, TERMS))
    before = trail(client, tokens)
    resp = patch(client, tokens, body)
    assert resp.status_code == 200, resp.json
    assert resp.headers["ETag"] == before[0]
    assert trail(client, tokens) == before


@pytest.mark.parametrize(
    ("body", "diff"),
    [
        pytest.param({"receiving_office": ZONE_BODY}, [("receiving_office", "承接部门", None, ZONE_BODY)], id="office"),
        pytest.param({"method": 2}, [("method", "移交方式", None, 2)], id="method"),
        pytest.param({"content": "仅下放新办审批"}, [("content", "具体内容", None, "仅下放新办审批")], id="content"),
        pytest.param({"scope": "经开区直管区域"}, [("scope", "实施范围", None, "经开区直管区域")], id="scope"),
        pytest.param({"effective_date": "2021-06-01", "confirm_past": True},
                     [("effective_date", "生效日期", None, "2021-06-01")],
                     id="effective-date"),
        pytest.param({"planned_in": {"from": "2021-02-05", "days": 5, "kind": "working"}},
                     [("planned_date", "计划完成日期", None, "2021-02-18"),
                      ("planned_from", "计划起算日期", None, "2021-02-05"), ("planned_days", "计划天数", None, 5),
                      ("planned_day_kind", "计日方式", None, "working")], id="planned-in"),
    ],
)
def test_each_change_writes_one_labelled_audit_entry(client: FlaskClient, tokens: dict[str, str], body: dict,
                                                     diff: list[tuple]) -> None:
    before = audit_entries(client, tokens)
    ok(patch(client, tokens, {**body, "note": "商定交接条件"}))
    after = audit_entries(client, tokens)
    assert after[:-1] == before
    entry = after[-1]
    assert (entry["entity_type"], entry["action"], entry["power_id"], entry["reason"]) == (
        "handover", "update", WATER_POWER, "商定交接条件")
    assert (entry["actor"]["name"], entry["actor"]["role"]) == (NAME["zone"], "zone")
    assert [(d["field"], d["label"], d["before"], d["after"]) for d in entry["diff"]] == [
        *diff, ("version", "版本", 1, 2)]
    event = history(client, tokens)[-1]
    assert (event["kind"], event["audit_seq"], event["note"]) == ("update", entry["seq"], "商定交接条件")


@pytest.mark.parametrize(
    ("extra", "refused_fields"),
    [
        pytest.param({}, ["effective_date", "note"], id="neither"),
        pytest.param({"note": "补录"}, ["effective_date"], id="a-reason-without-confirming"),
        pytest.param({"confirm_past": True}, ["note"], id="confirmed-without-a-reason"),
        pytest.param({"confirm_past": False, "note": "补录"}, ["effective_date"], id="confirm-false"),
    ],
)
def test_an_effective_date_before_today_needs_a_confirmation_and_a_reason(
        client: FlaskClient, tokens: dict[str, str], extra: dict, refused_fields: list[str]) -> None:
    before = trail(client, tokens)
    resp = patch(client, tokens, {"effective_date": "2021-06-01", **extra})
    assert resp.status_code == 422, resp.json
    assert (resp.json["code"], sorted(resp.json["errors"])) == ("handover.effective_date_past", refused_fields)
    assert trail(client, tokens) == before


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param({"effective_date": "2021-06-01", "confirm_past": True, "note": "按决定施行日期补录"},
                     "按决定施行日期补录", id="confirmed-past"),
        pytest.param({"effective_date": "2099-12-31"}, None, id="future-needs-nothing"),
    ],
)
def test_a_confirmed_past_date_or_a_later_one_is_saved_with_its_reason(client: FlaskClient, tokens: dict[str, str],
                                                                      body: dict, reason: str | None) -> None:
    assert ok(patch(client, tokens, body))["effective_date"] == body["effective_date"]
    entry = audit_entries(client, tokens)[-1]
    assert (entry["reason"], [d["field"] for d in entry["diff"]]) == (reason, ["effective_date", "version"])


def test_a_past_date_already_set_needs_no_confirmation_to_change_other_terms(client: FlaskClient,
                                                                             tokens: dict[str, str]) -> None:
    ok(patch(client, tokens, {"effective_date": "2021-06-01", **BACKDATED}))
    assert ok(patch(client, tokens, {"scope": "经开区直管区域"}))["scope"] == "经开区直管区域"


# --- 3. fixed once handed over; a changed term withdraws both confirmations -------------------------------

@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("receiving_office", "new-office", 409),
        ("method", 3, 409),
        ("effective_date", "2021-07-01", 409),
        ("content", "只下放新办", 409),
        ("notes", "交接后补记: 已通知申请人", 200),
    ],
)
def test_terms_are_fixed_once_handed_over(client: FlaskClient, tokens: dict[str, str], field: str, value: Any,
                                          status: int) -> None:
    drive(client, tokens, WATER_POWER, "handed_over", ZONE_BODY)
    if value == "new-office":
        value = ok(client.post("/api/v1/departments", headers=bearer(tokens["admin"]),
                               json={"name": "经开区另一承接机构", "kind": "zone"}), 201)["id"]
    before = trail(client, tokens)
    resp = patch(client, tokens, {field: value})
    assert resp.status_code == status, resp.json
    if status == 409:
        assert list(resp.json["errors"]) == [field]
        assert trail(client, tokens) == before
    else:
        assert (resp.json[field], resp.json["status"]["code"]) == (value, "handed_over")


def test_changing_a_term_after_both_confirmations_withdraws_them(client: FlaskClient, tokens: dict[str, str]) -> None:
    in_progress(client, tokens)
    confirm_both(client, tokens, WATER_POWER)
    complete_checklist(client, tokens, WATER_POWER)

    # Notes are not a term: the confirmations stand.
    body = ok(patch(client, tokens, {"notes": "双方已确认"}))
    assert body["confirmations"]["handover"]["by"] == NAME["water"]
    assert body["confirmations"]["acceptance"]["by"] == NAME["zone"]

    body = ok(patch(client, tokens, {"effective_date": "2021-07-01", "note": "改期", "confirm_past": True}))
    assert body["confirmations"] == {"handover": None, "acceptance": None}
    assert body["status"]["code"] == "in_progress"
    event = history(client, tokens)[-1]
    assert (event["kind"], event["note"]) == ("update", "改期")
    withdrawn = audit_entries(client, tokens)[-1]["diff"]
    assert {(d["field"], d["after"]) for d in withdrawn} >= {("handed_over_by", None), ("accepted_by", None)}

    refused = client.post(f"{URL}/transitions", headers=bearer(tokens["zone"]), json={"to": "handed_over"})
    assert refused.status_code == 409
    assert [m["code"] for m in refused.json["missing"]] == ["confirmation.handover", "confirmation.acceptance"]

    confirm_both(client, tokens, WATER_POWER)
    done = step(client, tokens, WATER_POWER, "handed_over")
    assert (done["status"]["code"], done["effective_date"]) == ("handed_over", "2021-07-01")


# --- 4. two-sided confirmation ----------------------------------------------------------------------------

@pytest.mark.parametrize(("side", "who"), [("handover", "water"), ("acceptance", "zone")])
def test_each_side_confirms_for_itself(client: FlaskClient, tokens: dict[str, str], side: str, who: str) -> None:
    in_progress(client, tokens)
    with clock() as window:
        resp = confirm(client, tokens, who, side, evidence=EVIDENCE)
    assert resp.status_code == 200, resp.json
    given = resp.json["confirmations"]
    other = {"handover": "acceptance", "acceptance": "handover"}[side]
    assert given[other] is None
    assert given[side]["by"] == NAME[who]
    assert within(given[side]["at"], window)
    event = history(client, tokens)[-1]
    assert (event["kind"], event["detail"]["code"], event["actor"]["name"], event["evidence"]) == (
        "confirmation", side, NAME[who], EVIDENCE)


@pytest.mark.parametrize(
    ("side", "who"),
    [
        pytest.param("handover", "forestry", id="handover-by-another-department"),
        pytest.param("handover", "zone", id="handover-by-the-zone"),
        pytest.param("handover", "admin", id="handover-by-the-admin"),
        pytest.param("handover", "auditor", id="handover-by-the-auditor"),
        pytest.param("acceptance", "water", id="acceptance-by-the-department"),
        pytest.param("acceptance", "forestry", id="acceptance-by-another-department"),
        pytest.param("acceptance", "admin", id="acceptance-by-the-admin"),
    ],
)
def test_nobody_confirms_for_the_other_side(refusing: FlaskClient, tokens: dict[str, str], side: str,
                                            who: str) -> None:
    before = trail(refusing, tokens)
    resp = confirm(refusing, tokens, who, side, evidence=EVIDENCE)
    assert resp.status_code == 403, resp.json
    assert trail(refusing, tokens) == before
    assert handover(refusing, tokens, WATER_POWER)[0]["confirmations"] == {"handover": None, "acceptance": None}


def _pending_with_terms(client: FlaskClient, tokens: dict[str, str]) -> None:
    fix_terms(client, tokens, WATER_POWER, ZONE_BODY)


def _no_effective_date(client: FlaskClient, tokens: dict[str, str]) -> None:
    in_progress(client, tokens, effective_date=None)


def _already_confirmed(client: FlaskClient, tokens: dict[str, str]) -> None:
    in_progress(client, tokens)
    ok(confirm(client, tokens, "water", "handover"))


@pytest.mark.parametrize(
    ("prepare", "who", "side", "errors", "missing"),
    [
        pytest.param(_pending_with_terms, "water", "handover", None, [], id="not-in-progress"),
        pytest.param(_no_effective_date, "zone", "acceptance", ["effective_date"], ["effective_date"],
                     id="no-effective-date"),
        pytest.param(_already_confirmed, "water", "handover", ["side"], None, id="same-side-twice"),
    ],
)
def test_a_confirmation_out_of_turn_is_a_conflict(client: FlaskClient, tokens: dict[str, str], prepare, who: str,
                                                  side: str, errors: list[str] | None,
                                                  missing: list[str] | None) -> None:
    prepare(client, tokens)
    before = trail(client, tokens)
    resp = confirm(client, tokens, who, side)
    assert resp.status_code == 409, resp.json
    assert (list(resp.json["errors"]) if "errors" in resp.json else None) == errors
    assert ([m["code"] for m in resp.json["missing"]] if "missing" in resp.json else None) == missing
    assert trail(client, tokens) == before


# --- 5. the checklist -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("who", "body", "status", "errors"),
    [
        pytest.param("zone", {"item": "guidance", "done": True}, 422, {"evidence": ["required to mark an item done"]},
                     id="done-without-evidence"),
        pytest.param("zone", {"item": "guidance", "done": True, "evidence": {"date": "2021-05-20"}}, 422,
                     {"evidence": {"doc_number": ["give a document number or a link"]}},
                     id="evidence-without-doc-or-link"),
        pytest.param("zone", {"item": "guidance", "done": True, "evidence": {"link": "javascript:alert(1)"}}, 422,
                     {"evidence": {"link": ["must be an http or https link"]}}, id="javascript-link"),
        pytest.param("zone", {"item": "guidance", "done": True, "evidence": {"link": "ftp://example.org/a.pdf"}},
                     422, {"evidence": {"link": ["must be an http or https link"]}}, id="ftp-link"),
        pytest.param("zone", {"item": "guidance", "done": False}, 422, {"note": ["required to reopen an item"]},
                     id="reopen-without-note"),
        pytest.param("zone", {"item": "guidance", "done": False, "note": "  "}, 422, {"note": ["must not be blank"]},
                     id="reopen-with-blank-note"),
        pytest.param("zone", {"item": "training", "done": True, "evidence": EVIDENCE}, 422, None, id="unknown-item"),
        pytest.param("forestry", {"item": "guidance", "done": True, "evidence": EVIDENCE}, 403, None,
                     id="another-department"),
        pytest.param("auditor", {"item": "guidance", "done": True, "evidence": EVIDENCE}, 403, None, id="auditor"),
    ],
)
def test_a_refused_checklist_step_writes_nothing(refusing: FlaskClient, tokens: dict[str, str], who: str,
                                                 body: dict, status: int, errors: dict | None) -> None:
    before = trail(refusing, tokens)
    resp = tick(refusing, tokens, who, **body)
    assert resp.status_code == status, resp.json
    if errors is not None:
        assert resp.json["errors"] == errors
    elif status == 422:
        assert list(resp.json["errors"]) == ["item"]
    assert trail(refusing, tokens) == before


def test_checklist_items_record_who_when_and_evidence(client: FlaskClient, tokens: dict[str, str]) -> None:
    with clock() as first:
        body = ok(tick(client, tokens, "zone", item="guidance", done=True, evidence=EVIDENCE))
    guidance = body["checklist"][0]
    assert (guidance["item"]["code"], guidance["done"], guidance["done_by"], guidance["evidence"]) == (
        "guidance", True, NAME["zone"], EVIDENCE)
    assert within(guidance["done_at"], first)
    assert body["progress"] == 0.2

    with clock() as second:
        body = ok(tick(client, tokens, "water", item="supervision", done=True, evidence=LINK_EVIDENCE))
    supervision = body["checklist"][1]
    assert (supervision["done"], supervision["done_by"], supervision["evidence"]) == (True, NAME["water"],
                                                                                     LINK_EVIDENCE)
    assert within(supervision["done_at"], second)
    assert body["progress"] == 0.4
    assert [c["done"] for c in body["checklist"]] == [True, True, False, False, False]

    body = ok(tick(client, tokens, "zone", item="guidance", done=False, note="培训材料需更新"))
    assert body["checklist"][0] == {"item": {"code": "guidance", "label": "业务指导和培训"}, "done": False,
                                    "done_by": None, "done_at": None, "evidence": None, "note": "培训材料需更新"}
    assert body["checklist"][1] == supervision
    assert body["progress"] == 0.2
    assert [(e["kind"], e["detail"]["code"], e["note"]) for e in history(client, tokens)[1:]] == [
        ("checklist", "guidance", None), ("checklist", "supervision", None),
        ("checklist", "guidance", "培训材料需更新")]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"item": "guidance", "done": False, "note": "需补充培训"}, id="reopen"),
        pytest.param({"item": "files", "done": True, "evidence": LINK_EVIDENCE}, id="new-evidence"),
    ],
)
def test_the_checklist_closes_once_handed_over(client: FlaskClient, tokens: dict[str, str], body: dict) -> None:
    drive(client, tokens, WATER_POWER, "handed_over", ZONE_BODY)
    before = trail(client, tokens)
    resp = tick(client, tokens, "zone", **body)
    assert resp.status_code == 409, resp.json
    assert resp.json["allowed_next"] == ["operating", "recalled"]
    assert trail(client, tokens) == before
    assert handover(client, tokens, WATER_POWER)[0]["progress"] == 1.0


# --- 6. history -------------------------------------------------------------------------------------------

def test_history_lists_every_event_with_its_audit_entry(client: FlaskClient, tokens: dict[str, str]) -> None:
    publish_contact(client, tokens, ZONE_BODY)
    ok(patch(client, tokens, {"receiving_office": ZONE_BODY, "method": 1, "effective_date": "2021-06-01",
                              "note": "商定", "confirm_past": True}))
    step(client, tokens, WATER_POWER, "in_progress", note="开始交接", evidence=EVIDENCE)
    ok(confirm(client, tokens, "water", "handover", evidence=EVIDENCE))
    ok(confirm(client, tokens, "zone", "acceptance", note="同意承接"))
    for item in CHECKLIST:
        ok(tick(client, tokens, "zone", item=item, done=True, evidence=LINK_EVIDENCE))
    step(client, tokens, WATER_POWER, "handed_over")

    events = history(client, tokens)
    zone = (NAME["zone"], "zone")
    assert [(e["kind"], e["from"] and e["from"]["code"], e["to"] and e["to"]["code"],
             e["detail"] and e["detail"]["code"], (e["actor"]["name"], e["actor"]["role"]), e["note"], e["evidence"])
            for e in events] == [
        ("create", None, "pending", None, ("cli:root", "admin"), "载入渝府发〔2021〕13号附件（系统初始化）", None),
        ("update", None, None, None, zone, "商定", None),
        ("transition", "pending", "in_progress", None, zone, "开始交接", EVIDENCE),
        ("confirmation", None, None, "handover", (NAME["water"], "department"), None, EVIDENCE),
        ("confirmation", None, None, "acceptance", zone, "同意承接", None),
        *[("checklist", None, None, item, zone, None, LINK_EVIDENCE) for item in CHECKLIST],
        ("transition", "in_progress", "handed_over", None, zone, None, None),
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert events[-1]["effective_on"] == "2021-06-01"
    assert events[-1]["office"]["id"] == ZONE_BODY

    # One audit entry per event, the same write: same seq, moment, actor; the status after it matches.
    entries = audit_entries(client, tokens)
    assert [e["audit_seq"] for e in events] == [e["seq"] for e in entries]
    status_after = ["pending", "pending", *["in_progress"] * 8, "handed_over"]
    action = {"create": "create", "update": "update", "transition": "transition", "confirmation": "confirm",
              "checklist": "check"}
    for event, entry, status in zip(events, entries, status_after, strict=True):
        assert (entry["entity_type"], entry["entity_id"], entry["power_id"]) == (
            "handover", entries[0]["entity_id"], WATER_POWER)
        assert (entry["action"], entry["after"]["status"], entry["at"], entry["actor"]) == (
            action[event["kind"]], status, event["at"], event["actor"])


def test_history_of_an_unknown_power_is_404(reader: FlaskClient, tokens: dict[str, str]) -> None:
    assert reader.get("/api/v1/powers/999/handover/history", headers=bearer(tokens["zone"])).status_code == 404
    assert reader.get("/api/v1/powers/999/handover", headers=bearer(tokens["zone"])).status_code == 404


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("UPDATE handover_event SET note = 'rewritten' WHERE power_id = 38", id="update"),
        pytest.param("DELETE FROM handover_event WHERE power_id = 38", id="delete"),
        pytest.param("DELETE FROM handover_event", id="delete-all"),
    ],
)
def test_the_database_refuses_to_rewrite_history(refusing_app: Flask, refusing: FlaskClient,
                                                 tokens: dict[str, str], statement: str) -> None:
    before = history(refusing, tokens)
    assert [e["kind"] for e in before] == ["create", "update", "transition"]
    with pytest.raises(DBAPIError, match="append-only"), refusing_app.extensions["registry.engine"].begin() as conn:
        conn.execute(text(statement))
    assert history(refusing, tokens) == before


@pytest.mark.parametrize("field", ["receiving_office", "method"])
def test_an_item_in_progress_keeps_its_office_and_method(client: FlaskClient, tokens: dict[str, str],
                                                         field: str) -> None:
    drive(client, tokens, WATER_POWER, "in_progress", ZONE_BODY)
    before, etag = handover(client, tokens, WATER_POWER)
    resp = client.patch(f"/api/v1/powers/{WATER_POWER}/handover", json={field: None},
                        headers={**bearer(tokens["zone"]), "If-Match": etag})
    assert resp.status_code == 409, resp.get_data(as_text=True)
    assert [m["code"] for m in resp.json["missing"]] == [field]
    assert handover(client, tokens, WATER_POWER)[0] == before
