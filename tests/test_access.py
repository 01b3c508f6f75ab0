"""Who may call what: every route declares its rule, the whole URL map is walked for every role, and a
department user may touch only its own department's powers.

The expected matrix is written out here in full: a route that forgets its rule, opens up by accident or
lets a role do more than the table says fails a test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from registry.domain.roles import Role
from registry.http import access
from registry.http.access import PUBLIC, public, roles
from registry.models import AuditEntry
from tests.conftest import Databases, bearer, dispose, make_app

PROBLEM_JSON = "application/problem+json"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# The callers of the walk: anonymous, and one STAFF member per role (two department users).
CALLERS = ["anonymous", "admin", "zone", "auditor", "water", "forestry"]
ROLE_OF = {"anonymous": "anonymous", "admin": "admin", "zone": "zone", "auditor": "auditor",
           "water": "department", "forestry": "department"}
EVERYONE = frozenset(ROLE_OF.values())
STAFF = EVERYONE - {"anonymous"}
ADMIN = frozenset({"admin"})
READERS_OF_THE_TRAIL = frozenset({"auditor", "admin"})
HANDOVER_WRITERS = frozenset({"admin", "zone", "department"})
# The whole matrix: which roles each route admits. Object-level rules come on top (see below).
EXPECTED = {
    "GET static": EVERYONE,
    "GET api-docs.openapi_json": EVERYONE,
    "GET docs.api_docs": EVERYONE,
    "GET health.healthz": EVERYONE,
    "GET health.readyz": EVERYONE,
    "GET powers.list_powers": EVERYONE,
    "GET powers.get_power": EVERYONE,
    "GET powers.export_csv": EVERYONE,
    "GET powers.export_json": EVERYONE,
    "GET powers.export_xlsx": EVERYONE,
    "GET reference.list_decisions": EVERYONE,
    "GET reference.list_departments": EVERYONE,
    "GET reference.get_department": EVERYONE,
    "GET reference.get_method": EVERYONE,
    "GET auth.login": EVERYONE,
    "POST auth.login": EVERYONE,
    "POST auth.logout": EVERYONE,
    "GET auth.whoami": STAFF,
    "GET auth.logout_page": EVERYONE,
    "GET auth.signed_out": EVERYONE,
    "GET home.index": STAFF,
    "GET users.me": STAFF,
    "POST powers.create_power": ADMIN,
    "PATCH powers.update_power": frozenset({"admin", "department"}),
    "POST powers.retire_power": ADMIN,
    "POST powers.restore_power": ADMIN,
    "GET powers.power_history": READERS_OF_THE_TRAIL,
    "GET audit.list_audit": READERS_OF_THE_TRAIL,
    "GET audit.export_audit_csv": READERS_OF_THE_TRAIL,
    "GET audit.export_audit_json": READERS_OF_THE_TRAIL,
    "GET audit.export_audit_xlsx": READERS_OF_THE_TRAIL,
    "GET audit.list_security_events": READERS_OF_THE_TRAIL,
    "GET users.list_users": ADMIN,
    "GET users.get_user": ADMIN,
    "POST users.create_user": ADMIN,
    "POST users.disable_user": ADMIN,
    "POST users.enable_user": ADMIN,
    "GET users.list_tokens": ADMIN,
    "POST users.create_token": ADMIN,
    "POST users.revoke_token": ADMIN,
    "GET handovers.get_handover": STAFF,
    "GET handovers.history": STAFF,
    "GET handovers.list_handovers": STAFF,
    "PATCH handovers.update_handover": HANDOVER_WRITERS,
    "GET guides.get_guide": EVERYONE,
    "PATCH guides.update_guide": frozenset({"admin", "department"}),
    "POST handovers.transition": HANDOVER_WRITERS,
    "POST handovers.check": HANDOVER_WRITERS,
    "POST handovers.bulk_step": HANDOVER_WRITERS,
    "POST handovers.confirm": frozenset({"zone", "department"}),  # each side for itself; not even the admin
    "GET progress.get_handler": EVERYONE,
    "GET progress.stats": EVERYONE,
    "GET progress.stats_csv": EVERYONE,
    "GET progress.stats_xlsx": EVERYONE,
    "GET feed.list_events": EVERYONE,
    "GET feed.events_atom": EVERYONE,
    "GET reference.list_methods": EVERYONE,
    "POST reference.create_method": ADMIN,
    "PATCH reference.update_method": ADMIN,
    "POST reference.create_department": ADMIN,
    "PATCH reference.update_department": ADMIN,
    "GET public.home": EVERYONE,
    "GET public.power": EVERYONE,
    "GET public.progress_page": EVERYONE,
    "GET public.changes": EVERYONE,
    "GET changes.changes": EVERYONE,
    "GET console.index": STAFF,
    "POST console.bulk_transition": HANDOVER_WRITERS,
    "POST console.bulk_terms": HANDOVER_WRITERS,
    "POST console.bulk_checklist": HANDOVER_WRITERS,
    "POST console.bulk_confirm": frozenset({"zone", "department"}),
    "GET handover.page": STAFF,
    "POST handover.terms": HANDOVER_WRITERS,
    "POST handover.transition": HANDOVER_WRITERS,
    "POST handover.check": HANDOVER_WRITERS,
    "POST handover.confirm": frozenset({"zone", "department"}),
    "GET edit.form": frozenset({"admin", "department"}),
    "POST edit.save": frozenset({"admin", "department"}),
    "GET guide.form": frozenset({"admin", "department"}),
    "POST guide.save": frozenset({"admin", "department"}),
    "GET guide.import_form": ADMIN,
    "POST guide.import_sheet": ADMIN,
    "GET auditor.trail": READERS_OF_THE_TRAIL,
    "GET auditor.export_csv": READERS_OF_THE_TRAIL,
    "GET auditor.export_xlsx": READERS_OF_THE_TRAIL,
    "POST auditor.verify_trail": READERS_OF_THE_TRAIL,
    "GET offices.index": ADMIN,
    "POST offices.create": ADMIN,
    "POST offices.update": ADMIN,
    "POST offices.import_sheet": ADMIN,
    "GET calendar.list_years": EVERYONE,
    "GET calendar.get_year": EVERYONE,
    "PUT calendar.put_year": ADMIN,
    "POST decisions.import_decision": ADMIN,
    "GET calendars.index": ADMIN,
    "GET decision_import.index": ADMIN,
    "POST decision_import.preview": ADMIN,
    "POST decision_import.apply": ADMIN,
    "POST supervision.record_supervision": frozenset({"admin", "department"}),
    "GET supervision.list_supervision": STAFF,
    "GET supervision.get_rectification": STAFF,
    "POST supervision.close_rectification": frozenset({"admin", "zone"}),
    "GET supervision.list_rectifications": STAFF,
    "POST handover.supervise": frozenset({"admin", "department"}),
    "POST handover.close_rectification": frozenset({"admin", "zone"}),
    "GET rectifications.index": STAFF,
    "GET case_volumes.list_volumes": STAFF,
    "POST case_volumes.record_volumes": frozenset({"admin", "zone"}),
    "GET case_volumes.stats": EVERYONE,
    "GET case_volumes.stats_xlsx": EVERYONE,
    "GET volumes.public_page": EVERYONE,
    "GET volumes.console_page": STAFF,
    "POST evaluation.record_evaluation": frozenset({"admin", "zone"}),
    "GET evaluation.list_evaluations": STAFF,
    "GET evaluation.stats": STAFF,
    "GET evaluation.proposals_xlsx": STAFF,
    "GET evaluation.stats_xlsx": STAFF,
    "GET evaluation.summary": EVERYONE,
    "GET evaluation_pages.public_page": EVERYONE,
    "GET evaluation_pages.console_page": STAFF,
    "GET evaluation_pages.form_page": frozenset({"admin", "zone"}),
    "POST evaluation_pages.record": frozenset({"admin", "zone"}),
}
# The console's forms post with a CSRF token, which the walk (a bearer-token client) does not have.
CONSOLE_FORMS = {"POST console.bulk_transition", "POST console.bulk_terms", "POST console.bulk_checklist",
                 "POST console.bulk_confirm", "POST handover.terms", "POST handover.transition",
                 "POST handover.check", "POST handover.confirm", "POST edit.save", "POST auditor.verify_trail",
                 "POST guide.save", "POST guide.import_sheet",
                 "POST offices.create", "POST offices.update", "POST decision_import.preview",
                 "POST decision_import.apply", "POST offices.import_sheet", "POST handover.supervise",
                 "POST handover.close_rectification", "POST evaluation_pages.record"}
# Power 38 (取水许可) belongs to 市水利局, the "water" user's department; user 2 and token 2 are the zone
# user's, so the admin's own account survives the walk.
PATH_ARGS = {"power_id": 38, "user_id": 2, "token_id": 2, "filename": "no-such-file.txt", "department_id": 7,
             "method_id": 1, "to": "suspended", "side": "handover", "item": "guidance", "year": 2026,
             "rectification_id": 1}
REASON = {"reason": "访问测试"}
BODIES = {
    "POST powers.create_power": {"decision": 1, "seq": 9001, "name": "访问测试事项", "type": "licensing",
                                 "level": "city", "department": 1, **REASON},
    "PATCH powers.update_power": {"note": "访问测试", **REASON},
    "POST powers.retire_power": REASON,
    "POST powers.restore_power": REASON,
    "POST users.create_user": {"name": "访问测试用户", "role": "zone"},
    "POST users.create_token": {"label": "访问测试"},
    "PATCH handovers.update_handover": {"notes": "访问测试"},
    "PATCH guides.update_guide": {"result": "访问测试", **REASON},
    "POST handovers.transition": {"to": "suspended", "note": "访问测试"},
    "POST handovers.check": {"item": "guidance", "done": True, "evidence": {"doc_number": "访问测试1号"}},
    "POST handovers.bulk_step": {"powers": [38], "op": "checklist", "item": "files", "done": True,
                                 "evidence": {"doc_number": "访问测试2号"}},
    # Each role confirms its own side (the power is still pending, so an admitted caller gets 409).
    "POST handovers.confirm": lambda role: {"side": "acceptance" if role == "zone" else "handover"},
    "POST reference.create_method": {"name": "访问测试方式"},
    "PATCH reference.update_method": {"name": "访问测试改名"},
    "POST reference.create_department": {"name": "访问测试办公室", "kind": "zone"},
    "PATCH reference.update_department": {"phone": "023-00000000"},
    # 2026 replaced by a single day, on the walk's own copy of the database: an audited write.
    "PUT calendar.put_year": {"days": [{"date": "2026-01-01", "kind": "holiday"}], **REASON},
    "POST supervision.record_supervision": {"held_on": "2026-09-30", "kind": "inspection", "findings": "访问测试"},
    "POST supervision.close_rectification": {"evidence": {"doc_number": "访问测试3号"}},
    "POST evaluation.record_evaluation": {"period": "2026", "conclusion": "keep", **REASON},
    # Power 38's January 2026 at 重庆经开区管委会 (department 7 of the seed).
    "POST case_volumes.record_volumes": {"rows": [{"power": 38, "office": 7, "month": "2026-01", "accepted": 3,
                                                   "completed": 2}], **REASON},
}
# Writes on other versioned rows, and where a client reads the ETag each must send back in If-Match.
ETAG_FROM = {
    "PATCH reference.update_department": "/api/v1/departments/{department_id}",
    "PATCH reference.update_method": "/api/v1/handover-methods/{method_id}",
    "POST users.disable_user": "/api/v1/users/{user_id}",
    "POST users.enable_user": "/api/v1/users/{user_id}",
    "PUT calendar.put_year": "/api/v1/calendar/years/{year}",
}
# Writes on one power that a department user may make only for its own department's powers (power 38 is
# 市水利局's, so "forestry" is refused by the service).
OBJECT_SCOPED = {"PATCH powers.update_power", "PATCH handovers.update_handover", "POST handovers.transition",
                 "POST handovers.check", "POST handovers.bulk_step", "POST handovers.confirm", "GET edit.form",
                 "PATCH guides.update_guide", "GET guide.form", "POST supervision.record_supervision"}
# Admitted callers that still get a 4xx for the plausible arguments: no such static file; forms without
# their CSRF token; a guide not written yet.
ADMITTED_BUT_REFUSED = {"GET static": 404, "POST auth.login": 400, "POST auth.logout": 400,
                        "POST handovers.confirm": 409, "GET guides.get_guide": 404,
                        "POST decisions.import_decision": 422,  # JSON: not a file
                        # The walk records no rectification: there is none to read or close.
                        "GET supervision.get_rectification": 404, "POST supervision.close_rectification": 404,
                        "GET case_volumes.stats": 422, "GET case_volumes.stats_xlsx": 422,  # no period given
                        "GET evaluation.stats": 422, "GET evaluation.proposals_xlsx": 422,
                        "GET evaluation.stats_xlsx": 422, "GET evaluation.summary": 422,
                        } | {key: 400 for key in CONSOLE_FORMS}
# Routes that write to the registry or its trail (the web sign-in forms write only security events).
WRITES = {key for key in EXPECTED if key.split()[0] in {"POST", "PATCH", "PUT"} and not key.startswith("POST auth.")}


def routes(app: Flask) -> Iterator[tuple[str, str, Rule]]:
    """(``METHOD endpoint``, method, rule) for every route and method a client would call."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            yield f"{method} {rule.endpoint}", method, rule


def url_of(rule: Rule) -> str:
    unknown = set(rule.arguments) - set(PATH_ARGS)
    assert not unknown, f"{rule.rule}: add a plausible value for {unknown} to PATH_ARGS"
    _, url = rule.build({name: PATH_ARGS[name] for name in rule.arguments})
    return url


def declared_roles(app: Flask, endpoint: str) -> frozenset[str] | None:
    rule = access.rule_for(app, endpoint)
    return EVERYONE if rule == PUBLIC else rule


def test_every_route_declares_the_expected_rule(shared_app: Flask) -> None:
    declared = {key: declared_roles(shared_app, rule.endpoint) for key, _, rule in routes(shared_app)}
    assert [key for key, rule in declared.items() if rule is None] == [], "routes without a rule"
    assert declared == EXPECTED


def audit_size(app: Flask) -> int:
    with app.extensions["registry.engine"].connect() as conn:
        return conn.scalar(select(func.count()).select_from(AuditEntry))


def forbidden_events(app: Flask) -> int:
    with app.extensions["registry.engine"].connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM security_event WHERE kind = 'forbidden'"))


def _call(client: FlaskClient, key: str, method: str, rule: Rule, headers: dict[str, str],
          may_retire: bool, role: str) -> TestResponse:
    """Call one route as a real client would: writes to a versioned row carry its current ETag."""
    headers = dict(headers)
    if key in ETAG_FROM:
        # Only a caller the write admits reads the row first (a refused read would be a security event too).
        current = client.get(ETAG_FROM[key].format(**PATH_ARGS), headers=headers) if role in EXPECTED[key] else None
        headers["If-Match"] = current.headers["ETag"] if current else '"1"'
    elif rule.rule.endswith("/guide") and method != "GET":
        pass  # the walk's power has no guide yet: the first change makes it and names no version
    elif "/handover" in rule.rule and method != "GET":
        current = client.get(f"/api/v1/powers/{PATH_ARGS['power_id']}/handover", headers=headers)
        headers["If-Match"] = current.headers.get("ETag", '"1"')
    elif "power_id" in rule.arguments and method != "GET":
        power = f"/api/v1/powers/{PATH_ARGS['power_id']}"
        current = client.get(power)
        headers["If-Match"] = current.headers["ETag"]
        if key == "POST powers.restore_power" and may_retire and not current.json["retired"]:
            # Only a retired power can be restored: retire it first so the restore itself can succeed.
            retired = client.post(f"{power}/retire", json=REASON, headers=headers)
            headers["If-Match"] = retired.headers.get("ETag", headers["If-Match"])
    body = BODIES.get(key, {}) if method != "GET" else None
    if callable(body):
        body = body(role)
    if key.startswith("POST auth."):
        return client.post(url_of(rule), data={"name": "x", "password": "y"}, headers=headers)
    return client.open(url_of(rule), method=method, json=body, headers=headers)


@pytest.mark.parametrize("caller", CALLERS)
def test_walk_the_url_map(app: Flask, tokens: dict[str, str], caller: str) -> None:
    """Each caller reaches exactly the routes the matrix admits; every refusal is the right status."""
    client = app.test_client()
    role = ROLE_OF[caller]
    headers = {} if caller == "anonymous" else bearer(tokens[caller])
    size, forbidden = audit_size(app), forbidden_events(app)
    refused = 0
    for key, method, rule in routes(app):
        resp = _call(client, key, method, rule, headers, role in EXPECTED["POST powers.retire_power"], role)
        body = resp.get_data().decode("utf-8", "replace")  # an .xlsx export is binary
        assert resp.status_code < 500, (key, resp.status_code, body)
        if role in EXPECTED[key] and not (key in OBJECT_SCOPED and caller == "forestry"):
            assert resp.status_code == ADMITTED_BUT_REFUSED.get(key, resp.status_code), (key, resp.status_code)
            if key not in ADMITTED_BUT_REFUSED:
                assert resp.status_code < 400, (key, resp.status_code, body)
        elif caller == "anonymous" and not rule.rule.startswith("/api/"):
            assert resp.status_code == 302 and "/auth/login" in resp.headers["Location"], (key, resp.status_code)
        elif caller == "anonymous":
            assert resp.status_code == 401, (key, resp.status_code, body)
            assert resp.mimetype == PROBLEM_JSON and resp.headers["WWW-Authenticate"].startswith("Bearer"), key
        else:
            # Forbidden by role, or (forestry on a 市水利局 power) by the object-level rule.
            assert resp.status_code == 403, (key, resp.status_code, body)
            assert resp.mimetype == (PROBLEM_JSON if rule.rule.startswith("/api/") else "text/html"), key
            refused += 1
    # A refused request writes nothing to the trail but leaves a security event for the auditors.
    admitted_writes = [k for k in WRITES if role in EXPECTED[k] and not (k in OBJECT_SCOPED and caller == "forestry")
                       and k not in ADMITTED_BUT_REFUSED]
    assert (audit_size(app) > size) == bool(admitted_writes), (caller, admitted_writes)
    assert forbidden_events(app) - forbidden == refused


def get(client: FlaskClient, power_id: int) -> TestResponse:
    resp = client.get(f"/api/v1/powers/{power_id}")
    assert resp.status_code == 200
    return resp


def department_powers(client: FlaskClient, name: str) -> list[int]:
    page = client.get("/api/v1/powers", query_string={"department": name, "per_page": 200}).json
    return [p["id"] for p in page["items"]]


@pytest.mark.parametrize(
    ("caller", "department", "body", "status"),
    [
        ("water", "市水利局", {"note": "水利局自己的备注"}, 200),
        ("water", "市林业局", {"note": "越权"}, 403),
        ("water", "市财政局", {"name": "越权"}, 403),
        ("forestry", "市林业局", {"note": "林业局自己的备注"}, 200),
        ("forestry", "市水利局", {"note": "越权"}, 403),
        ("water", "市水利局", {"department": "forestry-id"}, 403),  # giving a power away is the admin's
        ("admin", "市林业局", {"note": "管理员改"}, 200),
        ("zone", "市水利局", {"note": "管委会不改附件"}, 403),
        ("auditor", "市水利局", {"note": "审计不写"}, 403),
    ],
)
def test_object_level_rules_on_patch(client: FlaskClient, tokens: dict[str, str], caller: str, department: str,
                                     body: dict, status: int) -> None:
    forestry = next(d["id"] for d in client.get("/api/v1/departments").json if d["name"] == "市林业局")
    body = {k: (forestry if v == "forestry-id" else v) for k, v in body.items()}
    power_id = department_powers(client, department)[0]
    before = get(client, power_id)
    resp = client.patch(f"/api/v1/powers/{power_id}", json={**body, **REASON},
                        headers={**bearer(tokens[caller]), "If-Match": before.headers["ETag"]})
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status == 403:
        assert resp.mimetype == PROBLEM_JSON
        assert get(client, power_id).json == before.json


@pytest.mark.parametrize("action", ["retire", "restore"])
@pytest.mark.parametrize("caller", ["water", "zone", "auditor"])
def test_only_the_admin_retires_and_restores(client: FlaskClient, tokens: dict[str, str], caller: str,
                                             action: str) -> None:
    power_id = department_powers(client, "市水利局")[0]
    before = get(client, power_id)
    resp = client.post(f"/api/v1/powers/{power_id}/{action}", json=REASON,
                       headers={**bearer(tokens[caller]), "If-Match": before.headers["ETag"]})
    assert resp.status_code == 403
    assert get(client, power_id).json == before.json


def test_the_object_rule_is_checked_before_the_version(client: FlaskClient, tokens: dict[str, str]) -> None:
    """Another department's power is 403 whatever ETag is sent: the refusal does not depend on guessing it."""
    power_id = department_powers(client, "市林业局")[0]
    for etag in ('"1"', '"999"'):
        resp = client.patch(f"/api/v1/powers/{power_id}", json={"note": "x", **REASON},
                            headers={**bearer(tokens["water"]), "If-Match": etag})
        assert resp.status_code == 403


def test_an_unknown_power_is_404_for_a_department_user(client: FlaskClient, tokens: dict[str, str]) -> None:
    resp = client.patch("/api/v1/powers/99999", json={"note": "x", **REASON},
                        headers={**bearer(tokens["water"]), "If-Match": '"1"'})
    assert resp.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    ["Bearer wrong-token", "{token}x", "{short}", "Bearer", "Bearer ", "Basic {bare}", "Token {bare}", "{bare}"],
    ids=["wrong", "longer", "shorter", "scheme-only", "scheme-and-space", "basic", "other-scheme", "no-scheme"],
)
@pytest.mark.parametrize(
    ("method", "url"), [("GET", "/api/v1/powers"), ("PATCH", "/api/v1/powers/1"), ("POST", "/api/v1/powers")],
    ids=["public-read", "patch", "create"],
)
def test_bad_credentials_are_401_with_a_bearer_challenge(reader: FlaskClient, tokens: dict[str, str],
                                                          authorization: str, method: str, url: str) -> None:
    token = tokens["admin"]
    header = authorization.format(token=f"Bearer {token}", short=f"Bearer {token[:-1]}", bare=token)
    resp = reader.open(url, method=method, json={"name": "x", **REASON},
                       headers={"Authorization": header, "If-Match": '"1"'})
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.mimetype == PROBLEM_JSON
    assert token not in resp.get_data(as_text=True)


@pytest.fixture
def bare_app(databases: Databases) -> Iterator[Flask]:
    """An app with no data, for registering throwaway routes."""
    app = make_app(databases.seeded())
    yield app
    dispose(app)


def test_a_route_without_a_rule_is_refused_to_everyone(bare_app: Flask, tokens: dict[str, str]) -> None:
    bare_app.add_url_rule("/api/v1/forgotten", "forgotten", lambda: "secret")
    assert access.rule_for(bare_app, "forgotten") is None
    client = bare_app.test_client()
    for headers in ({}, bearer(tokens["admin"])):
        resp = client.get("/api/v1/forgotten", headers=headers)
        assert resp.status_code == 403
        assert resp.mimetype == PROBLEM_JSON
        assert "secret" not in resp.get_data(as_text=True)


def test_a_role_the_caller_lacks_is_403(bare_app: Flask, tokens: dict[str, str]) -> None:
    bare_app.add_url_rule("/api/v1/auditors", "auditors", roles(Role.AUDITOR)(lambda: "secret"))
    bare_app.add_url_rule("/api/v1/open", "open", public(lambda: "open"))
    client = bare_app.test_client()
    assert client.get("/api/v1/auditors").status_code == 401
    resp = client.get("/api/v1/auditors", headers=bearer(tokens["admin"]))
    assert resp.status_code == 403
    assert resp.mimetype == PROBLEM_JSON
    assert client.get("/api/v1/auditors", headers=bearer(tokens["auditor"])).get_data(as_text=True) == "secret"
    assert client.get("/api/v1/open").get_data(as_text=True) == "open"
