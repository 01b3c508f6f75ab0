"""One step for many powers at once: POST /api/v1/handovers/bulk, on every backend.

A department clearing its checklist for a batch of items, or the zone starting a batch of handovers, must
get all of them or none: a refusal for one power leaves every other power exactly as it was (status,
version, audit trail, history), and names the power that failed with what it lacks. A success writes one
audit entry and one history event per power, each tied to its own power, as single steps would. The
request itself is validated before anything is looked at (unknown, duplicate, too few or too many powers,
an op without what it needs), and only the roles that may take the step may send it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import bearer
from tests.handover_steps import EVIDENCE, drive, fix_terms, ok, zone_office

PROBLEM = "application/problem+json"
BULK = "/api/v1/handovers/bulk"
A, B, C = 38, 39, 40  # powers of 市水利局
FORESTRY_POWER = 100
CHECK_GUIDANCE = {"op": "checklist", "item": "guidance", "done": True, "evidence": EVIDENCE}
# The module's ``refusals`` database: each test that might (wrongly) write there uses an item of its own.
CHECK_SUPERVISION = {**CHECK_GUIDANCE, "item": "supervision"}
CHECK_FILES = {**CHECK_GUIDANCE, "item": "files"}


def audit_total(client: FlaskClient, tokens: dict[str, str], **params: Any) -> int:
    return ok(client.get("/api/v1/audit", query_string={"per_page": 1, **params},
                         headers=bearer(tokens["auditor"])))["total"]


def history(client: FlaskClient, tokens: dict[str, str], power: int) -> list[dict]:
    return ok(client.get(f"/api/v1/powers/{power}/handover/history", headers=bearer(tokens["auditor"])))


def state(client: FlaskClient, tokens: dict[str, str], powers: list[int]) -> dict[str, Any]:
    """Everything a refused bulk request must leave alone."""
    out: dict[str, Any] = {"audit": audit_total(client, tokens)}
    for power in powers:
        resp = client.get(f"/api/v1/powers/{power}/handover", headers=bearer(tokens["admin"]))
        h = ok(resp)
        out[power] = {"etag": resp.headers["ETag"], "version": h["version"], "status": h["status"]["code"],
                      "checklist": [c["done"] for c in h["checklist"]], "updated_at": h["updated_at"],
                      "history": len(history(client, tokens, power))}
    return out


def test_checklist_for_three_powers(client: FlaskClient, tokens: dict[str, str]) -> None:
    powers = [A, B, C]
    before = state(client, tokens, powers)
    resp = client.post(BULK, headers=bearer(tokens["water"]), json={"powers": powers, **CHECK_GUIDANCE})
    done = ok(resp)
    assert [h["power"]["id"] for h in done] == powers
    for h in done:
        guidance = next(c for c in h["checklist"] if c["item"]["code"] == "guidance")
        assert (guidance["done"], guidance["done_by"], guidance["evidence"]) == (True, "水利局甲", EVIDENCE)
        assert [c["done"] for c in h["checklist"]] == [True, False, False, False, False]
        assert h["version"] == before[h["power"]["id"]]["version"] + 1
        assert h["status"]["code"] == "pending"

    # Exactly three new audit entries, one per power, each a check by the department user.
    assert audit_total(client, tokens) == before["audit"] + 3
    newest = ok(client.get("/api/v1/audit", query_string={"per_page": 3}, headers=bearer(tokens["auditor"])))
    entries = sorted(newest["items"], key=lambda e: e["power_id"])
    assert [(e["power_id"], e["entity_type"], e["action"], e["actor"]["name"]) for e in entries] == [
        (p, "handover", "check", "水利局甲") for p in powers]
    assert len({e["seq"] for e in entries}) == 3

    # One history event per power, tied to that power's audit entry.
    for power, entry in zip(powers, entries, strict=True):
        events = history(client, tokens, power)
        assert len(events) == before[power]["history"] + 1
        last = events[-1]
        assert (last["power"]["id"], last["kind"], last["detail"]["code"], last["evidence"], last["audit_seq"]) == (
            power, "checklist", "guidance", EVIDENCE, entry["seq"])


def test_all_or_nothing_when_one_power_lacks_terms(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    fix_terms(client, tokens, A, office["id"])
    fix_terms(client, tokens, C, office["id"])  # B has no receiving office and no method
    powers = [A, B, C]
    before = state(client, tokens, powers)
    resp = client.post(BULK, headers=bearer(tokens["zone"]),
                       json={"powers": powers, "op": "transition", "to": "in_progress", "note": "批量启动"})
    assert resp.status_code == 409, resp.json
    assert resp.mimetype == PROBLEM
    body = resp.json
    assert [f["power"] for f in body["failures"]] == [B]
    failure = body["failures"][0]
    assert [m["code"] for m in failure["missing"]] == ["receiving_office", "method"]
    assert failure["allowed_next"] == ["in_progress", "awaiting_authorisation", "suspended"]
    assert sorted(failure["errors"]) == ["method", "receiving_office"]
    assert list(body["errors"]) == [f"powers.{B}"]
    assert state(client, tokens, powers) == before  # A and C were moved, then rolled back

    # With B's terms fixed the same request takes all three.
    fix_terms(client, tokens, B, office["id"])
    audit_before = audit_total(client, tokens)
    moved = ok(client.post(BULK, headers=bearer(tokens["zone"]),
                           json={"powers": powers, "op": "transition", "to": "in_progress", "note": "批量启动"}))
    assert [(h["power"]["id"], h["status"]["code"]) for h in moved] == [(p, "in_progress") for p in powers]
    assert audit_total(client, tokens) == audit_before + 3
    assert [history(client, tokens, p)[-1]["to"]["code"] for p in powers] == ["in_progress"] * 3


@pytest.mark.parametrize("order", [[A, B, FORESTRY_POWER], [FORESTRY_POWER, A, B], [A, FORESTRY_POWER, B]])
def test_other_departments_power_refuses_everything(refusals: FlaskClient, tokens: dict[str, str],
                                                    order: list[int]) -> None:
    """市水利局 may not touch a 市林业局 power: 403, and the water powers before it are rolled back too."""
    before = state(refusals, tokens, order)
    assert before[A]["checklist"][1] is False, "supervision still open, so the step would change A"
    resp = refusals.post(BULK, headers=bearer(tokens["water"]), json={"powers": order, **CHECK_SUPERVISION})
    assert resp.status_code == 403, resp.json
    assert resp.mimetype == PROBLEM
    assert state(refusals, tokens, order) == before


TOO_MANY = list(range(1, 202))  # 201 distinct, existing-looking ids

# (who, body, status, the fields errors must name)
REFUSED = [
    ("water", {"powers": [A, 9999, 104], **CHECK_GUIDANCE}, 422, ["powers"]),
    ("water", {"powers": [A, B, A], **CHECK_GUIDANCE}, 422, ["powers"]),
    ("zone", {"powers": [A, B], "op": "transition"}, 422, ["to"]),
    ("zone", {"powers": [A, B], "op": "transition", "to": "finished"}, 422, ["to"]),
    ("water", {"powers": [A], "op": "checklist", "done": True, "evidence": EVIDENCE}, 422, ["item"]),
    ("water", {"powers": [A], "op": "checklist", "item": "guidance", "evidence": EVIDENCE}, 422, ["done"]),
    ("water", {"powers": [], **CHECK_GUIDANCE}, 422, ["powers"]),
    ("admin", {"powers": TOO_MANY, **CHECK_GUIDANCE}, 422, ["powers"]),
    ("water", {"powers": [A, "39"], **CHECK_GUIDANCE}, 422, ["powers"]),
    ("water", {"powers": [A, 0], **CHECK_GUIDANCE}, 422, ["powers"]),
    ("water", {**CHECK_GUIDANCE}, 422, ["powers"]),
    ("water", {"powers": [A], "op": "delete"}, 422, ["op"]),
    ("water", {"powers": [A], "op": "checklist", "item": "guidance", "done": True, "evidence": EVIDENCE,
               "colour": "red"}, 422, ["colour"]),
    ("auditor", {"powers": [A], **CHECK_GUIDANCE}, 403, None),
    (None, {"powers": [A], **CHECK_GUIDANCE}, 401, None),
]


@pytest.mark.parametrize(("who", "body", "status", "fields"), REFUSED,
                         ids=[f"{r[0]}-{r[2]}-{'+'.join(r[3] or [])}-{i}" for i, r in enumerate(REFUSED)])
def test_refused_request_changes_nothing(refusals: FlaskClient, tokens: dict[str, str], who: str | None,
                                         body: dict, status: int, fields: list[str] | None) -> None:
    before = state(refusals, tokens, [A, B])
    resp = refusals.post(BULK, headers=bearer(tokens[who]) if who else {}, json=body)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == PROBLEM
    if fields is not None:
        assert sorted(resp.json["errors"]) == fields
    assert state(refusals, tokens, [A, B]) == before


# Request-level mistakes are 422 before any power is looked at, as on the single-power endpoints; a field of
# the other op would be silently ignored, so it is refused too.
MISTAKES = [
    pytest.param({"op": "transition", "to": "suspended", "note": "暂缓", "effective_date": "2021-06-01"},
                 "effective_date", id="effective_date-not-a-recall"),
    pytest.param({"op": "checklist", "item": "guidance", "done": True}, "evidence", id="done-without-evidence"),
    pytest.param({"op": "checklist", "item": "guidance", "done": False}, "note", id="reopen-without-note"),
    pytest.param({**CHECK_FILES, "to": "operating"}, "to", id="to-with-checklist"),
    pytest.param({"op": "transition", "to": "suspended", "note": "暂缓", "item": "files"}, "item",
                 id="item-with-transition"),
]


@pytest.mark.parametrize(("body", "field"), MISTAKES)
def test_request_level_mistake_is_422(refusals: FlaskClient, tokens: dict[str, str], body: dict,
                                     field: str) -> None:
    before = state(refusals, tokens, [A, B])
    resp = refusals.post(BULK, headers=bearer(tokens["water"]), json={"powers": [A, B], **body})
    assert resp.status_code == 422, resp.json
    assert list(resp.json["errors"]) == [field]
    assert state(refusals, tokens, [A, B]) == before


# --- terms, several checklist items with one evidence record, confirmations ---------------------------------

D = 41  # another power of 市水利局, driven to handed_over where a test needs one whose terms and checklist are closed
FORESTRY_POWERS = [100, 101]


def audit_of(client: FlaskClient, tokens: dict[str, str], power: int, action: str) -> list[dict]:
    return ok(client.get("/api/v1/audit", query_string={"power": power, "action": action, "per_page": 100},
                         headers=bearer(tokens["auditor"])))["items"]


def test_terms_for_three_powers_each_audited(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    powers = [A, B, C]
    terms = {"receiving_office": office["id"], "method": 1, "planned_date": "2021-07-01",
             "effective_date": "2021-06-01"}
    before = state(client, tokens, powers)
    done = ok(client.post(BULK, headers=bearer(tokens["zone"]),
                          json={"powers": powers, "op": "terms", "terms": terms, "note": "统一商定交接条件",
                                "confirm_past": True}))
    assert [(h["power"]["id"], h["receiving_office"]["id"], h["method"]["id"], h["planned_date"],
             h["effective_date"]) for h in done] == [(p, office["id"], 1, "2021-07-01", "2021-06-01") for p in powers]
    assert audit_total(client, tokens) == before["audit"] + 3
    for power in powers:
        [entry] = audit_of(client, tokens, power, "update")
        assert (entry["actor"]["name"], entry["reason"]) == ("经开区甲", "统一商定交接条件")
        assert history(client, tokens, power)[-1]["kind"] == "update"


def test_terms_all_or_nothing_when_one_power_has_fixed_terms(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, D, "handed_over", office["id"])
    powers = [A, D, B]
    before = state(client, tokens, powers)
    resp = client.post(BULK, headers=bearer(tokens["zone"]),
                       json={"powers": powers, "op": "terms", "terms": {"effective_date": "2021-08-01"},
                             "confirm_past": True, "note": "补录"})
    assert resp.status_code == 409, resp.json
    assert resp.mimetype == PROBLEM
    assert (resp.json["code"], [f["power"] for f in resp.json["failures"]]) == ("bulk.refused", [D])
    assert resp.json["failures"][0]["code"] == "handover.terms_fixed"
    assert list(resp.json["errors"]) == [f"powers.{D}"]
    assert state(client, tokens, powers) == before


def test_several_checklist_items_with_one_evidence_record(client: FlaskClient, tokens: dict[str, str]) -> None:
    powers = [A, B]
    items = ["guidance", "files", "list_updated"]
    before = state(client, tokens, powers)
    done = ok(client.post(BULK, headers=bearer(tokens["water"]), json={
        "powers": powers, "op": "checklist", "items": items, "done": True, "evidence": EVIDENCE, "note": "集中培训"}))
    for h in done:
        ticked = {c["item"]["code"]: c for c in h["checklist"] if c["done"]}
        assert sorted(ticked) == sorted(items)
        assert {c["evidence"]["doc_number"] for c in ticked.values()} == {EVIDENCE["doc_number"]}
    # One audit entry and one history event per power per item.
    assert audit_total(client, tokens) == before["audit"] + 6
    for power in powers:
        assert len(audit_of(client, tokens, power, "check")) == 3
        events = history(client, tokens, power)[-3:]
        assert [(e["detail"]["code"], e["evidence"], e["note"]) for e in events] == [
            (i, EVIDENCE, "集中培训") for i in items]


def test_checklist_all_or_nothing_when_one_checklist_is_closed(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    drive(client, tokens, D, "handed_over", office["id"])
    powers = [A, B, D]
    before = state(client, tokens, powers)
    resp = client.post(BULK, headers=bearer(tokens["zone"]), json={
        "powers": powers, "op": "checklist", "items": ["guidance", "files"], "done": True, "evidence": EVIDENCE})
    assert resp.status_code == 409, resp.json
    assert [(f["power"], f["code"]) for f in resp.json["failures"]] == [(D, "checklist.closed")]
    assert state(client, tokens, powers) == before


def test_each_side_confirms_in_bulk_only_for_itself(client: FlaskClient, tokens: dict[str, str]) -> None:
    office = zone_office(client, tokens)
    powers = [A, B]
    for power in powers:
        fix_terms(client, tokens, power, office["id"])
    ok(client.post(BULK, headers=bearer(tokens["zone"]),
                   json={"powers": powers, "op": "transition", "to": "in_progress"}))
    refused = client.post(BULK, headers=bearer(tokens["water"]),
                          json={"powers": powers, "op": "confirmation", "side": "acceptance"})
    assert refused.status_code == 403, refused.json
    assert sorted(refused.json["errors"]) == [f"powers.{p}" for p in powers]
    before = audit_total(client, tokens)
    for who, side in (("water", "handover"), ("zone", "acceptance")):
        ok(client.post(BULK, headers=bearer(tokens[who]),
                       json={"powers": powers, "op": "confirmation", "side": side, "evidence": EVIDENCE}))
    assert audit_total(client, tokens) == before + 4
    for power in powers:
        h = ok(client.get(f"/api/v1/powers/{power}/handover", headers=bearer(tokens["admin"])))
        confirmed = h["confirmations"]
        assert (confirmed["handover"]["by"], confirmed["acceptance"]["by"]) == ("水利局甲", "经开区甲")
        entries = reversed(audit_of(client, tokens, power, "confirm"))
        assert [e["actor"]["name"] for e in entries] == ["水利局甲", "经开区甲"]


@pytest.mark.parametrize("body", [
    pytest.param({"op": "terms", "terms": {"effective_date": "2021-06-01"}}, id="terms"),
    pytest.param({"op": "checklist", "items": ["guidance", "files"], "done": True, "evidence": EVIDENCE},
                 id="checklist"),
    pytest.param({"op": "confirmation", "side": "handover"}, id="confirmation"),
    pytest.param({"op": "transition", "to": "suspended", "note": "暂缓"}, id="transition"),
])
def test_every_power_of_another_department_is_named(refusals: FlaskClient, tokens: dict[str, str],
                                                   body: dict) -> None:
    """市水利局 sending two 市林业局 powers among its own: 403 naming both, and nothing changed."""
    powers = [A, *FORESTRY_POWERS, B]
    before = state(refusals, tokens, powers)
    resp = refusals.post(BULK, headers=bearer(tokens["water"]), json={"powers": powers, **body})
    assert resp.status_code == 403, resp.json
    assert resp.mimetype == PROBLEM
    assert resp.json["code"] == "bulk.forbidden"
    assert sorted(resp.json["errors"]) == [f"powers.{p}" for p in FORESTRY_POWERS]
    assert [(f["power"], f["code"]) for f in resp.json["failures"]] == [
        (p, "access.other_department") for p in FORESTRY_POWERS]
    assert state(refusals, tokens, powers) == before


NEW_OP_MISTAKES = [
    pytest.param({"op": "terms"}, ["terms"], id="terms-missing"),
    pytest.param({"op": "terms", "terms": {}}, ["terms"], id="terms-empty"),
    pytest.param({"op": "terms", "terms": {"receiving_office": "3"}}, ["terms"], id="office-not-an-integer"),
    pytest.param({"op": "terms", "terms": {"planned_date": "2021-07-01", "planned_in": {
        "from": "2021-06-01", "days": 10, "kind": "calendar"}}}, ["terms"], id="planned-twice"),
    pytest.param({"op": "terms", "terms": {"method": 1}, "to": "in_progress"}, ["to"], id="to-with-terms"),
    pytest.param({"op": "terms", "terms": {"method": 1}, "evidence": EVIDENCE}, ["evidence"], id="evidence-with-terms"),
    pytest.param({**CHECK_GUIDANCE, "items": ["files"]}, ["items"], id="item-and-items"),
    pytest.param({"op": "checklist", "items": ["files", "files"], "done": True, "evidence": EVIDENCE}, ["items"],
                 id="items-twice"),
    pytest.param({"op": "checklist", "items": [], "done": True, "evidence": EVIDENCE}, ["items"], id="items-empty"),
    pytest.param({"op": "checklist", "items": ["files"], "done": True}, ["evidence"], id="items-without-evidence"),
    pytest.param({"op": "confirmation"}, ["side"], id="side-missing"),
    pytest.param({"op": "confirmation", "side": "both"}, ["side"], id="side-unknown"),
    pytest.param({"op": "confirmation", "side": "handover", "terms": {"method": 1}}, ["terms"],
                 id="terms-with-confirmation"),
    pytest.param({**CHECK_FILES, "side": "handover"}, ["side"], id="side-with-checklist"),
]


@pytest.mark.parametrize(("body", "fields"), NEW_OP_MISTAKES)
def test_new_ops_are_schema_checked(refusals: FlaskClient, tokens: dict[str, str], body: dict,
                                    fields: list[str]) -> None:
    before = state(refusals, tokens, [A, B])
    resp = refusals.post(BULK, headers=bearer(tokens["water"]), json={"powers": [A, B], **body})
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == PROBLEM
    assert sorted(resp.json["errors"]) == fields
    assert state(refusals, tokens, [A, B]) == before


def test_terms_with_a_past_effective_date_need_confirming(client: FlaskClient, tokens: dict[str, str]) -> None:
    powers = [A, B]
    before = state(client, tokens, powers)
    resp = client.post(BULK, headers=bearer(tokens["zone"]),
                       json={"powers": powers, "op": "terms", "terms": {"effective_date": "2021-06-01"}})
    assert resp.status_code == 409, resp.json
    assert {f["code"] for f in resp.json["failures"]} == {"handover.effective_date_past"}
    assert state(client, tokens, powers) == before
