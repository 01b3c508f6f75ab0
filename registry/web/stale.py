"""The stale-form view: after a save refused because the record changed meanwhile, what it holds now beside what the
user typed, field by field, so saving again is a decision taken with the other change in view."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_wtf import FlaskForm


def plain(_name: str, value: Any) -> str:
    """A field's value as a person reads it: text trimmed, nothing shown as （空）."""
    if isinstance(value, str):
        value = value.strip()
    return "（空）" if value in (None, "") else str(value)


def differing(form: FlaskForm, names: Iterable[str], theirs: dict[str, Any], mine: dict[str, Any] | None = None,
              shown: Callable[[str, Any], str] = plain) -> list[tuple[str, str, str]]:
    """(label, what is stored, what the form holds) for each field of ``names`` where the two differ; ``mine``
    overrides the form's own data for fields whose typed form is not their stored form."""
    mine = {name: form[name].data for name in names} | (mine or {})
    return [(form[name].label.text, shown(name, theirs[name]), shown(name, mine[name])) for name in names
            if shown(name, theirs[name]) != shown(name, mine[name])]


def refresh(form: FlaskForm, version: int) -> None:
    """Keep what the user typed, but at the record's current version: submitting again overrides knowingly."""
    form.version.data = str(version)
