"""Engine and session per app; SQLite tuned for concurrent writers (WAL, busy timeout, BEGIN IMMEDIATE), durable
commits (synchronous FULL) and files only the registry may read."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from registry.db.files import create_private_file, private_database_files

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
IMMEDIATE = "registry_begin_immediate"
READ_ONLY = "registry_read_only"  # session.info: a read-only request session (PostgreSQL)
ENGINE_KEY = "registry.engine"
# Durability: FULL syncs the WAL at every commit, so a committed change and its audit entry survive a power cut
# (NORMAL may lose the last commits). The WAL is cut back to this size after each checkpoint.
SYNCHRONOUS = "FULL"
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024


def normalise_url(url: str) -> URL:
    """Parse a database URL; a bare postgresql:// means psycopg 3, the driver this project installs."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, busy_timeout_ms: int = 15_000, cache_mib: int = 2, echo: bool = False) -> Engine:
    """Create the engine; on SQLite take over BEGIN so writers queue instead of failing; on PostgreSQL turn JIT
    compilation off, which a search's cost estimate would otherwise trigger at a price many times the query's."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True, connect_args={"options": "-c jit=off"})
    on_disk = parsed.database not in (None, "", ":memory:")
    if on_disk:
        create_private_file(parsed.database)
    # LIFO: a worker keeps reusing its most recent connection, whose page cache is warm. (An in-memory database
    # has a pool of one connection per thread, which takes no such option.)
    engine = create_engine(
        parsed, echo=echo, **({"pool_use_lifo": True} if on_disk else {}),
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling defeats BEGIN IMMEDIATE; we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute(f"PRAGMA cache_size = {-1024 * int(cache_mib)}")  # negative: KiB
        if on_disk:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
            cur.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
            private_database_files(parsed.database)  # the WAL and shared memory exist from here
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction takes the write lock up front: upgrading a read lock later can fail
        # with SQLITE_BUSY at once, which the busy timeout cannot absorb.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")

    return engine


def init_app(app: Flask, engine: Engine, info: dict | None = None) -> None:
    """Give the app one session per request, closed (rolled back if uncommitted) at teardown.

    ``info`` is handed to every session (the audit chain's key travels this way to the services).
    """
    app.extensions[ENGINE_KEY] = engine
    app.extensions["registry.sessionmaker"] = sessionmaker(engine, expire_on_commit=False, info=info or {})
    app.teardown_appcontext(lambda _exc: close_session())


def close_session() -> None:
    """End the current request's session, rolling back whatever it did not commit (a read-only one on
    PostgreSQL is committed: it cannot have written)."""
    session = g.pop("db_session", None)
    if session is None:
        return
    if session.info.get(READ_ONLY) and session.in_transaction():
        try:
            session.commit()
        except SQLAlchemyError:
            pass  # an aborted read: the close below rolls it back
    session.close()


def side_session() -> Session:
    """A session of its own, outside the request's transaction (for records that outlive a rollback)."""
    return current_app.extensions["registry.sessionmaker"]()


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions[ENGINE_KEY]


def session(*, write: bool | None = None) -> Session:
    """The current request's session; write requests begin with the write lock on SQLite."""
    s = g.get("db_session")
    if s is None:
        s = current_app.extensions["registry.sessionmaker"]()
        if write is None:
            write = not has_request_context() or request.method in WRITE_METHODS
        if write:
            s.connection(execution_options={IMMEDIATE: True})
        elif s.get_bind().dialect.name == "postgresql":
            # A read runs READ ONLY and ends by COMMIT (close_session): psycopg forgets the statements it has
            # prepared on every rollback, so a read ended by rollback would plan each statement anew next time.
            s.connection(execution_options={"postgresql_readonly": True})
            s.info[READ_ONLY] = True
        g.db_session = s
    return s


def refresh_statistics(session: Session) -> None:
    """Let the query planner see the data's shape after a bulk change: SQLite keeps no statistics until asked, and
    without them it may read a boolean index (retired) as selective and sort rows a walk would avoid."""
    session.execute(text("ANALYZE"))
