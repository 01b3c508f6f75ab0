"""Whether a database already holds an audit trail, asked before the app exists (to decide if a key may be made)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from registry.db import normalise_url


def has_audit_entries(url: str) -> bool:
    """True when the trail has an entry, or when the database cannot be asked (then no new key may be made);
    False for a database not yet made or migrated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:") or not Path(parsed.database).exists():
            return False
    engine = create_engine(normalise_url(url))
    try:
        try:
            conn = engine.connect()
        except DBAPIError:
            return True
        with conn:
            try:
                return conn.exec_driver_sql("SELECT 1 FROM audit_entry LIMIT 1").first() is not None
            except DBAPIError:  # no table yet
                return False
    finally:
        engine.dispose()
