"""The national 政务服务事项 codes, checked by structure: what a 基本编码 and a 实施编码 may be, and GB 32100's check
character of the 统一社会信用代码 inside the latter."""

from __future__ import annotations

import pytest

from registry.domain.guide_codes import basic_code_problem, credit_check_char, implementation_code_problem
from registry.domain.messages import Code

CREDIT = "11500000MB15299284"
BASIC = "000172001000"


@pytest.mark.parametrize(("code", "problem"), [
    (BASIC, None),
    ("200123456789", None),
    ("00017200100", Code.GUIDE_BASIC_CODE_FORMAT),
    ("0001720010000", Code.GUIDE_BASIC_CODE_FORMAT),
    ("００0172001000", Code.GUIDE_BASIC_CODE_FORMAT),  # full-width digits are not the code's digits
    ("000172 01000", Code.GUIDE_BASIC_CODE_FORMAT),
    ("000000000000", Code.GUIDE_BASIC_CODE_EMPTY),
])
def test_basic_codes(code: str, problem: Code | None) -> None:
    found = basic_code_problem(code)
    assert (found.code if found else None) == problem


@pytest.mark.parametrize(("code", "basic", "problem"), [
    (f"{CREDIT}4{BASIC}", BASIC, None),
    (f"{CREDIT}1{BASIC}", None, None),
    (f"{CREDIT}4{BASIC}01", BASIC, Code.GUIDE_IMPLEMENTATION_CODE_LENGTH),
    (f"{CREDIT.lower()}4{BASIC}", BASIC, Code.GUIDE_CREDIT_CODE_FORMAT),
    (f"{CREDIT[:-1]}0" + f"4{BASIC}", BASIC, Code.GUIDE_CREDIT_CODE_CHECK),
    (f"{CREDIT}0{BASIC}", BASIC, Code.GUIDE_LEVEL_CODE),
    (f"{CREDIT}4000000000000", None, Code.GUIDE_IMPLEMENTATION_BASIC),
    (f"{CREDIT}4{BASIC}", "000172002000", Code.GUIDE_IMPLEMENTATION_MISMATCH),
])
def test_implementation_codes(code: str, basic: str | None, problem: Code | None) -> None:
    found = implementation_code_problem(code, basic)
    assert (found.code if found else None) == problem


@pytest.mark.parametrize(("first17", "check"), [
    ("91350100M000100Y4", "3"),  # GB 32100's own example, 91350100M000100Y43
    ("11500000MB1529928", "4"),
])
def test_the_check_character(first17: str, check: str) -> None:
    assert credit_check_char(first17) == check
