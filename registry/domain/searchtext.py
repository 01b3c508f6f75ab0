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
SEP = "'"  # between syllables, while a document is being built
PINYIN_WINDOW = 64  # letters kept after each syllable boundary; a longer query is not read as pinyin


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
def _completions() -> dict[str, frozenset[str]]:
    """Every prefix of a syllable, with the syllables that start with it: what a cut-short syllable may be."""
    out: dict[str, set[str]] = {}
    for s in syllables():
        for i in range(1, len(s) + 1):
            out.setdefault(s[:i], set()).add(s)
    return {prefix: frozenset(full) for prefix, full in out.items()}


def _syllable_ends(text: str, start: int) -> list[int]:
    """Where the whole syllables that start at ``start`` of the text end."""
    ends = []
    for end in range(start + 1, len(text) + 1):
        if text[start:end] not in _completions():
            break
        if text[start:end] in syllables():
            ends.append(end)
    return ends


def pair(first: str, second: str) -> str:
    """The gram of two consecutive syllables of one run: at most 1 + 6 + 1 + 6 letters, in PowerGram's 16."""
    return "P" + first + SEP + second


def _field_syllables(text: str) -> list[str]:
    """The syllables of a field, with BREAK where a run of text has no pinyin (digits, Latin, punctuation)."""
    return lazy_pinyin(text, errors=lambda chunk: [BREAK])


@dataclass(frozen=True)
class Document:
    """One power's searchable text, normalised, and the grams the index keeps for it."""

    name: str
    haystack: str  # every field, one per line
    pinyin: str  # |qushuixuke|shuixuke|xuke|ke|: the letters from each syllable boundary on, per run
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
    runs = [r.split(SEP) for r in SEP.join(syllable_runs).split(BREAK) if r.strip(SEP)]
    runs = [[s for s in run if s] for run in runs]
    # From every syllable boundary, the letters that follow within the run: a pinyin query matches when it
    # starts one of them, however its syllables are cut.
    pinyin = BREAK + BREAK.join("".join(run[i:])[:PINYIN_WINDOW] for run in runs for i in range(len(run))) + BREAK
    initials = "".join(s[0] if s != BREAK else BREAK for s in syllable_runs)
    grams.update("p" + s for s in syllable_runs if s != BREAK)
    grams.update(pair(a, b) for run in runs for a, b in zip(run, run[1:], strict=False))
    grams.update("i" + a + b for a, b in zip(initials, initials[1:], strict=False) if BREAK not in (a, b))
    return Document(fields[0], "\n".join(fields), pinyin, initials, frozenset(grams))


@dataclass(frozen=True)
class Query:
    """A normalised query; two ASCII letters or more are also read as pinyin and as initials."""

    text: str

    @property
    def pinyin_like(self) -> bool:
        return 2 <= len(self.text) <= PINYIN_WINDOW and self.text.isascii() and self.text.isalpha()

    def substring_grams(self) -> frozenset[str]:
        """Grams every document containing the text has: its characters alone, or its bigrams."""
        if len(self.text) == 1:
            return frozenset({"1" + self.text})
        return frozenset("2" + a + b for a, b in zip(self.text, self.text[1:], strict=False))

    def initials_grams(self) -> frozenset[str]:
        return frozenset("i" + a + b for a, b in zip(self.text, self.text[1:], strict=False))

    def first_syllable_grams(self) -> frozenset[str]:
        """A document the query spells from a boundary has one of these syllables there: one the query starts
        with, or (a query shorter than a syllable) one that starts with the query. Superseded by pinyin_grams."""
        return frozenset("p" + s for s in syllables() if self.text.startswith(s) or s.startswith(self.text))

    def pinyin_grams(self) -> tuple[frozenset[str], frozenset[str]]:
        """(exact, to_confirm): a document with an exact gram matches as pinyin; any other match has one to confirm."""
        if not self.pinyin_like:
            return frozenset(), frozenset()
        text, completions = self.text, _completions()

        @cache
        def spelled_on(start: int) -> bool:
            """The text from ``start`` on is whole syllables, then one perhaps cut short (qu+shu+"i" is not)."""
            return text[start:] in completions or any(
                spelled_on(end) for end in _syllable_ends(text, start) if end < len(text))

        # The gram of the first syllable or two of what the text spells names the whole text when it is one
        # syllable cut short ("p" + t1), or one and then a second cut short ("P" + t1 + "'" + t2).
        exact = {"p" + s for s in completions.get(text, ())}
        to_confirm: set[str] = set()
        for first in _syllable_ends(text, 0):
            exact.update(pair(text[:first], t2) for t2 in completions.get(text[first:], ()))
            # Three syllables or more: the first two narrow the candidates down; the pinyin column decides.
            to_confirm.update(pair(text[:first], text[first:second]) for second in _syllable_ends(text, first)
                              if second < len(text) and spelled_on(second))
        return frozenset(exact), frozenset(to_confirm)

    @property
    def pinyin_needle(self) -> str:
        return BREAK + self.text


def query(text: str) -> Query:
    return Query(normalise(text))


def matches(doc: Document, q: Query) -> bool:
    """The rule, written plainly: what the index must find, and what the tests compare it with."""
    if any(q.text in field for field in doc.haystack.split("\n")):
        return True
    if not q.pinyin_like:
        return False
    return q.text in doc.initials or q.pinyin_needle in doc.pinyin


def rank(doc_name: str, q: Query) -> int:
    """0 the exact name, 1 a name that starts with it, 2 a name that contains it, 3 anything else."""
    if doc_name == q.text:
        return 0
    if doc_name.startswith(q.text):
        return 1
    if q.text in doc_name:
        return 2
    return 3
