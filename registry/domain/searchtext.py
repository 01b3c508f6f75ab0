"""How a power's text is searched: NFKC and case folding, character grams, pinyin syllables and initials.

Pure. A power's fields become one ``Document``; a query becomes a ``Query``. The index keeps each
document's grams; a query's grams select candidates, and the match rules (``matches``) decide.

- Substring: any substring of one character or more of the name, a sub-item or the note, after NFKC
  (full-width Ａ and half-width A are one letter) and case folding.
- Pinyin: ASCII letters that spell consecutive syllables of a field from a syllable boundary on, the last
  one possibly cut short: ``qushui`` and ``qush`` find 取水许可, ``shuixu`` too.
- Initials: ASCII letters that are the first letters of consecutive syllables: ``qsxk`` finds 取水许可.
Pinyin and initials need two letters or more; one letter is only a substring.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from pypinyin import lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

BREAK = "|"  # between fields and around text that has no pinyin: no pinyin match runs across it
SEP = "'"  # between syllables
MAX_SEGMENTATIONS = 32


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def syllables() -> frozenset[str]:
    """Every toneless syllable pypinyin knows (ü written v, as people type it)."""
    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = to_normal(reading)
            if plain.isascii() and plain.isalpha():
                out.add(plain)
    return frozenset(out)


@cache
def _prefixes() -> frozenset[str]:
    return frozenset(s[:i] for s in syllables() for i in range(1, len(s) + 1))


def _field_syllables(text: str) -> list[str]:
    """The syllables of a field, with BREAK where a run of text has no pinyin (digits, Latin, punctuation)."""
    return lazy_pinyin(text, errors=lambda chunk: [BREAK])


@dataclass(frozen=True)
class Document:
    """One power's searchable text, normalised, and the grams the index keeps for it."""

    name: str
    haystack: str  # every field, one per line
    pinyin: str  # 'qu'shui'xu'ke'|'...: syllables between SEP, fields and non-Chinese runs as BREAK
    initials: str  # |qsxk|...: first letters of syllables, fields and non-Chinese runs as BREAK
    grams: frozenset[str]


def document(name: str, sub_items: list[str], note: str | None) -> Document:
    fields = [normalise(t) for t in [name, *sub_items, *([note] if note else [])]]
    grams: set[str] = set()
    syllable_runs: list[str] = []
    for text in fields:
        grams.update("1" + ch for ch in text)
        grams.update("2" + a + b for a, b in zip(text, text[1:], strict=False))
        syllable_runs.append(BREAK)
        syllable_runs.extend(_field_syllables(text))
    syllable_runs.append(BREAK)
    pinyin = SEP + SEP.join(syllable_runs) + SEP
    initials = "".join(s[0] if s != BREAK else BREAK for s in syllable_runs)
    grams.update("p" + s for s in syllable_runs if s != BREAK)
    grams.update("i" + a + b for a, b in zip(initials, initials[1:], strict=False) if BREAK not in (a, b))
    return Document(fields[0], "\n".join(fields), pinyin, initials, frozenset(grams))


def _segmentations(letters: str) -> list[list[str]]:
    """Ways to read ``letters`` as syllables, the last one possibly cut short (at most MAX_SEGMENTATIONS)."""
    out: list[list[str]] = []

    def walk(start: int, taken: list[str]) -> None:
        if len(out) >= MAX_SEGMENTATIONS:
            return
        rest = letters[start:]
        if rest in _prefixes():
            out.append([*taken, rest])
        for end in range(start + 1, len(letters)):
            if letters[start:end] in syllables():
                walk(end, [*taken, letters[start:end]])

    walk(0, [])
    return out


@dataclass(frozen=True)
class Query:
    """A normalised query: its text, and for two ASCII letters or more its pinyin readings."""

    text: str
    segmentations: tuple[tuple[str, ...], ...]

    @property
    def pinyin_like(self) -> bool:
        return len(self.text) >= 2 and self.text.isascii() and self.text.isalpha()

    def substring_grams(self) -> frozenset[str]:
        """Grams every document containing the text has: its characters alone, or its bigrams."""
        if len(self.text) == 1:
            return frozenset({"1" + self.text})
        return frozenset("2" + a + b for a, b in zip(self.text, self.text[1:], strict=False))

    def initials_grams(self) -> frozenset[str]:
        return frozenset("i" + a + b for a, b in zip(self.text, self.text[1:], strict=False))

    def pinyin_grams(self, segmentation: tuple[str, ...]) -> list[frozenset[str]]:
        """Per syllable, the grams one of which a matching document has (a cut-short last one: any completion)."""
        out = [frozenset({"p" + s}) for s in segmentation[:-1]]
        last = segmentation[-1]
        out.append(frozenset("p" + s for s in syllables() if s.startswith(last)))
        return out

    def pinyin_pattern(self, segmentation: tuple[str, ...]) -> str:
        """The run a document's pinyin string must contain (a LIKE pattern body, before escaping)."""
        return SEP + SEP.join(segmentation)


def query(text: str) -> Query:
    q = normalise(text)
    if len(q) >= 2 and q.isascii() and q.isalpha():
        return Query(q, tuple(tuple(s) for s in _segmentations(q)))
    return Query(q, ())


def matches(doc: Document, q: Query) -> bool:
    """The rule, written plainly: what the index must find, and what the tests compare it with."""
    if q.text in doc.haystack:
        return True
    if not q.pinyin_like:
        return False
    if q.text in doc.initials:
        return True
    return any(SEP + SEP.join(seg) in doc.pinyin for seg in q.segmentations)


def rank(doc_name: str, q: Query) -> int:
    """0 the exact name, 1 a name that starts with it, 2 a name that contains it, 3 anything else."""
    if doc_name == q.text:
        return 0
    if doc_name.startswith(q.text):
        return 1
    if q.text in doc_name:
        return 2
    return 3
