"""The sign-in throttle over HTTP, on every backend.

Proves that failures from one address never keep the account's owner out from another (no account lockout);
that the failing pair (account, address) is told to wait (429 + Retry-After, the right password refused
unchecked) with a wait that doubles, and may try again once it has passed; that a success resets the pair;
that one address failing across many accounts is throttled as an address, whatever account it tries next,
until its failures leave the window; that an unknown account is answered exactly as a known one; that
every refusal is kept as a login_throttled security event; and that an address presenting many unknown bearer
tokens is told to wait (429) while valid tokens from it, and unknown ones from elsewhere, are answered as before.

Time passes by ageing the recorded security events (what the throttle reads), never by sleeping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from registry.models import SecurityEvent
from tests.conftest import PASSWORD, Databases, bearer, dispose, make_app
from tests.test_auth_web import ADMIN, FAILED, WRONG, ZONE, events, login, signed_in_as

A, B = "192.0.2.1", "192.0.2.2"
WAIT = "登录失败次数过多"
# A first delay long enough that a slow machine never sees it pass between two requests.
FIRST = 60


@pytest.fixture
def app_with(databases: Databases) -> Iterator[Callable[..., Flask]]:
    """Seeded apps with throttle settings of the test's choosing, disposed of afterwards."""
    made: list[Flask] = []

    def build(**settings: object) -> Flask:
        made.append(make_app(databases.seeded(), **{"login_first_delay_seconds": FIRST, **settings}))
        return made[-1]

    yield build
    for app in made:
        dispose(app)


def later(app: Flask, seconds: float) -> None:
    """Let ``seconds`` pass for the throttle: every recorded security event becomes that much older."""
    with app.extensions["registry.engine"].begin() as conn:  # row by row: SQLite cannot subtract from a timestamp
        for row_id, at in conn.execute(select(SecurityEvent.id, SecurityEvent.at)).all():
            conn.execute(update(SecurityEvent).where(SecurityEvent.id == row_id)
                         .values(at=at - timedelta(seconds=seconds)))


def waited(resp: TestResponse) -> int:
    """The wait a refusal asks for, checked to be the same in the header and beside the form."""
    assert resp.status_code == 429, resp.status_code
    seconds = int(resp.headers["Retry-After"])
    assert re.search(rf"{WAIT}，请在 {seconds} 秒后再试", resp.text)
    assert FAILED not in resp.text
    return seconds


def fail(client: FlaskClient, name: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        resp = login(client, name, WRONG, address=address)
        assert resp.status_code == 200 and FAILED in resp.text, "refused before checking"


def test_failures_from_one_address_do_not_keep_the_owner_out(app_with: Callable[..., Flask],
                                                             auditor: dict[str, str]) -> None:
    client = app_with().test_client()
    fail(client, ADMIN, A, 3)
    for password in (WRONG, PASSWORD):  # the right password from the failing pair is not even checked
        assert FIRST - 10 <= waited(login(client, ADMIN, password, address=A)) <= FIRST
    assert signed_in_as(client) is None
    assert login(client, ADMIN, PASSWORD, address=B).status_code == 303
    assert signed_in_as(client) == ADMIN
    assert [e["address"] for e in events(client, auditor, kind="login_failed")] == [A] * 3
    throttled = events(client, auditor, kind="login_throttled")
    assert [(e["account"], e["address"]) for e in throttled] == [(ADMIN, A)] * 2


def test_failures_from_many_addresses_do_not_lock_the_account(app_with: Callable[..., Flask]) -> None:
    """What the old per-account lockout refused: anyone could shut an account by failing for it."""
    client = app_with().test_client()
    for n in range(10):
        fail(client, ADMIN, f"198.51.100.{n}", 2)
    assert login(client, ADMIN, PASSWORD, address=B).status_code == 303


def test_the_wait_doubles_and_ends(app_with: Callable[..., Flask]) -> None:
    app = app_with()
    client = app.test_client()
    fail(client, ZONE, A, 3)
    first = waited(login(client, ZONE, PASSWORD, address=A))
    later(app, first - 5)
    assert waited(login(client, ZONE, PASSWORD, address=A)) <= 5  # not yet
    later(app, 5)
    fail(client, ZONE, A)  # the wait is over: checked, and wrong
    second = waited(login(client, ZONE, PASSWORD, address=A))
    assert 2 * FIRST - 10 <= second <= 2 * FIRST
    later(app, second)
    fail(client, ZONE, A)
    third = waited(login(client, ZONE, PASSWORD, address=A))
    assert 4 * FIRST - 10 <= third <= 4 * FIRST
    later(app, third)
    assert login(client, ZONE, PASSWORD, address=A).status_code == 303


def test_the_wait_stops_growing_at_the_longest_delay(app_with: Callable[..., Flask]) -> None:
    app = app_with(login_failures_per_pair=1, login_longest_delay_seconds=FIRST * 3)
    client = app.test_client()
    asked = []
    for _ in range(4):
        fail(client, ZONE, A)
        asked.append(waited(login(client, ZONE, WRONG, address=A)))
        later(app, asked[-1])
    assert [round(s / FIRST) for s in asked] == [1, 2, 3, 3]


def test_a_success_resets_the_pair(app_with: Callable[..., Flask]) -> None:
    app = app_with()
    client = app.test_client()
    fail(client, ZONE, A, 3)
    later(app, waited(login(client, ZONE, WRONG, address=A)))
    assert login(client, ZONE, PASSWORD, address=A).status_code == 303
    fail(client, ZONE, A, 3)  # three free failures again, not a doubled wait
    assert FIRST - 10 <= waited(login(client, ZONE, WRONG, address=A)) <= FIRST


def test_one_address_failing_across_accounts_is_throttled(app_with: Callable[..., Flask],
                                                          auditor: dict[str, str]) -> None:
    app = app_with(login_failures_per_address=4, login_window_seconds=600)
    client = app.test_client()
    for name in ("猜测一", "猜测二", "猜测三", ADMIN):
        fail(client, name, A)
    wait = waited(login(client, ZONE, PASSWORD, address=A))  # a name it has not tried, with its right password
    assert 590 <= wait <= 600
    assert login(client, ZONE, PASSWORD, address=B).status_code == 303  # the same account from elsewhere
    throttled = events(client, auditor, kind="login_throttled")
    assert [(e["account"], e["address"]) for e in throttled] == [(ZONE, A)]
    later(app, wait)  # the oldest failure has left the window
    assert login(client, ZONE, PASSWORD, address=A).status_code == 303


def _answer(resp: TestResponse, name: str) -> tuple[int, str | None, str]:
    """What a caller learns: status, Retry-After and page, minus the CSRF token and the name echoed back."""
    page = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "CSRF", resp.text).replace(f'value="{name}"', "NAME")
    return resp.status_code, resp.headers.get("Retry-After"), page


def test_an_unknown_account_is_answered_as_a_known_one(app_with: Callable[..., Flask],
                                                        auditor: dict[str, str]) -> None:
    app = app_with()
    client = app.test_client()
    answers: dict[str, list] = {}
    for name, address in ((ADMIN, A), ("无此用户", B)):
        answers[name] = [_answer(login(client, name, WRONG, address=address), name) for _ in range(5)]
    assert [status for status, _, _ in answers[ADMIN]] == [200, 200, 200, 429, 429]
    # A slow machine may round a wait down by a second between the two runs; nothing else may differ.
    for (s1, w1, p1), (s2, w2, p2) in zip(answers[ADMIN], answers["无此用户"], strict=True):
        assert s1 == s2 and (w1 is None) == (w2 is None)
        if w1 is not None:
            assert abs(int(w1) - int(w2)) <= 1
            p2 = p2.replace(f"请在 {w2} 秒", f"请在 {w1} 秒")
        assert p1 == p2
    details = {(e["account"], e["detail"]) for e in events(client, auditor, kind="login_throttled")}
    assert {account for account, _ in details} == {ADMIN, "无此用户"}
    assert len({detail for _, detail in details}) <= 2  # only the wait differs, if anything


# -- bearer tokens ------------------------------------------------------------------------------------------

def test_an_address_flooding_unknown_tokens_is_told_to_wait(app_with: Callable[..., Flask], tokens: dict[str, str],
                                                             auditor: dict[str, str]) -> None:
    app = app_with(token_failures_per_address=3, login_window_seconds=600)
    client = app.test_client()

    def me(token: str, address: str) -> TestResponse:
        return client.get("/api/v1/me", headers=bearer(token), environ_base={"REMOTE_ADDR": address})

    for made_up in ("rgy_" + "A" * 43, "rgy_" + "B" * 43, "not even a token"):
        assert me(made_up, A).status_code == 401
    resp = me("rgy_" + "C" * 43, A)
    assert resp.status_code == 429 and resp.mimetype == "application/problem+json"
    assert 590 <= int(resp.headers["Retry-After"]) <= 600
    assert me(tokens["zone"], A).status_code == 200  # a valid token from the same address is never held back
    assert me("rgy_" + "C" * 43, B).status_code == 401  # nor is another address
    assert [e["address"] for e in events(client, auditor, kind="token_throttled")] == [A]
    later(app, 600)
    assert me("rgy_" + "C" * 43, A).status_code == 401
