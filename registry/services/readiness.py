"""Whether the registry can serve writes now (the database answers and takes a write, the disk under it takes
bytes), and what an operator should act on soon (``warnings``): the readiness check behind /readyz.

The write is made and rolled back, so it leaves nothing behind. On SQLite it takes the write lock (BEGIN IMMEDIATE,
so a lock held past the busy timeout fails it) and creates a table, which needs a new page (so a database at its
size limit fails it); a rolled-back write never reaches the disk in WAL mode, so a page's worth of bytes is also
written and synced in the database's own folder (a full disk fails that). On PostgreSQL it takes a transaction id
(txid_current), which a server that cannot log, or a read-only standby, refuses.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from registry.db import IMMEDIATE
from registry.services.errors import Code, Message

PROBE_BYTES = 64 * 1024
MIB = 1024 * 1024


def database_folder(engine: Engine, instance: Path) -> Path:
    """The folder whose disk holds the data: the SQLite file's, else (a database server's own disk is not ours to
    see) the instance folder."""
    name = engine.url.database if engine.dialect.name == "sqlite" else None
    return Path(name).resolve().parent if name and name != ":memory:" else instance


def take_a_write(connection: Connection) -> None:
    """Make a write and roll it back; raise the database's own error when it cannot be made."""
    if connection.dialect.name == "sqlite":
        with connection.execution_options(**{IMMEDIATE: True}).begin() as transaction:
            connection.exec_driver_sql("CREATE TABLE readiness_probe (x)")
            transaction.rollback()
    else:
        with connection.begin() as transaction:
            connection.execute(text("SELECT txid_current()"))
            transaction.rollback()


def write_to_disk(folder: Path) -> None:
    """Write and sync a few bytes in ``folder`` (and drop them); raise OSError (ENOSPC) when the disk is full."""
    with tempfile.TemporaryFile(dir=folder) as probe:
        probe.write(b"\0" * PROBE_BYTES)
        probe.flush()
        os.fsync(probe.fileno())


def low_space(folder: Path, min_free_mib: int) -> Message | None:
    """A warning when the disk holding ``folder`` has less than ``min_free_mib`` MiB free."""
    try:
        free_mib = shutil.disk_usage(folder).free // MIB
    except OSError:
        return None  # no such folder: the database check says what is wrong
    if free_mib >= min_free_mib:
        return None
    return Message(Code.DISK_LOW, "only {free_mib} MiB free on the disk holding {path} (below {min_mib} MiB); free "
                   "space before writes fail", free_mib=free_mib, path=str(folder), min_mib=min_free_mib)
