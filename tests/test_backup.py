"""`registry backup` and `registry restore`, on every backend.

What this file proves:

* a backup taken while audited writes go on is one consistent moment: the count of entries it prints is the count
  the restored database holds before its restore entry, its head is that entry's hash, and the trail verifies;
* the backup file is private (0600) and written whole or not at all (no temporary file left beside it);
* restore refuses a database that is not empty, and a backup of the other kind of database, writing nothing;
* a restore migrates an older backup up, verifies it (a backup made under another audit key is refused, with no
  restore entry), and records itself in the trail with its reason;
* a checkpoint taken before the restore that names entries the backup did not have is reported as the restore
  (exit 4, "restored from a backup at entry N"), not as tampering; truncating the trail after the restore is
  still caught as truncation.
"""

from __future__ import annotations

import json
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from registry.db import migrate
from registry.db.backup import BackupError, libpq, tables, tool
from registry.models import AuditEntry
from tests.conftest import Databases, bearer, cli, dispose, invoke, make_app
from tests.test_tamper import check, patch_power, unguarded

WROTE = re.compile(r"wrote (?P<path>.+): (?P<bytes>\d+) bytes, (?P<entries>\d+) audit entries, "
                   r"head (?P<head>[0-9a-f]{64})\n")
ENTRY = AuditEntry.__table__
OTHER_KIND = {"sqlite": (b"PGDMP", "postgresql"), "postgresql": (b"SQLite format 3\x00", "sqlite")}


def take_backup(app: Flask, path: Path) -> re.Match:
    printed = WROTE.fullmatch(cli(app, "backup", "--to", str(path)))
    assert printed, path
    return printed


def trail(app: Flask) -> list[AuditEntry]:
    with app.extensions["registry.sessionmaker"]() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


@pytest.fixture
def target(databases: Databases) -> Iterator[Flask]:
    """An app on an empty database of the same backend: where a backup is restored."""
    app = make_app(databases.empty())
    yield app
    dispose(app)


def restore(app: Flask, path: Path, reason: str = "test: the old server's disk failed") -> Result:
    return invoke(app, "restore", "--from", str(path), "--reason", reason)


def checkpoint_file(app: Flask, path: Path) -> Path:
    cli(app, "audit", "checkpoint", "--output", str(path))
    return path


# --- backup ----------------------------------------------------------------------------------------------------


def test_a_backup_under_load_is_one_moment_and_restores_intact(
        app: Flask, target: Flask, admin_headers: dict[str, str], tmp_path: Path) -> None:
    done, stop, errors = [], threading.Event(), []

    def write() -> None:
        client = app.test_client()
        try:
            while not stop.is_set():
                patch_power(client, admin_headers, 1 + len(done) % 10, f"load {len(done)}")
                done.append(1)
        except Exception as exc:
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(done) < 5 and writer.is_alive():
            threading.Event().wait(0.05)
        during, before = len(done), len(trail(app))
        printed = take_backup(app, tmp_path / "registry.backup")
        while len(done) < during + 5 and writer.is_alive():
            threading.Event().wait(0.05)
    finally:
        stop.set()
        writer.join(timeout=120)
    assert not errors, errors
    entries = int(printed["entries"])
    # Not a stale copy (a plain copy of a SQLite file misses what is still in its WAL), nor the end of the load.
    assert during >= 5 and len(done) >= during + 5 and before <= entries < len(trail(app))

    result = restore(target, tmp_path / "registry.backup")
    assert result.exit_code == 0, result.output
    restored = trail(target)
    assert [e.seq for e in restored] == list(range(1, entries + 2))
    assert restored[entries - 1].hash == printed["head"] == trail(app)[entries - 1].hash
    assert check(target).intact
    assert f"restored {entries} audit entries (head {printed['head']})" in result.output


def test_the_backup_file_is_private_and_written_whole(shared_app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "registry.backup"
    path.write_text("an older backup")
    printed = take_backup(shared_app, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert int(printed["bytes"]) == path.stat().st_size > 10_000
    assert int(printed["entries"]) == len(trail(shared_app))
    assert [p.name for p in tmp_path.iterdir()] == ["registry.backup"]


def test_a_backup_refuses_to_overwrite_its_database_or_write_nowhere(shared_app: Flask, tmp_path: Path) -> None:
    url = shared_app.extensions["registry.engine"].url
    cases = [(str(tmp_path / "no" / "such.backup"), "No such file")]
    if url.get_backend_name() == "sqlite":  # PostgreSQL has no file to overwrite
        cases.append((url.database, "is the database itself"))
    for path, says in cases:
        result = invoke(shared_app, "backup", "--to", path)
        assert result.exit_code == 1 and says in result.output, result.output
    assert check(shared_app).intact


@pytest.mark.parametrize(("url", "argument"), [
    ("postgresql+psycopg://registry:s3cret@db.example:5433/registry",
     "--dbname=postgresql://registry@db.example:5433/registry"),
    ("postgresql://registry:p%40ss@db.example/registry?sslmode=require",
     "--dbname=postgresql://registry@db.example/registry?sslmode=require"),
    # libpq decodes percent-encoding in a URI's parameters
    ("postgresql://registry:x@/registry?host=/run/postgresql",
     "--dbname=postgresql://registry@/registry?host=%2Frun%2Fpostgresql"),
])
def test_pg_tools_get_the_database_without_its_password(url: str, argument: str) -> None:
    assert libpq(make_url(url)) == [argument]


def test_a_missing_pg_tool_is_named_with_what_to_install() -> None:
    with pytest.raises(BackupError, match="pg_nonesuch is not installed: install the PostgreSQL client programs"):
        tool("pg_nonesuch")


# --- restore ---------------------------------------------------------------------------------------------------


def test_a_restore_records_itself_in_the_trail(shared_app: Flask, target: Flask, tokens: dict[str, str],
                                               tmp_path: Path) -> None:
    printed = take_backup(shared_app, tmp_path / "monday.backup")
    result = restore(target, tmp_path / "monday.backup", reason="test: moved to the new server")
    assert result.exit_code == 0, result.output
    entry = trail(target)[-1]
    entries = int(printed["entries"])
    assert (entry.seq, entry.action, entry.entity_type, entry.reason) == (
        entries + 1, "restore", "registry", "test: moved to the new server")
    assert entry.after == {"backup": "monday.backup", "backup_entries": entries, "backup_head": printed["head"]}
    assert entry.prev_hash == printed["head"] and entry.actor_name.startswith("cli:")
    assert f"the restore is entry {entries + 1}" in result.output
    assert invoke(target, "audit", "verify").exit_code == 0
    with pytest.raises(DBAPIError, match="append-only"), target.extensions["registry.engine"].begin() as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq == entries + 1))  # the restored guards hold
    listed = target.test_client().get("/api/v1/audit?action=restore", headers=bearer(tokens["auditor"])).get_json()
    assert [(e["seq"], e["entity_type"], e["entity_label"]) for e in listed["items"]][0] == (
        entries + 1, "registry", "从备份恢复 monday.backup")


def migrated_only(databases: Databases) -> str:
    url = databases.empty()
    migrate.upgrade(url)
    return url


@pytest.mark.parametrize("occupied", [migrated_only, Databases.seeded], ids=["migrated, no rows", "seeded"])
def test_restore_refuses_a_database_that_is_not_empty(
        shared_app: Flask, databases: Databases, occupied, tmp_path: Path) -> None:
    take_backup(shared_app, tmp_path / "registry.backup")
    app = make_app(occupied(databases))
    try:
        before = [(e.seq, e.hash) for e in trail(app)]
        result = restore(app, tmp_path / "registry.backup")
        assert result.exit_code == 1
        assert "the target database is not empty" in result.output and "create a new database" in result.output
        assert [(e.seq, e.hash) for e in trail(app)] == before
    finally:
        dispose(app)


def test_restore_refuses_a_backup_of_the_other_kind_of_database(target: Flask, tmp_path: Path) -> None:
    magic, other = OTHER_KIND[target.extensions["registry.engine"].dialect.name]
    (tmp_path / "other.backup").write_bytes(magic + b"\x00" * 100)
    (tmp_path / "notes.txt").write_text("not a backup")
    for name, says in [("other.backup", f": it is a {other} backup"), ("notes.txt", "is not a backup of")]:
        result = restore(target, tmp_path / name)
        assert result.exit_code == 1 and says in result.output, result.output
    with target.extensions["registry.engine"].connect() as conn:
        assert tables(conn) == []


def test_a_backup_made_under_another_audit_key_does_not_verify_and_is_not_recorded(
        shared_app: Flask, databases: Databases, tmp_path: Path) -> None:
    take_backup(shared_app, tmp_path / "registry.backup")
    app = make_app(databases.empty(), audit_key="the audit key of another registry")
    try:
        result = restore(app, tmp_path / "registry.backup")
        assert result.exit_code == 3
        assert "the restored trail does not verify: wrong-key: wrong audit key" in result.output
        assert [e.action for e in trail(app)][-1] != "restore"
    finally:
        dispose(app)


def test_an_older_backup_is_migrated_up(databases: Databases, target: Flask, tmp_path: Path) -> None:
    old = make_app(databases.empty())
    try:
        migrate.upgrade(old.config["REGISTRY_SETTINGS"].database_url, "0006")
        take_backup(old, tmp_path / "old.backup")
    finally:
        dispose(old)
    result = restore(target, tmp_path / "old.backup")
    assert result.exit_code == 0, result.output
    assert "database is at the latest migration" in result.output
    url = target.config["REGISTRY_SETTINGS"].database_url
    with target.extensions["registry.engine"].connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == ScriptDirectory.from_config(
            migrate.alembic_config(url)).get_current_head()
    assert [(e.seq, e.after["backup_entries"]) for e in trail(target)] == [(1, 0)]


# --- checkpoints after a restore -------------------------------------------------------------------------------


@pytest.mark.parametrize("writes_after_restore", [0, 5], ids=["restored trail shorter", "restored trail longer"])
def test_a_checkpoint_of_the_lost_entries_reports_the_restore_not_tampering(
        app: Flask, target: Flask, admin_headers: dict[str, str], tmp_path: Path, writes_after_restore: int) -> None:
    client = app.test_client()
    patch_power(client, admin_headers, 3, "before the backup")
    earlier = checkpoint_file(app, tmp_path / "earlier.json")
    entries = int(take_backup(app, tmp_path / "registry.backup")["entries"])
    for i in range(3):
        patch_power(client, admin_headers, 4, f"lost with the restore {i}")
    lost = checkpoint_file(app, tmp_path / "lost.json")
    assert restore(target, tmp_path / "registry.backup").exit_code == 0
    restored_client = target.test_client()
    for i in range(writes_after_restore):
        patch_power(restored_client, admin_headers, 5, f"after the restore {i}")

    result = invoke(target, "audit", "verify", "--checkpoint", str(earlier), "--checkpoint", str(lost))
    assert result.exit_code == 4, result.output
    assert result.output.startswith(f"intact: {entries + 1 + writes_after_restore} entries, ")
    assert "1 checkpoint(s) confirmed" in result.output
    assert (f"notice: restored from a backup at entry {entries} (the checkpoint names {entries + 3} entries); "
            f"the entries after it were lost with the restore recorded as entry {entries + 1}") in result.output
    assert "TAMPERED" not in result.output


def test_truncating_the_trail_after_a_restore_is_still_truncation(
        shared_app: Flask, target: Flask, admin_headers: dict[str, str], tmp_path: Path) -> None:
    entries = int(take_backup(shared_app, tmp_path / "registry.backup")["entries"])
    assert restore(target, tmp_path / "registry.backup").exit_code == 0
    client = target.test_client()
    for i in range(3):
        patch_power(client, admin_headers, 6, f"after the restore {i}")
    after = checkpoint_file(target, tmp_path / "after.json")
    with unguarded(target) as conn:
        conn.execute(delete(ENTRY).where(ENTRY.c.seq > entries + 1))
    result = invoke(target, "audit", "verify", "--checkpoint", str(after))
    assert result.exit_code == 1, result.output
    assert f"TAMPERED: first bad entry is entry {entries + 2} (truncated)" in result.output
    assert json.loads(after.read_text())["size"] == entries + 4
    with target.extensions["registry.sessionmaker"]() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == entries + 1
