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


def instance_secret(instance: Path, name: str) -> str:
    """A random secret kept in the instance folder, made on first use, so every worker and restart shares it."""
    path = instance / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the keys
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


@dataclass(frozen=True)
class Settings:
    """What the app needs to know about its environment; nothing secret has a committed value."""

    database_url: str
    secret_key: str
    # Keys the audit chain's hashes and signs checkpoints; losing it makes the trail unverifiable.
    audit_key: str = ""
    max_content_length: int = 64 * 1024
    sqlite_busy_timeout_ms: int = 15_000
    # SQLite's page cache per connection (its default is 2 MiB): enough to hold a registry of a few thousand powers.
    sqlite_cache_mib: int = 32
    log_sql: bool = False
    login_window_seconds: int = 15 * 60
    login_failures_per_account: int = 5
    login_failures_per_address: int = 20
    session_lifetime_seconds: int = 8 * 3600
    token_default_days: int = 90
    # Bytes of public answers kept per worker (0: none, so every request does the work; the benchmark measures both).
    response_cache_bytes: int = 4 * 1024 * 1024

    @classmethod
    def from_env(cls, instance: Path, env: os._Environ | dict | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name, default=None: env.get(PREFIX + name, default)  # noqa: E731
        return cls(
            database_url=get("DATABASE_URL") or default_database_url(instance),
            secret_key=get("SECRET_KEY") or instance_secret(instance, "secret_key"),
            audit_key=get("AUDIT_KEY") or instance_secret(instance, "audit_key"),
            max_content_length=int(get("MAX_CONTENT_LENGTH", 64 * 1024)),
            sqlite_busy_timeout_ms=int(get("SQLITE_BUSY_TIMEOUT_MS", 15_000)),
            sqlite_cache_mib=int(get("SQLITE_CACHE_MIB", 32)),
            log_sql=get("LOG_SQL", "") in {"1", "true", "yes"},
            login_window_seconds=int(get("LOGIN_WINDOW_SECONDS", 15 * 60)),
            login_failures_per_account=int(get("LOGIN_FAILURES_PER_ACCOUNT", 5)),
            login_failures_per_address=int(get("LOGIN_FAILURES_PER_ADDRESS", 20)),
            session_lifetime_seconds=int(get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
            token_default_days=int(get("TOKEN_DEFAULT_DAYS", 90)),
            response_cache_bytes=int(get("RESPONSE_CACHE_BYTES", 4 * 1024 * 1024)),
        )
