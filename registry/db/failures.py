"""Which database errors are the service's state rather than a bug: the database is down or unreachable, locked by
another writer, or its disk is full. Read from the driver's own codes (PostgreSQL's SQLSTATE, SQLite's result
code), never from a guess; anything else is a bug and stays one.

Pure apart from the exception classes it inspects: no connection, no Flask.
"""

from __future__ import annotations

import errno
import sqlite3

from sqlalchemy import exc

from registry.services.errors import Code, DomainError, Message, StorageFull, Unavailable

RETRY_DOWN_S = 30  # a restart or a failover takes this long, roughly
RETRY_BUSY_S = 5  # another writer's transaction is short
# PostgreSQL SQLSTATEs (Appendix A of its manual) and what they mean here.
PG_FULL = frozenset({"53100"})  # disk_full
PG_BUSY = frozenset({"55P03", "40P01", "40001", "57014"})  # lock_not_available, deadlock, serialization, timeout
PG_DOWN = frozenset({"57P01", "57P02", "57P03", "53300"})  # shutdown (admin, crash), cannot connect now, too many
PG_FULL_WORDS = ("could not extend file", "No space left on device")
# SQLite's primary result codes (sqlite3's sqlite_errorname; extended codes such as SQLITE_BUSY_SNAPSHOT start
# with them) and the sentences sqlite3_errstr gives for them, for errors that carry no code.
SQLITE = {
    "SQLITE_FULL": "database or disk is full",
    "SQLITE_BUSY": "database is locked",
    "SQLITE_LOCKED": "database table is locked",
    "SQLITE_CANTOPEN": "unable to open database file",
    "SQLITE_IOERR": "disk I/O error",
}
SQLITE_KIND = {"SQLITE_FULL": "full", "SQLITE_BUSY": "busy", "SQLITE_LOCKED": "busy", "SQLITE_CANTOPEN": "down",
               "SQLITE_IOERR": "down"}
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def _sqlite_kind(error: sqlite3.Error) -> str | None:
    name = getattr(error, "sqlite_errorname", "") or ""
    for primary, sentence in SQLITE.items():
        if name == primary or name.startswith(primary + "_") or (not name and str(error).startswith(sentence)):
            return SQLITE_KIND[primary]
    return None


def _postgresql_kind(error: Exception) -> str | None:
    """psycopg's errors carry ``sqlstate``; a failed connection or a lost one has none."""
    state = getattr(error, "sqlstate", None)
    if state in PG_FULL or any(words in str(error) for words in PG_FULL_WORDS):
        return "full"
    if state in PG_BUSY:
        return "busy"
    if state in PG_DOWN or (state or "").startswith("08"):  # class 08: connection exception
        return "down"
    if state is None and any(cls.__name__ == "OperationalError" for cls in type(error).__mro__):
        return "down"  # refused, timed out, closed: psycopg is an optional dependency, so matched by name
    return None


def kind(error: BaseException) -> str | None:
    """"down", "busy" or "full" for an outage, else None: a SQLAlchemy error by its driver's error, a driver's
    (or the operating system's) error by its code."""
    if isinstance(error, exc.TimeoutError):  # every pooled connection is taken
        return "busy"
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return "down"
        error = error.orig
    if isinstance(error, sqlite3.Error):
        return _sqlite_kind(error)
    if isinstance(error, OSError):
        return "full" if error.errno in DISK_ERRNOS else None
    if type(error).__module__.partition(".")[0] == "psycopg":
        return _postgresql_kind(error)  # type: ignore[arg-type]
    return None


def classify(error: BaseException) -> DomainError | None:
    """The domain error an outage is answered with (503 or 507, see registry.http.problems), or None for a bug."""
    found = kind(error)
    if found == "full":
        return StorageFull(Message(Code.DATABASE_FULL, "The database's disk is full; nothing can be saved until "
                                   "space is freed."))
    if found == "busy":
        return Unavailable(Message(Code.DATABASE_BUSY, "The database is busy with other changes; retry shortly."),
                           RETRY_BUSY_S)
    if found == "down":
        return Unavailable(Message(Code.DATABASE_UNAVAILABLE, "The database cannot be reached; retry later."),
                           RETRY_DOWN_S)
    return None
