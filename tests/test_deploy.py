"""The production shape: nginx (the shipped site file) in front of gunicorn (gunicorn_conf.py) on a unix socket.

nginx buffers whole requests, so slow clients never hold a sync worker; the workers die with their master;
ProxyFix, set by REGISTRY_TRUSTED_PROXIES, makes nginx's client the app's remote_addr and believes nothing else.
What is proxied does not depend on the database, so these run on SQLite only; tests/test_two_hosts.py is the
PostgreSQL one.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import AUDIT_KEY, SECRET_KEY, Databases, bearer, dispose, make_app
from served import ROOT, SITE_FILE, Endpoint, free_port, healthy, read, start_gunicorn, start_nginx, stop, wait_until

from registry.config import Settings
from registry.http.security_headers import HEADERS

SLOW_CLIENTS = 50
DRIP_EVERY_S = 3.0  # one byte per slow client this often
WATCH_S = 15.0  # how long /healthz is watched while they drip
HEALTHZ_BUDGET_S = 1.0  # each /healthz through nginx answers within this
STALLED_S = 3.0  # straight at gunicorn, /healthz is still unanswered after this
WORKERS_GONE_S = 2.0  # after the master is killed, its workers are gone within this
CLIENT = "127.0.0.2"  # the tests' client address: Linux routes all of 127/8 to lo; nginx's own peer is 127.0.0.1
FEED = "/api/v1/events.atom"


@dataclass(frozen=True)
class Stack:
    nginx: Endpoint
    app: Endpoint  # gunicorn's unix socket, behind nginx
    auditor: dict[str, str]
    logs: list[Path]


@pytest.fixture(scope="module")
def stack(sqlite_databases: Databases) -> Iterator[Stack]:
    """gunicorn (2 sync workers, REGISTRY_TRUSTED_PROXIES=1) on a unix socket behind nginx; both always stopped."""
    prefix = Path(tempfile.mkdtemp(prefix="registry-nginx-"))  # short: a unix socket path has ~100 bytes
    socket_path, port = prefix / "gunicorn.sock", free_port()
    env = {"REGISTRY_DATABASE_URL": sqlite_databases.seeded(), "REGISTRY_SECRET_KEY": SECRET_KEY,
           "REGISTRY_AUDIT_KEY": AUDIT_KEY, "REGISTRY_TRUSTED_PROXIES": "1"}
    gunicorn_log = prefix / "gunicorn.log"
    gunicorn = start_gunicorn(f"unix:{socket_path}", env, gunicorn_log, "--timeout", "30", "--access-logfile", "-")
    nginx = None
    try:
        nginx, nginx_log = start_nginx(prefix, port, socket_path)
        logs = [gunicorn_log, nginx_log, prefix / "nginx.out"]
        front = Endpoint("127.0.0.1", port)
        wait_until(healthy(front), [gunicorn, nginx], logs, "healthy through nginx")
        yield Stack(front, Endpoint(str(socket_path)), bearer(sqlite_databases.staff_tokens()["auditor"]), logs)
    finally:
        if nginx is not None:
            stop(nginx)
        stop(gunicorn)
        shutil.rmtree(prefix, ignore_errors=True)


class Drip:
    """Slow clients: each sends its request one byte per DRIP_EVERY_S, from a thread, until closed."""

    def __init__(self, endpoint: Endpoint, requests: list[bytes], first: list[int]):
        self.socks = [endpoint.open() for _ in requests]
        self.pending = [bytearray(r) for r in requests]
        for sock, data, n in zip(self.socks, self.pending, first, strict=True):
            sock.sendall(bytes(data[:n]))
            del data[:n]
        self.closed_by_peer: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(DRIP_EVERY_S):
            for i, (sock, data) in enumerate(zip(self.socks, self.pending, strict=True)):
                if i in self.closed_by_peer or not data:
                    continue
                try:
                    sock.settimeout(0)
                    if sock.recv(1) == b"":  # the server closed it
                        self.closed_by_peer.add(i)
                        continue
                except BlockingIOError:
                    pass  # nothing to read: still open
                except OSError:
                    self.closed_by_peer.add(i)
                    continue
                try:
                    sock.send(bytes(data[:1]))
                    del data[:1]
                except OSError:
                    self.closed_by_peer.add(i)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        for sock in self.socks:
            sock.close()


def slow_requests(n: int) -> tuple[list[bytes], list[int]]:
    """Half send their headers a byte at a time; half send headers at once and then a body a byte at a time (to
    the sign-in form, which is public and reads its body)."""
    headers = b"GET /healthz HTTP/1.1\r\nHost: registry.example.org\r\nUser-Agent: slow\r\n\r\n"
    body = b"name=slow&password=" + b"x" * 900
    post = (b"POST /auth/login HTTP/1.1\r\nHost: registry.example.org\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    requests = [headers if i % 2 == 0 else post for i in range(n)]
    first = [1 if i % 2 == 0 else len(post) - len(body) + 1 for i in range(n)]
    return requests, first


def test_healthz_stays_fast_behind_nginx_while_slow_clients_drip(stack: Stack) -> None:
    """50 clients dripping a byte every few seconds hold nginx connections, not workers: /healthz through nginx
    answers within a second every time; nginx drops the slow headers at client_header_timeout and keeps the slow
    bodies (a byte within client_body_timeout keeps them going), none of which ever reach gunicorn."""
    drip = Drip(stack.nginx, *slow_requests(SLOW_CLIENTS))
    took: list[float] = []
    try:
        until = time.monotonic() + WATCH_S
        while time.monotonic() < until:
            try:
                reply = stack.nginx.call("GET", "/healthz", timeout=10)
            except OSError as exc:
                pytest.fail(f"/healthz through nginx: {exc!r}\n{read(*stack.logs)}")
            assert reply.status == 200, (reply, read(*stack.logs))
            took.append(reply.seconds)
            time.sleep(0.25)
        bodies_open = [i for i in range(1, SLOW_CLIENTS, 2) if i not in drip.closed_by_peer]
        headers_dropped = [i for i in range(0, SLOW_CLIENTS, 2) if i in drip.closed_by_peer]
    finally:
        drip.close()
    assert len(took) >= 20 and max(took) < HEALTHZ_BUDGET_S, (max(took), sorted(took)[-5:])
    assert len(bodies_open) == SLOW_CLIENTS // 2  # still dripping at the end: nginx held them the whole time
    assert len(headers_dropped) == SLOW_CLIENTS // 2  # client_header_timeout (10 s) ended them
    assert "GET /healthz" in read(stack.logs[0])  # the access log is on: what follows can be seen
    assert "User-Agent: slow" not in read(stack.logs[0]) and "POST /auth/login" not in read(stack.logs[0])


def test_the_same_slow_clients_straight_at_gunicorn_stall_healthz(stack: Stack) -> None:
    """The contrast: without nginx, two slow clients take both sync workers and /healthz waits behind the rest;
    once they go, the workers answer again."""
    requests, first = slow_requests(SLOW_CLIENTS)
    drip = Drip(stack.app, [r for r, n in zip(requests, first, strict=True) if n == 1], [1] * (SLOW_CLIENTS // 2))
    try:
        time.sleep(1)  # both workers have taken a slow client by now
        with pytest.raises(TimeoutError):
            stack.app.call("GET", "/healthz", timeout=STALLED_S)
    finally:
        drip.close()
    wait_until(healthy(stack.app), [], stack.logs, "healthy again once the slow clients left")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https"},
        {"X-Forwarded-Host": "evil.example", "X-Forwarded-Prefix": "/evil", "Forwarded": "for=203.0.113.9"},
    ],
    ids=["plain", "made-up-for", "made-up-chain-and-proto", "made-up-host"],
)
def test_the_client_behind_nginx_is_who_connected_to_nginx(stack: Stack, headers: dict[str, str]) -> None:
    """A refused token's security event carries the address that connected to nginx, whatever X-Forwarded-* the
    client made up; the feed's links keep nginx's scheme and the Host the client sent."""
    request_id = f"deploy-{uuid.uuid4()}"
    refused = stack.nginx.call("GET", "/api/v1/me", headers={**headers, "Authorization": "Bearer not-a-token",
                                                           "X-Request-ID": request_id}, source=CLIENT)
    assert refused.status == 401, refused.body
    events = stack.nginx.call("GET", "/api/v1/security-events?kind=token_invalid&per_page=100",
                              headers=stack.auditor)
    assert events.status == 200, events.body
    assert [e["address"] for e in events.body["items"] if e["request_id"] == request_id] == [CLIENT]
    feed = stack.nginx.call("GET", FEED, headers=headers, source=CLIENT)
    assert feed.status == 200
    assert re.search(r"<id>([^<]*)</id>", feed.body)[1] == f"http://127.0.0.1:{stack.nginx.port}{FEED}"


def test_nginx_serves_the_static_files_with_the_apps_headers(stack: Stack) -> None:
    """/static/ comes from the package's folder, by nginx (no request id: the app never saw it), with the headers
    the app puts on its own answers."""
    reply = stack.nginx.call("GET", "/static/registry.css")
    assert reply.status == 200
    assert reply.body == (ROOT / "registry" / "static" / "registry.css").read_text()
    assert "X-Request-ID" not in reply.headers
    assert {name: reply.headers.get(name) for name in HEADERS} == HEADERS


def test_nginx_refuses_a_body_over_the_apps_limit(stack: Stack) -> None:
    """client_max_body_size is REGISTRY_MAX_CONTENT_LENGTH's default; above it nginx answers 413 itself."""
    limit = re.search(r"client_max_body_size (\d+)k;", SITE_FILE.read_text())
    assert limit is not None and int(limit[1]) * 1024 == Settings("x", "y").max_content_length
    conn = stack.nginx.connection(timeout=60)
    try:
        conn.request("POST", "/api/v1/powers", body=b"x" * (int(limit[1]) * 1024 + 1),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
    finally:
        conn.close()
    assert resp.status == 413 and resp.getheader("X-Request-ID") is None


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped (which holds no socket)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_workers_die_with_their_master_and_the_port_is_free_again(sqlite_databases: Databases,
                                                                   tmp_path: Path) -> None:
    """kill -9 of the master: its workers are gone within a couple of seconds (PR_SET_PDEATHSIG in post_fork),
    the port is free, and a new gunicorn serves on it."""
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = {"REGISTRY_DATABASE_URL": sqlite_databases.seeded(), "REGISTRY_SECRET_KEY": SECRET_KEY,
           "REGISTRY_AUDIT_KEY": AUDIT_KEY}
    endpoint = Endpoint("127.0.0.1", port)
    master = start_gunicorn(f"127.0.0.1:{port}", env, log)
    again = None
    try:
        wait_until(lambda: healthy(endpoint)() and len(_children(master.pid)) == 2, [master], [log],
                   "healthy with two workers")
        workers = _children(master.pid)
        os.kill(master.pid, signal.SIGKILL)
        master.wait(timeout=30)
        killed = time.monotonic()
        while any(_alive(w) for w in workers) and time.monotonic() - killed < 30:
            time.sleep(0.02)
        gone_after = time.monotonic() - killed
        assert gone_after < WORKERS_GONE_S, (gone_after, read(log))
        assert _port_free(port)
        again = start_gunicorn(f"127.0.0.1:{port}", env, log)
        wait_until(healthy(endpoint), [again], [log], "healthy after the restart")
    finally:
        for pid in _children(master.pid) if master.poll() is None else []:
            os.kill(pid, signal.SIGKILL)
        stop(master)
        if again is not None:
            stop(again)


@pytest.mark.parametrize(
    ("trusted", "headers", "address", "scheme"),
    [
        (0, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}, "10.0.0.1", "http"),
        (1, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}, "203.0.113.9", "https"),
        (1, {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}, "203.0.113.9", "http"),
        (2, {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https, http"}, "198.51.100.1",
         "https"),
        (2, {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}, "10.0.0.1", "http"),
    ],
    ids=["none-trusted", "one", "one-of-a-made-up-chain", "two", "two-but-one-sent"],
)
def test_trusted_proxies_decide_the_client(sqlite_databases: Databases, trusted: int, headers: dict[str, str],
                                           address: str, scheme: str) -> None:
    """REGISTRY_TRUSTED_PROXIES=n believes the last n values of X-Forwarded-For and -Proto and never
    X-Forwarded-Host: the security event's address and the feed's links (cached per URL) follow."""
    app = make_app(sqlite_databases.seeded(), trusted_proxies=trusted)
    client = app.test_client()
    sent = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}, "base_url": "http://registry.example.org"}
    try:
        refused = client.get("/api/v1/me", headers={**headers, "Authorization": "Bearer nope",
                                                    "X-Request-ID": "proxied"}, **sent)
        assert refused.status_code == 401
        events = client.get("/api/v1/security-events?kind=token_invalid",
                            headers=bearer(sqlite_databases.staff_tokens()["auditor"]), **sent).json["items"]
        assert [e["address"] for e in events if e["request_id"] == "proxied"] == [address]
        # Twice each, alternating: the second of each pair is the cache's, kept under the scheme the proxy reported.
        for extra in ({}, {"X-Forwarded-Host": "evil.example"}) * 2:
            feed = client.get(FEED, headers={**headers, **extra}, **sent).text
            assert re.search(r"<id>([^<]*)</id>", feed)[1] == f"{scheme}://registry.example.org{FEED}"
            plain = client.get(FEED, **sent).text
            assert re.search(r"<id>([^<]*)</id>", plain)[1] == f"http://registry.example.org{FEED}"
    finally:
        dispose(app)


def test_a_negative_number_of_trusted_proxies_is_refused(sqlite_databases: Databases) -> None:
    with pytest.raises(ValueError, match="REGISTRY_TRUSTED_PROXIES"):
        make_app(sqlite_databases.seeded(), trusted_proxies=-1)


def test_the_socket_is_for_gunicorns_user_and_group(stack: Stack) -> None:
    """gunicorn_conf.umask: nginx's user reaches the socket through the group, nobody else at all."""
    assert stat.S_IMODE(os.stat(stack.app.host).st_mode) == 0o770


def _unit() -> dict[str, str]:
    text = (ROOT / "deploy" / "systemd" / "registry.service").read_text().replace("\\\n", " ")
    return {key: value.strip() for key, _, value in
            (line.partition("=") for line in text.splitlines() if "=" in line and not line.startswith("#"))}


def test_the_unit_and_the_site_file_agree_with_each_other_and_the_checkout(sqlite_app) -> None:
    """The socket gunicorn binds is the one nginx proxies to; the unit may write to the app's instance folder;
    nginx's static folder is the package's; gunicorn runs the shipped configuration."""
    unit, site = _unit(), SITE_FILE.read_text()
    home = Path(unit["WorkingDirectory"])
    bound = re.search(r"--bind unix:(\S+)", unit["ExecStart"])
    assert bound is not None and f"server unix:{bound[1]} " in site
    assert Path(unit["ReadWritePaths"]) == home / Path(sqlite_app.instance_path).relative_to(ROOT)
    assert f"alias {home / 'registry' / 'static'}/;" in site
    assert re.fullmatch(rf"{home}/\.venv/bin/gunicorn --config gunicorn_conf\.py .* wsgi:app", unit["ExecStart"])
    assert (unit["KillMode"], unit["User"], unit["NoNewPrivileges"], unit["ProtectSystem"], unit["PrivateTmp"]) == (
        "control-group", "registry", "yes", "strict", "yes")
