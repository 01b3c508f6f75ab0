"""The probe's measurements (issue 20): lost updates, kill -9, backup under load, a PostgreSQL outage."""

from __future__ import annotations

import http.client
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.probe_setup import Endpoint, Gunicorn, Scratch, cli, entries, environment, free_port, prepared, verify

LOST_THREADS, LOST_PATCHES, LOST_POWER = 16, 100, 1
KILL_THREADS, KILL_SECONDS, KILL_EVERY_S, KILL_POWERS = 4, 10.0, 0.5, 10
BACKUP_THREADS, BACKUP_POWERS = 2, 20
OUTAGE_THREADS, OUTAGE_S = 4, 5.0
TIMEOUT_S = 15
FAILED = (OSError, http.client.HTTPException, ValueError)


def write(server: Endpoint, headers: dict[str, str], power: int, note: str) -> str:
    """GET the power's ETag, then PATCH its note with If-Match once: the status, or "error" (no answer)."""
    try:
        got = server.call("GET", f"/api/v1/powers/{power}", timeout=TIMEOUT_S)
        if got.status != 200:
            return str(got.status)
        sent = server.call("PATCH", f"/api/v1/powers/{power}", {"note": note, "reason": "probe"},
                           headers | {"If-Match": got.headers["ETag"]}, timeout=TIMEOUT_S)
        return str(sent.status)
    except FAILED:
        return "error"


def notes(server: Endpoint, headers: dict[str, str], power: int) -> list[str]:
    """The note of every audited change of the power's note, oldest first."""
    got = server.call("GET", f"/api/v1/audit/export.json?power={power}&field=note", headers=headers,
                      timeout=120)
    assert got.status == 200, got.body
    return [(entry["after"] or {}).get("note") for entry in got.body]


def version(server: Endpoint, power: int) -> int:
    return server.call("GET", f"/api/v1/powers/{power}", timeout=TIMEOUT_S).body["version"]


def writers(count: int, work: Callable[[int, int], object], until: threading.Event | None = None,
            rounds: int = 0) -> list[threading.Thread]:
    """``count`` started threads, each calling work(thread, i) ``rounds`` times or until ``until`` is set."""
    def loop(thread: int) -> None:
        i = 0
        while (until is not None and not until.is_set()) or (until is None and i < rounds):
            work(thread, i)
            i += 1
    threads = [threading.Thread(target=loop, args=(t,), daemon=True) for t in range(count)]
    for t in threads:
        t.start()
    return threads


def acknowledged(server: Endpoint, headers: dict[str, str], statuses: Counter, acked: list[tuple[int, str]],
                 power: Callable[[int], int], tag: str) -> Callable[[int, int], str]:
    """A writer's step: one If-Match write, its status counted, its (power, note) kept when it answered 200; a
    moment's pause when nothing answered (a server being killed)."""
    def step(thread: int, i: int) -> str:
        note = f"{tag}-{thread}-{i}"
        status = write(server, headers, power(thread), note)
        statuses[status] += 1
        if status == "200":
            acked.append((power(thread), note))
        elif status == "error":
            time.sleep(0.05)
        return status
    return step


def lost_updates(server: Gunicorn, headers: dict[str, str]) -> dict:
    """16 threads x 100 If-Match PATCHes of one power: every 200 is one version and one audit entry."""
    endpoint, statuses, acked = server.endpoint, Counter(), []
    before, trail_before = version(endpoint, LOST_POWER), entries(verify(server.env))
    step = acknowledged(endpoint, headers, statuses, acked, lambda _: LOST_POWER, "lost")
    for t in writers(LOST_THREADS, step, rounds=LOST_PATCHES):
        t.join()
    recorded, verified = notes(endpoint, headers, LOST_POWER), verify(server.env)
    ok = statuses["200"]
    return {"statuses": dict(statuses), "version_before": before, "version_after": version(endpoint, LOST_POWER),
            "version_ok": version(endpoint, LOST_POWER) == before + ok,
            "audit_note_entries": sum(n.startswith("lost-") for n in recorded if n),
            "audit_ok": sorted(n for n in recorded if n and n.startswith("lost-")) == sorted(n for _, n in acked),
            "trail_added": (entries(verified) or 0) - (trail_before or 0), "verify": verified}


def kill_nine(server: Gunicorn, headers: dict[str, str]) -> dict:
    """Writers on; kill -9 a worker every 0.5 s, then the master; start again on the same port; nothing acked lost."""
    endpoint, statuses, acked, done = server.endpoint, Counter(), [], threading.Event()
    before = {KILL_POWERS + t: version(endpoint, KILL_POWERS + t) for t in range(KILL_THREADS)}
    step = acknowledged(endpoint, headers, statuses, acked, lambda t: KILL_POWERS + t, "kill")
    threads = writers(KILL_THREADS, step, until=done)
    worker_kills, started = 0, time.monotonic()
    while time.monotonic() - started < KILL_SECONDS:
        time.sleep(KILL_EVERY_S)
        pids = server.workers()
        if pids:
            os.kill(pids[worker_kills % len(pids)], signal.SIGKILL)
            worker_kills += 1
    port_free_s = server.kill_master()
    restart_s = server.start()
    time.sleep(2)
    done.set()
    for t in threads:
        t.join()
    recorded = {p: set(notes(endpoint, headers, p)) for p in before}
    missing = [(p, n) for p, n in acked if n not in recorded[p]]
    short = [p for p in before if version(endpoint, p) < before[p] + sum(q == p for q, _ in acked)]
    return {"statuses": dict(statuses), "acknowledged": len(acked), "missing": len(missing),
            "versions_short": len(short), "worker_kills": worker_kills, "master_kills": 1,
            "port_free_s": round(port_free_s, 2), "restart_s": round(restart_s, 2), "verify": verify(server.env)}


def backup(server: Gunicorn, headers: dict[str, str], scratch: Scratch, folder: Path) -> dict:
    """`registry backup` while writers run; restored into a fresh database, which verifies."""
    statuses, acked, done = Counter(), [], threading.Event()
    step = acknowledged(server.endpoint, headers, statuses, acked, lambda t: BACKUP_POWERS + t, "backup")
    threads = writers(BACKUP_THREADS, step, until=done)
    time.sleep(1)
    path = folder / f"probe-{scratch.backend}.backup"
    code, wrote = cli(server.env, "backup", "--to", str(path))
    time.sleep(0.5)
    done.set()
    for t in threads:
        t.join()
    target = environment(scratch.empty())
    restored_code, restored = cli(target, "restore", "--from", str(path), "--reason", "probe")
    backed = re.search(r"(\d+) audit entries", wrote)
    back = re.search(r"restored (\d+) audit entries", restored)
    return {"writes_during": statuses["200"], "backup_exit": code, "backup_entries": int(backed[1]) if backed else None,
            "restore_exit": restored_code, "restored_entries": int(back[1]) if back else None,
            "verify": verify(target), "printed": wrote if code else None, "restore_printed": restored_code and restored}


def outage(folder: Path) -> dict:
    """A private PostgreSQL stopped under load for a few seconds: the statuses, and the time to answer again."""
    from private_postgres import PrivatePostgres

    pg = PrivatePostgres.create()
    server = None
    try:
        pg.start()
        env = environment(pg.create_database("probe"))
        headers = prepared(env)
        server = Gunicorn(env, free_port(), folder / "gunicorn-outage.log")
        server.start()
        statuses, during, acked, done = Counter(), Counter(), [], threading.Event()
        down = threading.Event()
        step = acknowledged(server.endpoint, headers, statuses, acked, lambda t: 30 + t, "outage")

        def counted(thread: int, i: int) -> None:
            status = step(thread, i)
            if down.is_set():
                during[status] += 1

        threads = writers(OUTAGE_THREADS, counted, until=done)
        time.sleep(2)
        down.set()
        pg.stop()
        time.sleep(OUTAGE_S)
        pg.start()
        up = time.monotonic()
        while server.endpoint.call("GET", "/readyz", timeout=TIMEOUT_S).status != 200:
            time.sleep(0.05)
        ready_s = time.monotonic() - up
        down.clear()
        first_write = time.monotonic()
        while write(server.endpoint, headers, 40, "after the outage") != "200":
            time.sleep(0.05)
        write_s = time.monotonic() - first_write + ready_s
        time.sleep(2)
        done.set()
        for t in threads:
            t.join()
        missing = [(p, n) for p, n in acked if n not in set(notes(server.endpoint, headers, p))]
        return {"statuses": dict(statuses), "statuses_during": dict(during), "outage_s": OUTAGE_S,
                "ready_after_s": round(ready_s, 2), "write_after_s": round(write_s, 2), "acknowledged": len(acked),
                "missing": len(missing), "verify": verify(env)}
    finally:
        if server is not None:
            server.stop()
        pg.remove()
