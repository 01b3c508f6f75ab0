"""Data commands: init-db, seed, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import db
from registry.cli.caller import cli_caller
from registry.db import migrate
from registry.exports import annex, annex_print
from registry.models import Power
from registry.seeding import annex as seeding
from registry.seeding import synthetic as registry_synthetic
from registry.services import calendar as calendars
from registry.services import powers, search


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Apply every migration (alembic upgrade head)."""
    upgrade()


def upgrade() -> None:
    """Migrate the app's database to the latest revision and rebuild the search text a migration reshaped."""
    migrate.upgrade(current_app.config["REGISTRY_SETTINGS"].database_url)
    click.echo("database is at the latest migration")
    session = db.session(write=True)
    indexed = search.reindex(session)  # a migration that reshapes the search text leaves it to be rebuilt
    db.refresh_statistics(session)
    session.commit()
    if indexed:
        click.echo(f"indexed {indexed} power(s) for search")


@click.command("seed")
@with_appcontext
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=seeding.SEED_FILE, show_default=True, help="seed document written by seed/parse_annex.py")
@click.option("--synthetic", type=click.IntRange(1, 1_000_000), default=None,
              help="instead: add this many generated powers under a synthetic decision, to measure scale")
@click.option("--random-seed", type=int, default=1, show_default=True, help="with --synthetic: reproducible data")
@click.option("--remove-synthetic", is_flag=True, help="instead: delete every synthetic decision and its powers")
def seed(path: Path, synthetic: int | None, random_seed: int, remove_synthetic: bool) -> None:
    """Load the decision, departments and powers of the seed (idempotent), or synthetic scale data."""
    session = db.session(write=True)
    if remove_synthetic:
        count = registry_synthetic.remove(session, cli_caller())
        db.refresh_statistics(session)
        session.commit()
        click.echo(f"removed {count} synthetic power(s)")
        return
    if synthetic:
        decision = registry_synthetic.load(session, cli_caller(), synthetic, random_seed)
        db.refresh_statistics(session)
        session.commit()
        click.echo(f"added {synthetic} synthetic power(s) under {decision.doc_number}")
        return
    report = seeding.load(session, cli_caller(), seeding.read_seed(path))
    years = calendars.seed_from_package(session, cli_caller())
    db.refresh_statistics(session)
    session.commit()
    click.echo(report.summary())
    click.echo(f"working-day calendar: loaded {len(years)} year(s) from {calendars.package_source()}"
               + (f" ({years[0]}–{years[-1]})" if years else ""))


@click.command("export")
@with_appcontext
@click.option("--layout", type=click.Choice(["annex", "table"]), default=None,
              help="annex: the annex's rows (CSV, JSON), or with xlsx the annex as printed; table (xlsx only, its "
                   "default): one header row, every cell filled")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default="csv", show_default=True)
@click.option("--decision", multiple=True, help="decision id or document number (repeatable)")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="write to this file instead of standard output (an xlsx needs it on a terminal)")
def export(layout: str | None, fmt: str, decision: tuple[str, ...], output: Path | None) -> None:
    """Write the annex table to standard output, or to --output."""
    layout = layout or ("table" if fmt == "xlsx" else "annex")
    if layout == "table" and fmt != "xlsx":
        raise click.BadParameter("table is a layout of --format xlsx", param_hint="--layout")
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise click.UsageError("an .xlsx is not for a terminal: name a file with --output, or redirect")
    session = db.session(write=False)
    if fmt == "xlsx" and layout == "annex":
        body = annex_print.xlsx(session, db.get_engine(), list(decision))
    else:
        body = _table(fmt, powers.all_powers(session, list(decision)))
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(body)


def _table(fmt: str, rows: list[Power]) -> bytes:
    """The annex's rows as one table: CSV, JSON or an .xlsx sheet."""
    if fmt == "xlsx":
        return annex.xlsx(annex.records(rows))
    if fmt == "csv":
        return annex.to_csv(rows).encode()
    return (json.dumps(list(annex.rows(rows)), ensure_ascii=False, indent=1) + "\n").encode()


@click.command("reindex")
@with_appcontext
@click.option("--all", "everything", is_flag=True, help="rebuild every entry, not only the missing ones")
def reindex(everything: bool) -> None:
    """Write the search text (derived from the powers' text; safe to run at any time)."""
    session = db.session(write=True)
    count = search.reindex(session, only_missing=not everything)
    db.refresh_statistics(session)
    session.commit()
    click.echo(f"indexed {count} power(s)")


COMMANDS = (init_db, seed, export, reindex)
