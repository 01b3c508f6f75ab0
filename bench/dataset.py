"""The benchmark's databases, built through the real CLI (`registry init-db`, `registry seed`,
`registry seed --synthetic N`): 103 real powers, plus N synthetic ones for a larger scale.

SQLite: built files are kept in bench/.cache; PostgreSQL: built databases are kept as template databases named
bench_tpl_<key>_<rows> (a run works on bench_run_<rows>, made from the template). Both are keyed by the git blob
hashes of what decides their content (migrations/, registry/, seed/annex.json), so a rerun with unchanged code
starts from them, and a change to the code rebuilds them (a minute or two at 10,000 powers).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
VENV_BIN = ROOT / ".venv" / "bin"
PEER_PYTHON = BENCH / ".venv-peer" / "bin" / "python"
REAL_ROWS = 103
SYNTHETIC_SEED = 1
# The PostgreSQL server's admin connection (CREATE/DROP DATABASE); the bench's own databases are named bench_*.
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Fixed, bench-only keys: the cached databases' audit chains are keyed by them, so every run must reuse them.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"
AUDIT_KEY = "bench-only-audit-key-not-for-production-0123456789abcdef"
KEY_INPUTS = ("migrations", "registry", "seed/annex.json")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _blob_hash(path: Path) -> str:
    """git's blob hash of a file as it is in the work tree (what `git hash-object` prints)."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def cache_key() -> str:
    """One hash over the blob hashes of KEY_INPUTS' files (work-tree content: uncommitted edits count)."""
    lines = []
    for name in KEY_INPUTS:
        target = ROOT / name
        files = sorted(p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if target.is_dir() else [target] if target.exists() else []
        lines += [f"{_blob_hash(p)} {p.relative_to(ROOT)}" for p in files]
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]


def sqlite_url(db: Path) -> str:
    return f"sqlite:///{db}"


def pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def registry_env(url: str) -> dict[str, str]:
    return os.environ | {"REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": SECRET_KEY,
                         "REGISTRY_AUDIT_KEY": AUDIT_KEY}


def registry_cli(url: str, *args: str) -> str:
    """Run `registry ARGS` on the database at ``url``; fail loudly with its output."""
    start = time.monotonic()
    proc = subprocess.run([str(VENV_BIN / "registry"), *args], cwd=ROOT, env=registry_env(url),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FATAL: registry {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    if time.monotonic() - start > 5:
        log(f"  registry {' '.join(args)}: {time.monotonic() - start:.0f} s")
    return proc.stdout.strip()


def _seed(url: str, rows: int, base_built: bool) -> None:
    """init-db and seed (unless the database is a copy of the 103-row one), then the synthetic powers."""
    if not base_built:
        registry_cli(url, "init-db")
        registry_cli(url, "seed")
    if rows > REAL_ROWS:
        registry_cli(url, "seed", "--synthetic", str(rows - REAL_ROWS), "--random-seed", str(SYNTHETIC_SEED))


# ---------------------------------------------------------------- SQLite


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def cached_sqlite(rows: int) -> Path:
    """The cached SQLite registry with ``rows`` powers (103 real, the rest synthetic), built if missing."""
    if rows < REAL_ROWS:
        sys.exit(f"FATAL: a scale below {REAL_ROWS} rows is not supported")
    CACHE.mkdir(parents=True, exist_ok=True)
    key = cache_key()
    final = CACHE / f"registry-{key}-{rows}.sqlite3"
    if final.exists():
        return final
    for stale in CACHE.glob(f"registry-*-{rows}.*"):  # built from other inputs
        stale.unlink()
    log(f"sqlite, {rows} powers: building (cache key {key})")
    partial = CACHE / f"registry-{key}-{rows}.partial.sqlite3"
    _remove(partial)
    if rows > REAL_ROWS:
        shutil.copyfile(cached_sqlite(REAL_ROWS), partial)
    _seed(sqlite_url(partial), rows, base_built=rows > REAL_ROWS)
    with sqlite3.connect(partial) as conn:  # fold the WAL in: the file alone is the database
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _remove(Path(str(partial) + "-wal"))
    _remove(Path(str(partial) + "-shm"))
    partial.rename(final)
    return final


def sqlite_copy(rows: int, workdir: Path) -> str:
    """A fresh copy of the cached database for one run (the writes change it); its URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    dst = workdir / f"registry-{rows}.sqlite3"
    _remove(dst)
    shutil.copyfile(cached_sqlite(rows), dst)
    return sqlite_url(dst)


# ---------------------------------------------------------------- PostgreSQL


def pg_admin(*statements: str) -> list[tuple]:
    import psycopg

    url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    rows: list[tuple] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            cur = conn.execute(sql)
            if cur.description:
                rows += cur.fetchall()
    return rows


def _databases(prefix: str) -> list[str]:
    return [r[0] for r in pg_admin("SELECT datname FROM pg_database") if r[0].startswith(prefix)]


def cached_pg(rows: int) -> str:
    """The name of the template database with ``rows`` powers, built if missing."""
    key = cache_key()
    name = f"bench_tpl_{key}_{rows}"
    if name in _databases(name):
        return name
    for stale in _databases("bench_tpl_"):
        if stale.endswith(f"_{rows}"):
            pg_admin(f'ALTER DATABASE "{stale}" IS_TEMPLATE false', f'DROP DATABASE "{stale}" WITH (FORCE)')
    log(f"postgresql, {rows} powers: building (cache key {key})")
    building = f"bench_build_{rows}"
    pg_admin(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)',
             f'CREATE DATABASE "{building}"' + (f' TEMPLATE "{cached_pg(REAL_ROWS)}"' if rows > REAL_ROWS else ""))
    _seed(pg_url(building), rows, base_built=rows > REAL_ROWS)
    pg_admin(f'ALTER DATABASE "{building}" RENAME TO "{name}"', f'ALTER DATABASE "{name}" IS_TEMPLATE true')
    return name


def pg_copy(rows: int) -> str:
    """A fresh database bench_run_<rows> made from the template; its URL."""
    name = f"bench_run_{rows}"
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{cached_pg(rows)}"')
    return pg_url(name)


def pg_drop(url: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


# ---------------------------------------------------------------- the run's database, its token, the peer


def working_copy(kind: str, rows: int, workdir: Path) -> str:
    return sqlite_copy(rows, workdir) if kind == "sqlite" else pg_copy(rows)


def bench_token(url: str) -> str:
    """An admin user `bench` and a token for it (printed once by the CLI): PATCH needs an editor."""
    registry_cli(url, "user", "create", "--name", "bench", "--role", "admin")
    token = registry_cli(url, "token", "create", "--user", "bench").splitlines()[-1].strip()
    if not token or " " in token:
        sys.exit(f"FATAL: could not read the token from `registry token create`: {token!r}")
    return token


def peer_export(rows: int, out: Path) -> None:
    """The powers of the SQLite database at this scale, exported for Datasette (bench/export_peer.py)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove(out)
    proc = subprocess.run([str(PEER_PYTHON), str(BENCH / "export_peer.py"), str(cached_sqlite(rows)), str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FATAL: peer export failed:\n{proc.stdout}\n{proc.stderr}")
    log(f"peer export, {rows} powers: {proc.stdout.strip()}")
