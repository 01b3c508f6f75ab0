"""Which characters of a text a search query matched, so a page can mark them; the same rules as searchtext.

Pure. A text is cut into segments ``(text, matched)``. Each term is looked for in the folded text (punctuation,
tone marks, width and case as searchtext folds them), mapped back to the characters as printed: by substring,
else by pinyin from a syllable boundary, else by pinyin initials. A name that a longer term holds whole is
marked whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin

from registry.domain import searchtext
from registry.domain.searchtext import Query, Term

TEXTS_KEPT = 4096  # printed texts (names, sub-items, notes) whose folding and pinyin a worker keeps


@dataclass(frozen=True)
class Segment:
    text: str
    matched: bool


@dataclass(frozen=True)
class Folded:
    """A printed text folded as searchtext folds it, and for each folded character the printed one it came from."""

    text: str
    owners: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The printed characters of the folded range [start, end)."""
        return self.owners[start], self.owners[end - 1] + 1


@lru_cache(maxsize=TEXTS_KEPT)
def fold(text: str) -> Folded:
    out: list[str] = []
    owners: list[int] = []
    for i, ch in enumerate(text):
        folded = searchtext.fold_char(ch)
        out.append(folded)
        owners.extend([i] * len(folded))
    return Folded("".join(out), owners)


def _substring_spans(folded: Folded, needle: str) -> list[tuple[int, int]]:
    spans, start = [], folded.text.find(needle)
    while start != -1 and needle:
        end = start + len(needle)
        spans.append(folded.span(start, end))
        start = folded.text.find(needle, end)
    return spans


@lru_cache(maxsize=TEXTS_KEPT)
def _char_syllables(text: str) -> tuple[str, ...]:
    """One lower-case syllable per character ('' for a character without pinyin), aligned with ``text``. Kept per
    text: the same names come back page after page, and reading one by phrase costs more than its search."""
    out: list[str] = []
    for piece in lazy_pinyin(text, errors=lambda chunk: [""] * len(chunk)):
        out.append(piece if piece.isascii() and piece.isalpha() else "")
    return tuple(out) if len(out) == len(text) else ("",) * len(text)


def _pinyin_span(syllables: tuple[str, ...], letters: str) -> tuple[int, int] | None:
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


def _initials_span(syllables: tuple[str, ...], letters: str) -> tuple[int, int] | None:
    for start in range(len(syllables) - len(letters) + 1):
        window = syllables[start:start + len(letters)]
        if all(window) and "".join(s[0] for s in window) == letters:
            return start, start + len(letters)
    return None


def _term_spans(folded: Folded, term: Term) -> list[tuple[int, int]]:
    found = _substring_spans(folded, term.text)
    if found or not term.pinyin_like:
        return found
    syllables = _char_syllables(folded.text)
    span = _pinyin_span(syllables, term.text) or _initials_span(syllables, term.text)
    return [folded.span(*span)] if span else []


def spans(text: str, q: Query, name: bool = False) -> list[tuple[int, int]]:
    """The [start, end) character ranges of ``text`` that ``q``'s terms matched, in order, overlaps merged; empty when
    none matched here. ``name``: the text is a power's name, which a term holding it whole marks whole."""
    folded = fold(text)
    found: list[tuple[int, int]] = []
    for term in q.terms:
        here = _term_spans(folded, term)
        if not here and name and len(folded.text) >= searchtext.SHORTEST_NAME and folded.text in term.text:
            here = [(0, len(text))]
        found.extend(here)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def segments(text: str, query_text: str | None, name: bool = False) -> list[Segment]:
    """``text`` cut into matched and unmatched segments for ``query_text`` (one unmatched segment without it)."""
    q = searchtext.query(query_text or "")
    found = spans(text, q, name) if q.terms else []
    out, at = [], 0
    for start, end in found:
        if start > at:
            out.append(Segment(text[at:start], False))
        out.append(Segment(text[start:end], True))
        at = end
    if at < len(text) or not out:
        out.append(Segment(text[at:], False))
    return out
