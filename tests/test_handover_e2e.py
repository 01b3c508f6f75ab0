"""End to end: one power walked from pending to operating through the API by the roles the decision names,
then its history, its audit trail and `registry audit verify`; and verify catching a handover edited behind
the application's back.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.conftest import bearer, cli, invoke
from tests.handover_steps import CHECKLIST, EVIDENCE, WATER_POWER, ok, zone_office

HANDOVER = f"/api/v1/powers/{WATER_POWER}/handover"
# (who, method, path suffix, body): the whole walk, in order, as each side would do it.
WALK = [
    ("zone", "PATCH", "", {"receiving_office": "office", "method": 1, "planned_date": "2021-06-30",
                           "legal_basis": "《重庆市人民政府关于向重庆经济技术开发区下放部分市级行政权力事项的决定》",
                           "note": "确定承接部门和移交方式"}),
    ("zone", "POST", "/transitions", {"to": "in_progress", "note": "开始交接"}),
    ("water", "PATCH", "", {"effective_date": "2021-06-01", "confirm_past": True, "note": "按决定施行日期生效"}),
    ("water", "POST", "/checklist", {"item": "guidance", "done": True, "evidence": EVIDENCE, "note": "培训两次"}),
    ("water", "POST", "/checklist", {"item": "supervision", "done": True, "evidence": EVIDENCE}),
    ("water", "POST", "/checklist", {"item": "files", "done": True, "evidence": EVIDENCE}),
    ("zone", "POST", "/checklist", {"item": "system_access", "done": True,
                                    "evidence": {"link": "https://zwfw.cq.gov.cn/"}}),
    ("zone", "POST", "/checklist", {"item": "list_updated", "done": True, "evidence": EVIDENCE}),
    ("water", "POST", "/confirmations", {"side": "handover", "evidence": EVIDENCE, "note": "市水利局确认移交"}),
    ("zone", "POST", "/confirmations", {"side": "acceptance", "note": "经开区确认承接"}),
    ("zone", "POST", "/transitions", {"to": "handed_over", "evidence": EVIDENCE}),
    ("zone", "POST", "/transitions", {"to": "operating"}),
]
EXPECTED_ACTIONS = ["create", "update", "transition", "update"] + ["check"] * 5 + ["confirm"] * 2 + ["transition"] * 2


@pytest.fixture
def walked(app: Flask, client: FlaskClient, tokens: dict[str, str]) -> dict:
    office = zone_office(client, tokens)
    etag = client.get(HANDOVER, headers=bearer(tokens["zone"])).headers["ETag"]
    for who, method, suffix, body in WALK:
        body = {k: (office["id"] if v == "office" else v) for k, v in body.items()}
        headers = {**bearer(tokens[who]), "X-Request-ID": f"walk-{len(suffix)}-{who}"}
        if method == "PATCH":
            headers["If-Match"] = etag
        resp = client.open(f"{HANDOVER}{suffix}", method=method, json=body, headers=headers)
        ok(resp)
        etag = resp.headers["ETag"]
    return office


def test_the_walk_ends_operating_with_the_zone_office_in_charge(walked: dict, client: FlaskClient,
                                                                tokens: dict[str, str]) -> None:
    record = ok(client.get(HANDOVER, headers=bearer(tokens["auditor"])))
    assert record["status"]["code"] == "operating"
    assert record["progress"] == 1.0
    assert [c["item"]["code"] for c in record["checklist"] if c["done"]] == list(CHECKLIST)
    assert record["confirmations"]["handover"]["by"] == "水利局甲"
    assert record["confirmations"]["acceptance"]["by"] == "经开区甲"
    assert [s["to"]["code"] for s in record["next"]] == ["recalled"]
    handler = ok(client.get(f"/api/v1/powers/{WATER_POWER}/handler", query_string={"on": "2021-06-01"}))
    assert [(p["part"], p["office"]["name"], p["since"]) for p in handler["parts"]] == [
        ("whole", walked["name"], "2021-06-01")]
    before = ok(client.get(f"/api/v1/powers/{WATER_POWER}/handler", query_string={"on": "2021-05-31"}))
    assert before["parts"][0]["office"]["name"] == "市水利局"


def test_history_and_trail_tell_the_same_story(walked: dict, client: FlaskClient, tokens: dict[str, str]) -> None:
    history = ok(client.get(f"{HANDOVER}/history", headers=bearer(tokens["auditor"])))
    trail = ok(client.get("/api/v1/audit", headers=bearer(tokens["auditor"]),
                          query_string={"entity_type": "handover", "power": WATER_POWER, "per_page": 100}))["items"]
    trail.reverse()  # the audit API lists newest first
    assert [e["action"] for e in trail] == EXPECTED_ACTIONS
    assert [e["kind"] for e in history] == ["create", "update", "transition", "update"] + ["checklist"] * 5 + [
        "confirmation"] * 2 + ["transition"] * 2
    # Each event is tied to the audit entry of the same write, and agrees with it.
    assert [e["audit_seq"] for e in history] == [e["seq"] for e in trail]
    for event, entry in zip(history, trail, strict=True):
        assert event["at"] == entry["at"]
        assert event["actor"]["name"] == entry["actor"]["name"]
        if event["to"]:
            assert entry["after"]["status"] == event["to"]["code"]
    transitions = [(e["from"]["code"], e["to"]["code"]) for e in history if e["kind"] == "transition"]
    assert transitions == [("pending", "in_progress"), ("in_progress", "handed_over"), ("handed_over", "operating")]
    handed = next(e for e in history if e["to"] and e["to"]["code"] == "handed_over")
    assert (handed["effective_on"], handed["office"]["id"], handed["evidence"]) == (
        "2021-06-01", walked["id"], EVIDENCE)
    diff = {d["field"]: d["label"] for d in trail[1]["diff"]}
    assert diff["receiving_office"] == "承接部门" and diff["method"] == "移交方式"
    public = ok(client.get("/api/v1/events", query_string={"power": WATER_POWER}))
    assert [e["id"] for e in public] == [e["id"] for e in history]


def test_verify_passes_after_the_walk(walked: dict, app: Flask) -> None:
    assert "intact" in cli(app, "audit", "verify").lower()


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("UPDATE handover SET status = 'operating' WHERE power_id = 39", "replay"),
        ("UPDATE handover_check SET done = TRUE WHERE handover_id = (SELECT id FROM handover WHERE power_id = 39)"
         " AND item = 'files'", "replay"),
        ("UPDATE handover_method SET name = '伪造方式' WHERE id = 2", "replay"),
    ],
    ids=["status-edited", "checklist-ticked", "method-renamed"],
)
def test_verify_catches_a_handover_edited_outside_the_application(walked: dict, app: Flask, sql: str,
                                                                  kind: str) -> None:
    with app.extensions["registry.engine"].begin() as conn:
        conn.execute(text(sql))
    result = invoke(app, "audit", "verify")
    assert result.exit_code == 1, result.output
    assert kind in result.output
