"""Who handles a power on a date: GET /api/v1/powers/{id}/handler?on=YYYY-MM-DD, on every backend.

This is the answer a citizen relies on ("where do I file this, on that day?"), so it is checked as a table
around each effective date: before any handover the city department answers; from the effective date of
a handover the receiving zone office answers (with its address, phone and hours); from a recall's date
the city answers again; a second handover after a restart names the new office from its own date; and
the past is answered as it stood then (the first office still answers for mid-2021). A partial item is
answered per part: the devolved part follows the handover, the retained part stays with the city.

One database per backend is driven through the workflow stage by stage (module fixture ``timeline``);
after each stage the handler is asked about every date of the table, and each row asserts one answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from registry.domain.workdays import today_in_china
from tests.conftest import Databases, bearer, dispose, make_app
from tests.handover_steps import PARTIAL_POWER, WATER_POWER, drive, ok, step, zone_office

PROBLEM = "application/problem+json"
ANNEX = {p["seq"]: p for p in json.loads(
    (Path(__file__).parent.parent / "seed" / "annex.json").read_text("utf-8"))["powers"]}
FUTURE_POWER = 39  # 市水利局: handed over with an effective date still ahead
CITY = {  # the seeded city departments, as the handler shows an office
    WATER_POWER: {"id": 3, "name": "市水利局", "kind": {"code": "city", "label": "市级指导(实施)部门"},
                  "address": None, "phone": None, "hours": None},
    PARTIAL_POWER: {"id": 6, "name": "市林业局", "kind": {"code": "city", "label": "市级指导(实施)部门"},
                    "address": None, "phone": None, "hours": None},
}
CITY[FUTURE_POWER] = CITY[WATER_POWER]
STATUS = {"pending": "待交接", "handed_over": "已交接", "recalled": "已收回"}
# The stages the timeline database goes through, in order.
STAGES = ("seed", "handed_over", "recalled", "restarted", "second")
TODAY = "today"  # resolved to Beijing's date when the fixture asks; None means: no ``on`` parameter at all

# (stage, power, on, [(part, office, by_zone, since)], next_change, next_office, status)
# office: "city" (the power's guiding department), "first" or "second" (the zone offices of the handovers).
CASES: list[tuple[str, int, str | None, list[tuple[str, str, bool, str | None]], str | None, str | None, str]] = [
    # Before anything: the city department, never the zone, with no date since which.
    ("seed", WATER_POWER, "2021-05-31", [("whole", "city", False, None)], None, None, "pending"),
    ("seed", WATER_POWER, "2021-06-01", [("whole", "city", False, None)], None, None, "pending"),
    ("seed", WATER_POWER, None, [("whole", "city", False, None)], None, None, "pending"),
    # Handed over with effective date 2021-06-01.
    ("handed_over", WATER_POWER, "2021-05-31", [("whole", "city", False, None)], "2021-06-01", "first",
     "handed_over"),
    ("handed_over", WATER_POWER, "2021-06-01", [("whole", "first", True, "2021-06-01")], None, None, "handed_over"),
    ("handed_over", WATER_POWER, "2021-12-31", [("whole", "first", True, "2021-06-01")], None, None, "handed_over"),
    ("handed_over", WATER_POWER, TODAY, [("whole", "first", True, "2021-06-01")], None, None, "handed_over"),
    ("handed_over", WATER_POWER, "2100-12-31", [("whole", "first", True, "2021-06-01")], None, None, "handed_over"),
    # Handed over, effective date ahead: the city today and up to the day before, the zone from that day.
    ("handed_over", FUTURE_POWER, TODAY, [("whole", "city", False, None)], "2030-01-01", "first", "handed_over"),
    ("handed_over", FUTURE_POWER, None, [("whole", "city", False, None)], "2030-01-01", "first", "handed_over"),
    ("handed_over", FUTURE_POWER, "2029-12-31", [("whole", "city", False, None)], "2030-01-01", "first",
     "handed_over"),
    ("handed_over", FUTURE_POWER, "2030-01-01", [("whole", "first", True, "2030-01-01")], None, None, "handed_over"),
    # Partial item: only the devolved part moves.
    ("seed", PARTIAL_POWER, "2021-06-01", [("devolved", "city", False, None), ("retained", "city", False, None)],
     None, None, "pending"),
    ("handed_over", PARTIAL_POWER, "2021-05-31",
     [("devolved", "city", False, None), ("retained", "city", False, None)], "2021-06-01", "first", "handed_over"),
    ("handed_over", PARTIAL_POWER, "2021-06-01",
     [("devolved", "first", True, "2021-06-01"), ("retained", "city", False, None)], None, None, "handed_over"),
    ("handed_over", PARTIAL_POWER, TODAY,
     [("devolved", "first", True, "2021-06-01"), ("retained", "city", False, None)], None, None, "handed_over"),
    # Recalled with effective date 2022-01-01: the zone up to the day before, the city from that day.
    ("recalled", WATER_POWER, "2021-05-31", [("whole", "city", False, None)], "2021-06-01", "first", "recalled"),
    ("recalled", WATER_POWER, "2021-06-01", [("whole", "first", True, "2021-06-01")], "2022-01-01", "city",
     "recalled"),
    ("recalled", WATER_POWER, "2021-12-31", [("whole", "first", True, "2021-06-01")], "2022-01-01", "city",
     "recalled"),
    ("recalled", WATER_POWER, "2022-01-01", [("whole", "city", False, "2022-01-01")], None, None, "recalled"),
    ("recalled", WATER_POWER, TODAY, [("whole", "city", False, "2022-01-01")], None, None, "recalled"),
    # Restarted (recalled → pending): the history stays as it was.
    # A handover called off before its effective date (recalled today): the zone never handles it.
    ("recalled", FUTURE_POWER, TODAY, [("whole", "city", False, None)], None, None, "recalled"),
    ("recalled", FUTURE_POWER, "2030-01-01", [("whole", "city", False, None)], None, None, "recalled"),
    ("recalled", FUTURE_POWER, "2031-06-01", [("whole", "city", False, None)], None, None, "recalled"),
    ("restarted", WATER_POWER, "2021-07-01", [("whole", "first", True, "2021-06-01")], "2022-01-01", "city",
     "pending"),
    ("restarted", WATER_POWER, "2022-06-01", [("whole", "city", False, "2022-01-01")], None, None, "pending"),
    # A second handover to a new office, effective 2023-01-01.
    ("second", WATER_POWER, "2021-05-31", [("whole", "city", False, None)], "2021-06-01", "first", "handed_over"),
    # next_change is the next day another office takes over: from the first office, the recall comes first.
    ("second", WATER_POWER, "2021-07-01", [("whole", "first", True, "2021-06-01")], "2022-01-01", "city",
     "handed_over"),
    ("second", WATER_POWER, "2022-01-01", [("whole", "city", False, "2022-01-01")], "2023-01-01", "second",
     "handed_over"),
    ("second", WATER_POWER, "2022-06-01", [("whole", "city", False, "2022-01-01")], "2023-01-01", "second",
     "handed_over"),
    ("second", WATER_POWER, "2022-12-31", [("whole", "city", False, "2022-01-01")], "2023-01-01", "second",
     "handed_over"),
    ("second", WATER_POWER, "2023-01-01", [("whole", "second", True, "2023-01-01")], None, None, "handed_over"),
    ("second", WATER_POWER, TODAY, [("whole", "second", True, "2023-01-01")], None, None, "handed_over"),
]


def _ask(client: FlaskClient, power: int, on: str | None) -> dict:
    query = {} if on is None else {"on": today_in_china().isoformat() if on == TODAY else on}
    resp = client.get(f"/api/v1/powers/{power}/handler", query_string=query)  # public: no token
    return ok(resp)


@pytest.fixture(scope="module")
def timeline(databases: Databases) -> Iterator[dict[str, Any]]:
    """Drive one database through STAGES; after each, record the handler's answer for every CASES row."""
    app = make_app(databases.seeded())
    client, tokens = app.test_client(), databases.staff_tokens()
    answers: dict[tuple[str, int, str | None], dict] = {}
    offices: dict[str, dict] = {}

    def record(stage: str) -> None:
        for case_stage, power, on, *_ in CASES:
            if case_stage == stage:
                answers[(stage, power, on)] = _ask(client, power, on)

    try:
        record("seed")
        offices["first"] = zone_office(client, tokens)
        drive(client, tokens, WATER_POWER, "handed_over", offices["first"]["id"], "2021-06-01")
        drive(client, tokens, PARTIAL_POWER, "handed_over", offices["first"]["id"], "2021-06-01")
        drive(client, tokens, FUTURE_POWER, "handed_over", offices["first"]["id"], "2030-01-01")
        record("handed_over")
        # Going live needs the effective date reached: asked while 2030-01-01 is still ahead.
        refused = client.post(f"/api/v1/powers/{FUTURE_POWER}/handover/transitions",
                              headers=bearer(tokens["zone"]), json={"to": "operating"})
        operating = (refused.status_code, refused.json, _ask(client, FUTURE_POWER, TODAY)["status"]["code"])
        step(client, tokens, WATER_POWER, "recalled", effective_date="2022-01-01", note="收回: 测试")
        step(client, tokens, FUTURE_POWER, "recalled", note="撤回: 生效前收回")  # recalled today, before 2030
        record("recalled")
        step(client, tokens, WATER_POWER, "pending", note="重新交接: 测试")
        record("restarted")
        offices["second"] = zone_office(client, tokens, "重庆经开区第二承接机构")
        drive(client, tokens, WATER_POWER, "handed_over", offices["second"]["id"], "2023-01-01")
        record("second")
        yield {"answers": answers, "offices": offices, "operating": operating}
    finally:
        dispose(app)


def _case_id(case: tuple) -> str:
    stage, power, on, *_ = case
    return f"{stage}-{power}-{on or 'default'}"


def _cases() -> list[Any]:
    return [pytest.param(*case, id=_case_id(case)) for case in CASES]


@pytest.mark.parametrize(("stage", "power", "on", "parts", "next_change", "next_office", "status"), _cases())
def test_handler_on_date(timeline: dict[str, Any], stage: str, power: int, on: str | None,
                         parts: list[tuple[str, str, bool, str | None]], next_change: str | None,
                         next_office: str | None, status: str) -> None:
    answer = timeline["answers"][(stage, power, on)]
    # An office nested in an answer carries no version (that belongs to the office's own resource).
    office = {"city": CITY[power], **{k: {f: v for f, v in o.items() if f != "version"}
                                      for k, o in timeline["offices"].items()}}
    expected_on = today_in_china().isoformat() if on in (None, TODAY) else on
    assert answer["on"] == expected_on
    assert answer["power"] == {"id": power, "seq": power, "name": ANNEX[power]["name"],
                               "department": {"id": CITY[power]["id"], "name": CITY[power]["name"]}}
    assert answer["status"] == {"code": status, "label": STATUS[status]}
    assert [(p["part"], p["office"], p["by_zone"], p["since"]) for p in answer["parts"]] == [
        (part, office[who], by_zone, since) for part, who, by_zone, since in parts]
    assert answer["next_change"] == next_change
    assert answer["next_office"] == (None if next_office is None else office[next_office])


def test_zone_office_comes_with_contact_details(timeline: dict[str, Any]) -> None:
    """The office a citizen is sent to carries the address, phone and hours it was created with."""
    part = timeline["answers"][("handed_over", WATER_POWER, "2021-06-01")]["parts"][0]
    assert {k: part["office"][k] for k in ("name", "address", "phone", "hours")} == {
        "name": "重庆经开区行政审批局", "address": "重庆市南岸区经开区某路1号", "phone": "023-00000000",
        "hours": "工作日 9:00-17:00"}
    assert part["office"]["kind"] == {"code": "zone", "label": "经开区承接机构"}


@pytest.mark.parametrize("stage", ["seed", "handed_over"])
def test_partial_item_parts_are_described_as_in_the_annex(timeline: dict[str, Any], stage: str) -> None:
    annex = ANNEX[PARTIAL_POWER]
    assert annex["partial"] is True
    parts = timeline["answers"][(stage, PARTIAL_POWER, "2021-06-01" if stage == "seed" else TODAY)]["parts"]
    assert [(p["part"], p["description"]) for p in parts] == [
        ("devolved", annex["devolved_part"]), ("retained", annex["retained_part"])]


def test_whole_item_has_no_part_description(timeline: dict[str, Any]) -> None:
    assert [p["description"] for p in timeline["answers"][("seed", WATER_POWER, None)]["parts"]] == [None]


def test_future_effective_date_cannot_operate_yet(timeline: dict[str, Any]) -> None:
    """Going live needs the effective date reached: 2030-01-01 is ahead, so the item stays handed over."""
    status, body, after = timeline["operating"]
    assert status == 409, body
    assert [m["code"] for m in body["missing"]] == ["effective_date"]
    assert after == "handed_over"


@pytest.mark.parametrize("on", ["2021-13-01", "today", "1999-01-01", "2101-01-01", "2021-02-30", "2021-6-1x", ""])
def test_bad_date_is_422(reader: FlaskClient, on: str) -> None:
    resp = reader.get(f"/api/v1/powers/{WATER_POWER}/handler", query_string={"on": on})
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == PROBLEM
    assert list(resp.json["errors"]) == ["on"]


@pytest.mark.parametrize(("path", "status"), [
    ("/api/v1/powers/999/handler", 404),
    ("/api/v1/powers/104/handler?on=2021-06-01", 404),
    ("/api/v1/powers/0/handler", 404),
])
def test_unknown_power(reader: FlaskClient, path: str, status: int) -> None:
    resp = reader.get(path)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == PROBLEM


def test_unknown_query_parameter_is_422(reader: FlaskClient) -> None:
    resp = reader.get(f"/api/v1/powers/{WATER_POWER}/handler", query_string={"date": "2021-06-01"})
    assert resp.status_code == 422, resp.json
    assert list(resp.json["errors"]) == ["date"]
