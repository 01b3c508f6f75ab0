"""The database's files are the registry's alone: an SQLite file, its WAL and shared memory are 0600, the instance
folder that holds them (and the keys) 0700, whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE, DIRECTORY_MODE = 0o600, 0o700
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_directory(path: str | Path) -> None:
    """Make ``path`` (and parents) if missing; take group and other access off it."""
    os.makedirs(path, mode=DIRECTORY_MODE, exist_ok=True)
    _tighten(Path(path), DIRECTORY_MODE)


def create_private_file(path: str | Path) -> None:
    """Create an empty file 0600 before SQLite creates it 0644 (an empty file is an empty database)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except (FileExistsError, FileNotFoundError):  # there already, or its folder is not: SQLite will say so
        pass


def private_database_files(database: str | Path) -> None:
    """Take group and other access off the database file and the WAL, shared-memory and journal beside it."""
    for suffix in SQLITE_COMPANIONS:
        _tighten(Path(f"{database}{suffix}"), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(mode)
    except FileNotFoundError:
        pass
