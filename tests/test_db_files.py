"""The SQLite database is the registry's alone and durable: its file, WAL and shared memory are 0600 and the
instance folder 0700 whatever the umask; commits are synced (synchronous FULL) and the WAL is kept in bounds."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from registry import _configure
from registry.config import Settings
from registry.db import JOURNAL_SIZE_LIMIT, make_engine

SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual umask (022), under which files are created world-readable unless the code says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def write_once(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        with engine.connect() as conn:  # a second connection: the WAL and shared memory are open now
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_a_new_instance_folder_and_database_are_private(tmp_path: Path, permissive_umask: None) -> None:
    instance = tmp_path / "instance"
    app = Flask("registry", instance_path=str(instance))
    url = f"sqlite:///{instance / 'registry.sqlite3'}"
    _configure(app, Settings(database_url=url, secret_key="k", audit_key="a"))
    assert mode(instance) == 0o700
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        files = {p.name: mode(p) for p in instance.iterdir()}
        assert {"registry.sqlite3", "registry.sqlite3-wal", "registry.sqlite3-shm"} <= set(files)
        assert set(files.values()) == {0o600}, files
    finally:
        engine.dispose()


def test_an_existing_world_readable_database_is_made_private(tmp_path: Path, permissive_umask: None) -> None:
    """A database made before (or copied in, as a backup restore does) is tightened on the first connection."""
    database = tmp_path / "old.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    write_once(f"sqlite:///{database}")
    assert {p.name: mode(p) for p in tmp_path.iterdir()} == {"old.sqlite3": 0o600}  # WAL checkpointed away


def test_an_existing_instance_folder_is_made_private(tmp_path: Path, permissive_umask: None) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    app = Flask("registry", instance_path=str(instance))
    _configure(app, Settings(database_url=f"sqlite:///{instance / 'r.sqlite3'}", secret_key="k", audit_key="a"))
    assert mode(instance) == 0o700


def test_the_pragmas_are_in_effect_on_every_connection(sqlite_app: Flask) -> None:
    engine = sqlite_app.extensions["registry.engine"]
    for _ in range(2):
        with engine.connect() as conn:
            pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                       for name in ("synchronous", "journal_size_limit", "journal_mode", "foreign_keys")}
        assert SQLITE_SYNCHRONOUS[pragmas["synchronous"]] == "FULL"
        assert pragmas["journal_size_limit"] == JOURNAL_SIZE_LIMIT <= 64 * 1024 * 1024
        assert (pragmas["journal_mode"], pragmas["foreign_keys"]) == ("wal", 1)
