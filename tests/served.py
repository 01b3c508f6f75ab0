"""Real processes for the deployment tests: gunicorn as deployed (gunicorn_conf.py), nginx from the shipped site
file, and bounded HTTP calls to them over TCP (from a chosen source address) or a unix socket."""

from __future__ import annotations

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"
REGISTRY = BIN / "registry"
SITE_FILE = ROOT / "deploy" / "nginx" / "registry.conf"
START_TIMEOUT_S = 120  # generous: a busy 2-core machine starts workers slowly; failures print the logs
STOP_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 60
CLI_TIMEOUT_S = 120


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: Any
    seconds: float


class UnixConnection(http.client.HTTPConnection):
    """HTTP over a unix socket: what nginx does to reach gunicorn."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


@dataclass(frozen=True)
class Endpoint:
    """Where a server listens: host and port, or a unix socket path (``port`` 0)."""

    host: str
    port: int = 0

    def connection(self, timeout: float, source: str | None = None) -> http.client.HTTPConnection:
        if not self.port:
            return UnixConnection(self.host, timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)

    def call(self, method: str, path: str, body: dict | None = None, headers: dict[str, str] | None = None, *,
             timeout: float = REQUEST_TIMEOUT_S, source: str | None = None) -> Reply:
        """One request on a fresh connection (from ``source``, a local address, if given); any status is a reply."""
        data = json.dumps(body).encode() if body is not None else None
        sent = dict(headers or {}) | ({"Content-Type": "application/json"} if data is not None else {})
        conn = self.connection(timeout, source)
        started = time.monotonic()
        try:
            conn.request(method, path, body=data, headers=sent)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        kind = resp.getheader("Content-Type", "")
        return Reply(resp.status, dict(resp.getheaders()), json.loads(raw) if "json" in kind else raw.decode(),
                     time.monotonic() - started)

    def open(self) -> socket.socket:
        """A raw connection, for clients that misbehave."""
        if not self.port:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(self.host)
        else:
            sock = socket.create_connection((self.host, self.port), timeout=REQUEST_TIMEOUT_S)
        return sock


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(*logs: Path) -> str:
    """The logs, each under its name, for a failure's message."""
    return "\n".join(f"--- {log}:\n{log.read_text(errors='replace') if log.exists() else '(none)'}" for log in logs)


def start_gunicorn(bind: str, env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    """`gunicorn --config gunicorn_conf.py --workers 2 --bind … wsgi:app` from the checkout, as `make run`."""
    if not GUNICORN.exists():
        pytest.fail(f"{GUNICORN} is missing: run `make install`")
    argv = [str(GUNICORN), "--config", "gunicorn_conf.py", "--workers", "2", "--bind", bind,
            "--no-control-socket", *args, "wsgi:app"]
    with log.open("ab") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)


def wait_until(ready: Callable[[], bool], procs: list[subprocess.Popen], logs: list[Path], what: str) -> None:
    """Poll ``ready`` until it holds; fail with the logs if a process exits or START_TIMEOUT_S passes."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"{proc.args[0]} exited with {proc.returncode} before {what}:\n{read(*logs)}")
        try:
            if ready():
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"not {what} after {START_TIMEOUT_S}s:\n{read(*logs)}")


def healthy(endpoint: Endpoint) -> Callable[[], bool]:
    return lambda: endpoint.call("GET", "/healthz", timeout=10).status == 200


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a server we started (its own pid only), and wait for it; SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


def registry_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """The real `registry` console script with ``env``; fails the test if it fails."""
    proc = subprocess.run([str(REGISTRY), *args], cwd=ROOT, env=os.environ | env, input=stdin, capture_output=True,
                          text=True, timeout=CLI_TIMEOUT_S)
    assert proc.returncode == 0, f"registry {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def nginx_binary() -> str:
    """Debian's nginx; missing, the test fails (`.ci/run` installs it), it is never skipped."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found:
        pytest.fail("nginx is missing: `apt-get install nginx` (.ci/run installs it)")
    return found


def site_config(port: int, upstream_socket: Path) -> str:
    """The shipped site file with only where it listens, where gunicorn is and where the static files are
    changed; each change must find its line exactly once, so the test serves what we ship."""
    text = SITE_FILE.read_text()
    for old, new in (("listen 80;", f"listen 127.0.0.1:{port};"), ("listen [::]:80;", ""),
                     ("unix:/run/registry/gunicorn.sock", f"unix:{upstream_socket}"),
                     ("alias /opt/registry/registry/static/;", f"alias {ROOT / 'registry' / 'static'}/;")):
        assert text.count(old) == 1, f"{SITE_FILE} no longer has exactly one {old!r}"
        text = text.replace(old, new)
    return text


def nginx_config(prefix: Path, site: Path) -> str:
    """A main nginx.conf around the site file: its own pid, logs and temp paths under ``prefix``, in the
    foreground, as the current user."""
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    temps = "\n".join(f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    return f"""{user}
daemon off;
worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / 'access.log'};
{temps}
    include {site};
}}
"""


def start_nginx(prefix: Path, port: int, upstream_socket: Path) -> tuple[subprocess.Popen, Path]:
    """nginx in the foreground with the shipped site file; checked with `nginx -t` first. Returns it and its log."""
    binary = nginx_binary()
    site, conf, log = prefix / "registry.conf", prefix / "nginx.conf", prefix / "error.log"
    site.write_text(site_config(port, upstream_socket))
    conf.write_text(nginx_config(prefix, site))
    argv = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(log)]
    checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=CLI_TIMEOUT_S)
    assert checked.returncode == 0, f"nginx -t refused the site file:\n{checked.stderr}"
    with (prefix / "nginx.out").open("ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log
