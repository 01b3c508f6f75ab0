"""Every editable row besides powers and handovers (departments, handover methods, accounts, calendar years) is
versioned as powers are: an ETag on GET, If-Match on every change (428 without it, 412 when stale), and the
version bumped with the change's audit entry, never by a refused or empty change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import db
from registry.domain.roles import Caller, Role
from registry.models import Department
from registry.services import reference
from registry.services.errors import Code, StaleVersion
from tests.conftest import Databases, bearer


@dataclass(frozen=True)
class Row:
    """One versioned row: where it is read, how it is changed (twice, differently), its audit type, its codes."""

    read: str
    method: str
    write: str
    change: dict[str, Any]
    other_change: dict[str, Any]
    entity_type: str
    stale: str
    field: str  # a field of the answer that the change sets


DAYS = [{"date": "2026-01-01", "kind": "holiday"}]
ROWS = {
    "department": Row("/api/v1/departments/7", "PATCH", "/api/v1/departments/7", {"phone": "023-1111 1111"},
                      {"phone": "023-2222 2222"}, "department", "department.stale", "phone"),
    "method": Row("/api/v1/handover-methods/1", "PATCH", "/api/v1/handover-methods/1", {"name": "版本测试甲"},
                  {"name": "版本测试乙"}, "handover_method", "method.stale", "name"),
    "user": Row("/api/v1/users/2", "POST", "/api/v1/users/2/disable", {"reason": "版本测试"},
                {"reason": "再次停用"}, "user", "user.stale", "disabled"),
    "calendar year": Row("/api/v1/calendar/years/2026", "PUT", "/api/v1/calendar/years/2026",
                         {"reason": "版本测试", "days": DAYS},
                         {"reason": "版本测试", "days": [*DAYS, {"date": "2026-01-02", "kind": "holiday"}]},
                         "calendar_year", "calendar.stale", "holidays"),
}


def read(client: FlaskClient, tokens: dict[str, str], row: Row) -> tuple[dict, str]:
    resp = client.get(row.read, headers=bearer(tokens["admin"]))
    assert resp.status_code == 200, resp.json
    return resp.json, resp.headers["ETag"]


def write(client: FlaskClient, tokens: dict[str, str], row: Row, body: dict[str, Any], if_match: str | None):
    headers = bearer(tokens["admin"]) | ({"If-Match": if_match} if if_match is not None else {})
    return client.open(row.write, method=row.method, json=body, headers=headers)


def trail(client: FlaskClient, tokens: dict[str, str], row: Row) -> list[dict]:
    return client.get("/api/v1/audit", query_string={"entity_type": row.entity_type, "per_page": 500},
                      headers=bearer(tokens["auditor"])).json["items"]


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_the_etag_is_the_version_and_answers_304(reader: FlaskClient, tokens: dict[str, str], row: Row) -> None:
    body, etag = read(reader, tokens, row)
    assert etag == f'"{body["version"]}"' == '"1"'
    again = reader.get(row.read, headers={**bearer(tokens["admin"]), "If-None-Match": etag})
    assert (again.status_code, again.headers["ETag"]) == (304, etag)


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [
        (None, 428, "if_match.missing"),
        ("*", 428, "if_match.wildcard"),
        ('W/"1"', 412, "if_match.invalid"),
        ('"1", "2"', 412, "if_match.invalid"),
        ('"999"', 412, "stale"),
        ('"0"', 412, "stale"),
    ],
    ids=["missing", "wildcard", "weak", "two", "ahead", "behind"],
)
def test_a_change_without_the_current_etag_is_refused_and_writes_nothing(
        refusals: FlaskClient, tokens: dict[str, str], row: Row, if_match: str | None, status: int, code: str) -> None:
    before, _ = read(refusals, tokens, row)
    entries = len(trail(refusals, tokens, row))
    resp = write(refusals, tokens, row, row.change, if_match)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == "application/problem+json"
    assert resp.json["code"] == (row.stale if code == "stale" else code)
    if code == "stale":
        assert resp.json["current_version"] == 1
    assert read(refusals, tokens, row)[0] == before
    assert len(trail(refusals, tokens, row)) == entries


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_the_second_of_two_editors_is_refused_not_saved_over_the_first(
        client: FlaskClient, tokens: dict[str, str], row: Row) -> None:
    """Both read version 1; A's change lands (version 2, one audit entry); B's, made from version 1, is 412."""
    _, etag = read(client, tokens, row)
    entries = len(trail(client, tokens, row))
    first = write(client, tokens, row, row.change, etag)
    assert first.status_code == 200, first.json
    assert (first.json["version"], first.headers["ETag"]) == (2, '"2"')
    assert len(trail(client, tokens, row)) == entries + 1
    kept = first.json[row.field]
    second = write(client, tokens, row, row.other_change, etag)
    assert second.status_code == 412 and second.json["current_version"] == 2
    now, now_etag = read(client, tokens, row)
    assert (now[row.field], now["version"], now_etag) == (kept, 2, '"2"')
    assert len(trail(client, tokens, row)) == entries + 1


@pytest.mark.parametrize("row", ROWS.values(), ids=ROWS.keys())
def test_a_change_that_alters_nothing_keeps_the_version(client: FlaskClient, tokens: dict[str, str],
                                                        row: Row) -> None:
    etag = write(client, tokens, row, row.change, read(client, tokens, row)[1]).headers["ETag"]
    entries = len(trail(client, tokens, row))
    again = write(client, tokens, row, row.change, etag)
    assert (again.status_code, again.headers["ETag"], again.json["version"]) == (200, etag, 2)
    assert len(trail(client, tokens, row)) == entries


def test_a_year_not_yet_loaded_is_loaded_without_if_match_but_not_with_one(client: FlaskClient,
                                                                            tokens: dict[str, str]) -> None:
    body = {"reason": "版本测试", "days": [{"date": "2099-01-01", "kind": "holiday"}]}
    resp = client.put("/api/v1/calendar/years/2098", json={**body, "days": [{"date": "2098-01-01", "kind": "holiday"}]},
                      headers={**bearer(tokens["admin"]), "If-Match": '"1"'})
    assert (resp.status_code, resp.json["code"]) == (412, "calendar.stale")
    assert client.get("/api/v1/calendar/years/2098").status_code == 404
    resp = client.put("/api/v1/calendar/years/2099", json=body, headers=bearer(tokens["admin"]))
    assert (resp.status_code, resp.headers["ETag"], resp.json["version"]) == (200, '"1"', 1)
    # Loaded now: replacing it takes its ETag.
    assert client.put("/api/v1/calendar/years/2099", json=body, headers=bearer(tokens["admin"])).status_code == 428


def test_a_created_row_answers_with_its_etag(client: FlaskClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    for url, body in [("/api/v1/departments", {"name": "版本测试办公室", "kind": "zone"}),
                      ("/api/v1/handover-methods", {"name": "版本测试方式"}),
                      ("/api/v1/users", {"name": "版本测试用户", "role": "zone"})]:
        resp = client.post(url, json=body, headers=admin)
        assert (resp.status_code, resp.headers["ETag"], resp.json["version"]) == (201, '"1"', 1), url


def test_the_command_line_still_changes_an_account_without_a_version(app: Flask, tokens: dict[str, str]) -> None:
    """The CLI names no version (an operator at the console of the server), but its change still bumps it."""
    from tests.conftest import cli

    client = app.test_client()
    name = client.get("/api/v1/users/2", headers=bearer(tokens["admin"])).json["name"]
    cli(app, "user", "disable", "--name", name)
    assert client.get("/api/v1/users/2", headers=bearer(tokens["admin"])).headers["ETag"] == '"2"'


@pytest.mark.parametrize(
    "path",
    ["/api/v1/departments/{department_id}", "/api/v1/handover-methods/{method_id}", "/api/v1/users/{user_id}/disable",
     "/api/v1/users/{user_id}/enable", "/api/v1/calendar/years/{year}", "/api/v1/powers/{power_id}",
     "/api/v1/powers/{power_id}/handover"],
)
def test_the_openapi_document_states_the_version_rules(reader: FlaskClient, path: str) -> None:
    item = reader.get("/api/v1/openapi.json").json["paths"][path]
    write = next(op for method, op in item.items() if method in ("patch", "post", "put"))
    header = next(p for p in write["parameters"] if p["in"] == "header" and p["name"] == "If-Match")
    assert "428" in header["description"] and "412" in header["description"]
    assert {"412", "428", "422"} <= set(write["responses"])
    assert "ETag" in write["responses"]["200"]["headers"]


def test_a_writer_that_read_before_another_committed_gets_412_not_a_server_error(app: Flask,
                                                                                 databases: Databases) -> None:
    """PostgreSQL lets two transactions read version 1; the one that writes second matches no row (its UPDATE names
    the version it read) and is refused as stale. (SQLite's writers take the lock before they read.)"""
    if databases.backend != "postgresql":
        pytest.skip("SQLite serialises writers before they read")
    admin = Caller(None, "测试", Role.ADMIN.value)
    with app.app_context():
        first, second = db.side_session(), db.side_session()
        try:
            seen = second.get(Department, 7)
            assert seen is not None and seen.version == 1
            reference.update_department(first, admin, 7, {"phone": "023-1"}, 1)
            first.commit()
            with pytest.raises(StaleVersion) as refused:
                reference.update_department(second, admin, 7, {"phone": "023-2"}, None)
            assert refused.value.code == Code.CHANGED_ELSEWHERE
        finally:
            first.close()
            second.close()
