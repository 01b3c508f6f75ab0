"""Every operation of the OpenAPI document, fuzzed as the admin, answers as documented and never with a 5xx.

Also a hand-picked list of nasty inputs, each of which must be a clean 4xx problem that leaks nothing.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import TestResponse

from tests.conftest import make_app

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
PROBLEM_JSON = "application/problem+json"
# Examples per operation and generation mode (derandomized, so every run tries the same ones). The fuzz was a
# quarter of the suite's time at 200; the hand-picked nasty inputs below keep what it once found.
MAX_EXAMPLES = 120
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite", "/work/", "/usr/", "/home/", "/tmp/", "site-packages", ".py")


# The document does not depend on the database, so it is loaded once, at collection, from an app whose
# engine never connects; each generated test then calls a fresh seeded app of its backend.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", make_app("sqlite://"))
SEEDED_POWERS, SEEDED_DEPARTMENTS, SEEDED_METHODS = 103, 7, 5  # methods stay when retired (the list hides them)
VERSIONED = {("PATCH", "/api/v1/powers/{power_id}"), ("POST", "/api/v1/powers/{power_id}/retire"),
             ("POST", "/api/v1/powers/{power_id}/restore")}
# Other versioned writes, and where their current ETag is read.
ETAG_FROM = {("PATCH", "/api/v1/departments/{department_id}"): "/api/v1/departments/{department_id}",
             ("PATCH", "/api/v1/handover-methods/{method_id}"): "/api/v1/handover-methods/{method_id}",
             ("POST", "/api/v1/users/{user_id}/disable"): "/api/v1/users/{user_id}",
             ("POST", "/api/v1/users/{user_id}/enable"): "/api/v1/users/{user_id}",
             ("PUT", "/api/v1/calendar/years/{year}"): "/api/v1/calendar/years/{year}"}
# The seeded staff are users 1..5 with tokens 1..5; user 1 and token 1 are the admin's own, which the fuzzer
# must not disable or revoke halfway through.
SPARE_STAFF = (2, 3, 4, 5)


def _aim_at_real_rows(case: schemathesis.Case, client: FlaskClient, admin: dict[str, str]) -> None:
    """Point a valid write at an existing row, with its current ETag, and at a real guiding department and
    decision, so the fuzzer reaches the 2xx paths rather than a 404, 412 or 422 almost every time."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if isinstance(case.body, dict) and isinstance(case.body.get("department"), int):
        cities = [d["id"] for d in client.get("/api/v1/departments").json if d["kind"]["code"] == "city"]
        case.body["department"] = cities[case.body["department"] % len(cities)]
        if "decision" in case.body:
            case.body["decision"] = 1
    for name in ("user_id", "token_id"):
        if name in (case.path_parameters or {}) and isinstance(case.path_parameters[name], int):
            case.path_parameters[name] = SPARE_STAFF[case.path_parameters[name] % len(SPARE_STAFF)]
    for name, seeded in (("department_id", SEEDED_DEPARTMENTS), ("method_id", SEEDED_METHODS)):
        if isinstance((case.path_parameters or {}).get(name), int):
            case.path_parameters[name] = 1 + case.path_parameters[name] % seeded
    read = ETAG_FROM.get((case.method.upper(), case.path))
    if read is not None:
        current = client.get(read.format(**case.path_parameters), headers=admin)
        if "ETag" in current.headers:
            case.headers = {**(case.headers or {}), "If-Match": current.headers["ETag"]}
    if (case.method.upper(), case.path) not in VERSIONED:
        return
    power_id = 1 + int(case.path_parameters["power_id"]) % SEEDED_POWERS
    case.path_parameters["power_id"] = power_id
    current = client.get(f"/api/v1/powers/{power_id}")
    etag = current.headers["ETag"]
    if case.path.endswith("/restore") and not current.json["retired"]:
        etag = client.post(f"/api/v1/powers/{power_id}/retire", json={"reason": "fuzz"},
                           headers=admin | {"If-Match": etag}).headers["ETag"]
    case.headers = {**(case.headers or {}), "If-Match": etag}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_as_admin(case: schemathesis.Case, app: Flask, admin_headers: dict[str, str]) -> None:
    _aim_at_real_rows(case, app.test_client(), admin_headers)
    case.call_and_validate(headers=admin_headers, checks=CHECKS, app=app)


def _assert_clean_problem(resp: TestResponse) -> None:
    """A 4xx application/problem+json that names no internals."""
    body = resp.get_data(as_text=True)
    assert 400 <= resp.status_code < 500, (resp.status_code, body)
    assert resp.mimetype == PROBLEM_JSON, resp.mimetype
    problem = resp.get_json()
    assert problem["status"] == resp.status_code
    for leak in LEAKS:
        assert leak.lower() not in body.lower(), (leak, body)


HUGE = "99999999999999999999"
# A lone surrogate cannot cross HTTP as text: a lax client sends its CESU/WTF-8 bytes, percent-encoded.
LONE_SURROGATE = "%ED%A0%80"
NASTY_READS = [
    pytest.param(f"/api/v1/powers/{HUGE}", id="huge-id"),
    pytest.param(f"/api/v1/powers/{2**63}", id="id-2**63"),
    pytest.param(f"/api/v1/powers/{2**31}", id="id-2**31"),
    pytest.param(f"/api/v1/powers/{'9' * 5000}", id="id-5000-digits"),
    pytest.param("/api/v1/powers/-1", id="negative-id"),
    pytest.param("/api/v1/powers?q=a%00b", id="q-nul"),
    pytest.param("/api/v1/powers?q=%00", id="q-only-nul"),
    pytest.param("/api/v1/powers?q=%1B%5B2J", id="q-escape-sequence"),
    pytest.param(f"/api/v1/powers?q={LONE_SURROGATE}", id="q-lone-surrogate"),
    pytest.param(f"/api/v1/powers?q=a{LONE_SURROGATE}b", id="q-lone-surrogate-inside"),
    pytest.param("/api/v1/powers?q=%FF%FE", id="q-not-utf8"),
    pytest.param("/api/v1/powers?q=%F0%9F", id="q-truncated-utf8"),
    pytest.param("/api/v1/powers?q=" + "x" * 101, id="q-too-long"),
    pytest.param("/api/v1/powers?q=", id="q-empty"),
    pytest.param(f"/api/v1/powers?department={HUGE}", id="department-huge"),
    pytest.param("/api/v1/powers?department=%C2%B2", id="department-superscript-digit"),
    pytest.param("/api/v1/powers?department=%00", id="department-nul"),
    pytest.param(f"/api/v1/powers?decision={HUGE}", id="decision-huge"),
    pytest.param(f"/api/v1/powers?decision={LONE_SURROGATE}", id="decision-lone-surrogate"),
    pytest.param(f"/api/v1/powers?page={HUGE}", id="page-huge"),
    pytest.param("/api/v1/powers?page=1e3", id="page-float"),
    pytest.param("/api/v1/powers?per_page=-1", id="per-page-negative"),
    pytest.param("/api/v1/powers?partial=maybe", id="partial-not-bool"),
    pytest.param("/api/v1/powers?type=nope", id="type-unknown"),
    pytest.param("/api/v1/powers?sort=id;drop%20table%20power", id="sort-injection"),
    pytest.param("/api/v1/powers?nope=1", id="unknown-param"),
    pytest.param("/api/v1/powers?%00=1", id="param-name-nul"),
    pytest.param(f"/api/v1/powers/export.csv?decision={HUGE}", id="export-csv-decision-huge"),
    pytest.param("/api/v1/powers/export.csv?decision=%00", id="export-csv-decision-nul"),
    pytest.param(f"/api/v1/powers/export.json?decision={LONE_SURROGATE}", id="export-json-lone-surrogate"),
    pytest.param("/api/v1/powers/export.json?layout=pivot", id="export-json-layout"),
    pytest.param("/api/v1/powers/1?as_of=2021-01-01T00:00:00", id="as-of-naive"),
    pytest.param("/api/v1/powers/1?as_of=yesterday", id="as-of-words"),
    pytest.param("/api/v1/powers/1?as_of=99999-01-01T00:00:00Z", id="as-of-year-99999"),
    pytest.param("/api/v1/powers/1?as_of=%00", id="as-of-nul"),
    pytest.param("/api/v1/audit?since=2021-01-01", id="audit-since-date-only"),
    pytest.param("/api/v1/audit?field=%22name%22", id="audit-field-quoted"),
    pytest.param("/api/v1/audit?field=name%25", id="audit-field-wildcard"),
    pytest.param("/api/v1/audit?actor=%00", id="audit-actor-nul"),
    pytest.param(f"/api/v1/audit?power={HUGE}", id="audit-power-huge"),
    pytest.param("/api/v1/audit?action=drop", id="audit-action-unknown"),
    pytest.param("/api/v1/audit?entity_type=password", id="audit-entity-type-unknown"),
    pytest.param(f"/api/v1/audit?page={HUGE}", id="audit-page-huge"),
    pytest.param("/api/v1/audit/export.csv?page=2", id="audit-export-paged"),
    pytest.param("/api/v1/security-events?kind=everything", id="events-kind-unknown"),
    pytest.param(f"/api/v1/users/{HUGE}/tokens", id="user-tokens-huge-id"),
]


@pytest.mark.parametrize("url", NASTY_READS)
def test_nasty_reads(client: FlaskClient, admin_headers: dict[str, str], url: str) -> None:
    _assert_clean_problem(client.get(url, headers=admin_headers))


@pytest.mark.parametrize("actor", [HUGE, str(2**31), "²", "١٢"], ids=["huge", "2**31", "superscript", "arabic-indic"])
def test_actor_filters_that_name_nobody(reader: FlaskClient, admin_headers: dict[str, str], actor: str) -> None:
    """An actor that is no user's id or name is a valid filter that matches nothing, never a database error."""
    resp = reader.get("/api/v1/audit", query_string={"actor": actor}, headers=admin_headers)
    assert (resp.status_code, resp.json["total"]) == (200, 0)


NON_OBJECTS = [pytest.param(raw, id=raw.decode()) for raw in (b"[]", b"[1, 2]", b'"power"', b"42", b"1.5", b"true",
                                                            b"null")]
WRONG_TYPES = {
    "seq": ["1", 1.5, True, None, [], {}, 10**30],
    "name": [1, True, None, [], {}, "", " ", "a\x00b"],
    "sub_items": ["x", 1, None, {}, [1], [""], [None]],
    "type": [1, None, [], {}, "nope"],
    "level": [1, None, [], {}, "nope"],
    "department": ["1", 1.5, None, [], {}, 0, 10**30],
    "note": [1, True, [], {}, "", "a\x00b"],
    "partial": ["maybe", 2, [], {}],
    "devolved_part": [1, [], {}, ""],
    "retained_part": [1, [], {}, ""],
    "decision": ["1", 1.5, None, [], {}, 0, 10**30],
}
VALID_CREATE = {"decision": 1, "seq": 900, "name": "测试事项", "type": "licensing", "level": "city",
                "department": 1, "reason": "fuzz"}
# The same, as JSON text without its closing brace, for values only raw JSON can carry.
CREATE_TEXT = ('{"decision": 1, "seq": 900, "name": "x", "type": "licensing", "level": "city", "department": 1, '
               '"reason": "fuzz"')
WRONG_FIELDS = [pytest.param(k, v, id=f"{k}={v!r}") for k, vs in WRONG_TYPES.items() for v in vs]


def _etag(client: FlaskClient, power_id: int) -> str:
    return client.get(f"/api/v1/powers/{power_id}").headers["ETag"]


def _post(client: FlaskClient, admin: dict[str, str], raw: str | bytes) -> TestResponse:
    return client.post("/api/v1/powers", data=raw, content_type="application/json", headers=admin)


def _patch(client: FlaskClient, admin: dict[str, str], raw: str | bytes) -> TestResponse:
    headers = admin | {"If-Match": _etag(client, 1)}
    return client.patch("/api/v1/powers/1", data=raw, content_type="application/json", headers=headers)


def test_the_bodies_spoilt_below_are_valid(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    assert client.post("/api/v1/powers", json=VALID_CREATE, headers=admin_headers).status_code == 201
    assert _post(client, admin_headers, CREATE_TEXT.replace("900", "901") + "}").status_code == 201


@pytest.mark.parametrize("raw", NON_OBJECTS)
def test_non_object_bodies(client: FlaskClient, admin_headers: dict[str, str], raw: bytes) -> None:
    _assert_clean_problem(_post(client, admin_headers, raw))
    _assert_clean_problem(_patch(client, admin_headers, raw))


@pytest.mark.parametrize(("field", "value"), WRONG_FIELDS)
def test_wrong_field_types(client: FlaskClient, admin_headers: dict[str, str], field: str, value: object) -> None:
    _assert_clean_problem(client.post("/api/v1/powers", json=VALID_CREATE | {field: value}, headers=admin_headers))
    headers = admin_headers | {"If-Match": _etag(client, 1)}
    _assert_clean_problem(client.patch("/api/v1/powers/1", json={field: value, "reason": "fuzz"}, headers=headers))


@pytest.mark.parametrize("path", [f"/api/v1/powers/{HUGE}", f"/api/v1/powers/{HUGE}/restore",
                                  f"/api/v1/powers/{HUGE}/retire", f"/api/v1/users/{HUGE}/disable",
                                  f"/api/v1/tokens/{HUGE}/revoke"])
@pytest.mark.parametrize("method", ["PATCH", "DELETE", "POST"])
def test_huge_ids_on_writes(client: FlaskClient, admin_headers: dict[str, str], method: str, path: str) -> None:
    resp = client.open(path, method=method, json={"name": "x"}, headers=admin_headers | {"If-Match": '"1"'})
    _assert_clean_problem(resp)


MALFORMED = [
    pytest.param(b"{", id="truncated"),
    pytest.param(b"\xff\xfe", id="not-utf8"),
    pytest.param(b'{"a": 1} x', id="trailing-garbage"),
    pytest.param(b"NaN", id="nan"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
    pytest.param(b'{"\\ud800": 1}', id="surrogate-field-name"),
    pytest.param(b'{"\\u0000": 1}', id="nul-field-name"),
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_bodies(client: FlaskClient, admin_headers: dict[str, str], raw: bytes) -> None:
    _assert_clean_problem(_post(client, admin_headers, raw))
    _assert_clean_problem(_patch(client, admin_headers, raw))


# Raw JSON text of values json.dumps would not produce from a Python test: escapes, overflowing numbers.
RAW_VALUES = [
    pytest.param("name", '"\\ud800"', id="name-lone-surrogate"),
    pytest.param("name", '"a\\udfffb"', id="name-lone-low-surrogate"),
    pytest.param("name", '"\\ud83d\\ude00\\ud800"', id="name-pair-then-lone"),
    pytest.param("sub_items", '["\\ud800"]', id="sub-item-lone-surrogate"),
    pytest.param("note", '"\\u0000"', id="note-nul"),
    pytest.param("devolved_part", '"\\ud800"', id="devolved-part-lone-surrogate"),
    pytest.param("seq", "1e400", id="seq-infinite"),
    pytest.param("seq", "9" * 5000, id="seq-5000-digits"),
    pytest.param("department", "-0", id="department-minus-zero"),
    pytest.param("department", "1.0", id="department-float"),
]


@pytest.mark.parametrize(("field", "raw"), RAW_VALUES)
def test_raw_json_values(client: FlaskClient, admin_headers: dict[str, str], field: str, raw: str) -> None:
    _assert_clean_problem(_post(client, admin_headers, f'{CREATE_TEXT}, "{field}": {raw}}}'))
    _assert_clean_problem(_patch(client, admin_headers, f'{{"{field}": {raw}, "reason": "fuzz"}}'))
