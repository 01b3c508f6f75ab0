"""What the probe runs against: scratch databases made with the real CLI, and gunicorn as `make run` serves it.

The servers, their readiness and the CLI calls are the serving tests' own (tests/served.py)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from served import (  # noqa: E402  (after the path above)
    REGISTRY,
    Endpoint,
    free_port,  # noqa: F401  (for the probe)
    healthy,
    registry_cli,
    start_gunicorn,
    stop,
    wait_until,
)

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql://postgres@127.0.0.1:5432/"
SECRET_KEY = "probe-secret"
AUDIT_KEY = "probe-audit-key"
ADMIN = "探针管理员"
PASSWORD = "probe horse battery staple"
PORT_TIMEOUT_S = 120


@dataclass
class Scratch:
    """Empty databases of one backend, made on request and dropped at the end (PostgreSQL: on the shared server)."""

    backend: str
    folder: Path
    tag: str
    made: list[str] = field(default_factory=list)

    def empty(self) -> str:
        name = f"probe_{self.tag}_{len(self.made)}"
        self.made.append(name)
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / (name + '.sqlite3')}"
        admin(f'CREATE DATABASE "{name}"')
        return PG_BASE + name

    def drop_all(self) -> None:
        if self.backend == "postgresql":
            for name in self.made:
                admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin(sql: str, url: str = PG_ADMIN) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def environment(url: str) -> dict[str, str]:
    return {"REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": SECRET_KEY, "REGISTRY_AUDIT_KEY": AUDIT_KEY}


def prepared(env: dict[str, str]) -> dict[str, str]:
    """Migrate, seed and staff the database with the real CLI; the admin's bearer header."""
    registry_cli(env, "init-db")
    registry_cli(env, "seed")
    registry_cli(env, "user", "create", "--name", ADMIN, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    token = registry_cli(env, "token", "create", "--user", ADMIN, "--label", "probe").strip()
    return {"Authorization": f"Bearer {token}"}


def cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    """A `registry` command whose exit status is a result (verify), not a failure."""
    done = subprocess.run([str(REGISTRY), *args], cwd=ROOT, env=os.environ | env, capture_output=True, text=True,
                          timeout=600)
    return done.returncode, (done.stdout + done.stderr).strip()


def verify(env: dict[str, str]) -> str:
    """`registry audit verify`'s first line, prefixed with its exit status when not 0."""
    code, out = cli(env, "audit", "verify")
    first = re.sub(r"head ([0-9a-f]{12})[0-9a-f]+", r"head \1…", out.splitlines()[0] if out else "")
    return first if code == 0 else f"exit {code}: {first}"


def entries(verified: str) -> int | None:
    found = re.match(r"intact: (\d+) entries", verified)
    return int(found[1]) if found else None


@dataclass
class Gunicorn:
    """One gunicorn (2 workers, gunicorn_conf.py) on a fixed port; it can be killed and started again there."""

    env: dict[str, str]
    port: int
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint("127.0.0.1", self.port)

    def start(self) -> float:
        """Start and wait for /healthz; the seconds it took."""
        started = time.monotonic()
        self.proc = start_gunicorn(f"127.0.0.1:{self.port}", self.env, self.log)
        wait_until(healthy(self.endpoint), [self.proc], [self.log], f"healthy on port {self.port}")
        return time.monotonic() - started

    def workers(self) -> list[int]:
        pid = self.proc.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def kill_master(self) -> float:
        """kill -9 the master; the seconds until its port can be bound again (its workers gone with it)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        killed = time.monotonic()
        while time.monotonic() - killed < PORT_TIMEOUT_S:
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
                try:
                    s.bind(("127.0.0.1", self.port))
                    return time.monotonic() - killed
                except OSError:
                    time.sleep(0.05)
        raise RuntimeError(f"port {self.port} still held {PORT_TIMEOUT_S}s after the master's kill -9")

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
