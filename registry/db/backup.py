"""Copy a whole database to a file and back: SQLite's online backup API, or pg_dump/pg_restore on PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from registry.domain.chain import GENESIS

# The size and head of the trail, in one statement so both come from the same snapshot.
HEAD_SQL = "SELECT count(*), (SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1) FROM audit_entry"
MAGIC = {b"SQLite format 3\x00": "sqlite", b"PGDMP": "postgresql"}
TABLES_SQL = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "postgresql": "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                  "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
}
HOW_TO_EMPTY = ("restore only into an empty database: on SQLite point REGISTRY_DATABASE_URL at a file that does not "
                "exist yet; on PostgreSQL create a new database (createdb NAME) and point REGISTRY_DATABASE_URL at it")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Written:
    """A backup file and the trail it holds: its size in bytes, its count of audit entries and their head hash."""

    path: Path
    bytes: int
    entries: int
    head: str


def backup(engine: Engine, to: Path) -> Written:
    """Write a consistent copy of the database to ``to`` (mode 0600), through a temporary file renamed at the end."""
    if engine.dialect.name == "sqlite" and engine.url.database and to.resolve() == Path(engine.url.database).resolve():
        raise BackupError(f"{to} is the database itself: write the backup to another file")
    fd, tmp = tempfile.mkstemp(dir=to.parent, prefix=f".{to.name}.", suffix=".tmp")
    try:
        if engine.dialect.name == "sqlite":
            os.close(fd)
            entries, head = _sqlite_backup(engine, tmp)
        else:
            with os.fdopen(fd, "wb") as out:
                entries, head = _pg_backup(engine, out)
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, to)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Written(to, to.stat().st_size, entries, head or GENESIS)


def _sqlite_backup(engine: Engine, tmp: str) -> tuple[int, str | None]:
    # One step (pages=-1) under one read transaction: in WAL mode writers go on, and the copy is one snapshot.
    raw = engine.raw_connection()
    try:
        dest = sqlite3.connect(tmp, isolation_level=None)
        try:
            raw.driver_connection.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file, no -wal beside it
            return dest.execute(HEAD_SQL).fetchone()
        finally:
            dest.close()
    finally:
        raw.close()


def _pg_backup(engine: Engine, out) -> tuple[int, str | None]:
    """pg_dump of the snapshot in which the trail's size and head were read, so the two agree."""
    pg_dump = tool("pg_dump")
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            entries, head = conn.execute(text(HEAD_SQL)).one()
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", *libpq(engine.url)], engine.url, out)
    return entries, head


def tables(conn: Connection) -> list[str]:
    """The tables of the database (any schema but the system's)."""
    return list(conn.scalars(text(TABLES_SQL[conn.dialect.name])))


def restore(engine: Engine, source: Path) -> None:
    """Load a backup into the engine's database, which must have no tables; the engine's pool is reset after."""
    backend = engine.dialect.name
    made_by = kind_of(source)
    if made_by != backend:
        raise BackupError(f"{source} is not a backup of this registry's database kind ({backend})"
                          + (f": it is a {made_by} backup" if made_by else ""))
    with engine.connect() as conn:
        present = tables(conn)
    if present:
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise BackupError(f"the target database is not empty: it has {len(present)} table(s) ({shown}); "
                          + HOW_TO_EMPTY)
    if backend == "sqlite":
        _sqlite_restore(engine, source)
    else:
        _run([tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              *libpq(engine.url), str(source)], engine.url)
    engine.dispose()


def _sqlite_restore(engine: Engine, source: Path) -> None:
    with _read_only(source) as src:
        raw = engine.raw_connection()
        try:
            src.backup(raw.driver_connection)
        finally:
            raw.close()


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def kind_of(path: Path) -> str | None:
    """Which database made the backup file, by its first bytes; None when it is neither."""
    with path.open("rb") as f:
        start = f.read(16)
    return next((kind for magic, kind in MAGIC.items() if start.startswith(magic)), None)


def tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    def version(path: str) -> tuple[int, ...]:
        digits = Path(path).parent.parent.name.split(".")
        return tuple(int(d) for d in digits if d.isdigit())
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version)
    if not candidates:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client programs "
                          f"(e.g. apt-get install postgresql-client) or put {name} on PATH")
    return candidates[-1]


def libpq(url: URL) -> list[str]:
    """The connection as a libpq argument without the password (that goes in PGPASSWORD, never in argv)."""
    # (URL.set(password=None) would keep the password: None there means "unchanged".)
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    return [f"--dbname={bare.render_as_string(hide_password=False)}"]


def _run(argv: list[str], url: URL, stdout=None) -> None:
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run(argv, stdout=stdout if stdout is not None else subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env=env, check=False)
    if done.returncode != 0:
        program = Path(argv[0]).name
        raise BackupError(f"{program} failed (exit {done.returncode}): "
                          + done.stderr.decode(errors="replace").strip())
