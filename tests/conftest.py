"""Fixtures: every app test runs on SQLite and, when REGISTRY_TEST_DATABASE_URL is set, on PostgreSQL.

Each backend migrates and seeds one template database per test session through the real CLI; a test
gets its own copy (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests that
write never see each other.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import shutil
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from registry import create_app
from registry.cli.main import cli as registry_cli
from registry.config import Settings
from registry.db import normalise_url

PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
SECRET_KEY = "test-secret"
AUDIT_KEY = "test-audit-key"


def signing_pem(seed: str) -> str:
    """A fixed Ed25519 checkpoint key (PEM) made from ``seed``."""
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed.encode()).digest())
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


CHECKPOINT_KEY = signing_pem("test-checkpoint-key")
PASSWORD = "correct horse battery staple"
# The staff of every seeded test database: (name, role, department); each gets a token and PASSWORD.
STAFF = {
    "admin": ("管理员甲", "admin", None),
    "zone": ("经开区甲", "zone", None),
    "auditor": ("审计甲", "auditor", None),
    "water": ("水利局甲", "department", "市水利局"),
    "forestry": ("林业局甲", "department", "市林业局"),
}


def make_app(database_url: str, *, check_audit_key: bool = True, **overrides: object) -> Flask:
    # Many tests present unknown tokens from the test client's one address to apps they share: no token throttle
    # unless a test asks for one (tests/test_throttle.py does).
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY, audit_key=AUDIT_KEY,
                        checkpoint_key=CHECKPOINT_KEY, token_failures_per_address=0)
    app = create_app(replace(settings, **overrides), check_audit_key=check_audit_key)
    app.config["TESTING"] = True
    return app


def invoke(app: Flask, *args: str, input: str | None = None) -> Result:
    """Run a `registry` command (the console script's group) against ``app``; its result, whatever its exit code."""
    return app.test_cli_runner().invoke(registry_cli, args=list(args), input=input)


def cli(app: Flask, *args: str, input: str | None = None) -> str:
    """Run a `registry` command against ``app`` and return its stdout; fail the test if it fails."""
    result = invoke(app, *args, input=input)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def dispose(app: Flask) -> None:
    app.extensions["registry.engine"].dispose()


@dataclass
class Databases:
    """Makes empty or seeded databases of one backend, and drops them at the end of the session."""

    backend: str
    workdir: Path
    template: str | None = None
    tokens: dict[str, str] | None = None

    def __post_init__(self) -> None:
        self._names = itertools.count()
        self._created: list[str] = []
        # Databases a test has finished with are dropped on this thread while the next tests run (a DROP
        # DATABASE waits on the server's disk; doing them all at the end added a minute to each worker's tail).
        self._dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db")
        self._dropping: list[Future] = []
        # Unique per instance, not only per process: a test may make its own Databases beside the session's.
        self._tag = f"{os.getpid()}_{secrets.token_hex(3)}"

    def empty(self) -> str:
        n = next(self._names)
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / f'db{n}.sqlite3'}"
        name = f"registry_test_{self._tag}_{n}"
        self._admin(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def staff_tokens(self) -> dict[str, str]:
        self._ensure_template()
        return dict(self.tokens or {})

    def _ensure_template(self) -> None:
        """Migrate, seed and staff the template once: every seeded database is a copy of it."""
        if self.template is None:
            self.template = self.empty()
            app = make_app(self.template)
            cli(app, "init-db")
            cli(app, "seed")
            self.tokens = {}
            for key, (name, role, department) in STAFF.items():
                cli(app, "user", "create", "--name", name, "--role", role, "--password-stdin",
                    *(["--department", department] if department else []), input=PASSWORD + "\n")
                self.tokens[key] = cli(app, "token", "create", "--user", name, "--label", "tests").strip()
            dispose(app)

    def seeded(self) -> str:
        self._ensure_template()
        if self.backend == "sqlite":
            url = self.empty()
            shutil.copyfile(make_url(self.template).database, make_url(url).database)
            return url
        n = next(self._names)
        name = f"registry_test_{self._tag}_{n}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(self.template).database}"')
        self._created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        engine = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()

    def release(self, url: str) -> None:
        """Drop a PostgreSQL database no test will use again, in the background (a SQLite file stays in the
        session's temporary directory)."""
        name = make_url(url).database
        if self.backend == "postgresql" and name in self._created:
            self._created.remove(name)
            self._dropping.append(self._dropper.submit(self._admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def drop_all(self) -> None:
        self._dropper.shutdown(wait=True)
        for done in self._dropping:
            done.result()  # a failed drop fails the session's teardown, as it did when dropped here
        for name in reversed(self._created):
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def databases(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if request.param == "postgresql":
        engine = create_engine(normalise_url(PG_URL))
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    dbs = Databases(request.param, tmp_path_factory.mktemp(request.param))
    yield dbs
    if request.param == "postgresql":
        dbs.drop_all()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> Databases:
    """SQLite whatever the backends: for tests of SQLite's own behaviour (its query plans, its statement trace)."""
    return Databases("sqlite", tmp_path_factory.mktemp("sqlite-only"))


@pytest.fixture(scope="session")
def sqlite_app(sqlite_databases: Databases) -> Iterator[Flask]:
    """A seeded SQLite app for tests that only read, on every run (never parametrized, so never skipped)."""
    app = make_app(sqlite_databases.seeded())
    yield app
    dispose(app)


@pytest.fixture(scope="session")
def shared_app(databases: Databases) -> Iterator[Flask]:
    """A seeded app for tests that only read; never write through it."""
    app = make_app(databases.seeded())
    yield app
    dispose(app)


@pytest.fixture
def app(databases: Databases) -> Iterator[Flask]:
    """A seeded app on a database of its own, for tests that write; the database is dropped after the test."""
    url = databases.seeded()
    app = make_app(url)
    yield app
    dispose(app)
    databases.release(url)


@pytest.fixture(scope="module")
def module_app(databases: Databases) -> Iterator[Flask]:
    """A seeded app shared by one test module: for requests that must be refused and so write nothing."""
    app = make_app(databases.seeded())
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def refusals(module_app: Flask) -> FlaskClient:
    """A client on the module's shared database; each test asserts its refused request changed nothing."""
    return module_app.test_client()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def reader(shared_app: Flask) -> FlaskClient:
    return shared_app.test_client()


@pytest.fixture
def tokens(databases: Databases) -> dict[str, str]:
    """The bearer token of each STAFF member, valid in every seeded database of this backend."""
    return databases.staff_tokens()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_headers(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["admin"])


@pytest.fixture
def as_role(tokens: dict[str, str]):
    """Headers for one STAFF member: as_role("water")."""
    return lambda key: bearer(tokens[key])


@pytest.fixture
def auditor(as_role) -> dict[str, str]:
    """Headers of the auditor, who reads the security events."""
    return as_role("auditor")


GROWN_SYNTHETIC = 700  # with the real annex and sub-items, more annex rows than an export writes per batch


@pytest.fixture
def grown(app: Flask, client: FlaskClient, tokens: dict[str, str]) -> Flask:
    """The seeded registry plus GROWN_SYNTHETIC powers under a synthetic decision, and the water power retired."""
    from tests.handover_steps import WATER_POWER  # it imports this module

    cli(app, "seed", "--synthetic", str(GROWN_SYNTHETIC), "--random-seed", "5")
    etag = client.get(f"/api/v1/powers/{WATER_POWER}").headers["ETag"]
    resp = client.post(f"/api/v1/powers/{WATER_POWER}/retire", json={"reason": "测试导出"},
                       headers={**bearer(tokens["admin"]), "If-Match": etag})
    assert resp.status_code == 200
    return app
