"""What the import commands share: the service run in one session, any refusal printed with every place it names
(row and column), and the session committed, or rolled back for a dry run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from sqlalchemy.orm import Session

from registry import db
from registry.services.errors import DomainError

T = TypeVar("T")


def run_import(work: Callable[[Session], T], dry_run: bool, words: Callable[[str], str] = str, colon: str = ": ",
               separator: str = "; ") -> T:
    """``work(session)``, committed unless ``dry_run``; a DomainError becomes the command's error, its detail then
    one line per place (``words`` the wording of a message: the English itself, or the console's Chinese)."""
    session = db.session(write=not dry_run)
    try:
        result = work(session)
    except DomainError as error:
        session.rollback()
        lines = [words(error.detail)] + [f"  {where}{colon}{separator.join(words(m) for m in messages)}"
                                         for where, messages in (error.errors or {}).items()]
        raise click.ClickException("\n".join(lines)) from None
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return result
