"""Staff sign-in on the web pages, on every backend.

Proves that a correct password opens a session whose cookie is HttpOnly, SameSite=Lax and Secure over
HTTPS; that a wrong password and an unknown name are answered alike and recorded as login_failed (the
throttle on repeated failures is proved in test_throttle.py); that every form is CSRF-protected; that
``next`` never leads off the site; that disabling a user or changing their password ends their session;
that a token-only user cannot sign in; that the API ignores the session cookie; and that the login page
needs neither JavaScript nor any external asset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import PASSWORD, STAFF, bearer, cli

ADMIN, ZONE, AUDITOR = STAFF["admin"][0], STAFF["zone"][0], STAFF["auditor"][0]
ADDRESS = "10.0.0.7"
OTHER_ADDRESS = "10.0.0.8"
WRONG = "not the right password at all"
FAILED = "用户名或密码错误"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token hidden input in the form"
    return match[1]


def env(address: str) -> dict[str, str]:
    return {"REMOTE_ADDR": address}


def login(client: FlaskClient, name: str, password: str, *, next: str = "", address: str = ADDRESS,
          base_url: str = "http://localhost") -> TestResponse:
    """Sign in as a browser would: fetch the form, then post it back with its CSRF token."""
    form = client.get("/auth/login", environ_base=env(address), base_url=base_url)
    assert form.status_code == 200
    # Over HTTPS a browser sends the page it posts from; Flask-WTF insists that it be this site.
    return client.post("/auth/login", base_url=base_url, environ_base=env(address),
                       headers={"Referer": f"{base_url}/auth/login"}, data={
                           "name": name, "password": password, "csrf_token": csrf_token(form.text), "next": next})


def session_cookie(response: TestResponse) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("registry_session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def signed_in_as(client: FlaskClient, base_url: str = "http://localhost") -> str | None:
    """The name /auth/session shows, or None when it sends the browser to the login page."""
    resp = client.get("/auth/session", base_url=base_url)
    if resp.status_code == 302:
        assert urlsplit(resp.headers["Location"]).path == "/auth/login"
        return None
    assert resp.status_code == 200, resp.status_code
    return re.search(r"<dt>用户名</dt><dd>([^<]*)</dd>", resp.text)[1]


def events(client: FlaskClient, auditor: dict[str, str], **filters: str) -> list[dict]:
    resp = client.get("/api/v1/security-events", query_string={**filters, "per_page": 500}, headers=auditor)
    assert resp.status_code == 200, resp.json
    return resp.json["items"]


# -- signing in ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("base_url, secure", [("http://localhost", False), ("https://localhost", True)],
                         ids=["http", "https"])
def test_login_opens_a_session_with_a_guarded_cookie(client: FlaskClient, auditor: dict[str, str],
                                                     base_url: str, secure: bool) -> None:
    assert signed_in_as(client, base_url) is None
    resp = login(client, ADMIN, PASSWORD, base_url=base_url)
    assert resp.status_code == 303
    assert urlsplit(resp.headers["Location"]).path == "/console/home"
    attributes = [part.strip().lower() for part in session_cookie(resp).split(";")[1:]]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert ("secure" in attributes) is secure
    assert signed_in_as(client, base_url) == ADMIN
    [event] = events(client, auditor, kind="login", account=ADMIN)
    assert event["address"] == ADDRESS and event["user_id"] is not None


def _without_volatile_parts(html: str, name: str) -> str:
    """The page minus what legitimately differs: the CSRF token and the name echoed back into the form."""
    return CSRF_INPUT.sub("CSRF", html).replace(f'value="{name}"', 'value="NAME"')


def test_wrong_password_and_unknown_name_are_answered_alike(client: FlaskClient) -> None:
    wrong = login(client, ADMIN, WRONG)
    unknown = login(client, "无此用户", WRONG)
    assert wrong.status_code == unknown.status_code == 200
    assert FAILED in wrong.text
    assert _without_volatile_parts(wrong.text, ADMIN) == _without_volatile_parts(unknown.text, "无此用户")
    assert signed_in_as(client) is None


@pytest.mark.parametrize("name", [ADMIN, "无此用户"], ids=["wrong-password", "unknown-name"])
def test_a_failed_login_is_refused_and_recorded(client: FlaskClient, auditor: dict[str, str], name: str) -> None:
    resp = login(client, name, WRONG)
    assert resp.status_code == 200 and FAILED in resp.text
    assert signed_in_as(client) is None
    [event] = events(client, auditor, kind="login_failed")
    assert (event["account"], event["address"], event["path"]) == (name, ADDRESS, "/auth/login")
    assert events(client, auditor, kind="login") == []


def test_a_user_without_a_password_cannot_sign_in(client: FlaskClient, auditor: dict[str, str]) -> None:
    app = client.application
    cli(app, "user", "create", "--name", "只用令牌", "--role", "zone")
    resp = login(client, "只用令牌", PASSWORD)
    assert resp.status_code == 200 and FAILED in resp.text
    assert signed_in_as(client) is None
    assert [e["account"] for e in events(client, auditor, kind="login_failed")] == ["只用令牌"]


# -- CSRF ---------------------------------------------------------------------------------------------------

def _token_of_another_session(client: FlaskClient) -> str:
    other = client.application.test_client()
    return csrf_token(other.get("/auth/login").text)


CSRF_CASES = {
    "missing": lambda client: None,
    "garbage": lambda client: "not-a-csrf-token",
    "another-session": _token_of_another_session,
}


@pytest.mark.parametrize("make_token", CSRF_CASES.values(), ids=CSRF_CASES.keys())
def test_login_without_a_valid_csrf_token_is_refused(client: FlaskClient, auditor: dict[str, str],
                                                     make_token: Callable[[FlaskClient], str | None]) -> None:
    client.get("/auth/login")
    token = make_token(client)
    data = {"name": ADMIN, "password": PASSWORD, **({"csrf_token": token} if token else {})}
    resp = client.post("/auth/login", data=data, environ_base=env(ADDRESS))
    assert resp.status_code == 400
    assert resp.mimetype == "text/html" and "表单已失效" in resp.text
    assert signed_in_as(client) is None
    [event] = events(client, auditor, kind="csrf_failed")
    assert (event["path"], event["address"]) == ("/auth/login", ADDRESS)
    assert events(client, auditor, kind="login") == []


@pytest.mark.parametrize("make_token", CSRF_CASES.values(), ids=CSRF_CASES.keys())
def test_logout_without_a_valid_csrf_token_is_refused(client: FlaskClient, auditor: dict[str, str],
                                                      make_token: Callable[[FlaskClient], str | None]) -> None:
    assert login(client, ZONE, PASSWORD).status_code == 303
    token = make_token(client)
    resp = client.post("/auth/logout", data={"csrf_token": token} if token else {}, environ_base=env(ADDRESS))
    assert resp.status_code == 400 and "表单已失效" in resp.text
    assert signed_in_as(client) == ZONE  # still signed in: another site cannot sign the user out
    [event] = events(client, auditor, kind="csrf_failed")
    assert (event["path"], event["account"]) == ("/auth/logout", ZONE)


def test_an_https_login_posted_from_another_site_is_refused(client: FlaskClient, auditor: dict[str, str]) -> None:
    https = "https://localhost"
    form = client.get("/auth/login", base_url=https)
    resp = client.post("/auth/login", base_url=https, headers={"Referer": "https://evil.example/login"}, data={
        "name": ADMIN, "password": PASSWORD, "csrf_token": csrf_token(form.text)})
    assert resp.status_code == 400
    assert signed_in_as(client, https) is None
    assert len(events(client, auditor, kind="csrf_failed")) == 1


def test_logout_with_its_csrf_token_ends_the_session(client: FlaskClient, auditor: dict[str, str]) -> None:
    assert login(client, ZONE, PASSWORD).status_code == 303
    page = client.get("/auth/logout")
    resp = client.post("/auth/logout", data={"csrf_token": csrf_token(page.text)})
    assert resp.status_code == 303 and urlsplit(resp.headers["Location"]).path == "/auth/signed-out"
    assert signed_in_as(client) is None
    assert [e["account"] for e in events(client, auditor, kind="logout")] == [ZONE]


# -- where a successful login leads -------------------------------------------------------------------------

@pytest.mark.parametrize("next_", [
    "//evil.example", "https://evil.example", "http://evil.example/auth/session", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "evil.example", "",
], ids=["scheme-relative", "https", "http", "backslash", "double-backslash", "tab", "newline", "javascript",
        "relative", "empty"])
def test_next_never_leads_off_the_site(client: FlaskClient, next_: str) -> None:
    resp = login(client, ZONE, PASSWORD, next=next_)
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/console/home"


def test_a_local_next_is_followed(client: FlaskClient) -> None:
    resp = login(client, ZONE, PASSWORD, next="/api-docs?tab=users")
    assert resp.status_code == 303 and resp.headers["Location"] == "/api-docs?tab=users"


def test_anonymous_visitors_are_sent_to_the_login_form_and_back(reader: FlaskClient) -> None:
    resp = reader.get("/auth/session")
    assert resp.status_code == 302
    location = urlsplit(resp.headers["Location"])
    assert location.path == "/auth/login" and parse_qs(location.query) == {"next": ["/auth/session"]}
    form = reader.get(resp.headers["Location"])
    assert 'name="next" value="/auth/session"' in form.text


# -- the session ends when the account changes --------------------------------------------------------------

SESSION_ENDERS = {
    "disabled": (("user", "disable", "--name", ZONE), None, None),
    "password-changed": (("user", "password", "--name", ZONE, "--password-stdin"), "a brand new passphrase\n",
                         "a brand new passphrase"),
}


@pytest.mark.parametrize("command, stdin, new_password", SESSION_ENDERS.values(), ids=SESSION_ENDERS.keys())
def test_the_session_ends_when_the_account_changes(client: FlaskClient, command: tuple[str, ...],
                                                   stdin: str | None, new_password: str | None) -> None:
    assert login(client, ZONE, PASSWORD).status_code == 303
    assert signed_in_as(client) == ZONE
    cli(client.application, *command, input=stdin)
    assert signed_in_as(client) is None
    old = login(client, ZONE, PASSWORD)
    assert old.status_code == 200 and FAILED in old.text
    if new_password is not None:
        assert login(client, ZONE, new_password).status_code == 303
        assert signed_in_as(client) == ZONE


# -- the API takes bearer tokens only -----------------------------------------------------------------------

API_CALLS = [
    ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/users", None),
    ("GET", "/api/v1/security-events", None),
    ("POST", "/api/v1/users", {"name": "借会话者", "role": "zone"}),
]


def test_the_api_ignores_the_session_cookie(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert login(client, ADMIN, PASSWORD).status_code == 303
    assert signed_in_as(client) == ADMIN
    for method, path, body in API_CALLS:
        resp = client.open(path, method=method, json=body)
        assert resp.status_code == 401, (method, path, resp.status_code)
        assert resp.mimetype == "application/problem+json"
    resp = client.get("/api/v1/me", headers=bearer(tokens["admin"]))
    assert resp.status_code == 200 and resp.json["name"] == ADMIN
    assert client.get("/api/v1/users", headers=bearer(tokens["admin"])).status_code == 200
    names = [u["name"] for u in client.get("/api/v1/users", headers=bearer(tokens["admin"])).json]
    assert "借会话者" not in names


# -- the page itself ----------------------------------------------------------------------------------------

URL_ATTRIBUTE = re.compile(r'\b(?:src|href|action|formaction|srcset|poster|data)\s*=\s*"([^"]*)"', re.I)


def test_the_login_page_needs_no_javascript_and_no_external_asset(reader: FlaskClient) -> None:
    resp = reader.get("/auth/login")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    html = resp.text
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handlers need JavaScript"
    form = re.search(r'<form method="post" action="([^"]+)"', html)
    assert form and form[1] == "/auth/login"
    for field in ("name", "password", "csrf_token", "next"):
        assert re.search(rf'<input[^>]*name="{field}"', html), field
    assert re.search(r'<button type="submit"', html)
    urls = URL_ATTRIBUTE.findall(html)
    assert urls, "expected at least the form's action"
    assert [u for u in urls if re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", u, re.I)] == []
    assert not re.search(r"https?://|url\(\s*['\"]?//|@import", html, re.I)
