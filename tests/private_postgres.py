"""A PostgreSQL server of the test's own, on a port of its own, that a test may stop and start again: outages are
tested on it, never on the shared server. As root (initdb refuses root) it runs as the postgres account."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

TIMEOUT_S = 120  # pg_ctl's own wait, generous for a loaded machine


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"no {name} under /usr/lib/postgresql/*/bin: install postgresql")
    return str(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PrivatePostgres:
    """initdb'd into a folder of its own; start() and stop() may be called any number of times."""

    folder: Path
    port: int

    @classmethod
    def create(cls) -> PrivatePostgres:
        folder = Path(tempfile.mkdtemp(prefix="registry-pg-"))
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        server = cls(folder, _free_port())
        server._run(_bin("initdb"), "-D", str(server.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--no-sync")
        return server

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + list(args)
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S + 30)
        if done.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}\n{log}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t",
                  str(TIMEOUT_S), "start")

    def stop(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", str(TIMEOUT_S), "stop")

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url().replace("postgresql://", "postgresql+psycopg://"),
                               isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def remove(self) -> None:
        try:
            self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
