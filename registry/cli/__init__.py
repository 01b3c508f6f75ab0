"""The `registry` CLI: data, backup, accounts and audit commands, added to the console script's group only, so
a web worker never imports them (nor Alembic)."""

from __future__ import annotations

import click

from registry.cli import accounts, audit, backup, calendar, data, decision, guides, offices, volumes

COMMANDS = (*data.COMMANDS, backup.backup, backup.restore, accounts.user, accounts.token, audit.audit,
            calendar.calendar, guides.guides, decision.decision, offices.offices, volumes.volumes)


def add_commands(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
