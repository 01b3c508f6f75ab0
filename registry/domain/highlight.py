"""Which characters of a text a search query matched, so a page can mark them; the same rules as searchtext.

Pure. A text is cut into segments ``(text, matched)``: by substring (after NFKC and case folding, mapped
back to the characters as printed), else by pinyin from a syllable boundary, else by pinyin initials.
"""

from __future__ import annotations

from dataclasses import dataclass

from pypinyin import lazy_pinyin

from registry.domain import searchtext
from registry.domain.searchtext import Query


@dataclass(frozen=True)
class Segment:
    text: str
    matched: bool


def _normalised_positions(text: str) -> tuple[str, list[int]]:
    """The normalised text and, for each of its characters, the index of the printed character it came from."""
    out, owners = [], []
    for i, ch in enumerate(text):
        norm = searchtext.normalise(ch)
        out.append(norm)
        owners.extend([i] * len(norm))
    return "".join(out), owners


def _substring_spans(text: str, needle: str) -> list[tuple[int, int]]:
    haystack, owners = _normalised_positions(text)
    spans, start = [], haystack.find(needle)
    while start != -1 and needle:
        end = start + len(needle)
        spans.append((owners[start], owners[end - 1] + 1))
        start = haystack.find(needle, end)
    return spans


def _char_syllables(text: str) -> list[str]:
    """One lower-case syllable per character ('' for a character without pinyin), aligned with ``text``."""
    out: list[str] = []
    for piece in lazy_pinyin(text, errors=lambda chunk: [""] * len(chunk)):
        out.append(piece if piece.isascii() and piece.isalpha() else "")
    return out if len(out) == len(text) else [""] * len(text)


def _pinyin_span(syllables: list[str], letters: str) -> tuple[int, int] | None:
    """The characters whose syllables spell ``letters`` from a boundary on (the last one possibly cut short)."""
    for start, first in enumerate(syllables):
        if not first:
            continue
        rest, end = letters, start
        while rest and end < len(syllables) and syllables[end]:
            syllable = syllables[end]
            if rest.startswith(syllable):
                rest, end = rest[len(syllable):], end + 1
            elif syllable.startswith(rest):
                rest, end = "", end + 1
            else:
                break
        if not rest:
            return start, end
    return None


def _initials_span(syllables: list[str], letters: str) -> tuple[int, int] | None:
    for start in range(len(syllables) - len(letters) + 1):
        window = syllables[start:start + len(letters)]
        if all(window) and "".join(s[0] for s in window) == letters:
            return start, start + len(letters)
    return None


def spans(text: str, q: Query) -> list[tuple[int, int]]:
    """The [start, end) character ranges of ``text`` that ``q`` matched; empty when it matched nothing here."""
    found = _substring_spans(text, q.text)
    if found or not q.pinyin_like:
        return found
    syllables = _char_syllables(text)
    span = _pinyin_span(syllables, q.text) or _initials_span(syllables, q.text)
    return [span] if span else []


def segments(text: str, query_text: str | None) -> list[Segment]:
    """``text`` cut into matched and unmatched segments for ``query_text`` (one unmatched segment without it)."""
    q = searchtext.query(query_text or "")
    found = spans(text, q) if q.text else []
    out, at = [], 0
    for start, end in found:
        if start > at:
            out.append(Segment(text[at:start], False))
        out.append(Segment(text[start:end], True))
        at = end
    if at < len(text) or not out:
        out.append(Segment(text[at:], False))
    return out
