"""How a refused form reads: domain errors put next to the fields they concern, the rest above the form.

The API's one error mapping (registry.http.problems) gives the status; this only decides where on the page
each message goes, worded in Chinese by the message's code (registry.web.wording_zh). Forbidden and NotFound
are not form feedback: they reach the error pages as they are.
"""

from __future__ import annotations

from flask_wtf import FlaskForm

from registry.http.problems import STATUS_BY_ERROR
from registry.services import errors
from registry.web.wording_zh import ZH

FORM_ERRORS = (errors.ValidationFailed, errors.Conflict, errors.StaleVersion, errors.PreconditionRequired)
STALE = "此记录已被他人修改，您的修改未保存。请查看下面的最新内容，确认后再提交。"


def status(error: errors.DomainError) -> int:
    return STATUS_BY_ERROR.get(type(error), 400)


def words(message: str) -> str:
    """The console's Chinese for a service message, by its code; a plain string (a form library's own
    message, already Chinese) is shown as it is."""
    if isinstance(message, errors.Message) and message.code in ZH:
        return ZH[message.code].format(**message.params)
    return str(message)


def failure_text(failure: dict) -> str:
    """One power's failure in a bulk step: what it still lacks, else the service's sentence."""
    missing = [words(m) for messages in (failure.get("errors") or {}).values() for m in messages]
    return "；".join(missing) or words(failure["detail"])


def bind(form: FlaskForm, error: errors.DomainError, fields: dict[str, str] | None = None) -> list[str]:
    """Put each of the error's field messages on ``form``'s field (``fields`` renames service keys to form
    fields); return what belongs above the form."""
    fields = fields or {}
    above = [STALE] if isinstance(error, errors.StaleVersion) else [words(error.detail)]
    for key, messages in (error.errors or {}).items():
        name = fields.get(key, key)
        target = form._fields.get(name) if name else None
        texts = [words(m) for m in (messages if isinstance(messages, list) else [messages])]
        if target is not None and target.type not in ("HiddenField", "CSRFTokenField"):
            target.errors = [*target.errors, *texts]
        else:
            above.extend(texts)
    return above
