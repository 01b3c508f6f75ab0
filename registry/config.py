"""Settings read from REGISTRY_-prefixed environment variables, with safe local defaults."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PREFIX = "REGISTRY_"


def default_database_url(instance: Path) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return f"sqlite:///{instance / 'registry.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """What the app needs to know about its environment; nothing secret has a committed value."""

    database_url: str
    secret_key: str
    max_content_length: int = 64 * 1024
    sqlite_busy_timeout_ms: int = 15_000
    admin_token: str | None = None
    log_sql: bool = False

    @classmethod
    def from_env(cls, instance: Path, env: os._Environ | dict | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name, default=None: env.get(PREFIX + name, default)  # noqa: E731
        return cls(
            database_url=get("DATABASE_URL") or default_database_url(instance),
            # A per-process random key keeps local runs safe; deployments set their own.
            secret_key=get("SECRET_KEY") or secrets.token_hex(32),
            max_content_length=int(get("MAX_CONTENT_LENGTH", 64 * 1024)),
            sqlite_busy_timeout_ms=int(get("SQLITE_BUSY_TIMEOUT_MS", 15_000)),
            admin_token=get("ADMIN_TOKEN") or None,
            log_sql=get("LOG_SQL", "") in {"1", "true", "yes"},
        )
