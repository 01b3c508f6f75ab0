"""The whole transition table through the HTTP API, on both databases.

For every one of the 7 × 7 ordered pairs (from, to), power 38 (取水许可, 市水利局) is brought to ``from``
through the API the way users would; where the table allows the step, every precondition of ``to`` is
then met, and the transition is taken by a role allowed to take it (the owning department recalls, the
zone does the rest). An allowed step must answer 200 and leave exactly one audit entry and one history
event; a step the table forbids must answer 409 naming the allowed next states and write nothing.
A second table takes allowed steps whose preconditions are not met and checks the exact ``missing`` codes.

Runtime: an allowed step writes, so it gets a fresh database; the forbidden steps from one state share one
database where power 38 was driven there once (they must not write, and each checks that it did not).

The expected table is written out here by hand, independently of ``registry.domain.handover``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry.domain.workdays import today_in_china
from tests.conftest import Databases, bearer, dispose, make_app
from tests.handover_steps import (
    CHECKLIST,
    EVIDENCE,
    WATER_POWER,
    complete_checklist,
    confirm_both,
    drive,
    fix_terms,
    handover,
    ok,
    zone_office,
)

STATES = ("pending", "in_progress", "awaiting_authorisation", "handed_over", "operating", "suspended", "recalled")
LABELS = dict(zip(STATES, ("待交接", "交接中", "待法定授权", "已交接", "已运行", "暂缓", "已收回"), strict=True))
# Row: the current state; the targets it may step to, in the order of STATES (= the enum order).
NEXT: dict[str, list[str]] = {
    "pending": ["in_progress", "awaiting_authorisation", "suspended"],
    "in_progress": ["awaiting_authorisation", "handed_over", "suspended"],
    "awaiting_authorisation": ["in_progress", "suspended"],
    "handed_over": ["operating", "recalled"],
    "operating": ["recalled"],
    "suspended": ["pending", "in_progress"],
    "recalled": ["pending"],
}
PAIRS = [(current, target) for current in STATES for target in STATES]
AUTHORISATION = {"doc_number": "渝府令第345号", "date": "2021-05-28"}
NOTE = "按计划推进"
EFFECTIVE = "2021-06-01"  # the effective date drive() sets unless told otherwise
OFFICE = "重庆经开区行政审批局"  # the name zone_office() gives


# --- setup vocabulary: each brings one precondition about, through the API -----------------------------------

def patch(client: FlaskClient, tokens: dict[str, str], body: dict) -> dict:
    _, etag = handover(client, tokens, WATER_POWER)
    return ok(client.patch(f"/api/v1/powers/{WATER_POWER}/handover",
                           headers={**bearer(tokens["zone"]), "If-Match": etag}, json=body))


def terms(client, tokens, office_id):
    fix_terms(client, tokens, WATER_POWER, office_id)


def needs_authorisation(client, tokens, office_id):
    patch(client, tokens, {"authorisation_needed": True, "legal_basis": "《中华人民共和国行政许可法》"})


def authorisation(client, tokens, office_id):
    patch(client, tokens, {"authorisation": AUTHORISATION})


def both_confirmations(client, tokens, office_id):
    confirm_both(client, tokens, WATER_POWER)


def handover_confirmation(client, tokens, office_id):
    ok(client.post(f"/api/v1/powers/{WATER_POWER}/handover/confirmations", headers=bearer(tokens["water"]),
                   json={"side": "handover", "evidence": EVIDENCE}))


def checklist(client, tokens, office_id):
    complete_checklist(client, tokens, WATER_POWER)


def office_without_phone(client, tokens, office_id):
    resp = client.get(f"/api/v1/departments/{office_id}", headers=bearer(tokens["admin"]))
    ok(client.patch(f"/api/v1/departments/{office_id}", json={"phone": None, "reason": "电话停用"},
                    headers={**bearer(tokens["admin"]), "If-Match": resp.headers.get("ETag", "*")}))


def checklist_but_files(client, tokens, office_id):
    for item in CHECKLIST:
        if item != "files":
            ok(client.post(f"/api/v1/powers/{WATER_POWER}/handover/checklist", headers=bearer(tokens["zone"]),
                           json={"item": item, "done": True, "evidence": EVIDENCE}))


Setup = Callable[[FlaskClient, dict[str, str], int], None]
# What makes every precondition of each target hold, from any state that may step to it.
PREPARE: dict[str, tuple[Setup, ...]] = {
    "pending": (),
    "in_progress": (terms,),  # plus the authorisation, when the item needs one (see prepare())
    "awaiting_authorisation": (needs_authorisation,),
    "handed_over": (both_confirmations, checklist),
    "operating": (),  # drive() sets the effective date to 2021-06-01, long reached
    "suspended": (),
    "recalled": (),
}


def who(target: str) -> str:
    return "water" if target == "recalled" else "zone"


def prepare(client: FlaskClient, tokens: dict[str, str], office_id: int, target: str) -> None:
    for setup in PREPARE[target]:
        setup(client, tokens, office_id)
    if target == "in_progress" and handover(client, tokens, WATER_POWER)[0]["authorisation_needed"]:
        authorisation(client, tokens, office_id)


def trail(client: FlaskClient, tokens: dict[str, str]) -> tuple[dict, list[dict], dict]:
    """The handover's newest audit entry (with the total), its history (oldest first) and the handover itself."""
    audit = ok(client.get(f"/api/v1/audit?entity_type=handover&power={WATER_POWER}&per_page=1",
                          headers=bearer(tokens["auditor"])))
    history = ok(client.get(f"/api/v1/powers/{WATER_POWER}/handover/history", headers=bearer(tokens["zone"])))
    return audit, history, handover(client, tokens, WATER_POWER)[0]


def move(client: FlaskClient, tokens: dict[str, str], target: str, note: str | None = NOTE):
    body = {"to": target} | ({} if note is None else {"note": note})
    return client.post(f"/api/v1/powers/{WATER_POWER}/handover/transitions", headers=bearer(tokens[who(target)]),
                       json=body)


def start(client: FlaskClient, tokens: dict[str, str], current: str, effective_date: str = EFFECTIVE) -> int:
    office_id = zone_office(client, tokens)["id"]
    assert drive(client, tokens, WATER_POWER, current, office_id, effective_date)["status"]["code"] == current
    return office_id


def assert_nothing_written(client: FlaskClient, tokens: dict[str, str], before: tuple[dict, list[dict], dict]) -> None:
    audit, history, now = trail(client, tokens)
    assert audit["total"] == before[0]["total"]
    assert len(history) == len(before[1])
    assert (now["status"], now["version"]) == (before[2]["status"], before[2]["version"])


# --- the 49 pairs ---------------------------------------------------------------------------------------------

def test_the_expected_table_has_fourteen_steps_and_no_loops() -> None:
    assert sum(map(len, NEXT.values())) == 14
    assert all(current not in targets for current, targets in NEXT.items())
    assert all(targets == [s for s in STATES if s in targets] for targets in NEXT.values())


@pytest.fixture(scope="module")
def driven(databases: Databases) -> Iterator[Callable[[str], FlaskClient]]:
    """A client on a database where power 38 is already in a given state, one database per state.

    Only for the steps the table forbids: they must write nothing (each test checks it), so the tests from
    one state share its database instead of each driving a fresh one there.
    """
    apps: dict[str, Flask] = {}
    tokens = databases.staff_tokens()

    def client_in(state: str) -> FlaskClient:
        if state not in apps:
            apps[state] = make_app(databases.seeded())
            start(apps[state].test_client(), tokens, state)
        return apps[state].test_client()

    yield client_in
    for app in apps.values():
        dispose(app)


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_transition(request: pytest.FixtureRequest, driven: Callable[[str], FlaskClient], tokens: dict[str, str],
                    current: str, target: str) -> None:
    allowed = target in NEXT[current]
    if allowed:
        client = request.getfixturevalue("client")  # a step writes: a fresh database of its own
        office_id = start(client, tokens, current)
        prepare(client, tokens, office_id, target)
    else:
        client = driven(current)
    before = trail(client, tokens)
    assert before[2]["status"]["code"] == current
    assert {n["to"]["code"]: n["ready"] for n in before[2]["next"]}.get(target) is (True if allowed else None)

    resp = move(client, tokens, target)

    if allowed:
        body = ok(resp)
        assert body["status"] == {"code": target, "label": LABELS[target]}
        assert body["version"] == before[2]["version"] + 1
        assert resp.headers["ETag"]
        audit, history, now = trail(client, tokens)
        assert now["status"]["code"] == target
        assert audit["total"] == before[0]["total"] + 1
        entry = audit["items"][0]
        assert (entry["entity_type"], entry["action"], entry["entity_id"], entry["power_id"]) == (
            "handover", "transition", WATER_POWER, WATER_POWER)
        assert (entry["before"]["status"], entry["after"]["status"]) == (current, target)
        assert entry["reason"] == NOTE
        assert entry["actor"]["role"] == ("department" if target == "recalled" else "zone")
        assert len(history) == len(before[1]) + 1
        event = history[-1]
        assert event["kind"] == "transition"
        assert (event["from"]["code"], event["to"]["code"]) == (current, target)
        assert (event["note"], event["audit_seq"]) == (NOTE, entry["seq"])
        assert event["effective_on"] == {"handed_over": EFFECTIVE,
                                         "recalled": today_in_china().isoformat()}.get(target)
        assert event["office"] == ({"id": office_id, "name": OFFICE} if target == "handed_over" else None)
        assert [n["to"]["code"] for n in body["next"]] == NEXT[target]
        if current == "recalled":  # a new handover after a recall starts from scratch
            assert (now["effective_date"], now["recalled_on"]) == (None, None)
            assert now["confirmations"] == {"handover": None, "acceptance": None}
            assert [c["done"] for c in now["checklist"]] == [False] * 5
    else:
        assert resp.status_code == 409, resp.get_data(as_text=True)
        assert resp.mimetype == "application/problem+json"
        problem = resp.json
        assert problem["allowed_next"] == NEXT[current]
        assert problem["missing"] == []
        assert "errors" not in problem
        assert problem["detail"] == f"{LABELS[current]} → {LABELS[target]} is not a step of the workflow"
        assert_nothing_written(client, tokens, before)


@pytest.mark.parametrize("state", STATES)
def test_staying_in_the_same_state_is_not_a_step(driven: Callable[[str], FlaskClient], tokens: dict[str, str],
                                                 state: str) -> None:
    client = driven(state)
    before = trail(client, tokens)
    resp = move(client, tokens, state, note="重新开始")
    assert resp.status_code == 409
    assert resp.json["allowed_next"] == NEXT[state]
    assert resp.json["detail"] == f"{LABELS[state]} → {LABELS[state]} is not a step of the workflow"
    assert_nothing_written(client, tokens, before)


# --- allowed steps whose preconditions are not met ------------------------------------------------------------

ALL_CHECKS = [f"checklist.{item}" for item in CHECKLIST]
NOT_READY = [
    # (from, to, effective date for drive(), setups before the step, the step's note, expected missing codes)
    ("pending", "in_progress", EFFECTIVE, (), NOTE, ["receiving_office", "method"]),
    ("pending", "in_progress", EFFECTIVE, (terms, needs_authorisation), NOTE, ["authorisation"]),
    ("pending", "awaiting_authorisation", EFFECTIVE, (), NOTE, ["authorisation_needed"]),
    ("pending", "suspended", EFFECTIVE, (), None, ["reason"]),
    ("in_progress", "awaiting_authorisation", EFFECTIVE, (), NOTE, ["authorisation_needed"]),
    ("in_progress", "handed_over", EFFECTIVE, (), NOTE,
     ["confirmation.handover", "confirmation.acceptance", *ALL_CHECKS]),
    ("in_progress", "handed_over", EFFECTIVE, (both_confirmations, checklist_but_files), NOTE,
     ["checklist.files"]),
    ("in_progress", "handed_over", EFFECTIVE, (handover_confirmation, checklist), NOTE,
     ["confirmation.acceptance"]),
    ("in_progress", "handed_over", EFFECTIVE, (needs_authorisation, both_confirmations, checklist), NOTE,
     ["authorisation"]),
    ("in_progress", "handed_over", EFFECTIVE, (office_without_phone, both_confirmations, checklist), NOTE,
     ["receiving_office.contact"]),
    ("in_progress", "suspended", EFFECTIVE, (), None, ["reason"]),
    ("awaiting_authorisation", "in_progress", EFFECTIVE, (), NOTE, ["receiving_office", "method", "authorisation"]),
    ("awaiting_authorisation", "in_progress", EFFECTIVE, (terms,), NOTE, ["authorisation"]),
    ("handed_over", "operating", "2099-12-31", (), NOTE, ["effective_date"]),
    ("handed_over", "recalled", EFFECTIVE, (), None, ["reason"]),
    ("operating", "recalled", EFFECTIVE, (), None, ["reason"]),
    ("suspended", "pending", EFFECTIVE, (), None, ["reason"]),
    ("suspended", "in_progress", EFFECTIVE, (), NOTE, ["receiving_office", "method"]),
    ("recalled", "pending", EFFECTIVE, (), None, ["reason"]),
]


@pytest.mark.parametrize(("current", "target", "effective", "setups", "note", "expected"), NOT_READY,
                         ids=[f"{c}-{t}-{'+'.join(s.__name__ for s in su) or 'bare'}-{'note' if n else 'nonote'}"
                              f"{'' if e == EFFECTIVE else '-effective' + e}" for c, t, e, su, n, _ in NOT_READY])
def test_missing_preconditions(request: pytest.FixtureRequest, driven: Callable[[str], FlaskClient],
                               tokens: dict[str, str], current: str, target: str, effective: str,
                               setups: tuple[Setup, ...], note: str | None, expected: list[str]) -> None:
    assert target in NEXT[current]
    if setups or effective != EFFECTIVE:
        client = request.getfixturevalue("client")
        office_id = start(client, tokens, current, effective)
        for setup in setups:
            setup(client, tokens, office_id)
    else:  # nothing to set up, and a refused step writes nothing: the shared database of that state
        client = driven(current)
    before = trail(client, tokens)
    # The handover's own list of next steps already said so (it takes the reason as given).
    step = next(n for n in before[2]["next"] if n["to"]["code"] == target)
    assert [m["code"] for m in step["missing"]] == [c for c in expected if c != "reason"]
    assert step["ready"] is (expected == ["reason"])
    assert step["needs_reason"] is (target in ("pending", "suspended", "recalled"))

    resp = move(client, tokens, target, note)

    assert resp.status_code == 409, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    problem = resp.json
    assert [m["code"] for m in problem["missing"]] == expected
    assert all(m["message"] for m in problem["missing"])
    assert sorted(problem["errors"]) == sorted(expected)
    assert problem["allowed_next"] == NEXT[current]
    assert problem["detail"] == f"{LABELS[current]} → {LABELS[target]} is not possible yet"
    assert_nothing_written(client, tokens, before)
