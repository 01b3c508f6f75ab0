"""The `registry` console script: Flask's CLI bound to create_app()."""

from __future__ import annotations

from flask.cli import FlaskGroup

from registry import create_app

cli = FlaskGroup(create_app=create_app, help="Manage the devolved-powers registry.")


def main() -> None:
    cli(prog_name="registry")
