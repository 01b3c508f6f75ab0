"""`registry audit checkpoint` and `registry audit verify`: the auditors' tools for the hash-chained trail."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import db
from registry.domain import chain
from registry.models.base import utcnow
from registry.services import audit as audit_service
from registry.services.verify import verify as verify_trail

CHECKPOINT_KEYS = {"size": int, "head": str, "at": str, "signature": str}
# Intact, but a checkpoint names entries a recorded restore from an older backup left out: not tampering, yet
# that checkpoint is unconfirmed and the entries after the backup are gone.
EXIT_RESTORED = 4


def _audit_key() -> str:
    return current_app.config["REGISTRY_SETTINGS"].audit_key


def _read_checkpoint(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{path}: not a checkpoint file ({exc})") from None
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in CHECKPOINT_KEYS.items()):
        raise click.BadParameter(f"{path}: a checkpoint needs {', '.join(CHECKPOINT_KEYS)}")
    return data


@click.group()
def audit() -> None:
    """The audit trail."""


@audit.command("checkpoint")
@with_appcontext
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="write the checkpoint here instead of stdout")
def checkpoint(output: Path | None) -> None:
    """Print a signed head of the trail (size, head hash, time); keep it outside the database."""
    size, head = audit_service.head(db.session(write=False))
    text = json.dumps(chain.sign_checkpoint(_audit_key(), size, head, utcnow()), indent=1) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"checkpoint of {size} entries written to {output}", err=True)
    else:
        sys.stdout.write(text)


@audit.command("verify")
@with_appcontext
@click.option("--checkpoint", "checkpoints", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a checkpoint file the trail must extend (repeatable)")
def verify(checkpoints: tuple[Path, ...]) -> None:
    """Check links, hashes, checkpoints and replay the trail against the registry.

    Exit 0 when intact, 1 when tampered, 4 when intact but a checkpoint predates a restore from an older backup.
    """
    report = verify_trail(db.session(write=False), _audit_key(), [_read_checkpoint(p) for p in checkpoints])
    if report.intact:
        click.echo(f"intact: {report.size} entries, head {report.head}, "
                   f"{report.checkpoints} checkpoint(s) confirmed")
        for notice in report.notices:
            click.echo(f"notice: {notice.message}; the entries after it were lost with the restore "
                       f"recorded as entry {notice.seq}")
        if report.notices:
            sys.exit(EXIT_RESTORED)
        return
    first = report.first
    where = f"entry {first.seq}" if first.seq is not None else "the registry"
    click.echo(f"TAMPERED: first bad entry is {where} ({first.kind}): {first.message}")
    for finding in report.findings[:50]:
        click.echo(f"  {finding.seq if finding.seq is not None else '-'}\t{finding.kind}\t{finding.message}")
    if len(report.findings) > 50:
        click.echo(f"  ... and {len(report.findings) - 50} more")
    sys.exit(1)
