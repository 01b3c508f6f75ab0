"""The `registry` console script: Flask's CLI bound to create_app(), with the registry's commands."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from registry import create_app
from registry.cli import add_commands


def create_cli_app() -> Flask:
    """The app without the start-up key check: `registry audit verify` must be able to report a wrong key (every
    write still refuses one)."""
    return create_app(check_audit_key=False)


cli = FlaskGroup(create_app=create_cli_app, help="Manage the devolved-powers registry.")
add_commands(cli)


def main() -> None:
    cli(prog_name="registry")
