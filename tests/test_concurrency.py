"""Concurrent writers through the real app and database: no lost update, no 5xx, no "database is locked".

Threads share one app (one engine and pool) and each uses a test client of its own. On SQLite the `app`
fixture is a real file database, so WAL, the busy timeout and BEGIN IMMEDIATE are what is under test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from registry.models import Power
from registry.services import powers as powers_service

T = TypeVar("T")
THREADS = 8
WRITES_PER_THREAD = 5
MAX_ATTEMPTS = 200  # per write; a writer that cannot win this often is starving, which is a failure too
DEADLINE_S = 30  # for a whole group of threads; the tests take well under a second each
LOCKED = "database is locked"


def url(power_id: int) -> str:
    return f"/api/v1/powers/{power_id}"


@dataclass(frozen=True)
class Outcome:
    status: int
    body: str
    version: int | None


def outcome(resp: Any) -> Outcome:
    etag = resp.headers.get("ETag")
    return Outcome(resp.status_code, resp.get_data(as_text=True), int(etag.strip('"')) if etag else None)


def in_parallel(n: int, work: Callable[[int], T]) -> list[T]:
    """Run work(0..n-1) on n threads released together; fail if any raises or outlives the deadline."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + DEADLINE_S
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"writers still running after {DEADLINE_S}s"
    if errors:
        raise errors[0]
    return results


def stored(app: Flask, power_id: int) -> dict[str, Any]:
    """The power's row as the database holds it, read outside any request."""
    with Session(app.extensions["registry.engine"]) as session:
        power = session.get(Power, power_id)
        return {"version": power.version, "name": power.name, "note": power.note, "sub_items": power.sub_items}


@pytest.fixture(autouse=True)
def nothing_logged_as_error(caplog: pytest.LogCaptureFixture):
    """No test here may log an unhandled error (a 500) or a locked database, from any thread."""
    caplog.set_level("WARNING")
    yield
    assert LOCKED not in caplog.text
    assert [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def assert_no_server_errors(outcomes: list[Outcome]) -> None:
    assert [o for o in outcomes if o.status >= 500 or LOCKED in o.body] == []


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("note", "甲的备注", "乙的备注"),
        ("name", "甲改的事项名称", "乙改的事项名称"),
        ("sub_items", ["甲的子项"], ["乙的子项一", "乙的子项二"]),
    ],
)
def test_two_writers_with_one_etag(app: Flask, admin_headers: dict[str, str], field: str, first: Any,
                                   second: Any) -> None:
    """Both read version 1 and write with it: the first wins, the second gets 412, the row is the winner's."""
    a, b = app.test_client(), app.test_client()
    tag_a, tag_b = a.get(url(1)).headers["ETag"], b.get(url(1)).headers["ETag"]
    assert tag_a == tag_b == '"1"'
    won = a.patch(url(1), json={field: first, "reason": "甲"}, headers=admin_headers | {"If-Match": tag_a})
    lost = b.patch(url(1), json={field: second, "reason": "乙"}, headers=admin_headers | {"If-Match": tag_b})
    assert (won.status_code, won.headers["ETag"]) == (200, '"2"')
    assert (lost.status_code, lost.mimetype, lost.json["current_version"]) == (412, "application/problem+json", 2)
    row = stored(app, 1)
    assert (row["version"], row[field]) == (2, first)


def test_one_etag_at_the_same_instant(app: Flask, admin_headers: dict[str, str]) -> None:
    """THREADS writers send the same If-Match at once: exactly one 200, every other one 412."""
    tag = app.test_client().get(url(1)).headers["ETag"]

    def write(i: int) -> Outcome:
        return outcome(app.test_client().patch(url(1), json={"note": f"writer {i}", "reason": "并发"},
                                               headers=admin_headers | {"If-Match": tag}))

    outcomes = in_parallel(THREADS, write)
    assert_no_server_errors(outcomes)
    assert sorted(o.status for o in outcomes) == [200] + [412] * (THREADS - 1)
    winner = next(i for i, o in enumerate(outcomes) if o.status == 200)
    row = stored(app, 1)
    assert (row["version"], row["note"]) == (2, f"writer {winner}")


def test_racing_writers_lose_no_update(app: Flask, admin_headers: dict[str, str]) -> None:
    """THREADS writers each land WRITES_PER_THREAD changes on one power, re-reading and retrying on 412."""
    start = stored(app, 1)["version"]
    assert start == 1

    def write(i: int) -> list[tuple[Outcome, str]]:
        client, seen = app.test_client(), []
        for n in range(WRITES_PER_THREAD):
            note = f"writer {i} change {n}"
            for _ in range(MAX_ATTEMPTS):
                tag = client.get(url(1)).headers["ETag"]
                result = outcome(client.patch(url(1), json={"note": note, "reason": "并发"},
                                              headers=admin_headers | {"If-Match": tag}))
                seen.append((result, note))
                if result.status != 412:
                    break
            if result.status != 200:
                return seen  # starved or failed: the assertions below say which
        return seen

    attempts = [pair for per_thread in in_parallel(THREADS, write) for pair in per_thread]
    outcomes = [o for o, _ in attempts]
    assert_no_server_errors(outcomes)
    assert {o.status for o in outcomes} <= {200, 412}
    wins = sorted((o.version, note) for o, note in attempts if o.status == 200)
    assert len(wins) == THREADS * WRITES_PER_THREAD
    # Every success made a version of its own: none overwrote another unseen.
    assert [v for v, _ in wins] == list(range(start + 1, start + 1 + len(wins)))
    row = stored(app, 1)
    assert (row["version"], row["note"]) == (start + len(wins), wins[-1][1])


def test_writers_on_different_powers_never_clash(app: Flask, admin_headers: dict[str, str]) -> None:
    """THREADS writers, one power each, all at once: every write succeeds the first time."""

    def write(i: int) -> list[Outcome]:
        client, power_id = app.test_client(), i + 1
        tag, seen = client.get(url(power_id)).headers["ETag"], []
        for n in range(WRITES_PER_THREAD):
            result = outcome(client.patch(url(power_id), json={"note": f"change {n}", "reason": "并发"},
                                          headers=admin_headers | {"If-Match": tag}))
            seen.append(result)
            tag = f'"{result.version}"'
        return seen

    per_thread = in_parallel(THREADS, write)
    assert_no_server_errors([o for seen in per_thread for o in seen])
    assert [[o.status for o in seen] for seen in per_thread] == [[200] * WRITES_PER_THREAD] * THREADS
    assert [stored(app, i + 1)["version"] for i in range(THREADS)] == [1 + WRITES_PER_THREAD] * THREADS


@pytest.mark.parametrize(
    ("seq", "only_the_constraint", "created"),
    [(999, False, 1), (1, False, 0), (999, True, 1), (1, True, 0)],
    ids=["free-seq", "taken-seq", "free-seq-constraint-only", "taken-seq-constraint-only"],
)
def test_creates_with_one_seq_at_once(app: Flask, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                      seq: int, only_the_constraint: bool, created: int) -> None:
    """THREADS creates of the same (decision, 序号) at once: at most one 201, every other one 409, never 500."""
    if only_the_constraint:
        # Skip the service's own 序号 check: the unique constraint must refuse (IntegrityError), still a 409.
        monkeypatch.setattr(powers_service, "_check_seq_free", lambda *_, **__: None)
    body = {"decision": 1, "seq": seq, "name": "并发新增的事项", "type": "行政许可", "level": "市级", "department": 1,
            "reason": "并发新增"}

    def create(_: int) -> Outcome:
        return outcome(app.test_client().post("/api/v1/powers", json=body, headers=admin_headers))

    outcomes = in_parallel(THREADS, create)
    assert_no_server_errors(outcomes)
    assert sorted(o.status for o in outcomes) == [201] * created + [409] * (THREADS - created)
    with app.extensions["registry.engine"].connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM power WHERE decision_id = 1 AND seq = :seq"),
                             {"seq": seq}).scalar_one()
    assert count == 1


def test_engine_is_set_up_for_concurrent_writers(app: Flask) -> None:
    """The premise of the tests above: psycopg 3 on PostgreSQL; a WAL file with a busy timeout on SQLite."""
    engine = app.extensions["registry.engine"]
    if engine.dialect.name == "postgresql":
        assert engine.dialect.driver == "psycopg"
        return
    assert engine.url.database and engine.url.database != ":memory:"
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0
