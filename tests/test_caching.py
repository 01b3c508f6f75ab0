"""Public reads are cached per worker and answer conditional GETs, keyed by the data version: after any
write, no client and no cache sees the old answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, inspect

from registry.http import caching
from registry.services import freshness
from registry.services.freshness import data_version
from tests.conftest import Databases, bearer, cli, dispose, make_app
from tests.handover_steps import WATER_POWER, step
from tests.pages import login

READS = ["/api/v1/powers?q=取水", "/api/v1/powers?type=licensing", "/api/v1/powers/export.csv",
         "/api/v1/powers/export.json", "/api/v1/departments", "/api/v1/decisions", "/api/v1/handover-methods",
         f"/api/v1/powers/{WATER_POWER}/handler", "/api/v1/stats/handover", "/api/v1/stats/handover.csv",
         "/api/v1/events?after=100", "/api/v1/events.atom"]


def rename(client: FlaskClient, tokens: dict[str, str]) -> None:
    etag = client.get(f"/api/v1/powers/{WATER_POWER}").headers["ETag"]
    resp = client.patch(f"/api/v1/powers/{WATER_POWER}", json={"name": "取水许可(改)", "reason": "测试缓存"},
                        headers={**bearer(tokens["admin"]), "If-Match": etag})
    assert resp.status_code == 200


def new_office(client: FlaskClient, tokens: dict[str, str]) -> None:
    resp = client.post("/api/v1/departments", json={"name": "缓存测试办公室", "kind": "zone"},
                       headers=bearer(tokens["admin"]))
    assert resp.status_code == 201


def suspend(client: FlaskClient, tokens: dict[str, str]) -> None:
    step(client, tokens, WATER_POWER, "suspended")


WRITES: dict[str, Callable[[FlaskClient, dict[str, str]], None]] = {
    "power renamed": rename, "office added": new_office, "handover suspended": suspend}


@pytest.mark.parametrize("url", READS)
def test_current_etag_gets_304_and_the_cached_body_is_the_fresh_one(reader: FlaskClient, url: str) -> None:
    first = reader.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    again = reader.get(url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    not_modified = reader.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not_modified.get_data() == b""
    assert reader.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_each_url_has_its_own_entry(reader: FlaskClient) -> None:
    a, b = reader.get("/api/v1/powers?q=取水"), reader.get("/api/v1/powers?q=林地")
    assert a.headers["ETag"] != b.headers["ETag"] and a.json["total"] != b.json["total"]


@pytest.mark.parametrize("write", list(WRITES))
def test_no_stale_answer_after_a_write(client: FlaskClient, tokens: dict[str, str], write: str) -> None:
    before = {url: client.get(url) for url in READS}
    WRITES[write](client, tokens)
    for url, old in before.items():
        assert client.get(url, headers={"If-None-Match": old.headers["ETag"]}).status_code == 200, url
        assert client.get(url).headers["ETag"] != old.headers["ETag"], url
    if write == "power renamed":
        assert client.get("/api/v1/powers?q=取水").json["items"][0]["name"] == "取水许可(改)"
        assert "取水许可(改)" in client.get("/api/v1/powers/export.csv").get_data(as_text=True)


def test_synthetic_data_outside_the_trail_still_refreshes(app: Flask, client: FlaskClient) -> None:
    before = client.get("/api/v1/powers?q=许可")
    cli(app, "seed", "--synthetic", "50", "--random-seed", "3")
    after = client.get("/api/v1/powers?q=许可", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["total"] > before.json["total"]
    cli(app, "seed", "--remove-synthetic")
    assert client.get("/api/v1/powers?q=许可").json["total"] == before.json["total"]


def test_without_the_cache_conditional_get_still_works(databases: Databases) -> None:
    app = make_app(databases.seeded(), response_cache_bytes=0)
    try:
        client = app.test_client()
        first = client.get("/api/v1/powers?q=取水")
        assert client.get("/api/v1/powers?q=取水").get_data() == first.get_data()
        assert client.get("/api/v1/powers?q=取水", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        assert "registry.response_cache" not in app.extensions
    finally:
        dispose(app)


def test_a_write_through_another_process_invalidates_this_ones_cache(app: Flask, tokens: dict[str, str]) -> None:
    """Two apps on one database stand for two gunicorn workers (or a worker and the CLI): each has its own
    engine, pool and response cache, and a write through either is seen by the other on its next request."""
    mine = app.test_client()
    other_app = make_app(app.config["REGISTRY_SETTINGS"].database_url)
    try:
        before = {url: mine.get(url) for url in READS}
        assert all(mine.get(url).get_data() == old.get_data() for url, old in before.items())  # now cached
        rename(other_app.test_client(), tokens)
        for url, old in before.items():
            assert mine.get(url, headers={"If-None-Match": old.headers["ETag"]}).status_code == 200, url
            assert mine.get(url).headers["ETag"] != old.headers["ETag"], url
        assert mine.get("/api/v1/powers?q=取水").json["items"][0]["name"] == "取水许可(改)"
        assert "取水许可(改)" in mine.get("/api/v1/powers/export.csv").get_data(as_text=True)
    finally:
        dispose(other_app)


def test_the_version_moves_with_writes_from_another_engine(app: Flask, tokens: dict[str, str]) -> None:
    other_app = make_app(app.config["REGISTRY_SETTINGS"].database_url)
    try:
        first = data_version(app.extensions["registry.engine"])
        assert data_version(app.extensions["registry.engine"]) == first  # reading moves nothing
        new_office(other_app.test_client(), tokens)
        assert data_version(app.extensions["registry.engine"]) != first
    finally:
        dispose(other_app)


def test_the_connection_that_read_the_version_still_rolls_back(app: Flask) -> None:
    """The version is read outside any transaction on PostgreSQL (autocommit); the connection goes back to the pool
    transactional again, so what a request writes on it after is undone by a rollback as before."""
    engine = app.extensions["registry.engine"]
    engine.dispose()  # a pool of one connection: the one the version is read on
    data_version(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE version_probe (x INTEGER)")
        conn.rollback()
    with engine.connect() as conn:
        assert not inspect(conn).has_table("version_probe")


def test_reloading_the_same_synthetic_data_is_a_new_version(app: Flask, client: FlaskClient) -> None:
    """Removing and loading the same seed again gives new rows (new ids on PostgreSQL): never the old answer."""
    cli(app, "seed", "--synthetic", "20", "--random-seed", "3")
    loaded = client.get("/api/v1/powers?q=许可")
    cli(app, "seed", "--remove-synthetic")
    assert client.get("/api/v1/powers?q=许可").headers["ETag"] != loaded.headers["ETag"]
    cli(app, "seed", "--synthetic", "20", "--random-seed", "3")
    again = client.get("/api/v1/powers?q=许可", headers={"If-None-Match": loaded.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != loaded.headers["ETag"]


def test_a_body_made_while_a_write_landed_is_not_kept(app: Flask, tokens: dict[str, str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The version is read before the view; if a write lands before the body is made, the body (newer than
    the version) is served but not cached under the old version."""
    client = app.test_client()
    other = make_app(app.config["REGISTRY_SETTINGS"].database_url)
    calls: list[str] = []

    def version_then_write(engine):
        version = data_version(engine)
        if engine is not app.extensions["registry.engine"]:
            return version  # the other app's reads while it writes
        calls.append(version)
        if len(calls) == 1:
            rename(other.test_client(), tokens)  # lands after the version was read, before the view reads
        return version

    monkeypatch.setattr(caching, "data_version", version_then_write)
    try:
        served = client.get("/api/v1/powers?q=取水")
    finally:
        dispose(other)
    assert served.json["items"][0]["name"] == "取水许可(改)"  # the body is at least as new as its version
    assert len(calls) == 2 and calls[0] != calls[1]
    assert not [url for url, held in app.extensions[caching.CACHE_KEY].items() if held.version == calls[0]]
    monkeypatch.undo()
    assert client.get("/api/v1/powers?q=取水", headers={"If-None-Match": served.headers["ETag"]}).status_code == 200


def test_a_cache_hit_runs_one_statement_and_no_transaction(sqlite_databases: Databases) -> None:
    """The hot path: a hit reads the version with one statement (no session, no BEGIN/ROLLBACK), then answers.

    Counted with SQLite's statement trace; the statement itself is the same on PostgreSQL.
    """
    app = make_app(sqlite_databases.seeded())
    try:
        engine = app.extensions["registry.engine"]
        statements: list[str] = []
        event.listen(engine, "connect", lambda dbapi_conn, _rec: dbapi_conn.set_trace_callback(statements.append))
        engine.dispose()  # new connections, traced from their first statement
        client = app.test_client()
        first = client.get("/api/v1/powers?q=取水")
        statements.clear()
        hit = client.get("/api/v1/powers?q=取水")
        assert hit.get_data() == first.get_data()
        assert [s for s in statements if not s.startswith("PRAGMA")] == [freshness._sql(engine)]
    finally:
        dispose(app)


PAGES = ["/?q=取水", f"/powers/{WATER_POWER}", "/progress"]
# The power as it stands, and as it stood when the test began (rebuilt from the trail).
KEEPABLE = [f"/api/v1/powers/{WATER_POWER}", f"/api/v1/powers/{WATER_POWER}?as_of={{now}}"]
STREAMED = {"/api/v1/powers/export.csv", "/api/v1/powers/export.json"}  # never held: they can be any size


def _headers(resp) -> list[tuple[str, str]]:
    return [(k, v) for k, v in resp.headers.items() if k != "X-Request-ID"]


@pytest.mark.parametrize("url", READS + PAGES + KEEPABLE)
def test_a_cached_answer_is_the_one_flask_sends(app: Flask, url: str) -> None:
    """A hit is served in front of Flask: status, headers (every hook's) and body are those of an app without the
    cache, on the same data."""
    url = url.replace("{now}", quote(datetime.now(UTC).isoformat(timespec="seconds")))
    uncached = make_app(app.config["REGISTRY_SETTINGS"].database_url, response_cache_bytes=0)
    try:
        fresh = uncached.test_client().get(url)
    finally:
        dispose(uncached)
    client = app.test_client()
    made = client.get(url, headers={"X-Request-ID": "made-1"})
    cache = app.extensions[caching.CACHE_KEY]
    assert len(cache.items()) == (url not in STREAMED)
    hit = client.get(url, headers={"X-Request-ID": "hit-1"})
    for resp, own in ((made, "made-1"), (hit, "hit-1")):
        assert (resp.status, _headers(resp), resp.get_data()) == (fresh.status, _headers(fresh), fresh.get_data())
        assert resp.headers.getlist("X-Request-ID") == [own]


def test_a_hit_does_not_reach_flask(app: Flask) -> None:
    """What the cache holds is what a hit gets, without a view, a hook or a request id of Flask's."""
    client = app.test_client()
    url = "/api/v1/powers?q=取水"
    client.get(url)
    cache = app.extensions[caching.CACHE_KEY]
    [(key, held)] = cache.items()
    cache.keep(key, caching.Answer(held.version, "200 OK", [("Content-Type", "text/plain")], b"held"))
    hit = client.get(url, headers={"X-Request-ID": "mine-1"})
    assert (hit.get_data(), hit.headers["Content-Type"], hit.headers["X-Request-ID"]) == (b"held", "text/plain",
                                                                                         "mine-1")
    assert client.get(url, headers={"X-Request-ID": "not sane!"}).headers["X-Request-ID"] != "not sane!"


@pytest.mark.parametrize("credentials", ["bearer token", "session cookie", "a stranger's session cookie"])
def test_only_anonymous_requests_get_or_leave_cached_answers(app: Flask, tokens: dict[str, str],
                                                             credentials: str) -> None:
    """An answer made for a caller with credentials is never kept, and a kept one is never served to them."""
    client = app.test_client()
    url = "/?q=取水"
    headers = bearer(tokens["zone"]) if credentials == "bearer token" else {}
    if credentials == "session cookie":
        login(client, "zone")
    elif credentials == "a stranger's session cookie":
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], "forged")
    assert client.get(url, headers=headers).status_code == 200
    cache = app.extensions[caching.CACHE_KEY]
    assert cache.items() == []
    app.test_client().get(url)  # anonymous: kept
    [(key, held)] = cache.items()
    cache.keep(key, caching.Answer(held.version, "200 OK", [("Content-Type", "text/plain")], b"held"))
    assert app.test_client().get(url).get_data() == b"held"
    theirs = client.get(url, headers=headers)
    assert theirs.mimetype == "text/html" and theirs.get_data() != b"held"


def test_each_host_has_its_own_answer(reader: FlaskClient) -> None:
    """The Atom feed's links are made from the Host header: one host's answer is never another's."""
    mine = reader.get("/api/v1/events.atom").get_data(as_text=True)
    theirs = reader.get("/api/v1/events.atom", headers={"Host": "elsewhere.example"})
    assert "elsewhere.example" in theirs.get_data(as_text=True) and "elsewhere.example" not in mine
    again = reader.get("/api/v1/events.atom")
    assert again.get_data(as_text=True) == mine and again.headers["ETag"] != theirs.headers["ETag"]


def _answer(body: bytes) -> caching.Answer:
    return caching.Answer("v1", "200 OK", [("Content-Type", "text/plain")], body)


@pytest.mark.parametrize(("bodies", "held"), [
    ([b"a" * 1000] * 3, ["/0", "/1", "/2"]),  # all fit
    ([b"a" * 4000] * 10, [f"/{i}" for i in range(1, 10)]),  # the least recently used goes when the bytes run out
    ([b"a" * 500, b"b" * 20_000], ["/0"]),  # over an eighth of the cache alone: not kept
])
def test_the_cache_is_bounded_in_bytes(bodies: list[bytes], held: list[str]) -> None:
    cache = caching.ResponseCache(max_bytes=40_000)
    for i, body in enumerate(bodies):
        cache.keep(f"/{i}", _answer(body))
    assert [url for url, _ in cache.items()] == held
    assert cache.size <= 40_000



STAFF_ANSWER = "private, no-store"
CACHE_CONTROL = [
    # (method, url, who asks, whether the answer must be private and unstored)
    ("GET", "/", "anonymous", False),
    ("GET", f"/powers/{WATER_POWER}", "anonymous", False),
    ("GET", "/api/v1/powers", "anonymous", False),
    ("GET", f"/api/v1/powers/{WATER_POWER}", "anonymous", False),
    ("GET", "/api/v1/departments/7", "anonymous", False),
    ("GET", "/api/v1/calendar/years/2026", "anonymous", False),
    ("GET", "/api/v1/events.atom", "anonymous", False),
    ("GET", "/api/v1/openapi.json", "anonymous", False),
    ("GET", "/static/registry.css", "anonymous", False),
    ("GET", "/", "session", True),
    ("GET", f"/powers/{WATER_POWER}", "session", True),
    ("GET", "/console/", "session", True),
    ("GET", f"/console/powers/{WATER_POWER}", "session", True),
    ("GET", "/console/offices/", "session", True),
    ("GET", "/api/v1/powers", "bearer", True),
    ("GET", f"/api/v1/powers/{WATER_POWER}", "bearer", True),
    ("GET", "/api/v1/me", "bearer", True),
    ("GET", "/api/v1/users", "bearer", True),
    ("GET", f"/api/v1/powers/{WATER_POWER}/handover", "bearer", True),
    ("GET", "/api/v1/audit", "bearer", True),
    ("PATCH", "/api/v1/departments/7", "bearer", True),  # 428: no If-Match
    ("GET", "/console/", "anonymous", True),  # the redirect to sign in
    ("GET", "/api/v1/users", "anonymous", True),  # 401
    ("GET", "/auth/login", "anonymous", True),  # sets the session cookie its form's CSRF token lives in
]


@pytest.mark.parametrize(("method", "url", "who", "private"), CACHE_CONTROL)
def test_staff_answers_are_private_and_never_stored(shared_app: Flask, tokens: dict[str, str], method: str,
                                                    url: str, who: str, private: bool) -> None:
    client = shared_app.test_client()
    headers = bearer(tokens["admin"]) if who == "bearer" else {}
    if who == "session":
        login(client, "admin")
    resp = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
    assert resp.status_code < 500
    cache_control = resp.headers.get("Cache-Control", "")
    assert (cache_control == STAFF_ANSWER) is private, (resp.status_code, cache_control)
    if private:
        assert "Expires" not in resp.headers
    else:
        assert "no-store" not in cache_control and "private" not in cache_control
