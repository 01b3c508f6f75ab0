"""`registry backup` and `registry restore`: a consistent copy of the database, and back into an empty one."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import db
from registry.cli.audit import EXIT_TAMPERED, EXIT_WRONG_KEY
from registry.cli.caller import cli_caller
from registry.cli.data import upgrade
from registry.db import backup as copies
from registry.services.backup import record_restore
from registry.services.verify import verify


@click.command("backup")
@with_appcontext
@click.option("--to", "path", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="the backup file to write (replaced if it exists)")
def backup(path: Path) -> None:
    """Copy the whole database to a file while the registry runs (SQLite: online backup; PostgreSQL: pg_dump -Fc).

    Prints the file, its size, and the count and head hash of the audit entries it holds.
    """
    try:
        written = copies.backup(db.get_engine(), path)
    except (copies.BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {written.path}: {written.bytes} bytes, {written.entries} audit entries, head {written.head}")


@click.command("restore")
@with_appcontext
@click.option("--from", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a file written by `registry backup` on the same kind of database")
@click.option("--reason", required=True, help="why, for the audit trail (e.g. the disk of the old server failed)")
def restore(path: Path, reason: str) -> None:
    """Load a backup into an EMPTY database, migrate it, verify its trail, and record the restore in the trail.

    Exit 1, recording nothing, when the restored trail does not verify; the key files of the instance folder must
    be the ones the backup was made with.
    """
    try:
        copies.restore(db.get_engine(), path)
    except (copies.BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    upgrade()
    db.close_session()
    session = db.session(write=True)
    settings = current_app.config["REGISTRY_SETTINGS"]
    report = verify(session, settings.audit_key, keyring=tuple(settings.audit_keyring))
    if not report.intact:
        first = report.first if report.tampered else report.wrong_key
        click.echo(f"the restored trail does not verify: {first.kind}: {first.message}", err=True)
        click.echo("the data stays in the database for inspection, with no restore entry: do not serve it; "
                   "restore into another empty database with the instance folder the backup was made with",
                   err=True)
        sys.exit(EXIT_TAMPERED if report.tampered else EXIT_WRONG_KEY)
    entry = record_restore(session, cli_caller(), path.name, report.size, report.head, reason)
    session.commit()
    click.echo(f"restored {report.size} audit entries (head {report.head}) from {path}; "
               f"the trail verifies; the restore is entry {entry.seq}")
