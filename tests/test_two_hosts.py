"""Two hosts, one PostgreSQL: two gunicorns (each with its response cache on, as by default) on one database.

A write through one is what the other serves at once, and writes through both at the same time leave one audit
chain, each write in it once. The database is made for this module on the shared server and prepared only
through the `registry` CLI.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import AUDIT_KEY, PASSWORD, PG_URL, SECRET_KEY, Databases
from served import Endpoint, free_port, healthy, read, registry_cli, start_gunicorn, stop, wait_until

from registry.config import Settings

pytestmark = pytest.mark.skipif(not PG_URL, reason="two hosts share a PostgreSQL server: set "
                                                   "REGISTRY_TEST_DATABASE_URL (.ci/run does)")

THREADS = 2
PATCHES_PER_THREAD = 30
READS_PER_WARMUP = 6  # enough that each worker of a host has kept its answers before the write


@dataclass(frozen=True)
class Hosts:
    a: Endpoint
    b: Endpoint
    admin: dict[str, str]
    env: dict[str, str]
    logs: list[Path]


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    """A fresh database, migrated, seeded and staffed through the CLI; two gunicorns (two workers each) on it."""
    workdir = tmp_path_factory.mktemp("two-hosts")
    databases = Databases("postgresql", workdir)
    env = {"REGISTRY_DATABASE_URL": databases.empty(), "REGISTRY_SECRET_KEY": SECRET_KEY,
           "REGISTRY_AUDIT_KEY": AUDIT_KEY,
           "REGISTRY_RESPONSE_CACHE_BYTES": str(Settings("x", "y").response_cache_bytes)}  # the default, stated
    procs = []
    try:
        registry_cli(env, "init-db")
        registry_cli(env, "seed")
        registry_cli(env, "user", "create", "--name", "双主机管理员", "--role", "admin", "--password-stdin",
                     stdin=PASSWORD + "\n")
        token = registry_cli(env, "token", "create", "--user", "双主机管理员", "--label", "two hosts").strip()
        endpoints, logs = [], []
        for name in ("a", "b"):
            port, log = free_port(), workdir / f"gunicorn-{name}.log"
            procs.append(start_gunicorn(f"127.0.0.1:{port}", env, log, "--access-logfile", "-"))
            endpoints.append(Endpoint("127.0.0.1", port))
            logs.append(log)
        for endpoint in endpoints:
            wait_until(healthy(endpoint), procs, logs, f"healthy on port {endpoint.port}")
        yield Hosts(*endpoints, {"Authorization": f"Bearer {token}"}, env, logs)
    finally:
        for proc in procs:
            stop(proc)
        databases.drop_all()


def _etag(host: Endpoint, power_id: int) -> str:
    reply = host.call("GET", f"/api/v1/powers/{power_id}")
    assert reply.status == 200, reply.body
    return reply.headers["ETag"]


def _patch(host: Endpoint, hosts: Hosts, power_id: int, etag: str, body: dict) -> str:
    """A PATCH with If-Match; returns the new ETag."""
    reply = host.call("PATCH", f"/api/v1/powers/{power_id}", {**body, "reason": "two hosts"},
                      {**hosts.admin, "If-Match": etag})
    assert reply.status == 200, (reply.status, reply.body, read(*hosts.logs))
    return reply.headers["ETag"]


def _views(host: Endpoint, power_id: int, word: str) -> dict[str, str]:
    """What a citizen and a client see of the power: its page, its place in the list, a search, its ETag."""
    page = host.call("GET", f"/powers/{power_id}").body
    listed = host.call("GET", "/api/v1/powers?per_page=200").body
    found = host.call("GET", f"/api/v1/powers?q={quote(word)}").body
    searched = host.call("GET", f"/?q={quote(word)}").body
    return {
        "page": re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)[1].strip(),
        "list": next(p["name"] for p in listed["items"] if p["id"] == power_id),
        "search": ",".join(str(p["id"]) for p in found["items"]),
        "search page": str(f"/powers/{power_id}" in searched),
        "etag": _etag(host, power_id),
    }


@pytest.mark.parametrize(("writer", "reader", "power_id"), [("a", "b", 7), ("b", "a", 8)], ids=["a-to-b", "b-to-a"])
def test_a_write_through_one_host_is_served_by_the_other_at_once(hosts: Hosts, writer: str, reader: str,
                                                                 power_id: int) -> None:
    """Both hosts keep the power's answers in their caches; a new name written through one is on the other's
    page, list and search, with the new ETag, on the very next request."""
    write, read_ = getattr(hosts, writer), getattr(hosts, reader)
    word = f"双主机改名{writer}{reader}"
    for _ in range(READS_PER_WARMUP):
        before = _views(read_, power_id, word)
    assert before["search"] == "" and before["search page"] == "False"
    new_tag = _patch(write, hosts, power_id, _etag(write, power_id), {"name": f"{word}事项"})
    after = _views(read_, power_id, word)
    assert after == {"page": f"{word}事项", "list": f"{word}事项", "search": str(power_id), "search page": "True",
                     "etag": new_tag}
    assert after["etag"] != before["etag"]


def _entries(hosts: Hosts) -> int:
    out = registry_cli(hosts.env, "audit", "verify")
    match = re.match(r"intact: (\d+) entries", out)
    assert match, out
    return int(match[1])


def test_concurrent_writes_through_both_hosts_leave_one_intact_chain(hosts: Hosts) -> None:
    """Two threads, 30 PATCHes each, alternating hosts: every write succeeds, each is in the chain once, and
    `registry audit verify` finds it intact with exactly that many more entries."""
    before = _entries(hosts)
    powers = [20 + t for t in range(THREADS)]
    tags = {p: _etag(hosts.a, p) for p in powers}
    errors: list[BaseException] = []

    def writes(thread: int) -> None:
        power_id = powers[thread]
        try:
            for i in range(PATCHES_PER_THREAD):
                host = (hosts.a, hosts.b)[(i + thread) % 2]
                tags[power_id] = _patch(host, hosts, power_id, tags[power_id], {"note": f"并发 {thread}-{i}"})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writes, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert _entries(hosts) == before + THREADS * PATCHES_PER_THREAD
    for power_id in powers:
        assert {_etag(h, power_id) for h in (hosts.a, hosts.b) for _ in range(3)} == {tags[power_id]}
        assert hosts.b.call("GET", f"/api/v1/powers/{power_id}").body["note"] == f"并发 {powers.index(power_id)}-29"
