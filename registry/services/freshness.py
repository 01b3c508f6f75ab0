"""What the public data looks like "now", in one cheap token: it changes with every write, so nothing keyed
by it can be stale.

Every write to registry data appends an audit entry, so the trail's head moves; synthetic scale data is
written outside the trail, so its decisions (id and creation time: a reload gets new ones) are part of the
token too. The Beijing date is part of it because some answers (who handles an item today, what is overdue)
change at midnight without a write.

It is read on every public GET (registry.http.caching), so it is one statement, compiled once per dialect and
run on a pooled DBAPI connection of its own: no Session, no ORM, no BEGIN/ROLLBACK round of SQLAlchemy's (and on
PostgreSQL no transaction at all).
Reading it outside the request's transaction, and before the view reads anything, means whatever the view
then reads is at least as new as the token: a body is never older than the version it is keyed by.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from registry.domain.workdays import today_in_china
from registry.models import AuditEntry, Decision

_HEAD = select(func.coalesce(func.max(AuditEntry.seq), 0).label("seq")).subquery("head")
# One row when there is no synthetic data, else one per synthetic decision, each carrying the trail's size.
VERSION = (select(_HEAD.c.seq, Decision.id, Decision.created_at)
           .select_from(_HEAD.outerjoin(Decision, Decision.synthetic.is_(True)))
           .order_by(Decision.id))
_compiled: dict[tuple[str, str], str] = {}


def _sql(engine: Engine) -> str:
    key = (engine.dialect.name, engine.dialect.driver)
    sql = _compiled.get(key)
    if sql is None:
        sql = _compiled[key] = str(VERSION.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    return sql


def data_version(engine: Engine) -> str:
    """The current data version, read from the database (never memoised: another process may have written)."""
    # On PostgreSQL the read runs in autocommit: one round trip, where BEGIN and COMMIT around it made three (most
    # of what a cache hit costs is this read). SQLite's read ends by COMMIT; neither ends by the pool's rollback,
    # which would make psycopg forget its prepared statements.
    autocommit = engine.dialect.name == "postgresql"
    connection = engine.raw_connection()
    try:
        if autocommit:
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(_sql(engine))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if autocommit:
            connection.driver_connection.autocommit = False
        else:
            connection.commit()
    except BaseException:
        if autocommit:
            connection.invalidate()  # never pooled again, in whatever mode the failure left it
        raise
    finally:
        connection.close()  # back to the pool, which rolls back whatever is still open
    synthetic = "+".join(f"{decision_id}@{created}" for _, decision_id, created in rows if decision_id is not None)
    return f"{rows[0][0]}|{synthetic}|{today_in_china().isoformat()}"
