"""Shared steps for the handover tests: open a zone office, fix the terms, and drive a power to any state.

Every step goes through the public API as the role the workflow names, and asserts it succeeded, so a
test that starts "from handed_over" got there the way a real user would.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import bearer

# Power 38 (取水许可) belongs to 市水利局 ("water"); power 100 is a partial item of 市林业局 ("forestry").
WATER_POWER = 38
PARTIAL_POWER = 100
EVIDENCE = {"doc_number": "渝水函〔2021〕1号", "date": "2021-05-20"}
CHECKLIST = ("guidance", "supervision", "files", "system_access", "list_updated")
# A path through the workflow to each state, from pending.
PATHS = {
    "pending": [],
    "in_progress": ["in_progress"],
    "awaiting_authorisation": ["awaiting_authorisation"],
    "handed_over": ["in_progress", "handed_over"],
    "operating": ["in_progress", "handed_over", "operating"],
    "suspended": ["suspended"],
    "recalled": ["in_progress", "handed_over", "recalled"],
}
OWNER = {38: "water", 100: "forestry"}
# What a terms change setting an effective date before today must add: the confirmation and its reason.
BACKDATED = {"confirm_past": True, "note": "补录已生效的交接条件"}


def ok(resp, status: int = 200):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    return resp.json


def zone_office(client: FlaskClient, tokens: dict[str, str], name: str = "重庆经开区行政审批局") -> dict:
    """Create a zone office with contact details (as the admin)."""
    return ok(client.post("/api/v1/departments", headers=bearer(tokens["admin"]), json={
        "name": name, "kind": "zone", "address": "重庆市南岸区经开区某路1号", "phone": "023-00000000",
        "hours": "工作日 9:00-17:00"}), 201)


def handover(client: FlaskClient, tokens: dict[str, str], power_id: int) -> tuple[dict, str]:
    resp = client.get(f"/api/v1/powers/{power_id}/handover", headers=bearer(tokens["admin"]))
    return ok(resp), resp.headers["ETag"]


def fix_terms(client: FlaskClient, tokens: dict[str, str], power_id: int, office_id: int,
              effective_date: str = "2021-06-01", **extra) -> dict:
    """Name the office and method and set the effective date (as the zone), confirming a date before today."""
    _, etag = handover(client, tokens, power_id)
    return ok(client.patch(f"/api/v1/powers/{power_id}/handover", headers={**bearer(tokens["zone"]), "If-Match": etag},
                           json={"receiving_office": office_id, "method": 1, "effective_date": effective_date,
                                 **BACKDATED, **extra}))


def confirm_both(client: FlaskClient, tokens: dict[str, str], power_id: int) -> None:
    owner = OWNER.get(power_id, "water")
    ok(client.post(f"/api/v1/powers/{power_id}/handover/confirmations", headers=bearer(tokens[owner]),
                   json={"side": "handover", "evidence": EVIDENCE}))
    ok(client.post(f"/api/v1/powers/{power_id}/handover/confirmations", headers=bearer(tokens["zone"]),
                   json={"side": "acceptance"}))


def publish_contact(client: FlaskClient, tokens: dict[str, str], office_id: int) -> None:
    """Give the office a phone and an address if it has none (the seeded offices ship without): an item is handed
    over only to an office citizens can reach (as the admin)."""
    resp = client.get(f"/api/v1/departments/{office_id}", headers=bearer(tokens["admin"]))
    office = ok(resp)
    if not (office["phone"] and office["address"]):
        ok(client.patch(f"/api/v1/departments/{office_id}", json={
            "phone": "023-11111111", "address": "重庆经开区某路2号", "reason": "公布联系方式"},
            headers={**bearer(tokens["admin"]), "If-Match": resp.headers.get("ETag", "*")}))


def complete_checklist(client: FlaskClient, tokens: dict[str, str], power_id: int) -> None:
    for item in CHECKLIST:
        ok(client.post(f"/api/v1/powers/{power_id}/handover/checklist", headers=bearer(tokens["zone"]),
                       json={"item": item, "done": True, "evidence": EVIDENCE}))


def step(client: FlaskClient, tokens: dict[str, str], power_id: int, to: str, **body) -> dict:
    """One transition as the role allowed to take it (the owning department recalls; the zone does the rest)."""
    who = OWNER.get(power_id, "water") if to == "recalled" else "zone"
    if to in ("suspended", "recalled", "pending"):
        body.setdefault("note", "测试")
    return ok(client.post(f"/api/v1/powers/{power_id}/handover/transitions", headers=bearer(tokens[who]),
                          json={"to": to, **body}))


def drive(client: FlaskClient, tokens: dict[str, str], power_id: int, target: str, office_id: int,
          effective_date: str = "2021-06-01") -> dict:
    """Bring a pending power to ``target`` through the API, preparing whatever each step needs."""
    current = handover(client, tokens, power_id)[0]
    assert current["status"]["code"] == "pending", current["status"]
    if target == "awaiting_authorisation":
        _, etag = handover(client, tokens, power_id)
        ok(client.patch(f"/api/v1/powers/{power_id}/handover", headers={**bearer(tokens["zone"]), "If-Match": etag},
                        json={"authorisation_needed": True, "legal_basis": "《中华人民共和国行政许可法》"}))
    if "in_progress" in PATHS[target]:
        fix_terms(client, tokens, power_id, office_id, effective_date)
    for to in PATHS[target]:
        if to == "handed_over":
            publish_contact(client, tokens, office_id)
            confirm_both(client, tokens, power_id)
            complete_checklist(client, tokens, power_id)
        current = step(client, tokens, power_id, to)
    return current
