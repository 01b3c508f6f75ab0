"""Every refusal has a declared code, every code has the console's Chinese, and the wording only uses the
parameters the code's messages carry; the code reaches API clients and the English text stays what they read."""

from __future__ import annotations

import ast
import json
import pickle
import string
from collections import defaultdict
from pathlib import Path

import pytest

from registry.domain.messages import Code, Message
from registry.services import errors
from registry.web.feedback import words
from registry.web.wording_zh import ZH

PACKAGE = Path(__file__).resolve().parents[2] / "registry"
ERRORS = {cls.__name__ for cls in (errors.DomainError, *errors.DomainError.__subclasses__())}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _messages() -> tuple[dict[Code, list[tuple[str, set[str]]]], list[str]]:
    """Every ``Message(Code.X, "text", **params)`` written in the package, by code; and what is malformed."""
    found: dict[Code, list[tuple[str, set[str]]]] = defaultdict(list)
    bad: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message"):
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            code, text = (node.args + [None, None])[:2]
            if not (isinstance(code, ast.Attribute) and isinstance(code.value, ast.Name) and code.value.id == "Code"
                    and code.attr in Code.__members__):
                bad.append(f"{where}: the code is not a declared Code.<NAME>")
            elif not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
                bad.append(f"{where}: the text is not a literal (its parameters go in keywords)")
            else:
                found[Code[code.attr]].append((where, {k.arg for k in node.keywords if k.arg}))
                if _fields(text.value) - found[Code[code.attr]][-1][1]:
                    bad.append(f"{where}: the text names a parameter it is not given")
    return found, bad


def _raises() -> list[str]:
    """Raises of a domain error whose detail is not written as a Message (the constructor refuses them too)."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and node.module == "registry.services.errors" for a in node.names if a.name in ERRORS}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            if not ((isinstance(func, ast.Name) and func.id in imported) or (
                    isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                    and func.value.id == "errors" and func.attr in ERRORS)):
                continue
            first = node.exc.args[0] if node.exc.args else None
            if not (isinstance(first, ast.Name) or (isinstance(first, ast.Call) and isinstance(first.func, ast.Name)
                                                    and first.func.id == "Message")):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return bad


def test_every_message_uses_a_declared_code_and_names_its_parameters() -> None:
    assert _messages()[1] == []
    assert _raises() == []


def test_every_declared_code_is_used() -> None:
    assert sorted(set(Code) - set(_messages()[0])) == []


def test_every_code_has_chinese_wording() -> None:
    assert [code for code in Code if code not in ZH] == []


def test_the_chinese_uses_only_parameters_every_message_of_its_code_carries() -> None:
    found, _ = _messages()
    wrong = [f"{where}: {code} needs {sorted(_fields(ZH[code]) - given)}"
             for code, sites in found.items() for where, given in sites if _fields(ZH[code]) - given]
    assert wrong == []


def test_a_domain_error_needs_a_message() -> None:
    with pytest.raises(TypeError):
        errors.Conflict("a bare sentence")
    error = errors.Conflict(Message(Code.POWER_SEQ_TAKEN, "序号 {seq} is already used in this decision by power "
                                    "{power}", seq=3, power=7))
    assert (error.code, error.params, error.detail) == (
        Code.POWER_SEQ_TAKEN, {"seq": 3, "power": 7}, "序号 3 is already used in this decision by power 7")
    assert words(error.detail) == "序号 3 已被事项 7 使用"


def test_a_message_is_its_english_text() -> None:
    message = Message(Code.SEQ_USED_BY, "already used by power {power}", power=7)
    assert message == "already used by power 7"
    assert json.dumps({"seq": [message]}) == '{"seq": ["already used by power 7"]}'
    again = pickle.loads(pickle.dumps(message))
    assert (again, again.code, again.params) == (message, Code.SEQ_USED_BY, {"power": 7})
