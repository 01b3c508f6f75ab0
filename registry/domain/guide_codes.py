"""The national 政务服务事项 codes a service guide carries, checked by their structure. Pure.

基本编码 (basic code), as the national basic catalogue (GB/T 39554.1-2020, 编码要求) prints it: 12 ASCII digits,
the first two the 事项类型 code (行政许可 00, …), the other ten the main item, sub-item and handling-item numbers;
those ten are never all zero (e.g. ``000172001000``).

实施编码 (implementation code), as an implementing body publishes it: 31 characters, made of
- the implementing body's 统一社会信用代码 (GB 32100, 18 characters: digits and capital letters but I, O, Z, S and
  V, the 18th a check character over the other 17; a Chongqing body's starts ``11500000`` — registered by the
  编制 office ``1``, an organ of government ``1``, Chongqing ``500000``),
- one digit for the level that exercises the item (1 national … 6 village; 行使层级),
- the item's 12-digit 基本编码, which must be the guide's basic code when both are given.

Only the structure and the check character are checked: whether a code is in the national catalogue is not.
"""

from __future__ import annotations

import re

from registry.domain.messages import Code, Message

BASIC_LENGTH = 12
IMPLEMENTATION_LENGTH = 31
CREDIT_LENGTH = 18
# GB 32100's 31 characters, in the order of their values 0..30, and the weights of positions 1..17.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LEVELS = "123456"
_BASIC = re.compile(r"[0-9]{12}")
_CREDIT = re.compile(f"[{CREDIT_CHARS}]{{18}}")


def credit_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 whose first 17 are ``first17`` (GB 32100's weighted sum mod 31)."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31]


def basic_code_problem(code: str) -> Message | None:
    """Why ``code`` is not a 基本编码, or None."""
    if not _BASIC.fullmatch(code):
        return Message(Code.GUIDE_BASIC_CODE_FORMAT, "a basic code (基本编码) is 12 digits, not {value}", value=code)
    if set(code[2:]) == {"0"}:
        return Message(Code.GUIDE_BASIC_CODE_EMPTY, "{value} names no item: its last 10 digits are all zero",
                       value=code)
    return None


def implementation_code_problem(code: str, basic_code: str | None = None) -> Message | None:
    """Why ``code`` is not a 实施编码 (of the item whose basic code is ``basic_code``, when given), or None."""
    if len(code) != IMPLEMENTATION_LENGTH:
        return Message(Code.GUIDE_IMPLEMENTATION_CODE_LENGTH, "an implementation code (实施编码) has {length} "
                       "characters (credit code 18, level 1, basic code 12), not {count}",
                       length=IMPLEMENTATION_LENGTH, count=len(code))
    credit, level, basic = code[:CREDIT_LENGTH], code[CREDIT_LENGTH], code[CREDIT_LENGTH + 1:]
    if not _CREDIT.fullmatch(credit):
        return Message(Code.GUIDE_CREDIT_CODE_FORMAT, "its first 18 characters, {value}, are not a unified social "
                       "credit code (digits and capitals but I, O, Z, S, V)", value=credit)
    if credit[-1] != credit_check_char(credit[:-1]):
        return Message(Code.GUIDE_CREDIT_CODE_CHECK, "the unified social credit code {value} fails its check "
                       "character (GB 32100): a character is mistyped", value=credit)
    if level not in LEVELS:
        return Message(Code.GUIDE_LEVEL_CODE, "the 19th character is the exercising level, 1 to 6, not {value}",
                       value=level)
    if basic_code_problem(basic) is not None:
        return Message(Code.GUIDE_IMPLEMENTATION_BASIC, "its last 12 characters, {value}, are not a basic code",
                       value=basic)
    if basic_code is not None and basic != basic_code:
        return Message(Code.GUIDE_IMPLEMENTATION_MISMATCH, "its last 12 characters, {value}, are not the basic "
                       "code {basic}", value=basic, basic=basic_code)
    return None
