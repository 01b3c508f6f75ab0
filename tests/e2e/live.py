"""A live registry for browser tests: a database made only through the `registry` CLI, served by gunicorn.

The template database is built once per test process (each xdist worker has its own); every server runs on a
copy of it, so a test that writes can have a server of its own without paying for the CLI again.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import PASSWORD, STAFF

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REGISTRY = BIN / "registry"
GUNICORN = BIN / "gunicorn"
SECRET_KEY = "e2e-secret-key"
AUDIT_KEY = "e2e-audit-key"
CLI_TIMEOUT_S = 60
START_TIMEOUT_S = 120  # generous: a busy 2-core machine starts workers slowly; failures print the log
STOP_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 60
START_ATTEMPTS = 3
# Test data, not from the decision: two zone offices (承接机构) with made-up contact details.
ZONE_OFFICES = (
    {"name": "重庆经开区行政审批服务中心", "kind": "zone", "address": "重庆经开区测试路 1 号(测试数据)",
     "phone": "023-0000-0001", "hours": "工作日 9:00-12:00, 14:00-17:30"},
    {"name": "重庆经开区建设管理局", "kind": "zone", "address": "重庆经开区测试路 2 号(测试数据)",
     "phone": "023-0000-0002", "hours": "工作日 9:00-17:00"},
)


@dataclass(frozen=True)
class Template:
    """A database file prepared through the CLI, and the admin token it holds."""

    path: Path
    admin_token: str


@dataclass(frozen=True)
class Server:
    """A running registry: where it listens, who can sign in, and an admin token for API calls."""

    base_url: str
    admin_token: str
    database_url: str
    staff: dict[str, str] = field(default_factory=lambda: {key: name for key, (name, _, _) in STAFF.items()})
    password: str = PASSWORD
    offices: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def api(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, Any]:
        """One JSON request as the admin (or ``token``); error statuses are answers, not exceptions."""
        return http(method, self.url(path), body, token or self.admin_token)


def http(method: str, url: str, body: dict | None = None, token: str | None = None) -> tuple[int, Any]:
    """One HTTP request with a bounded wait; returns the status and the decoded JSON (or text) body."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S) as resp:
            return resp.status, _decode(resp.read(), resp.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as err:
        with err:
            return err.code, _decode(err.read(), err.headers.get("Content-Type", ""))


def _decode(raw: bytes, content_type: str) -> Any:
    return json.loads(raw) if "json" in content_type else raw.decode()


def server_env(database: Path) -> dict[str, str]:
    """The environment of the CLI and gunicorn: this checkout's code, an explicit database and keys (not instance/)."""
    return os.environ | {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "REGISTRY_DATABASE_URL": f"sqlite:///{database}",
        "REGISTRY_SECRET_KEY": SECRET_KEY,
        "REGISTRY_AUDIT_KEY": AUDIT_KEY,
    }


def registry_cli(database: Path, *args: str, stdin: str | None = None) -> str:
    """Run the real `registry` console script on ``database``; fail the session's setup if it fails."""
    if not REGISTRY.exists():
        pytest.fail(f"{REGISTRY} is missing: run `make install`")
    proc = subprocess.run([str(REGISTRY), *args], cwd=ROOT, env=server_env(database), input=stdin,
                          capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    if proc.returncode != 0:
        pytest.fail(f"registry {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def build_template(workdir: Path) -> Template:
    """Migrate, seed and staff a fresh SQLite database through the CLI, and issue the admin's token."""
    database = workdir / "template.sqlite3"
    registry_cli(database, "init-db")
    registry_cli(database, "seed")
    for name, role, department in STAFF.values():
        registry_cli(database, "user", "create", "--name", name, "--role", role, "--password-stdin",
                     *(["--department", department] if department else []), stdin=PASSWORD + "\n")
    admin = next(name for name, role, _ in STAFF.values() if role == "admin")
    token = registry_cli(database, "token", "create", "--user", admin, "--label", "e2e").strip()
    return Template(database, token)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(template: Template, workdir: Path) -> Iterator[Server]:
    """Gunicorn on a copy of ``template`` (as `make run` serves), with the zone offices; always stopped after."""
    database = workdir / "registry.sqlite3"
    shutil.copyfile(template.path, database)
    proc, base_url = _launch(database, workdir / "gunicorn.log")
    try:
        server = Server(base_url, template.admin_token, f"sqlite:///{database}")
        yield replace(server, offices=_create_offices(server))
    finally:
        stop(proc)


def _launch(database: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start gunicorn on a free port and wait until it is healthy; another port if it lost a race for one."""
    for attempt in range(1, START_ATTEMPTS + 1):
        base_url = f"http://127.0.0.1:{free_port()}"
        proc = _start(database, base_url, log)
        try:
            if _wait_healthy(proc, base_url, log, last=attempt == START_ATTEMPTS):
                return proc, base_url
        except BaseException:
            stop(proc)
            raise
    raise AssertionError("unreachable: the last attempt fails the test")


def _start(database: Path, base_url: str, log: Path) -> subprocess.Popen:
    """`gunicorn --config gunicorn_conf.py --workers 2 --bind … wsgi:app` from the repository root, as `make run`."""
    if not GUNICORN.exists():
        pytest.fail(f"{GUNICORN} is missing: run `make install`")
    bind = base_url.removeprefix("http://")
    args = [str(GUNICORN), "--config", "gunicorn_conf.py", "--workers", "2", "--bind", bind, "--access-logfile", "-",
            "wsgi:app"]
    with log.open("ab") as out:
        return subprocess.Popen(args, cwd=ROOT, env=server_env(database), stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def _wait_healthy(proc: subprocess.Popen, base_url: str, log: Path, last: bool) -> bool:
    """True once this gunicorn listens on ``base_url`` and /healthz answers 200; False if it died early (the
    port was taken) and another try is left."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if not last:
                return False
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{_read(log)}")
        try:
            # The log line proves it is our gunicorn that answers, not another process on a reused port.
            if f"Listening at: {base_url}" in _read(log) and http("GET", base_url + "/healthz")[0] == 200:
                return True
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"gunicorn not healthy after {START_TIMEOUT_S}s:\n{_read(log)}")


def _read(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")


def _create_offices(server: Server) -> dict[str, int]:
    """Add the zone offices through the real API as the admin; returns their ids by name."""
    ids = {}
    for office in ZONE_OFFICES:
        status, body = server.api("POST", "/api/v1/departments", {**office, "reason": "e2e test data"})
        assert status == 201, (status, body)
        ids[body["name"]] = body["id"]
    return ids


def stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn: SIGTERM lets the master reap its workers; SIGKILL if it lingers (workers follow their master)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)
