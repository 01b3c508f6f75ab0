"""Settings read from REGISTRY_-prefixed environment variables, with safe local defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from registry.db.probe import has_audit_entries
from registry.domain.chain import new_signing_key

PREFIX = "REGISTRY_"


def default_database_url(instance: Path) -> str:
    """The embedded default: a SQLite file in the instance folder."""
    return f"sqlite:///{instance / 'registry.sqlite3'}"


def write_secret(path: Path, value: str) -> bool:
    """Write a new secret file readable by its owner only; False (nothing written) when it already exists."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the folder holds keys
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(value.strip() + "\n")
    return True


def instance_secret(instance: Path, name: str, *, may_create: Callable[[], bool] = lambda: True,
                    make: Callable[[], str] = lambda: secrets.token_hex(32)) -> str:
    """A secret kept in the instance folder, made on first use (when ``may_create()`` allows), so every worker
    and restart shares it; "" when it is missing and may not be made."""
    path = instance / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    if not may_create():
        return ""
    value = make()
    if not write_secret(path, value):  # another worker wrote it first
        return path.read_text().strip()
    return value.strip()


def read_keyring(folder: Path) -> tuple[str, ...]:
    """The retired audit keys kept in ``folder`` (one file each, named by key id), for verifying older entries."""
    if not folder.is_dir():
        return ()
    return tuple(p.read_text().strip() for p in sorted(folder.iterdir()) if p.is_file())


@dataclass(frozen=True)
class Settings:
    """What the app needs to know about its environment; nothing secret has a committed value."""

    database_url: str
    secret_key: str
    # Keys the audit chain's hashes; losing it makes the trail unverifiable (the app then refuses to start).
    audit_key: str = ""
    # Where the audit key came from, for messages: the instance file or the environment variable.
    audit_key_source: str = PREFIX + "AUDIT_KEY"
    # Earlier audit keys (after `registry audit rotate-key`), kept to verify the entries they chained.
    audit_keyring: tuple[str, ...] = ()
    audit_keyring_dir: str = ""
    # Signs checkpoints (Ed25519, PEM); its public half is published (`registry audit public-key`).
    checkpoint_key: str = ""
    max_content_length: int = 64 * 1024
    # A decision file (page, .xlsx or .csv) may be larger than other request bodies, up to this.
    decision_file_max_bytes: int = 4 * 1024 * 1024
    sqlite_busy_timeout_ms: int = 15_000
    # SQLite's page cache per connection, SQLite's own default: the OS's file cache serves the rest nearly as fast, and
    # every MiB filled here is resident in each worker.
    sqlite_cache_mib: int = 2
    log_sql: bool = False
    # Sign-in throttle (registry/domain/throttle.py): an account/address pair waits after this many failures,
    # from the first delay doubling up to the longest; an address with this many failures in the window waits too.
    login_failures_per_pair: int = 3
    login_first_delay_seconds: int = 1
    login_longest_delay_seconds: int = 15 * 60
    login_window_seconds: int = 15 * 60
    login_failures_per_address: int = 20
    # Unknown bearer tokens from one address within the login window before it is told to wait (0: never).
    token_failures_per_address: int = 100
    session_lifetime_seconds: int = 8 * 3600
    token_default_days: int = 90
    # Bytes of public answers kept per worker (0: none, so every request does the work; the benchmark measures both).
    response_cache_bytes: int = 4 * 1024 * 1024
    # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none; 1: nginx alone).
    trusted_proxies: int = 0
    # /readyz warns when the disk holding the SQLite file (or the instance folder) has less free space than this.
    min_free_mib: int = 256

    @classmethod
    def from_env(cls, instance: Path, env: os._Environ | dict | None = None) -> Settings:
        env = os.environ if env is None else env
        get = lambda name, default=None: env.get(PREFIX + name, default)  # noqa: E731
        database_url = get("DATABASE_URL") or default_database_url(instance)
        keyring = Path(get("AUDIT_KEYRING") or instance / "audit_keys")
        return cls(
            database_url=database_url,
            secret_key=get("SECRET_KEY") or instance_secret(instance, "secret_key"),
            # A new audit key only for an empty trail: a lost key is restored from backup, never replaced.
            audit_key=get("AUDIT_KEY") or instance_secret(instance, "audit_key",
                                                          may_create=lambda: not has_audit_entries(database_url)),
            audit_key_source=PREFIX + "AUDIT_KEY" if get("AUDIT_KEY") else str(instance / "audit_key"),
            audit_keyring=read_keyring(keyring),
            audit_keyring_dir=str(keyring),
            checkpoint_key=get("CHECKPOINT_KEY") or instance_secret(instance, "checkpoint_key.pem",
                                                                    make=new_signing_key),
            max_content_length=int(get("MAX_CONTENT_LENGTH", 64 * 1024)),
            decision_file_max_bytes=int(get("DECISION_FILE_MAX_BYTES", 4 * 1024 * 1024)),
            sqlite_busy_timeout_ms=int(get("SQLITE_BUSY_TIMEOUT_MS", 15_000)),
            sqlite_cache_mib=int(get("SQLITE_CACHE_MIB", 2)),
            log_sql=get("LOG_SQL", "") in {"1", "true", "yes"},
            login_failures_per_pair=int(get("LOGIN_FAILURES_PER_PAIR", 3)),
            login_first_delay_seconds=int(get("LOGIN_FIRST_DELAY_SECONDS", 1)),
            login_longest_delay_seconds=int(get("LOGIN_LONGEST_DELAY_SECONDS", 15 * 60)),
            login_window_seconds=int(get("LOGIN_WINDOW_SECONDS", 15 * 60)),
            login_failures_per_address=int(get("LOGIN_FAILURES_PER_ADDRESS", 20)),
            token_failures_per_address=int(get("TOKEN_FAILURES_PER_ADDRESS", 100)),
            session_lifetime_seconds=int(get("SESSION_LIFETIME_SECONDS", 8 * 3600)),
            token_default_days=int(get("TOKEN_DEFAULT_DAYS", 90)),
            response_cache_bytes=int(get("RESPONSE_CACHE_BYTES", 4 * 1024 * 1024)),
            trusted_proxies=int(get("TRUSTED_PROXIES", 0)),
            min_free_mib=int(get("MIN_FREE_MIB", 256)),
        )
