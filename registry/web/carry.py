"""A refused form carried across the redirect back to its page (Post/Redirect/Get): what was typed, each field's
messages and those that belong above the form, kept in the session until that page is next shown.

The session is a signed cookie, which browsers refuse past about 4 KB; input too long to carry is not kept, and the
caller shows the refused form in place instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import request, session
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

KEY = "refused"
# What the cookie can spare for one refused form (as JSON with \u escapes), leaving room for the sign-in and flashes.
LIMIT = 2400
UNCARRIED = ("csrf_token",)


@dataclass(frozen=True)
class Refused:
    """A refused form as the page shows it again: its key (the form's prefix), its input, its messages."""

    key: str
    input: MultiDict
    errors: dict[str, list[str]]
    above: list[str]

    def restore(self, form: FlaskForm) -> FlaskForm:
        """``form`` (built over ``input``) with the messages back next to its fields."""
        for name, messages in self.errors.items():
            if name in form._fields:
                form._fields[name].errors = list(messages)
        return form


def keep(page: str, key: str, form: FlaskForm, above: list[str]) -> bool:
    """Keep the posted form ``key`` for ``page`` (its path); False when it is too long to carry."""
    values = [[name, value] for name, value in request.form.items(multi=True)
              if not name.endswith(UNCARRIED)]
    errors = {name: [str(e) for e in field.errors] for name, field in form._fields.items() if field.errors}
    kept = {"page": page, "key": key, "input": values, "errors": errors, "above": [str(a) for a in above]}
    if len(json.dumps(kept)) > LIMIT:
        return False
    session[KEY] = kept
    return True


def take(page: str) -> Refused | None:
    """The refused form kept for ``page``, once; None when there is none. One kept for another page is dropped: it
    was meant for the very next page shown."""
    if KEY not in session:  # (popping marks the session changed, and so sends the cookie again)
        return None
    kept = session.pop(KEY)
    if not kept or kept.get("page") != page:
        return None
    return Refused(kept["key"], MultiDict([tuple(pair) for pair in kept["input"]]), kept["errors"], kept["above"])
