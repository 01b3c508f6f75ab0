"""Failures that say what they are: a database that is down, unreachable or locked is 503 with Retry-After, a full
disk is 507, as problem+json for the API and a Chinese page for people, with the security headers and the request
id, logged once; never a 500, never the server's own error page. /healthz (liveness) stays 200 through an outage,
/readyz (readiness) does not.

Outages of PostgreSQL are real: a private server on a port of its own is stopped and started again (never the
shared one). SQLite's lock is held by another connection, and its disk is filled by a page limit.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
from collections.abc import Iterator

import psycopg
import pytest
from conftest import PASSWORD, STAFF, Databases, bearer, cli, dispose, make_app
from flask import Flask
from flask.testing import FlaskClient
from pages import form, login
from private_postgres import PrivatePostgres
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from test_serve import Server, gunicorn

from registry.db import ENGINE_KEY, failures
from registry.http.security_headers import CONTENT_SECURITY_POLICY
from registry.services import errors

PROBLEM = "application/problem+json"
TRACE = "outage-trace-1"
# (path, what answers it): the API, the citizen pages and the console, first asked during the outage or cached
# before it.
DURING_AN_OUTAGE = [
    ("/api/v1/powers?type=licensing", "api"),
    ("/powers/2", "page"),
    ("/console/", "console"),
    ("/api/v1/decisions", "api-cached"),
    ("/progress", "page-cached"),
]


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres.create()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def pg_app(private_pg: PrivatePostgres) -> Iterator[Flask]:
    """A seeded registry on the private server, made through the CLI like every test database."""
    app = make_app(private_pg.create_database("registry"))
    cli(app, "init-db")
    cli(app, "seed")
    name, role, _ = STAFF["admin"]
    cli(app, "user", "create", "--name", name, "--role", role, "--password-stdin", input=PASSWORD + "\n")
    yield app
    dispose(app)


class Down:
    """The private server stopped for the block, started again after it."""

    def __init__(self, server: PrivatePostgres):
        self.server = server

    def __enter__(self) -> None:
        self.server.stop()

    def __exit__(self, *_exc: object) -> None:
        self.server.start()


def _says_unavailable(resp, kind: str, code: str = "database.unavailable", status: int = 503) -> None:
    """The app's own answer: its status, Retry-After (503), the headers every answer has, the body its kind."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    if status == 503:
        assert int(resp.headers["Retry-After"]) > 0
    assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert resp.headers["X-Request-ID"] == TRACE
    if kind.startswith("api"):
        assert (resp.mimetype, resp.json["status"], resp.json["code"]) == (PROBLEM, status, code)
    else:
        text = resp.get_data(as_text=True)
        assert resp.mimetype == "text/html" and ("服务暂时不可用" if status == 503 else "存储空间已满") in text
        assert "Traceback" not in text and "psycopg" not in text


@pytest.mark.parametrize(("path", "kind"), DURING_AN_OUTAGE)
def test_a_postgresql_outage_is_503_and_passes(pg_app: Flask, private_pg: PrivatePostgres, path: str, kind: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    client = pg_app.test_client()
    if kind == "console":
        login(client, "admin")
    if kind.endswith("cached"):
        assert [client.get(path).status_code for _ in range(2)] == [200, 200]
    with Down(private_pg):
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            resp = client.get(path, headers={"X-Request-ID": TRACE})
        _says_unavailable(resp, kind)
        logged = [r.getMessage() for r in caplog.records]
        assert len(logged) == 1 and logged[0].startswith(
            f"database.unavailable on GET {path.partition('?')[0]} (request {TRACE}): "), logged
    assert client.get(path).status_code == 200  # the same app, no restart


def test_healthz_is_alive_and_readyz_is_not_while_postgresql_is_down(pg_app: Flask,
                                                                    private_pg: PrivatePostgres) -> None:
    client = pg_app.test_client()
    assert (client.get("/readyz").status_code, client.get("/readyz").json["database"]) == (200, "up")
    with Down(private_pg):
        alive, ready = client.get("/healthz"), client.get("/readyz")
        assert (alive.status_code, alive.json) == (200, {"status": "ok"})
        assert (ready.status_code, ready.json["database"], ready.json["code"]) == (503, "down",
                                                                                 "database.unavailable")
        assert int(ready.headers["Retry-After"]) > 0
    assert client.get("/readyz").status_code == 200


# --- SQLite: a lock held too long, a full disk ----------------------------------------------------------------


@pytest.fixture
def sqlite_file(sqlite_databases: Databases) -> str:
    return sqlite_databases.seeded()


def _patch(client: FlaskClient, token: str, power_id: int, note: str):
    etag = client.get(f"/api/v1/powers/{power_id}").headers["ETag"]
    return client.patch(f"/api/v1/powers/{power_id}", json={"note": note, "reason": "故障测试"},
                        headers={**bearer(token), "If-Match": etag, "X-Request-ID": TRACE})


def test_a_sqlite_lock_held_past_the_busy_timeout_is_503_at_once(sqlite_databases: Databases,
                                                                 sqlite_file: str) -> None:
    app = make_app(sqlite_file, sqlite_busy_timeout_ms=200)
    token = sqlite_databases.staff_tokens()["admin"]
    client = app.test_client()
    holder = sqlite3.connect(make_url(sqlite_file).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        resp = _patch(client, token, 1, "锁")
        took = time.monotonic() - started
        _says_unavailable(resp, "api", "database.busy")
        assert took < 5
        assert client.get("/api/v1/powers/1").status_code == 200  # readers are not held up (WAL)
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json["database"], ready.json["code"]) == (503, "busy", "database.busy")
        holder.execute("ROLLBACK")
        assert _patch(client, token, 1, "锁已解除").status_code == 200
        assert client.get("/readyz").status_code == 200
    finally:
        holder.close()
        dispose(app)


def _at_its_size_limit(app: Flask) -> None:
    """Every new connection may not grow the database beyond the pages it has now (with none free)."""
    engine = app.extensions[ENGINE_KEY]
    engine.dispose()
    with sqlite3.connect(engine.url.database) as conn:
        conn.execute("VACUUM")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(engine, "connect")
    def _limit(dbapi_conn, _record) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")


def _through_the_console(client: FlaskClient, _token: str, power_id: int, note: str):
    resp = client.get(f"/console/powers/{power_id}/edit")
    assert resp.status_code == 200, resp.status_code
    client.environ_base["HTTP_X_REQUEST_ID"] = TRACE
    return form(resp, "/edit").submit(client, note=note, reason="故障测试")


@pytest.mark.parametrize("write", [_patch, _through_the_console], ids=["api", "console"])
def test_a_full_sqlite_database_is_507_and_not_ready(sqlite_databases: Databases, sqlite_file: str, write) -> None:
    app = make_app(sqlite_file)
    token = sqlite_databases.staff_tokens()["admin"]
    client = app.test_client()
    if write is _through_the_console:
        login(client, "admin")
    try:
        _at_its_size_limit(app)
        statuses = []
        for n in range(1, 40):  # each change adds a note and an audit entry: pages run out within a few
            resp = write(client, token, n, f"{n}满" * 600)
            statuses.append(resp.status_code)
            if resp.status_code >= 400:
                break
        assert set(statuses[:-1]) <= {200, 303} and statuses[-1] == 507, statuses
        _says_unavailable(resp, "api" if write is _patch else "console", "database.full", 507)
        assert "Retry-After" not in resp.headers
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json["database"], ready.json["code"]) == (503, "full", "database.full")
        assert client.get("/healthz").status_code == 200
    finally:
        dispose(app)


@pytest.mark.parametrize(("min_free_mib", "warned"), [(0, False), (10**9, True)])
def test_readyz_warns_when_free_space_runs_low(sqlite_file: str, min_free_mib: int, warned: bool) -> None:
    app = make_app(sqlite_file, min_free_mib=min_free_mib)
    try:
        resp = app.test_client().get("/readyz")
    finally:
        dispose(app)
    assert resp.status_code == 200  # a warning, not unready
    assert ("disk.low" in [w["code"] for w in resp.json["warnings"]]) is warned


# --- the mapping, by the drivers' own error classes ---------------------------------------------------------


def _real_sqlite_error(kind: str) -> sqlite3.Error:
    """SQLite's own error: a write past max_page_count (FULL), or a second writer (BUSY)."""
    first = sqlite3.connect(":memory:" if kind == "full" else "file:busy?mode=memory&cache=shared", uri=True,
                            isolation_level=None)
    try:
        if kind == "full":
            first.execute("PRAGMA max_page_count = 2")
            first.execute("CREATE TABLE t (x)")
            first.execute("INSERT INTO t VALUES (zeroblob(100000))")
        else:
            first.execute("CREATE TABLE t (x)")
            first.execute("BEGIN IMMEDIATE")
            first.execute("INSERT INTO t VALUES (1)")
            second = sqlite3.connect("file:busy?mode=memory&cache=shared", uri=True, timeout=0)
            second.execute("SELECT * FROM t")
    except sqlite3.Error as error:
        return error
    finally:
        first.close()
    raise AssertionError("SQLite raised nothing")


def _wrapped(orig: BaseException) -> exc.DBAPIError:
    return exc.OperationalError("SELECT 1", {}, orig)  # type: ignore[arg-type]


@pytest.mark.parametrize(("error", "expected"), [
    (_real_sqlite_error("full"), "database.full"),
    (_real_sqlite_error("busy"), "database.busy"),
    (_wrapped(_real_sqlite_error("full")), "database.full"),
    (sqlite3.OperationalError("unable to open database file"), "database.unavailable"),
    (sqlite3.IntegrityError("UNIQUE constraint failed: power.seq"), None),
    (psycopg.errors.DiskFull('could not extend file "base/16384/16385": No space left on device'), "database.full"),
    (_wrapped(psycopg.errors.DiskFull("could not write")), "database.full"),
    (psycopg.errors.InternalError_('could not extend file "base/1/2": wrote only 4096 of 8192 bytes'),
     "database.full"),
    (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), "database.busy"),
    (psycopg.errors.DeadlockDetected("deadlock detected"), "database.busy"),
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), "database.unavailable"),
    (psycopg.errors.CannotConnectNow("the database system is starting up"), "database.unavailable"),
    (psycopg.OperationalError("connection failed: Connection refused"), "database.unavailable"),
    (psycopg.errors.ConnectionTimeout("connection timeout expired"), "database.unavailable"),
    (_wrapped(psycopg.OperationalError("server closed the connection unexpectedly")), "database.unavailable"),
    (psycopg.errors.UniqueViolation("duplicate key value"), None),
    (psycopg.errors.UndefinedTable('relation "power" does not exist'), None),
    (exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "database.busy"),
    (OSError(errno.ENOSPC, "No space left on device"), "database.full"),
    (OSError(errno.EACCES, "Permission denied"), None),
    (ValueError("a bug"), None),
], ids=lambda v: v if isinstance(v, str) or v is None else type(v).__name__)
def test_outages_are_told_apart_by_the_drivers_codes(error: BaseException, expected: str | None) -> None:
    found = failures.classify(error)
    assert (found.code.value if found else None) == expected
    if found is not None:
        assert isinstance(found, errors.StorageFull if expected == "database.full" else errors.Unavailable)


# --- what escapes Flask ------------------------------------------------------------------------------------


@pytest.mark.parametrize("testing", [True, False], ids=["testing", "as-deployed"])
def test_an_error_escaping_flask_is_the_apps_500_logged_once(sqlite_app: Flask, testing: bool,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """An after-request hook that fails (Flask then gives up on the request) still gets the app's answer."""
    app = make_app(make_url(sqlite_app.extensions[ENGINE_KEY].url).render_as_string(hide_password=False))
    app.config["TESTING"] = testing

    @app.after_request
    def _broken(response):
        raise RuntimeError("a hook's bug")

    try:
        with caplog.at_level(logging.ERROR):
            resp = app.test_client().get("/api/v1/powers/1", headers={"X-Request-ID": TRACE})
    finally:
        dispose(app)
    assert (resp.status_code, resp.mimetype, resp.json["status"]) == (500, PROBLEM, 500)
    assert resp.headers["X-Request-ID"] == TRACE
    assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert [r.getMessage() for r in caplog.records] == [f"unhandled error on GET /api/v1/powers/1 (request {TRACE})"]


# --- through gunicorn --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_on_private_pg(pg_app: Flask, private_pg: PrivatePostgres,
                         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn as deployed (gunicorn_conf.py, response cache on), one worker so that its cache is the one asked."""
    log = tmp_path_factory.mktemp("gunicorn-outage") / "gunicorn.log"
    with gunicorn(private_pg.url("registry"), log, workers=1, timeout=60) as server:
        yield server


@pytest.mark.parametrize(("path", "kind"), [("/api/v1/decisions", "api"), ("/progress", "page")])
def test_gunicorn_answers_a_cached_url_with_the_apps_503(served_on_private_pg: Server, private_pg: PrivatePostgres,
                                                         path: str, kind: str) -> None:
    server = served_on_private_pg
    assert [server.call("GET", path).status for _ in range(2)] == [200, 200]  # the second one from the cache
    trace = f"{TRACE}-{kind}"
    with Down(private_pg):
        reply = server.call("GET", path, headers={"X-Request-ID": trace})
    log = server.log.read_text() if server.log else ""
    assert reply.status == 503, (reply.body, log)
    assert int(reply.headers["Retry-After"]) > 0
    assert (reply.headers["X-Request-ID"], reply.headers["Content-Security-Policy"]) == (trace,
                                                                                        CONTENT_SECURITY_POLICY)
    if kind == "api":
        assert reply.headers["Content-Type"] == PROBLEM and reply.body["code"] == "database.unavailable"
    else:
        assert reply.headers["Content-Type"].startswith("text/html") and "服务暂时不可用" in reply.body
    # Logged once, with the request id, in the server's error log; gunicorn itself had nothing to handle.
    assert [line for line in log.splitlines() if trace in line] == [
        line for line in log.splitlines() if f"database.unavailable on GET {path} (request {trace})" in line]
    assert log.count(trace) == 1 and "Error handling request" not in log
    assert server.call("GET", path).status == 200
