"""The `registry` CLI: data, accounts and audit commands, added to Flask's CLI."""

from __future__ import annotations

from flask import Flask

from registry.cli import accounts, audit, calendar, data


def init_app(app: Flask) -> None:
    for command in (*data.COMMANDS, accounts.user, accounts.token, audit.audit, calendar.calendar):
        app.cli.add_command(command)
