"""Data commands: init-db, seed, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import annex, db, migrate, seeding
from registry.cli.caller import cli_caller
from registry.services import powers


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Apply every migration (alembic upgrade head)."""
    migrate.upgrade(current_app.config["REGISTRY_SETTINGS"].database_url)
    click.echo("database is at the latest migration")


@click.command("seed")
@with_appcontext
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=seeding.SEED_FILE, show_default=True, help="seed document written by seed/parse_annex.py")
def seed(path: Path) -> None:
    """Load the decision, departments and powers of the seed (idempotent)."""
    session = db.session(write=True)
    report = seeding.load(session, cli_caller(), seeding.read_seed(path))
    session.commit()
    click.echo(report.summary())


@click.command("export")
@with_appcontext
@click.option("--layout", type=click.Choice(["annex"]), default="annex", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--decision", multiple=True, help="decision id or document number (repeatable)")
def export(layout: str, fmt: str, decision: tuple[str, ...]) -> None:
    """Write the annex table to standard output."""
    rows = powers.all_powers(db.session(write=False), list(decision))
    if fmt == "csv":
        sys.stdout.write(annex.to_csv(rows))
    else:
        sys.stdout.write(json.dumps(list(annex.rows(rows)), ensure_ascii=False, indent=1) + "\n")


COMMANDS = (init_db, seed, export)
