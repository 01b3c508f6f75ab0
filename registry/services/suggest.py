"""What to offer when a search finds nothing: shorter pieces of the query, made of whole words, that find something.

Chinese is cut into words by pypinyin's segmenter and ASCII letters into whole pinyin syllables; a piece is a run
of consecutive whole words (or syllables) of one term, so nothing like 许可审 or xyz is ever offered.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from pypinyin.seg.mmseg import seg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain import searchtext
from registry.models import Power, PowerSearch
from registry.services import search

MAX_PROBES = 40  # a query is at most 100 characters: bound the work a no-result page may cost
LONGEST_SYLLABLE = 6


@dataclass(frozen=True)
class Suggestion:
    q: str
    count: int


def _kind(ch: str) -> str:
    if ch.isascii() and ch.isalpha():
        return "letters"
    return "han" if unicodedata.name(ch, "").startswith("CJK UNIFIED") else "other"


def _runs(term: str) -> list[tuple[str, str]]:
    """The term cut where it changes between Chinese, ASCII letters and anything else: (kind, text)."""
    out: list[tuple[str, str]] = []
    for ch in term:
        kind = _kind(ch)
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + ch)
        else:
            out.append((kind, ch))
    return out


@cache
def _spelt(letters: str) -> tuple[str, ...] | None:
    """The letters as whole syllables (fewest syllables), or None when they are not a full spelling."""
    if not letters:
        return ()
    best: tuple[str, ...] | None = None
    for size in range(min(LONGEST_SYLLABLE, len(letters)), 0, -1):
        if letters[:size] in searchtext.syllables():
            rest = _spelt(letters[size:])
            if rest is not None and (best is None or len(rest) + 1 < len(best)):
                best = (letters[:size], *rest)
    return best


def _syllable_words(letters: str) -> list[list[str]]:
    """The letters cut into runs of whole syllables, dropping what no syllable spells: the longest spelt stretch
    from each position on, left to right."""
    out: list[list[str]] = []
    current: list[str] = []
    at = 0
    while at < len(letters):
        end = next((e for e in range(len(letters), at, -1) if _spelt(letters[at:e])), None)
        if end is None:
            if current:
                out.append(current)
            current, at = [], at + 1
            continue
        current.extend(_spelt(letters[at:end]) or ())
        at = end
    if current:
        out.append(current)
    return out


def _chinese_words(text: str) -> list[str]:
    """pypinyin's segmenter's words. Its dictionary holds only words whose reading needs context, so it leaves most
    words as single characters (审, 批): a stretch of them is read as two-character words when it has an even
    length (most Chinese words have two), else kept whole, so no piece ends inside a word."""
    out: list[str] = []
    singles = ""
    for word in [*seg.cut(text), ""]:
        if len(word) == 1:
            singles += word
            continue
        if singles:
            pairs = len(singles) % 2 == 0
            out.extend([singles[i:i + 2] for i in range(0, len(singles), 2)] if pairs else [singles])
            singles = ""
        if word:
            out.append(word)
    return out


def words(term: str) -> list[list[str]]:
    """The term's runs of whole words: Chinese by pypinyin's segmenter, letters as whole syllables, anything else
    (digits, Latin that no syllable spells) breaking the runs."""
    out: list[list[str]] = []
    for kind, text in _runs(term):
        if kind == "han":
            out.append(_chinese_words(text))
        elif kind == "letters":
            out.extend(_syllable_words(text))
    return [run for run in out if run]


def pieces(text: str) -> list[str]:
    """Every run of consecutive whole words of each term, of two characters or more, but the query itself:
    longest first, then left to right; each once."""
    found: list[tuple[int, int, str]] = []
    q = searchtext.query(text)
    for t, term in enumerate(q.terms):
        for run in words(term.text):
            for size in range(len(run), 0, -1):
                for start in range(len(run) - size + 1):
                    piece = "".join(run[start:start + size])
                    if len(piece) >= 2 and piece != q.text:
                        found.append((-len(piece), t, piece))
    ordered = [p for _, _, p in sorted(found, key=lambda f: f[:2])]
    return list(dict.fromkeys(ordered))


def shorter_queries(session: Session, text: str, limit: int = 5) -> list[Suggestion]:
    """Pieces of ``text`` that find powers in force, longest first, skipping pieces of a piece already offered."""
    out: list[Suggestion] = []
    for probe, piece in enumerate(pieces(text)):
        if len(out) >= limit or probe >= MAX_PROBES:
            break
        if any(piece in s.q for s in out):
            continue
        q = searchtext.query(piece)
        count = session.scalar(select(func.count(Power.id)).join(PowerSearch, PowerSearch.power_id == Power.id)
                               .where(Power.retired.is_(False), search.matching(search.shape(q))),
                               search.values(q)) or 0
        if count:
            out.append(Suggestion(piece, count))
    return out
