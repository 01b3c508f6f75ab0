"""How a refused form reads: domain errors put next to the fields they concern, the rest above the form.

The API's one error mapping (registry.problems) gives the status; this only decides where on the page
each message goes. Forbidden and NotFound are not form feedback: they reach the error pages as they are.
"""

from __future__ import annotations

import re

from flask_wtf import FlaskForm

from registry.http.problems import STATUS_BY_ERROR
from registry.services import errors

FORM_ERRORS = (errors.ValidationFailed, errors.Conflict, errors.StaleVersion, errors.PreconditionRequired)
# The service speaks English to API clients; the console shows its common sentences in Chinese. Anything not
# listed is shown as the service said it.
WORDS = {
    "required": "必填",
    "say why": "请说明原因",
    "required when partial is true": "部分下放的事项须填写下放部分",
    "must be empty when partial is false": "全部下放的事项不填此项",
    "already confirmed": "已确认过",
    "already used": "已被使用",
    "required to mark an item done": "标记完成须提供文号或链接",
    "required to reopen an item": "重新打开须说明原因",
    "only for a recall": "只有收回时填写日期",
    "only a recall takes a date": "只有收回时填写日期",
    "the terms to confirm are not complete": "交接条件尚不完整，不能确认",
    "say what shows it is done": "请提供完成的依据",
    "say why the item is reopened": "请说明重新打开的原因",
    "say why the annex data changes": "请说明修改原因",
    "a partial power needs its devolved part": "部分下放的事项须填写下放部分",
    "only a partial power has parts": "只有部分下放的事项才有下放部分和保留部分",
    "the change clashes with a concurrent one": "与他人同时所做的修改冲突，请刷新后重试",
    "the effective date has not been reached": "尚未到生效日期",
    "only an item that needs a legal authorisation waits for one": "只有需依法取得授权的事项才进入此状态",
    "must be a zone office (经开区承接机构)": "须为经开区承接机构",
    "the official calendar does not reach that far": "官方节假日安排尚未公布到该年份",
    "unknown powers": "有的事项不存在",
}
PATTERNS = [(re.compile(p), r) for p, r in (
    (r"^(.+) → (.+) is not possible yet$", r"「\1」转为「\2」暂不能办理"),
    (r"^(.+) → (.+) is not a step of the workflow$", r"「\1」不能直接转为「\2」"),
    (r"^the terms are fixed once the handover is (.+)$", r"事项已\1，交接条件不再修改"),
    (r"^fixed while (.+)$", r"\1时不再修改"),
    (r"^a handover (.+) keeps its office and method; suspend it first to change them$",
     r"「\1」的事项须保留承接部门和移交方式；如需更改，请先暂缓"),
    (r"^confirmations are given while the handover is (.+), not (.+)$", r"只有在「\1」状态下才能确认，当前为「\2」"),
    (r"^(.+) was already given by (.+)$", r"\2 已作出「\1」"),
    (r"^the checklist is closed while the handover is (.+)$", r"事项已\1，交接清单不再修改"),
    (r"^序号 (\d+) is already used in this decision by power (\d+)$", r"序号 \1 已被事项 \2 使用"),
    (r"^already used by power (\d+)$", r"已被事项 \1 使用"),
    (r"^(.+) is no longer offered$", r"「\1」已停用"),
    (r"^a department named (.+) already exists$", r"已有名为「\1」的部门"),
    (r"^power (\d+) does not exist$", r"事项 \1 不存在"),
    (r"^需依法取得授权: record the authorising document first$", "需依法取得授权：请先登记授权文件"),
    # A precondition's Chinese sentence with its English gloss: the Chinese is enough here.
    (r"^(.*[\u4e00-\u9fff].*?) \([a-z][^()]*\)$", r"\1"),
)]
STALE = "此记录已被他人修改，您的修改未保存。请查看下面的最新内容，确认后再提交。"


def status(error: errors.DomainError) -> int:
    return STATUS_BY_ERROR.get(type(error), 400)


def words(message: str) -> str:
    """The console's Chinese for a service message, or the message itself."""
    if message in WORDS:
        return WORDS[message]
    for pattern, replacement in PATTERNS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def failure_text(failure: dict) -> str:
    """One power's failure in a bulk step: what it still lacks, else the service's sentence."""
    missing = [words(str(m)) for messages in (failure.get("errors") or {}).values() for m in messages]
    return "；".join(missing) or words(failure["detail"])


def bind(form: FlaskForm, error: errors.DomainError, fields: dict[str, str] | None = None) -> list[str]:
    """Put each of the error's field messages on ``form``'s field (``fields`` renames service keys to form
    fields); return what belongs above the form."""
    fields = fields or {}
    above = [STALE] if isinstance(error, errors.StaleVersion) else [words(error.detail)]
    for key, messages in (error.errors or {}).items():
        name = fields.get(key, key)
        target = form._fields.get(name) if name else None
        texts = [words(str(m)) for m in (messages if isinstance(messages, list) else [messages])]
        if target is not None and target.type not in ("HiddenField", "CSRFTokenField"):
            target.errors = [*target.errors, *texts]
        else:
            above.extend(texts)
    return above
