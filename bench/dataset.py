"""The benchmark's databases: a migrated, seeded registry SQLite file per scale, cached, and its peer export.

The built files are kept in bench/.cache, keyed by the git blob hashes of everything that decides their
content (the migrations, the synthetic generator, the search text rules, the seed loader and the seed),
so a rerun with unchanged inputs starts from the cache; every run works on a fresh copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CACHE = BENCH / ".cache"
VENV_BIN = ROOT / ".venv" / "bin"
PEER_PYTHON = BENCH / ".venv-peer" / "bin" / "python"
REAL_ROWS = 103
SYNTHETIC_SEED = 1

# Fixed, bench-only keys: the cached databases' audit chains are keyed by them, so every run must reuse them.
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"
AUDIT_KEY = "bench-only-audit-key-not-for-production-0123456789abcdef"

# What decides the content of a built database. (migrations + registry/synthetic.py are what the issue names;
# the search text rules, the seed loader and the seed decide the rows and the gram index too.)
KEY_INPUTS = ("migrations", "registry/synthetic.py", "registry/domain/searchtext.py", "registry/services/search.py",
              "registry/cli/data.py", "registry/seeding.py",
              "seed/annex.json")


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _blob_hash(path: Path) -> str:
    """git's blob hash of a file as it is in the work tree (what `git hash-object` prints)."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def cache_key() -> str:
    """One hash over the git blob hashes of KEY_INPUTS (work-tree content, so uncommitted edits count)."""
    lines = []
    for name in KEY_INPUTS:
        target = ROOT / name
        files = sorted(p for p in target.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if target.is_dir() else [target]
        lines += [f"{_blob_hash(p)} {p.relative_to(ROOT)}" for p in files]
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()[:12]


def registry_env(db: Path) -> dict[str, str]:
    return os.environ | {"REGISTRY_DATABASE_URL": f"sqlite:///{db}", "REGISTRY_SECRET_KEY": SECRET_KEY,
                         "REGISTRY_AUDIT_KEY": AUDIT_KEY}


def registry_cli(db: Path, *args: str) -> str:
    """Run `registry ARGS` on ``db``; fail loudly with its output."""
    proc = subprocess.run([str(VENV_BIN / "registry"), *args], cwd=ROOT, env=registry_env(db),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FATAL: registry {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def _checkpoint(db: Path) -> None:
    """Fold the WAL into the main file so the file alone is the database."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def _with_progress(label: str, db: Path, fn) -> None:
    """Run fn() while printing elapsed time and the database's size every 15 s."""
    done = threading.Event()
    start = time.monotonic()

    def tick() -> None:
        while not done.wait(15):
            size = sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists())
            log(f"  … {label}: {time.monotonic() - start:.0f} s, database {size / 2**20:.0f} MiB so far")

    t = threading.Thread(target=tick, daemon=True)
    t.start()
    try:
        fn()
    finally:
        done.set()
        t.join()
    log(f"  {label}: done in {time.monotonic() - start:.1f} s")


def cached_registry(rows: int, quiet: bool = False) -> Path:
    """The cached registry database with ``rows`` powers (103 real, the rest synthetic), built if missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = cache_key()
    final = CACHE / f"registry-{key}-{rows}.sqlite3"
    if final.exists():
        if not quiet:
            log(f"registry database, {rows} rows: cached ({final.relative_to(ROOT)})")
        return final
    log(f"registry database, {rows} rows: building (cache key {key})")
    for stale in CACHE.glob(f"registry-*-{rows}.*"):  # built from other inputs: 0.5 GB each at 100k rows
        if not stale.name.startswith(f"registry-{key}-"):
            log(f"  removing {stale.name} (built from other inputs)")
            stale.unlink()
    partial = CACHE / f"registry-{key}-{rows}.partial.sqlite3"
    _remove(partial)
    if rows == REAL_ROWS:
        _with_progress("registry init-db", partial, lambda: registry_cli(partial, "init-db"))
        _with_progress("registry seed", partial, lambda: registry_cli(partial, "seed"))
    else:
        if rows < REAL_ROWS:
            sys.exit(f"FATAL: a scale below {REAL_ROWS} rows is not supported")
        shutil.copyfile(cached_registry(REAL_ROWS, quiet=True), partial)
        extra = rows - REAL_ROWS
        log(f"  adding {extra} synthetic powers (registry seed --synthetic {extra} --random-seed {SYNTHETIC_SEED});"
            " this takes minutes on 2 cores")
        _with_progress("registry seed --synthetic", partial,
                       lambda: registry_cli(partial, "seed", "--synthetic", str(extra),
                                            "--random-seed", str(SYNTHETIC_SEED)))
    _checkpoint(partial)
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(final)
    return final


def working_copy(rows: int, workdir: Path) -> Path:
    """A fresh copy of the cached database for this run (the write benchmark changes it)."""
    workdir.mkdir(parents=True, exist_ok=True)
    src = cached_registry(rows, quiet=True)
    dst = workdir / f"registry-{rows}.sqlite3"
    _remove(dst)
    shutil.copyfile(src, dst)
    return dst


def count_powers(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        n = conn.execute("SELECT count(*) FROM power WHERE NOT retired").fetchone()[0]
    conn.close()
    return n


def bench_token(db: Path) -> str:
    """A zone user `bench` and a token for it (printed once by the CLI)."""
    registry_cli(db, "user", "create", "--name", "bench", "--role", "zone")
    token = registry_cli(db, "token", "create", "--user", "bench").splitlines()[-1].strip()
    if not token or " " in token:
        sys.exit(f"FATAL: could not read the token from `registry token create`: {token!r}")
    return token


def peer_export(registry_db: Path, workdir: Path, rows: int) -> Path:
    """The powers exported to a SQLite file of their own for Datasette, with FTS on name/sub_items/note."""
    out = workdir / f"peer-{rows}.db"
    _remove(out)
    start = time.monotonic()
    proc = subprocess.run([str(PEER_PYTHON), str(BENCH / "export_peer.py"), str(registry_db), str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"FATAL: peer export failed:\n{proc.stdout}\n{proc.stderr}")
    log(f"peer export, {rows} rows: {proc.stdout.strip()} ({time.monotonic() - start:.1f} s)")
    return out
