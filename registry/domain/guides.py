"""A service guide's (办事指南) fields, their published labels and the one set of rules every way in (API, console
form, sheet import) is checked by. Pure: values in, messages by field out.

A guide holds only what is given: an absent field (None) is simply not shown, never invented. Text is kept as
typed (trimmed at the ends); 申请材料 is a list, one material a line on pages and in sheets.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from registry.domain.guide_codes import basic_code_problem, implementation_code_problem
from registry.domain.messages import Code, Message

# Every field, in the order a guide reads, with its label: the page's heading and the sheet's column name.
LABELS: dict[str, str] = {
    "basic_code": "基本编码", "implementation_code": "实施编码", "legal_basis": "设定依据",
    "service_object": "服务对象", "conditions": "受理条件", "materials": "申请材料", "procedure": "办理流程",
    "legal_time_limit_days": "法定办结时限", "promised_time_limit_days": "承诺办结时限",
    "fee_charged": "是否收费", "fee_basis": "收费依据", "location": "办理地点", "hours": "办理时间",
    "consult_phone": "咨询电话", "complaint_phone": "监督投诉电话", "online_url": "在线办理", "result": "办理结果",
}
FIELDS = tuple(LABELS)
# The longest text each field takes (characters); a material's limit is per line.
TEXT_LIMITS: dict[str, int] = {
    "legal_basis": 4000, "service_object": 500, "conditions": 4000, "procedure": 4000, "fee_basis": 1000,
    "location": 500, "hours": 500, "consult_phone": 64, "complaint_phone": 64, "online_url": 500, "result": 1000,
}
DAY_FIELDS = ("legal_time_limit_days", "promised_time_limit_days")
MAX_DAYS = 3650
MATERIAL_LIMIT, MAX_MATERIALS = 500, 100
PHONE_FIELDS = ("consult_phone", "complaint_phone")
# Digits with the separators phone numbers are printed with (023-6788 1234、12345；0800 转 8001); five digits or more.
_PHONE = re.compile(r"[0-9 +\-()（）,，、;；/转]+")
MIN_PHONE_DIGITS = 5


def _text_problem(value: str, limit: int) -> Message | None:
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs") and ch != "\n":
            return Message(Code.GUIDE_TEXT_CONTROL, "contains control characters")
    if len(value) > limit:
        return Message(Code.GUIDE_TEXT_TOO_LONG, "at most {max} characters, not {count}", max=limit,
                       count=len(value))
    return None


def _phone_problem(value: str) -> Message | None:
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < MIN_PHONE_DIGITS:
        return Message(Code.GUIDE_PHONE_FORMAT, "a phone number: digits (five or more) with spaces, - or 转, "
                       "not {value}", value=value)
    return None


def _url_problem(value: str) -> Message | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        return Message(Code.GUIDE_URL_SCHEME, "an http or https address, not {value}", value=value)
    return None


def _days_problem(value: Any) -> Message | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        return Message(Code.GUIDE_DAYS_RANGE, "a whole number of working days, 1 to {max}", max=MAX_DAYS)
    return None


def _materials_problem(value: Any) -> Message | None:
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        return Message(Code.GUIDE_MATERIALS_LIST, "a list of materials, each a string")
    if len(value) > MAX_MATERIALS:
        return Message(Code.GUIDE_MATERIALS_TOO_MANY, "at most {max} materials", max=MAX_MATERIALS)
    for n, material in enumerate(value, start=1):
        if not material.strip():
            return Message(Code.GUIDE_MATERIAL_BLANK, "material {n} is blank", n=n)
        if problem := _text_problem(material, MATERIAL_LIMIT):
            return problem
    return None


def _field_problem(name: str, value: Any, guide: dict[str, Any]) -> Message | None:
    if name == "basic_code":
        return basic_code_problem(value)
    if name == "implementation_code":
        basic = guide.get("basic_code")  # compared only with a basic code that is one
        return implementation_code_problem(value, basic if basic and not basic_code_problem(basic) else None)
    if name in DAY_FIELDS:
        return _days_problem(value)
    if name == "materials":
        return _materials_problem(value)
    if name == "fee_charged":
        return None if isinstance(value, bool) else Message(Code.GUIDE_FEE_YES_NO, "yes or no (true or false)")
    if not isinstance(value, str):
        return Message(Code.GUIDE_TEXT_TYPE, "must be text")
    problem = _text_problem(value, TEXT_LIMITS[name])
    if problem is None and name in PHONE_FIELDS:
        problem = _phone_problem(value)
    if problem is None and name == "online_url":
        problem = _url_problem(value)
    return problem


def problems(guide: dict[str, Any]) -> dict[str, list[Message]]:
    """What is wrong with ``guide`` (every field of FIELDS, None when absent), field by field; empty when nothing."""
    found: dict[str, list[Message]] = {}
    for name in FIELDS:
        value = guide.get(name)
        if value is not None and (problem := _field_problem(name, value, guide)) is not None:
            found[name] = [problem]
    legal, promised = guide.get("legal_time_limit_days"), guide.get("promised_time_limit_days")
    if not found.keys() & set(DAY_FIELDS) and legal is not None and promised is not None and promised > legal:
        found["promised_time_limit_days"] = [Message(
            Code.GUIDE_PROMISED_OVER_LEGAL, "the promised time limit ({promised} working days) must not exceed the "
            "legal one ({legal})", promised=promised, legal=legal)]
    if guide.get("fee_charged") is True and not guide.get("fee_basis"):
        found.setdefault("fee_basis", []).append(Message(Code.GUIDE_FEE_BASIS_REQUIRED,
                                                         "a charged item names the basis of its fee"))
    if guide.get("fee_charged") is None and guide.get("fee_basis"):
        found.setdefault("fee_charged", []).append(Message(Code.GUIDE_FEE_CHARGED_REQUIRED,
                                                           "say whether a fee is charged before giving its basis"))
    return found


def tidy(value: Any) -> Any:
    """A value as a guide keeps it: text trimmed, blank text or an empty list as absent (None), materials trimmed."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        kept = [m.strip() if isinstance(m, str) else m for m in value]
        return kept or None
    return value


def materials_from_text(text: str | None) -> list[str] | None:
    """申请材料 typed one a line (a form's text area, a sheet's cell): the non-blank lines, trimmed."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines or None
