"""The production path: gunicorn serves wsgi:app with gunicorn_conf.py, configured only by REGISTRY_* environment
variables.

One gunicorn (two workers) per backend serves a seeded database of its own; every request goes over real
HTTP with urllib, and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import AUDIT_KEY, SECRET_KEY, dispose, make_app

from registry.db import ENGINE_KEY
from registry.domain import searchtext

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CONFIG = ROOT / "gunicorn_conf.py"  # what `make run` and the benchmark load
READY = b"worker ready"
START_TIMEOUT_S = 120  # generous: a busy 2-core machine starts workers slowly; failures print the log
STOP_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 60
LICENSING = "行政许可"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Server:
    base: str
    log: Path | None = None

    def call(self, method: str, path: str, body: dict | None = None, headers: dict[str, str] | None = None) -> Reply:
        """One HTTP request; error statuses are answers too, not exceptions."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=dict(headers or {}))
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as resp:
                return Reply(resp.status, dict(resp.headers), _decode(resp.read(), resp.headers))
        except urllib.error.HTTPError as err:
            with err:
                return Reply(err.code, dict(err.headers), _decode(err.read(), err.headers))


def _decode(raw: bytes, headers: Any) -> Any:
    return json.loads(raw) if "json" in headers.get("Content-Type", "") else raw.decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, server: Server, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if server.call("GET", "/healthz").status == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"gunicorn not healthy after {START_TIMEOUT_S}s:\n{log.read_text()}")


@contextlib.contextmanager
def gunicorn(database_url: str, log: Path, workers: int = 2, timeout: int = 30) -> Iterator[Server]:
    """`gunicorn wsgi:app` as deployed (gunicorn_conf.py) on ``database_url``, healthy before it is yielded and
    always stopped after."""
    port = _free_port()
    env = os.environ | {
        "REGISTRY_DATABASE_URL": database_url,
        # The keys the test databases' tokens and trail were made with.
        "REGISTRY_SECRET_KEY": SECRET_KEY,
        "REGISTRY_AUDIT_KEY": AUDIT_KEY,
    }
    args = [str(GUNICORN), "--config", str(CONFIG), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
            "--chdir", str(ROOT), "--timeout", str(timeout), "--graceful-timeout", "5", "--no-control-socket",
            "wsgi:app"]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        server = Server(f"http://127.0.0.1:{port}", log)
        _wait_healthy(proc, server, log)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="module")
def served(databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`gunicorn wsgi:app` with two workers on a seeded database; always stopped at teardown."""
    with gunicorn(databases.seeded(), tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as server:
        yield server


@pytest.mark.parametrize("type_", [LICENSING, "licensing"], ids=["label", "code"])
def test_lists_powers_of_one_type(served: Server, type_: str) -> None:
    """A type filter sent URL-encoded (published label or code) returns the 28 licensing powers."""
    reply = served.call("GET", "/api/v1/powers?" + urllib.parse.urlencode({"type": type_, "per_page": 200}))
    assert (reply.status, reply.headers["Content-Type"]) == (200, "application/json")
    assert reply.body["total"] == len(reply.body["items"]) == 28
    assert {p["type"]["label"] for p in reply.body["items"]} == {LICENSING}


def _current(served: Server, power_id: int) -> str:
    return served.call("GET", f"/api/v1/powers/{power_id}").headers["ETag"]


@pytest.mark.parametrize(
    ("power_id", "authorised", "if_match", "status"),
    [
        (2, True, "current", 200),
        (3, True, '"0"', 412),
        (4, True, None, 428),
        (5, False, "current", 401),
    ],
    ids=["current-etag", "stale-etag", "no-if-match", "anonymous"],
)
def test_patch_through_gunicorn(served: Server, tokens: dict[str, str], power_id: int, authorised: bool,
                                if_match: str | None, status: int) -> None:
    """PATCH over HTTP: the current ETag wins, a stale one is 412, none is 428, no token is 401."""
    before = _current(served, power_id)
    headers = {"Authorization": f"Bearer {tokens['admin']}"} if authorised else {}
    if if_match is not None:
        headers["If-Match"] = before if if_match == "current" else if_match
    note = f"changed through gunicorn ({power_id})"
    reply = served.call("PATCH", f"/api/v1/powers/{power_id}", {"note": note, "reason": "gunicorn"}, headers)
    assert reply.status == status, reply.body
    expected_tag = f'"{int(before.strip(chr(34))) + 1}"' if status == 200 else before
    if status == 200:
        assert (reply.headers["ETag"], reply.body["note"]) == (expected_tag, note)
    else:
        assert reply.headers["Content-Type"] == "application/problem+json"
    # Every worker sees the same stored state afterwards.
    assert {_current(served, power_id) for _ in range(4)} == {expected_tag}


def test_revocation_reaches_every_worker_at_once(served: Server, tokens: dict[str, str]) -> None:
    """A token revoked through one worker is refused by every worker on the very next request."""
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    created = served.call("POST", "/api/v1/users", {"name": "轮换测试", "role": "zone"}, admin)
    assert created.status == 201, created.body
    issued = served.call("POST", f"/api/v1/users/{created.body['id']}/tokens", {"label": "gunicorn"}, admin)
    assert issued.status == 201, issued.body
    theirs = {"Authorization": f"Bearer {issued.body['token']}"}
    assert {served.call("GET", "/api/v1/me", headers=theirs).status for _ in range(4)} == {200}
    assert served.call("POST", f"/api/v1/tokens/{issued.body['id']}/revoke", {}, admin).status == 200
    assert {served.call("GET", "/api/v1/me", headers=theirs).status for _ in range(6)} == {401}


def test_request_ids_are_echoed_by_every_worker(served: Server) -> None:
    """X-Request-ID comes back as sent; without one, each response carries a fresh one."""
    sent = {served.call("GET", "/healthz", headers={"X-Request-ID": "trace-42"}).headers["X-Request-ID"]
            for _ in range(4)}
    assert sent == {"trace-42"}
    generated = [served.call("GET", "/api/v1/powers/1").headers["X-Request-ID"] for _ in range(4)]
    assert len(set(generated)) == 4


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/no-such-directory/registry.sqlite3", "postgresql://postgres@127.0.0.1:1/registry"],
    ids=["sqlite-missing-directory", "postgresql-closed-port"],
)
def test_readyz_when_the_database_is_unreachable(tmp_path: Path, url: str) -> None:
    """/readyz answers 503 with plain JSON {"status": "unavailable"} when the database cannot be reached; /healthz,
    the liveness check, still answers 200."""
    app = make_app(url.format(tmp=tmp_path))
    try:
        ready, alive = app.test_client().get("/readyz"), app.test_client().get("/healthz")
    finally:
        dispose(app)
    assert (ready.status_code, ready.mimetype, ready.json["status"]) == (503, "application/json", "unavailable")
    assert (alive.status_code, alive.json) == (200, {"status": "ok"})


def test_every_worker_starts_through_the_hook(served: Server) -> None:
    """Each worker runs gunicorn_conf.post_worker_init once, and searches at once without any warm-up."""
    assert served.log is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    while served.log.read_bytes().count(READY) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert served.log.read_bytes().count(READY) == 2, served.log.read_text()
    reply = served.call("GET", "/api/v1/powers?q=qushui")
    assert reply.status == 200 and reply.body["items"][0]["name"] == "取水许可"


@pytest.mark.parametrize("seeded", [True, False])
def test_the_hook_does_no_work_beyond_freezing(databases, seeded: bool) -> None:
    """A worker's start reads nothing from the database and builds no search tables: it only freezes what lives
    as long as the worker, so the collector stops walking it. A database without tables does not matter."""
    searchtext.syllables.cache_clear()
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONFIG)
    assert spec is not None and spec.loader is not None
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    app = make_app(databases.seeded() if seeded else databases.empty())
    lines: list[str] = []
    try:
        config.post_worker_init(SimpleNamespace(log=SimpleNamespace(info=lambda msg, *args: lines.append(msg % args)),
                                                wsgi=app))
        assert gc.get_freeze_count() > 10_000
        compiled = len(app.extensions["registry.engine"]._compiled_cache)
    finally:
        gc.unfreeze()  # this is a test process, not a worker
        dispose(app)
    assert compiled == 0
    assert searchtext.syllables.cache_info().currsize == 0
    assert lines and lines[0].startswith(READY.decode())
    # The master loads the app before it forks; the engine each worker disposes of is the app's own.
    assert config.preload_app is True and config.ENGINE_KEY == ENGINE_KEY


def test_the_wsgi_app_loads_no_command_line(tmp_path: Path) -> None:
    """What gunicorn imports (wsgi:app) leaves out the `registry` commands and Alembic: a worker never runs them,
    and each would hold memory in every worker."""
    probe = ("import sys, wsgi; print(sorted(m for m in sys.modules"
             " if m.split('.')[0] in ('alembic', 'mako') or m.startswith('registry.cli')))")
    env = dict(os.environ, REGISTRY_DATABASE_URL=f"sqlite:///{tmp_path}/empty.sqlite3", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=REQUEST_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
