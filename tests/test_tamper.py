"""The audit trail is tamper-evident on every backend, and the database itself refuses to rewrite it.

What this file proves, on SQLite and PostgreSQL alike:

* an untouched trail verifies intact, also after API writes and against checkpoints taken along the way;
* a normal connection cannot UPDATE, DELETE or TRUNCATE ``audit_entry`` (the triggers refuse);
* with the triggers out of the way (dropped on SQLite, ``session_replication_role = replica`` on PostgreSQL),
  every kind of tampering is caught, with the right kind and the right first bad entry, both by the
  verify service and by ``registry audit verify`` (exit 1, "TAMPERED: first bad entry is ...");
* what the chain alone cannot see (a deleted tail, a chain re-hashed by an insider holding the key) is
  caught by a signed checkpoint taken before;
* writes that bypass the application (rows edited, added or removed directly) are caught by the replay;
* concurrent appends never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from registry.domain import chain
from registry.models import AuditEntry, User
from registry.models.base import utcnow
from registry.services.audit import entry_fields
from registry.services.verify import Report, verify
from tests.conftest import AUDIT_KEY, CHECKPOINT_KEY, cli, invoke, signing_pem

ENTRY = AuditEntry.__table__
MIDDLE = 50  # an entry well inside the seeded chain (a power's creation)
WRONG_KEY = chain.chain_key("an attacker's guess at the audit key")
SQLITE_GUARDS = ("audit_entry_no_update", "audit_entry_no_delete")


# --- helpers -------------------------------------------------------------------------------------------------


def engine(app: Flask):
    return app.extensions["registry.engine"]


@contextmanager
def unguarded(app: Flask) -> Iterator[Connection]:
    """A transaction in which the append-only triggers do not fire: what a DBA (or an intruder) can do."""
    with engine(app).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for trigger in SQLITE_GUARDS:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        yield conn


def entries(conn: Connection) -> list[Any]:
    return list(conn.execute(select(ENTRY).order_by(ENTRY.c.seq)))


def size(app: Flask) -> int:
    with engine(app).connect() as conn:
        return conn.scalar(select(func.count()).select_from(ENTRY))


def last_entry_of(app: Flask, entity_type: str, entity_id: int) -> int:
    with engine(app).connect() as conn:
        return conn.scalar(select(func.max(ENTRY.c.seq)).where(ENTRY.c.entity_type == entity_type,
                                                               ENTRY.c.entity_id == entity_id))


def user_id(app: Flask, name: str) -> int:
    with engine(app).connect() as conn:
        return conn.scalar(select(User.id).where(User.name == name))


def forge_hash(key: bytes | None, fields: dict[str, Any]) -> str:
    """The hash an attacker computes: keyed when he has (or guesses) a key, else plain SHA-256."""
    if key is None:
        return hashlib.sha256(chain.canonical({k: fields[k] for k in chain.HASHED_FIELDS})).hexdigest()
    return chain.entry_hash(key, fields)


def rehash(conn: Connection, key: bytes | None, start: int) -> None:
    """Recompute the links and hashes of entries start..end with ``key``, as if they had been written so."""
    rows = entries(conn)
    prev = rows[start - 2].hash if start > 1 else chain.GENESIS
    for row in rows[start - 1:]:
        new = forge_hash(key, entry_fields(SimpleNamespace(**{**row._mapping, "prev_hash": prev})))
        conn.execute(update(ENTRY).where(ENTRY.c.seq == row.seq).values(prev_hash=prev, hash=new))
        prev = new


def renumber_from(conn: Connection, seq: int, by: int) -> None:
    """Shift entries seq.. by ``by``, in two steps so that no primary key collides on the way."""
    conn.execute(update(ENTRY).where(ENTRY.c.seq >= seq).values(seq=-ENTRY.c.seq))
    conn.execute(update(ENTRY).where(ENTRY.c.seq < 0).values(seq=-ENTRY.c.seq + by))


def take_checkpoint(app: Flask) -> dict[str, Any]:
    return json.loads(cli(app, "audit", "checkpoint"))


def past_checkpoint(app: Flask, at_size: int) -> dict[str, Any]:
    """The checkpoint `registry audit checkpoint` printed when the trail had ``at_size`` entries."""
    with engine(app).connect() as conn:
        head = conn.scalar(select(ENTRY.c.hash).where(ENTRY.c.seq == at_size))
    return chain.sign_checkpoint(chain.signing_key(CHECKPOINT_KEY), at_size, head, utcnow())


def check(app: Flask, checkpoints: list[dict[str, Any]] | tuple = ()) -> Report:
    with app.extensions["registry.sessionmaker"]() as session:
        return verify(session, AUDIT_KEY, list(checkpoints))


def verify_cli(app: Flask, tmp_path: Path, checkpoints: list[dict[str, Any]] | tuple = ()) -> Result:
    args = ["audit", "verify"]
    for i, checkpoint in enumerate(checkpoints):
        path = tmp_path / f"checkpoint-{i}.json"
        path.write_text(json.dumps(checkpoint), encoding="utf-8")
        args += ["--checkpoint", str(path)]
    return invoke(app, *args)


def patch_power(client, headers: dict[str, str], power_id: int, note: str) -> None:
    etag = client.get(f"/api/v1/powers/{power_id}").headers["ETag"]
    resp = client.patch(f"/api/v1/powers/{power_id}", json={"note": note, "reason": f"test: {note}"},
                        headers={"If-Match": etag, **headers})
    assert resp.status_code == 200, resp.get_data(as_text=True)


def assert_intact(app: Flask, tmp_path: Path, checkpoints: list[dict[str, Any]] | tuple = ()) -> Report:
    report = check(app, checkpoints)
    assert report.intact, report.findings
    result = verify_cli(app, tmp_path, checkpoints)
    assert result.exit_code == 0, result.output
    assert result.output == (f"intact: {report.size} entries, head {report.head}, "
                             f"{len(checkpoints)} checkpoint(s) confirmed\n")
    return report


# --- an untouched trail ----------------------------------------------------------------------------------------


def test_a_seeded_trail_is_contiguous_and_intact(shared_app: Flask, tmp_path: Path) -> None:
    with engine(shared_app).connect() as conn:
        rows = entries(conn)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert len(rows) > 100  # decision, departments, powers, staff and their tokens
    report = assert_intact(shared_app, tmp_path)
    assert (report.size, report.head) == (len(rows), rows[-1].hash)


def test_writes_extend_the_trail_and_every_earlier_checkpoint_stays_a_prefix(
        app: Flask, client, admin_headers: dict[str, str], tmp_path: Path) -> None:
    checkpoints = [take_checkpoint(app)]
    for round_ in range(3):
        for power_id in (5, 6):
            patch_power(client, admin_headers, power_id, f"round {round_}")
        checkpoints.append(take_checkpoint(app))
    sizes = [cp["size"] for cp in checkpoints]
    assert sizes == list(range(sizes[0], sizes[0] + 7, 2))
    report = assert_intact(app, tmp_path, checkpoints)
    assert report.size == sizes[-1] == size(app)
    assert report.checkpoints == 4


# --- the database refuses ----------------------------------------------------------------------------------------

REFUSED = {
    "update": {"sqlite": "UPDATE audit_entry SET reason = 'rewritten' WHERE seq = 5",
               "postgresql": "UPDATE audit_entry SET reason = 'rewritten' WHERE seq = 5"},
    "delete-one": {"sqlite": "DELETE FROM audit_entry WHERE seq = 5",
                   "postgresql": "DELETE FROM audit_entry WHERE seq = 5"},
    "delete-tail": {"sqlite": "DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)",
                    "postgresql": "DELETE FROM audit_entry WHERE seq = (SELECT MAX(seq) FROM audit_entry)"},
    # SQLite has no TRUNCATE: an unqualified DELETE is its equivalent.
    "truncate": {"sqlite": "DELETE FROM audit_entry", "postgresql": "TRUNCATE audit_entry"},
}


@pytest.mark.parametrize("statement", REFUSED)
def test_the_database_refuses_to_change_or_remove_entries(app: Flask, tmp_path: Path, statement: str) -> None:
    before = size(app)
    with pytest.raises(DBAPIError, match="append-only"), engine(app).begin() as conn:
        conn.execute(text(REFUSED[statement][conn.dialect.name]))
    assert size(app) == before
    assert_intact(app, tmp_path)


def test_the_orm_cannot_rewrite_an_entry_either(app: Flask) -> None:
    with app.extensions["registry.sessionmaker"]() as session:
        session.get(AuditEntry, 7).reason = "rewritten"
        with pytest.raises(DBAPIError, match="append-only"):
            session.commit()
    assert check(app).intact


# --- tampering with the trail ----------------------------------------------------------------------------------


@dataclass
class Expected:
    """What verify must report: the first bad entry, given the checkpoints the auditor kept."""

    seq: int | None
    checkpoints: list[dict[str, Any]] = field(default_factory=list)


Tamper = Callable[[Flask, Any, dict[str, str]], Expected]


def edit_entry(column: str, change: Callable[[Any], Any]) -> Tamper:
    """Change one column of one entry in place, without re-hashing anything."""
    def tamper(app: Flask, _client, _headers) -> Expected:
        with unguarded(app) as conn:
            row = conn.execute(select(ENTRY).where(ENTRY.c.seq == MIDDLE)).one()
            conn.execute(update(ENTRY).where(ENTRY.c.seq == MIDDLE).values({column: change(row)}))
        return Expected(MIDDLE)
    return tamper


def delete_middle(app: Flask, _client, _headers) -> Expected:
    with unguarded(app) as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == MIDDLE))
    return Expected(MIDDLE)


def delete_tail_with_its_row(app: Flask, _client, _headers) -> Expected:
    """Remove the last write and its effect (a token): the chain and the rows agree; only a checkpoint knows."""
    checkpoint = take_checkpoint(app)
    with unguarded(app) as conn:
        last = entries(conn)[-1]
        assert last.entity_type == "token"
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == last.seq))
        conn.execute(text("DELETE FROM api_token WHERE id = :id"), {"id": last.entity_id})
    assert check(app).intact, "without a checkpoint a clean truncation is invisible; the test lost its point"
    return Expected(checkpoint["size"], [checkpoint])


def delete_tail_keep_row(app: Flask, client, headers: dict[str, str]) -> Expected:
    """Remove the last write's entry but not its effect: the replay sees power 5 at an earlier entry, yet the
    first bad entry reported is the one that went missing (chain findings outrank replay findings)."""
    patch_power(client, headers, 5, "the write that will be hidden")
    checkpoint = take_checkpoint(app)
    with unguarded(app) as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == checkpoint["size"]))
    assert [f.kind for f in check(app).findings] == ["replay"]
    return Expected(checkpoint["size"], [checkpoint])


def edit_row_and_later_entry(app: Flask, _client, _headers) -> Expected:
    """A replay failure at an early entry and a chain failure at a later one: the chain failure is first."""
    with engine(app).begin() as conn:
        conn.execute(text("UPDATE power SET name = 'a name nobody approved' WHERE id = 5"))
    assert last_entry_of(app, "power", 5) < MIDDLE
    edit_entry("reason", lambda r: "a better reason")(app, None, {})
    return Expected(MIDDLE)


def swap(low: int, high: int) -> Tamper:
    def tamper(app: Flask, _client, _headers) -> Expected:
        with unguarded(app) as conn:
            conn.execute(update(ENTRY).where(ENTRY.c.seq == low).values(seq=-1))
            conn.execute(update(ENTRY).where(ENTRY.c.seq == high).values(seq=low))
            conn.execute(update(ENTRY).where(ENTRY.c.seq == -1).values(seq=high))
        return Expected(low)
    return tamper


def insert_forged(key: bytes | None) -> Tamper:
    """Slip a plausible entry in at MIDDLE, renumber the rest and relink the next one to it."""
    def tamper(app: Flask, _client, _headers) -> Expected:
        with unguarded(app) as conn:
            rows = entries(conn)
            model, prev = rows[MIDDLE - 1]._asdict(), rows[MIDDLE - 2].hash
            forged = {**model, "reason": "backdated approval", "actor_name": "管理员甲", "prev_hash": prev,
                      "after": {**model["after"], "note": "forged"}}
            forged["hash"] = forge_hash(key, entry_fields(SimpleNamespace(**forged)))
            renumber_from(conn, MIDDLE, 1)
            conn.execute(update(ENTRY).where(ENTRY.c.seq == MIDDLE + 1).values(prev_hash=forged["hash"]))
            conn.execute(insert(ENTRY).values(forged))
        return Expected(MIDDLE)
    return tamper


def edit_and_rehash(key: bytes | None) -> Tamper:
    """Edit an entry, then re-hash it and everything after it: the attacker does not hold the audit key."""
    def tamper(app: Flask, _client, _headers) -> Expected:
        with unguarded(app) as conn:
            conn.execute(update(ENTRY).where(ENTRY.c.seq == MIDDLE).values(reason="rewritten history"))
            rehash(conn, key, MIDDLE)
        return Expected(MIDDLE)
    return tamper


def drop_and_rehash_without_key(app: Flask, _client, _headers) -> Expected:
    """Delete an entry, renumber and re-link the rest with plain SHA-256: contiguous and linked, yet forged."""
    with unguarded(app) as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == MIDDLE))
        renumber_from(conn, MIDDLE + 1, -1)
        rehash(conn, None, MIDDLE)
    return Expected(MIDDLE)


def insider_rehash(edited: Callable[[int, int], int]) -> Tamper:
    """An insider with the key edits an entry and re-hashes the rest: only checkpoints taken before can tell.

    Checkpoints are taken at the seeded size and after three more writes; ``edited(first, second)`` picks
    the entry to edit, and the first checkpoint that covers it is the first bad one.
    """
    def tamper(app: Flask, client, headers: dict[str, str]) -> Expected:
        first = take_checkpoint(app)
        for power_id in (7, 8, 9):
            patch_power(client, headers, power_id, "before the insider")
        second = take_checkpoint(app)
        target = edited(first["size"], second["size"])
        with unguarded(app) as conn:
            conn.execute(update(ENTRY).where(ENTRY.c.seq == target).values(reason="rewritten by an insider"))
            rehash(conn, chain.chain_key(AUDIT_KEY), target)
        assert check(app).intact, "the insider's chain should be self-consistent; the test lost its point"
        return Expected(first["size"] if target <= first["size"] else second["size"], [first, second])
    return tamper


TAMPERING: list[tuple[str, Tamper, str]] = [
    ("edit reason", edit_entry("reason", lambda r: "a better reason"), "bad-hash"),
    ("edit actor_name", edit_entry("actor_name", lambda r: "someone else"), "bad-hash"),
    ("edit after", edit_entry("after", lambda r: {**r.after, "name": "a forged name"}), "bad-hash"),
    ("edit at", edit_entry("at", lambda r: r.at + timedelta(microseconds=1)), "bad-hash"),
    ("edit hash", edit_entry("hash", lambda r: "f" * 64), "bad-hash"),
    ("edit prev_hash", edit_entry("prev_hash", lambda r: "e" * 64), "broken-link"),
    ("delete in the middle", delete_middle, "missing"),
    ("delete the tail and its row", delete_tail_with_its_row, "truncated"),
    ("delete the tail, keep its row", delete_tail_keep_row, "truncated"),
    ("edit a row and a later entry", edit_row_and_later_entry, "bad-hash"),
    ("swap two entries", swap(MIDDLE - 10, MIDDLE + 10), "broken-link"),
    ("swap neighbours", swap(MIDDLE, MIDDLE + 1), "broken-link"),
    ("insert with sha256", insert_forged(None), "bad-hash"),
    ("insert with a wrong key", insert_forged(WRONG_KEY), "bad-hash"),
    ("edit, re-hash with sha256", edit_and_rehash(None), "bad-hash"),
    ("edit, re-hash with a wrong key", edit_and_rehash(WRONG_KEY), "bad-hash"),
    ("delete, renumber, re-hash", drop_and_rehash_without_key, "bad-hash"),
    ("insider edits an old entry", insider_rehash(lambda first, second: MIDDLE), "checkpoint-mismatch"),
    ("insider edits a recent entry", insider_rehash(lambda first, second: second - 1), "checkpoint-mismatch"),
]


@pytest.mark.parametrize(("tamper", "kind"), [pytest.param(t, k, id=name) for name, t, k in TAMPERING])
def test_tampering_with_the_trail_is_detected(app: Flask, client, admin_headers: dict[str, str], tmp_path: Path,
                                             tamper: Tamper, kind: str) -> None:
    expected = tamper(app, client, admin_headers)
    report = check(app, expected.checkpoints)
    assert not report.intact
    assert (report.first.kind, report.first.seq) == (kind, expected.seq), report.findings
    result = verify_cli(app, tmp_path, expected.checkpoints)
    assert result.exit_code == 1, result.output
    headline, *details = result.output.splitlines()
    assert headline.startswith(f"TAMPERED: first bad entry is entry {expected.seq} ({kind}): ")
    assert f"{expected.seq}\t{kind}\t" in "\n".join(details)


# --- writes that bypass the application ------------------------------------------------------------------------


def edit_power_row(app: Flask, client, headers: dict[str, str]) -> Expected:
    patch_power(client, headers, 5, "the last legitimate change")
    with engine(app).begin() as conn:
        conn.execute(text("UPDATE power SET name = 'a name nobody approved' WHERE id = 5"))
    return Expected(last_entry_of(app, "power", 5))


def promote_user_row(app: Flask, _client, _headers) -> Expected:
    victim = user_id(app, "水利局甲")
    with engine(app).begin() as conn:
        conn.execute(text("UPDATE user_account SET role = 'admin', department_id = NULL WHERE id = :id"),
                     {"id": victim})
    return Expected(last_entry_of(app, "user", victim))


def extend_token_row(app: Flask, _client, _headers) -> Expected:
    with engine(app).begin() as conn:
        conn.execute(text("UPDATE api_token SET expires_at = :t WHERE id = 3"),
                     {"t": utcnow() + timedelta(days=3650)})
    return Expected(last_entry_of(app, "token", 3))


def delete_token_row(app: Flask, _client, _headers) -> Expected:
    with engine(app).begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE id = 2"))
    return Expected(last_entry_of(app, "token", 2))


def insert_power_row(app: Flask, _client, _headers) -> Expected:
    with engine(app).begin() as conn:
        conn.execute(text(
            "INSERT INTO power (decision_id, seq, name, type, level, department_id, note, partial, devolved_part, "
            "retained_part, retired, version, created_at, updated_at) "
            "SELECT decision_id, 900, 'an unapproved power', type, level, department_id, note, partial, "
            "devolved_part, retained_part, retired, 1, created_at, updated_at FROM power WHERE id = 5"))
    return Expected(None)


def insert_user_row(app: Flask, _client, _headers) -> Expected:
    with engine(app).begin() as conn:
        conn.execute(insert(User.__table__).values(name="backdoor", role="admin", department_id=None,
                                                   password_hash=None, disabled=False,
                                                   created_at=utcnow(), updated_at=utcnow()))
    return Expected(None)


BYPASSING: list[tuple[str, Tamper, str]] = [
    ("edit a power", edit_power_row, "replay"),
    ("promote a user", promote_user_row, "replay"),
    ("extend a token", extend_token_row, "replay"),
    ("delete a token", delete_token_row, "row-missing"),
    ("insert a power", insert_power_row, "unaudited-row"),
    ("insert a user", insert_user_row, "unaudited-row"),
]


@pytest.mark.parametrize(("tamper", "kind"), [pytest.param(t, k, id=name) for name, t, k in BYPASSING])
def test_rows_changed_outside_the_application_are_detected(app: Flask, client, admin_headers: dict[str, str],
                                                          tmp_path: Path, tamper: Tamper, kind: str) -> None:
    expected = tamper(app, client, admin_headers)
    report = check(app)
    assert [(f.kind, f.seq) for f in report.findings] == [(kind, expected.seq)]
    assert report.first.kind == kind
    result = verify_cli(app, tmp_path)
    assert result.exit_code == 1, result.output
    where = "the registry" if expected.seq is None else f"entry {expected.seq}"
    assert result.output.startswith(f"TAMPERED: first bad entry is {where} ({kind}): ")


# --- forged checkpoints ----------------------------------------------------------------------------------------

FORGERIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "smaller size": lambda cp: {**cp, "size": cp["size"] - 1},
    "other head": lambda cp: {**cp, "head": "a" * 64},
    "other time": lambda cp: {**cp, "at": "2020-01-01T00:00:00.000000Z"},
    "signed with another key": lambda cp: chain.sign_checkpoint(chain.signing_key(signing_pem("another key")),
                                                                cp["size"], cp["head"], utcnow()),
    "not base64": lambda cp: {**cp, "signature": "not a signature!"},
    "no signature": lambda cp: {**cp, "signature": ""},
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_checkpoint_with_a_forged_signature_is_refused(shared_app: Flask, tmp_path: Path,
                                                         forge: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    genuine = take_checkpoint(shared_app)
    report = check(shared_app, [genuine, forge(genuine)])
    assert [(f.kind, f.seq) for f in report.findings] == [("checkpoint-signature", None)]
    result = verify_cli(shared_app, tmp_path, [forge(genuine)])
    assert result.exit_code == 1
    assert result.output.startswith("TAMPERED: first bad entry is the registry (checkpoint-signature): ")


# --- concurrent appends ------------------------------------------------------------------------------------------

THREADS = 6
WRITES_PER_THREAD = 3


def test_concurrent_appends_never_fork_the_chain(app: Flask, admin_headers: dict[str, str], tmp_path: Path) -> None:
    before = size(app)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=10)
            for j in range(WRITES_PER_THREAD):
                patch_power(client, admin_headers, 20 + i, f"thread {i} write {j}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "writers still running"
    assert not errors, errors

    with engine(app).connect() as conn:
        rows = entries(conn)
    assert [r.seq for r in rows] == list(range(1, before + THREADS * WRITES_PER_THREAD + 1))
    assert all(r.prev_hash == p.hash for p, r in zip(rows, rows[1:], strict=False))
    assert sorted(r.entity_id for r in rows[before:]) == sorted(20 + i for i in range(THREADS)
                                                               for _ in range(WRITES_PER_THREAD))
    assert_intact(app, tmp_path)

