"""API tokens and staff accounts, on every backend.

Proves that issued tokens carry at least 256 random bits and never repeat; that the database holds no
usable token (only HMAC-SHA-256 hashes keyed from the secret key, not plain hashes); that any token other
than the issued one is refused and recorded; that expiry, revocation and disabling the account take
effect on the very next request (and re-enabling restores it); that the CLI and the API refuse bad
requests cleanly; that `--expires` understands its documented forms; that the users API is for admins
only and never shows a hash; that a token is shown only in the response that creates it; and that every
user or token change leaves exactly one audit entry.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from registry.models import ApiToken, Base, User
from registry.services.accounts import token_key
from tests.conftest import PASSWORD, SECRET_KEY, STAFF, bearer, cli, invoke

ADMIN, ZONE, AUDITOR, WATER = (STAFF[k][0] for k in ("admin", "zone", "auditor", "water"))
TOKEN_SHAPE = re.compile(r"^rgy_[A-Za-z0-9_-]{43,}$")
HEX64 = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
ISSUED = re.compile(r"^token (\d+) for ", re.M)
PROBLEM_JSON = "application/problem+json"


def issue(app: Flask, user: str, *options: str) -> tuple[int, str]:
    """Issue a token through the CLI: (its id, the token)."""
    result = invoke(app, "token", "create", "--user", user, *options)
    assert result.exit_code == 0, (result.output, result.exception)
    return int(ISSUED.search(result.stderr)[1]), result.stdout.strip()


def expected_hash(token: str) -> str:
    return hmac.new(token_key(SECRET_KEY), token.encode(), hashlib.sha256).hexdigest()


def engine(app: Flask):
    return app.extensions["registry.engine"]


def user_id(app: Flask, name: str) -> int:
    with engine(app).connect() as conn:
        return conn.scalar(select(User.id).where(User.name == name))


def token_count(app: Flask) -> int:
    with engine(app).connect() as conn:
        return conn.scalar(select(func.count(ApiToken.id)))


def events(client: FlaskClient, auditor: dict[str, str], **filters: str) -> list[dict]:
    resp = client.get("/api/v1/security-events", query_string={**filters, "per_page": 500}, headers=auditor)
    assert resp.status_code == 200, resp.json
    return resp.json["items"]


def audit_total(client: FlaskClient, auditor: dict[str, str], entity_type: str) -> int:
    resp = client.get("/api/v1/audit", query_string={"entity_type": entity_type, "per_page": 1}, headers=auditor)
    assert resp.status_code == 200, resp.json
    return resp.json["total"]


def me(client: FlaskClient, token: str):
    return client.get("/api/v1/me", headers=bearer(token))


def assert_refused(client: FlaskClient, token: str, detail: str) -> None:
    resp = me(client, token)
    assert resp.status_code == 401, resp.status_code
    assert resp.mimetype == PROBLEM_JSON and resp.json["detail"] == detail


# -- what a token is, and what the database keeps of it -----------------------------------------------------

def test_issued_tokens_are_long_random_and_distinct(app: Flask, tokens: dict[str, str]) -> None:
    issued = [issue(app, ADMIN)[1] for _ in range(3)] + list(tokens.values())
    for token in issued:
        assert TOKEN_SHAPE.match(token), token
        assert len(token) - len("rgy_") >= 43  # 43 base64url characters carry 258 bits
    assert len(set(issued)) == len(issued)
    assert len({t[4:14] for t in issued}) == len(issued), "tokens share a prefix beyond rgy_"


def dump(app: Flask) -> str:
    """Every value of every row of every table, as text: what a stolen backup would show."""
    values = []
    with engine(app).connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                values.extend(str(v) for v in row if v is not None)
    return "\n".join(values)


def test_the_database_holds_no_usable_token(app: Flask, client: FlaskClient, tokens: dict[str, str],
                                            admin_headers: dict[str, str]) -> None:
    cli_id, cli_token = issue(app, ZONE, "--label", "dump test")
    resp = client.post(f"/api/v1/users/{user_id(app, AUDITOR)}/tokens", json={"label": "dump test"},
                       headers=admin_headers)
    assert resp.status_code == 201
    api_id, api_token = resp.json["id"], resp.json["token"]
    cli(app, "token", "revoke", "--id", str(cli_id))
    me(client, cli_token)  # a refused token leaves a security event: that must not hold it either

    text = dump(app)
    assert "rgy_" not in text
    with engine(app).connect() as conn:
        stored = dict(conn.execute(select(ApiToken.id, ApiToken.token_hash)).all())
    issued = [*tokens.values(), cli_token, api_token]
    for token in issued:
        assert token not in text and token[4:] not in text
        assert hashlib.sha256(token.encode()).hexdigest() not in text, "a plain SHA-256 would do as a token index"
        assert expected_hash(token) in stored.values()
    assert stored[cli_id] == expected_hash(cli_token)
    assert stored[api_id] == expected_hash(api_token)
    assert len(set(stored.values())) == len(stored)


# -- tokens that are not the issued one ---------------------------------------------------------------------

MANGLED: dict[str, Callable[[str], str]] = {
    "shortened": lambda t: t[:-1],
    "extended": lambda t: t + "A",
    "last-character-changed": lambda t: t[:-1] + ("B" if t[-1] == "A" else "A"),
    "first-character-changed": lambda t: t[:4] + ("B" if t[4] == "A" else "A") + t[5:],
    "without-prefix": lambda t: t[4:],
    "case-swapped": lambda t: t.swapcase(),
    "made-up": lambda t: "rgy_" + "A" * 43,
    "stored-hash": expected_hash,  # what a database dump shows must not work as a token
}


@pytest.mark.parametrize("mangle", MANGLED.values(), ids=MANGLED.keys())
def test_anything_but_the_issued_token_is_refused(client: FlaskClient, tokens: dict[str, str],
                                                  auditor: dict[str, str], mangle: Callable[[str], str]) -> None:
    token = tokens["zone"]
    assert_refused(client, mangle(token), "unknown credentials")
    [event] = events(client, auditor, kind="token_invalid")
    assert event["account"] is None and event["user_id"] is None and event["path"] == "/api/v1/me"
    assert me(client, token).status_code == 200


MALFORMED = {
    "basic-scheme": "Basic dXNlcjpwYXNz",
    "scheme-only": "Bearer",
    "empty-token": "Bearer    ",
    "token-too-long": "Bearer rgy_" + "A" * 300,
}


@pytest.mark.parametrize("header", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_authorization_is_refused(client: FlaskClient, auditor: dict[str, str], header: str) -> None:
    resp = client.get("/api/v1/me", headers={"Authorization": header})
    assert resp.status_code == 401 and resp.mimetype == PROBLEM_JSON
    assert len(events(client, auditor, kind="token_invalid")) == 1


# -- expiry, revocation, disabled accounts ------------------------------------------------------------------

def test_an_expired_token_is_refused(app: Flask, client: FlaskClient, auditor: dict[str, str],
                                     admin_headers: dict[str, str]) -> None:
    token_id, token = issue(app, AUDITOR, "--expires", "1h")
    listed = client.get(f"/api/v1/users/{user_id(app, AUDITOR)}/tokens", headers=admin_headers).json
    expires = datetime.fromisoformat(next(t for t in listed if t["id"] == token_id)["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(minutes=2)
    assert me(client, token).status_code == 200

    with engine(app).begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token_id)
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert_refused(client, token, "this token has expired")
    [event] = events(client, auditor, kind="token_expired")
    assert event["account"] == AUDITOR and event["user_id"] == user_id(app, AUDITOR)


def _revoke_by_cli(app: Flask, client: FlaskClient, admin: dict[str, str], token_id: int) -> tuple[bool, str]:
    result = invoke(app, "token", "revoke", "--id", str(token_id))
    return result.exit_code == 0, result.output


def _revoke_by_api(app: Flask, client: FlaskClient, admin: dict[str, str], token_id: int) -> tuple[bool, str]:
    resp = client.post(f"/api/v1/tokens/{token_id}/revoke", json={"reason": "test"}, headers=admin)
    assert resp.status_code in (200, 409), resp.json
    return resp.status_code == 200, resp.get_data(as_text=True)


REVOKERS = {"cli": _revoke_by_cli, "api": _revoke_by_api}


@pytest.mark.parametrize("revoke", REVOKERS.values(), ids=REVOKERS.keys())
def test_revocation_takes_effect_on_the_next_request(app: Flask, client: FlaskClient, auditor: dict[str, str],
                                                     admin_headers: dict[str, str], revoke: Callable) -> None:
    token_id, token = issue(app, ZONE)
    assert me(client, token).status_code == 200
    ok, _ = revoke(app, client, admin_headers, token_id)
    assert ok
    assert_refused(client, token, "this token has been revoked")
    [event] = events(client, auditor, kind="token_revoked")
    assert event["account"] == ZONE
    ok, message = revoke(app, client, admin_headers, token_id)
    assert not ok and "already revoked" in message and "Traceback" not in message


def _set_disabled_by_cli(app: Flask, client: FlaskClient, admin: dict[str, str], disabled: bool) -> None:
    cli(app, "user", "disable" if disabled else "enable", "--name", WATER)


def _set_disabled_by_api(app: Flask, client: FlaskClient, admin: dict[str, str], disabled: bool) -> None:
    action = "disable" if disabled else "enable"
    user = f"/api/v1/users/{user_id(app, WATER)}"
    etag = client.get(user, headers=admin).headers["ETag"]
    resp = client.post(f"{user}/{action}", json={}, headers={**admin, "If-Match": etag})
    assert resp.status_code == 200 and resp.json["disabled"] is disabled


DISABLERS = {"cli": _set_disabled_by_cli, "api": _set_disabled_by_api}


@pytest.mark.parametrize("set_disabled", DISABLERS.values(), ids=DISABLERS.keys())
def test_disabling_the_user_stops_their_token_and_enabling_restores_it(
        app: Flask, client: FlaskClient, tokens: dict[str, str], auditor: dict[str, str],
        admin_headers: dict[str, str], set_disabled: Callable) -> None:
    token = tokens["water"]
    assert me(client, token).status_code == 200
    set_disabled(app, client, admin_headers, True)
    assert_refused(client, token, "this account is disabled")
    [event] = events(client, auditor, kind="user_disabled")
    assert event["account"] == WATER
    set_disabled(app, client, admin_headers, False)
    resp = me(client, token)
    assert resp.status_code == 200 and resp.json["name"] == WATER


# -- issuing tokens: what is refused, and what --expires means -----------------------------------------------

CLI_REFUSALS = {
    "unknown-user": (("--user", "无此人"), 1, "user 无此人 does not exist"),
    "unknown-user-id": (("--user", "999999"), 1, "user 999999 does not exist"),
    "user-id-beyond-range": (("--user", "99999999999999999999"), 1, "user 99999999999999999999 does not exist"),
    "superscript-digit-name": (("--user", "²"), 1, "user ² does not exist"),
    "past-date": (("--user", ADMIN, "--expires", "2020-01-01"), 1, "the expiry is in the past"),
    "past-moment": (("--user", ADMIN, "--expires", "2020-01-01T00:00:00+08:00"), 1, "the expiry is in the past"),
    "zero-hours": (("--user", ADMIN, "--expires", "0h"), 1, "the expiry is in the past"),
    "naive-moment": (("--user", ADMIN, "--expires", "2030-01-01T08:00:00"), 2, "give the time zone"),
    "gibberish": (("--user", ADMIN, "--expires", "next week"), 2, "use 90d, 12h"),
    "minutes": (("--user", ADMIN, "--expires", "30m"), 2, "use 90d, 12h"),
}


@pytest.mark.parametrize("args, exit_code, message", CLI_REFUSALS.values(), ids=CLI_REFUSALS.keys())
def test_token_create_refuses_cleanly(app: Flask, args: tuple[str, ...], exit_code: int, message: str) -> None:
    before = token_count(app)
    result = invoke(app, "token", "create", *args)
    assert result.exit_code == exit_code, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert message in result.output and "Traceback" not in result.output
    assert result.stdout == ""  # nothing that looks like a token
    assert token_count(app) == before


def _in(hours: float) -> Callable[[datetime], datetime]:
    return lambda now: now + timedelta(hours=hours)


EXPIRES_FORMS = {
    "days": ("90d", _in(90 * 24)),
    "hours": ("12h", _in(12)),
    "date-means-end-of-that-day-utc": ("2030-01-01", lambda now: datetime(2030, 1, 2, tzinfo=UTC)),
    "iso-with-offset": ("2030-01-01T18:00:00+08:00", lambda now: datetime(2030, 1, 1, 10, tzinfo=UTC)),
    "iso-with-z": ("2030-06-30T23:59:59Z", lambda now: datetime(2030, 6, 30, 23, 59, 59, tzinfo=UTC)),
}


@pytest.mark.parametrize("text, expected", EXPIRES_FORMS.values(), ids=EXPIRES_FORMS.keys())
def test_expires_forms(app: Flask, client: FlaskClient, admin_headers: dict[str, str], text: str,
                       expected: Callable[[datetime], datetime]) -> None:
    token_id, token = issue(app, ZONE, "--expires", text)
    want = expected(datetime.now(UTC))
    listed = client.get(f"/api/v1/users/{user_id(app, ZONE)}/tokens", headers=admin_headers).json
    got = datetime.fromisoformat(next(t for t in listed if t["id"] == token_id)["expires_at"])
    assert abs(got - want) < timedelta(minutes=2), (got, want)
    assert me(client, token).status_code == 200


def test_the_api_keeps_an_expiry_with_an_offset_as_the_same_moment(app: Flask, client: FlaskClient,
                                                                   admin_headers: dict[str, str]) -> None:
    uid = user_id(app, ZONE)
    body = {"label": "offset", "expires_at": "2030-01-01T18:00:00+08:00"}
    resp = client.post(f"/api/v1/users/{uid}/tokens", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.json
    moment = datetime(2030, 1, 1, 10, tzinfo=UTC)
    assert datetime.fromisoformat(resp.json["expires_at"]) == moment
    listed = client.get(f"/api/v1/users/{uid}/tokens", headers=admin_headers).json
    assert datetime.fromisoformat(next(t for t in listed if t["id"] == resp.json["id"])["expires_at"]) == moment


API_TOKEN_REFUSALS = {
    "unknown-user": ("/api/v1/users/999999/tokens", {"label": "x"}, 404, None),
    "past-expiry": (None, {"label": "x", "expires_at": "2020-01-01T00:00:00Z"}, 422, "expires_at"),
    "naive-expiry": (None, {"label": "x", "expires_at": "2030-01-01T00:00:00"}, 422, "expires_at"),
    "no-label": (None, {}, 422, "label"),
    "chosen-token": (None, {"label": "x", "token": "rgy_" + "A" * 43}, 422, "token"),
    "chosen-hash": (None, {"label": "x", "token_hash": "0" * 64}, 422, "token_hash"),
}


@pytest.mark.parametrize("path, body, status, field", API_TOKEN_REFUSALS.values(), ids=API_TOKEN_REFUSALS.keys())
def test_the_api_refuses_bad_token_requests(app: Flask, client: FlaskClient, admin_headers: dict[str, str],
                                            path: str | None, body: dict, status: int, field: str | None) -> None:
    before = token_count(app)
    resp = client.post(path or f"/api/v1/users/{user_id(app, ZONE)}/tokens", json=body, headers=admin_headers)
    assert resp.status_code == status, resp.json
    assert resp.mimetype == PROBLEM_JSON and resp.json["status"] == status
    if field:
        assert field in resp.json["errors"], resp.json
    assert "rgy_" not in resp.get_data(as_text=True).replace(body.get("token", "-"), "")
    assert token_count(app) == before


# -- the users API ------------------------------------------------------------------------------------------

def test_admin_creates_users_and_bad_requests_are_refused(app: Flask, client: FlaskClient,
                                                          admin_headers: dict[str, str]) -> None:
    resp = client.post("/api/v1/users", json={"name": "新同事", "role": "zone", "password": PASSWORD},
                       headers=admin_headers)
    assert resp.status_code == 201, resp.json
    assert resp.json["name"] == "新同事" and resp.json["role"]["code"] == "zone"
    assert resp.json["has_password"] is True and resp.json["department"] is None
    assert "password" not in resp.json and "password_hash" not in resp.json

    refusals = [
        ({"name": "新同事", "role": "zone"}, 409, "name"),
        ({"name": ADMIN, "role": "admin"}, 409, "name"),
        ({"name": "无部门", "role": "department"}, 422, "department"),
        ({"name": "多部门", "role": "zone", "department": 1}, 422, "department"),
        ({"name": "短密码", "role": "zone", "password": "short"}, 422, "password"),
        ({"name": "自带哈希", "role": "zone", "password_hash": "$argon2id$x"}, 422, "password_hash"),
        ({"name": "怪角色", "role": "root"}, 422, "role"),
    ]
    users_before = len(client.get("/api/v1/users", headers=admin_headers).json)
    for body, status, field in refusals:
        resp = client.post("/api/v1/users", json=body, headers=admin_headers)
        assert resp.status_code == status, (body, resp.json)
        assert resp.mimetype == PROBLEM_JSON and field in resp.json.get("errors", {}), (body, resp.json)
    assert len(client.get("/api/v1/users", headers=admin_headers).json) == users_before


@pytest.mark.parametrize("role", ["zone", "auditor", "water", "forestry"])
def test_only_admins_may_use_the_users_api(app: Flask, client: FlaskClient, as_role: Callable,
                                           auditor: dict[str, str], role: str) -> None:
    headers = as_role(role)
    uid = user_id(app, ZONE)
    calls = [
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", {"name": "越权", "role": "admin"}),
        ("GET", f"/api/v1/users/{uid}/tokens", None),
        ("POST", f"/api/v1/users/{uid}/tokens", {"label": "越权"}),
        ("POST", f"/api/v1/users/{uid}/disable", {}),
        ("POST", "/api/v1/tokens/1/revoke", {}),
    ]
    before = token_count(app)
    for method, path, body in calls:
        resp = client.open(path, method=method, json=body, headers=headers)
        assert resp.status_code == 403, (method, path, resp.status_code)
    assert len(events(client, auditor, kind="forbidden", account=STAFF[role][0])) == len(calls)
    assert token_count(app) == before
    assert me(client, headers["Authorization"][7:]).status_code == 200  # nothing got disabled or revoked
    for method, path, _ in calls[:2]:
        assert client.open(path, method=method, json={}).status_code == 401  # and anonymous callers: 401


def test_no_response_shows_a_hash_and_a_token_is_shown_only_once(
        app: Flask, client: FlaskClient, admin_headers: dict[str, str], auditor: dict[str, str]) -> None:
    uid = user_id(app, WATER)
    created = client.post(f"/api/v1/users/{uid}/tokens", json={"label": "once"}, headers=admin_headers)
    assert created.status_code == 201
    token = created.json["token"]
    assert TOKEN_SHAPE.match(token)
    responses = [
        created,
        client.post("/api/v1/users", json={"name": "看哈希", "role": "zone", "password": PASSWORD},
                    headers=admin_headers),
        client.post(f"/api/v1/users/{uid}/disable", json={}, headers={**admin_headers, "If-Match": '"1"'}),
        client.post(f"/api/v1/users/{uid}/enable", json={}, headers={**admin_headers, "If-Match": '"2"'}),
        me(client, token),
        client.get("/api/v1/users", headers=admin_headers),
        client.get(f"/api/v1/users/{uid}/tokens", headers=admin_headers),
        client.post(f"/api/v1/tokens/{created.json['id']}/revoke", json={}, headers=admin_headers),
        me(client, token),
    ]
    responses += [client.get("/api/v1/audit", query_string={"entity_type": kind, "per_page": 500}, headers=auditor)
                  for kind in ("user", "token")]
    responses += [client.get("/api/v1/audit/export.json", query_string={"entity_type": kind}, headers=auditor)
                  for kind in ("user", "token")]
    responses.append(client.get("/api/v1/security-events", headers=auditor))
    for i, resp in enumerate(responses):
        assert resp.status_code < 500, (i, resp.status_code)
        text = resp.get_data(as_text=True)
        assert "password_hash" not in text and "token_hash" not in text and "$argon2" not in text, i
        assert not HEX64.search(text), (i, HEX64.search(text))
        assert (token in text) is (i == 0), f"response {i} shows the token"
    listed = responses[6].json
    assert listed and all("token" not in t for t in listed)


# -- the audit trail ----------------------------------------------------------------------------------------

Step = Callable[[Flask, FlaskClient, dict[str, str], dict[str, Any]], None]


def _api(method: str, path: str, body: dict | None, status: int, keep: str | None = None) -> Step:
    def step(app: Flask, client: FlaskClient, admin: dict[str, str], state: dict[str, Any]) -> None:
        headers = dict(admin)
        if path.endswith(("/disable", "/enable")):  # a change to a versioned account sends its ETag
            headers["If-Match"] = client.get(path.format(**state).rsplit("/", 1)[0], headers=admin).headers["ETag"]
        resp = client.open(path.format(**state), method=method, json=body, headers=headers)
        assert resp.status_code == status, (path, resp.json)
        if keep:
            state[keep] = resp.json["id"]
    return step


def _cli(*args: str, input: str | None = None, exit_code: int = 0, keep: str | None = None) -> Step:
    def step(app: Flask, client: FlaskClient, admin: dict[str, str], state: dict[str, Any]) -> None:
        result = invoke(app, *(a.format(**state) for a in args), input=input)
        assert result.exit_code == exit_code, (args, result.output)
        if keep:
            state[keep] = int(re.search(r"(?:user|token) (\d+)", result.output)[1])
    return step


# (what is done, then the audited entity type, the action and the state key of the entity's id,
# or None when nothing may be audited)
AUDITED_CHANGES: list[tuple[str, Step, tuple[str, str, str] | None]] = [
    ("api: create user", _api("POST", "/api/v1/users", {"name": "审计对象", "role": "zone"}, 201, "uid"),
     ("user", "create", "uid")),
    ("api: duplicate user", _api("POST", "/api/v1/users", {"name": "审计对象", "role": "zone"}, 409), None),
    ("api: disable user", _api("POST", "/api/v1/users/{uid}/disable", {"reason": "离职"}, 200),
     ("user", "disable", "uid")),
    ("api: disable again", _api("POST", "/api/v1/users/{uid}/disable", {}, 200), None),
    ("api: enable user", _api("POST", "/api/v1/users/{uid}/enable", {}, 200), ("user", "enable", "uid")),
    ("api: create token", _api("POST", "/api/v1/users/{uid}/tokens", {"label": "a"}, 201, "tid"),
     ("token", "create", "tid")),
    ("api: revoke token", _api("POST", "/api/v1/tokens/{tid}/revoke", {}, 200), ("token", "revoke", "tid")),
    ("api: revoke again", _api("POST", "/api/v1/tokens/{tid}/revoke", {}, 409), None),
    ("cli: create user", _cli("user", "create", "--name", "命令行用户", "--role", "auditor", keep="cli_uid"),
     ("user", "create", "cli_uid")),
    ("cli: set password", _cli("user", "password", "--name", "命令行用户", "--password-stdin",
                               input=PASSWORD + "\n"), ("user", "set_password", "cli_uid")),
    ("cli: short password", _cli("user", "password", "--name", "命令行用户", "--password-stdin", input="short\n",
                                 exit_code=1), None),
    ("cli: disable user", _cli("user", "disable", "--name", "命令行用户"), ("user", "disable", "cli_uid")),
    ("cli: enable user", _cli("user", "enable", "--name", "命令行用户"), ("user", "enable", "cli_uid")),
    ("cli: create token", _cli("token", "create", "--user", "命令行用户", keep="cli_tid"),
     ("token", "create", "cli_tid")),
    ("cli: revoke token", _cli("token", "revoke", "--id", "{cli_tid}"), ("token", "revoke", "cli_tid")),
    ("cli: past expiry", _cli("token", "create", "--user", "命令行用户", "--expires", "2020-01-01", exit_code=1),
     None),
]


def test_every_user_and_token_change_is_audited_once(app: Flask, client: FlaskClient,
                                                     admin_headers: dict[str, str], auditor: dict[str, str]) -> None:
    state: dict[str, Any] = {}
    for what, step, audited in AUDITED_CHANGES:
        before = {kind: audit_total(client, auditor, kind) for kind in ("user", "token")}
        step(app, client, admin_headers, state)
        after = {kind: audit_total(client, auditor, kind) for kind in ("user", "token")}
        entity_type = audited[0] if audited else None
        assert after == {kind: before[kind] + (kind == entity_type) for kind in ("user", "token")}, what
        if audited:
            entity_type, action, id_key = audited
            newest = client.get("/api/v1/audit", query_string={"entity_type": entity_type, "per_page": 1},
                                headers=auditor).json["items"][0]
            assert (newest["action"], newest["entity_id"]) == (action, state[id_key]), what
