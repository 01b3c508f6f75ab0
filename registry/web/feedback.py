"""How a refused form reads: domain errors put next to the fields they concern, the rest above the form.

The API's one error mapping (registry.problems) gives the status; this only decides where on the page
each message goes. Forbidden and NotFound are not form feedback: they reach the error pages as they are.
"""

from __future__ import annotations

from flask_wtf import FlaskForm

from registry.problems import STATUS_BY_ERROR
from registry.services import errors

FORM_ERRORS = (errors.ValidationFailed, errors.Conflict, errors.StaleVersion, errors.PreconditionRequired)
# The service's field messages that staff meet most, in the console's language.
WORDS = {
    "required": "必填",
    "required when partial is true": "部分下放的事项须填写下放部分",
    "must be empty when partial is false": "全部下放的事项不填此项",
    "already confirmed": "已确认过",
    "required to mark an item done": "标记完成须提供文号或链接",
    "required to reopen an item": "重新打开须说明原因",
    "only for a recall": "只有收回时填写",
}
STALE = "此记录已被他人修改，您的修改未保存。请查看下面的最新内容，确认后再提交。"


def status(error: errors.DomainError) -> int:
    return STATUS_BY_ERROR.get(type(error), 400)


def _words(message: str) -> str:
    return WORDS.get(message, message)


def failure_text(failure: dict) -> str:
    """One power's failure in a bulk step: what it still lacks, else the service's sentence."""
    missing = [_words(str(m)) for messages in (failure.get("errors") or {}).values() for m in messages]
    return "；".join(missing) or _words(failure["detail"])


def bind(form: FlaskForm, error: errors.DomainError, fields: dict[str, str] | None = None) -> list[str]:
    """Put each of the error's field messages on ``form``'s field (``fields`` renames service keys to form
    fields); return what belongs above the form."""
    fields = fields or {}
    above = [STALE] if isinstance(error, errors.StaleVersion) else [_words(error.detail)]
    for key, messages in (error.errors or {}).items():
        name = fields.get(key, key)
        target = form._fields.get(name) if name else None
        words = [_words(str(m)) for m in (messages if isinstance(messages, list) else [messages])]
        if target is not None and target.type not in ("HiddenField", "CSRFTokenField"):
            target.errors = [*target.errors, *words]
        else:
            above.extend(words)
    return above
