"""A changed value shown as a person reads it, with what was removed and what was added marked character by
character (difflib), so an auditor sees the one word that changed in a long item name."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from registry.domain.trail_words import EMPTY, shown


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


def inline(before: Any, after: Any, whole: bool = False) -> tuple[list[Piece], list[Piece]]:
    """(before, after) as pieces: in ``before`` the removed text is marked, in ``after`` the added text.

    ``whole`` marks each value as one piece: a status or an office is replaced, not edited letter by letter.
    """
    old, new = shown(before), shown(after)
    # A number or a yes/no changes as a whole: "1[0]" → "1[1]" tells a reader nothing.
    whole = whole or not isinstance(before, str | list) or not isinstance(after, str | list)
    if whole or EMPTY in (old, new):
        return [Piece(old, old != EMPTY)], [Piece(new, new != EMPTY)]
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(Piece(old[i1:i2], op != "equal"))
        if j2 > j1:
            right.append(Piece(new[j1:j2], op != "equal"))
    return left, right
