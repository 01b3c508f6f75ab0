"""How a power's text is searched: one folded form of every field and of the query, pinyin and initials.

Pure. A power's fields become one ``Document``; a query becomes a ``Query`` of terms; ``matches`` is the rule
the database must follow (registry.services.search) and the tests compare it with.

- Folding, the same on both sides: NFKC width and case (full-width Ａ is a), tone marks dropped (qǔ is qu, ü is
  v as pinyin typists write it), punctuation, brackets and spaces removed (许可（审批） is 许可审批).
- Terms: spaces split a query into terms that must all match; a query with no term left is no search.
- Substring: a term is any substring of one character or more of the name, a sub-item or the note.
- Pinyin: ASCII letters that spell consecutive syllables of a field from a syllable boundary on, the last
  one possibly cut short: ``qushui`` and ``qush`` find 取水许可, ``shuixu`` too.
- Initials: ASCII letters that are the first letters of consecutive syllables: ``qsxk`` finds 取水许可.
  Pinyin and initials need two letters or more; one letter is only a substring.
- Part of the query: a term that contains a whole name of two characters or more finds that power too
  (取水许可证 finds 取水许可), ranked after every full match.
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
SHORTEST_NAME = 2  # a name a longer term finds by containing it whole has at least this many characters
PARTLY = 4  # rank(): the power was found by a term that contains its whole name


@cache
def fold_char(ch: str) -> str:
    """One character as it is searched: tone marks dropped (u with diaeresis is v), NFKC, case folded; nothing
    for punctuation, brackets and white space."""
    if ch.isspace():
        return ""
    parts = unicodedata.normalize("NFKD", ch).replace("u\u0308", "v").replace("U\u0308", "V")
    kept = unicodedata.normalize("NFKC", "".join(c for c in parts if unicodedata.category(c) != "Mn")).casefold()
    return "".join(c for c in kept if not unicodedata.category(c).startswith("P") and not c.isspace())


def normalise(text: str) -> str:
    """The folded text (see fold_char), character by character after NFC."""
    return "".join(map(fold_char, unicodedata.normalize("NFC", text)))


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


def _field_syllables(text: str) -> list[str]:
    """The syllables of a field, with BREAK where a run of text has no pinyin (digits, Latin)."""
    return lazy_pinyin(text, errors=lambda chunk: [BREAK])


@dataclass(frozen=True)
class Document:
    """One power's searchable text, folded (see normalise)."""

    name: str
    haystack: str  # every field, one per line
    pinyin: str  # |qushuixuke|shuixuke|xuke|ke|: the letters from each syllable boundary on, per run
    initials: str  # |qsxk|...: first letters of syllables, fields and non-Chinese runs as BREAK
    spelt: str  # |qushuixuke|: each run's letters once, which hold every pinyin match
    starts: str  # |^.^...^.^.|: aligned with spelt, ^ where a syllable starts


def document(name: str, sub_items: list[str], note: str | None) -> Document:
    fields = [normalise(t) for t in [name, *sub_items, *([note] if note else [])]]
    syllable_runs: list[str] = []
    for text in fields:
        syllable_runs.append(BREAK)
        syllable_runs.extend(_field_syllables(text))
    syllable_runs.append(BREAK)
    runs = [r.split(SEP) for r in SEP.join(syllable_runs).split(BREAK) if r.strip(SEP)]
    runs = [[s for s in run if s] for run in runs]
    # From every syllable boundary, the letters that follow within the run: a pinyin term matches when it
    # starts one of them, however its syllables are cut.
    pinyin = BREAK + BREAK.join("".join(run[i:])[:PINYIN_WINDOW] for run in runs for i in range(len(run))) + BREAK
    initials = "".join(s[0] if s != BREAK else BREAK for s in syllable_runs)
    spelt = BREAK + BREAK.join("".join(run) for run in runs) + BREAK
    starts = BREAK + BREAK.join("".join("^" + "." * (len(s) - 1) for s in run) for run in runs) + BREAK
    return Document(fields[0], "\n".join(fields), pinyin, initials, spelt, starts)


@dataclass(frozen=True)
class Term:
    """One folded term of a query; two ASCII letters or more are also read as pinyin and as initials."""

    text: str

    @property
    def pinyin_like(self) -> bool:
        return 2 <= len(self.text) <= PINYIN_WINDOW and self.text.isascii() and self.text.isalpha()

    @property
    def pinyin_needle(self) -> str:
        return BREAK + self.text


@dataclass(frozen=True)
class Query:
    """A query's terms, folded, each once, in the order typed; none: no search."""

    terms: tuple[Term, ...]

    @property
    def text(self) -> str:
        """The terms read together: what a name is ranked against."""
        return "".join(t.text for t in self.terms)


def query(text: str) -> Query:
    folded = (normalise(piece) for piece in text.split())
    return Query(tuple(Term(t) for t in dict.fromkeys(folded) if t))


def found_in(doc: Document, term: Term) -> bool:
    """The term matches the document in full: a substring of a field, its pinyin or its initials."""
    if term.text in doc.haystack:  # a term has no line break: it lies within one field
        return True
    return term.pinyin_like and (term.text in doc.initials or term.pinyin_needle in doc.pinyin)


def contains_name(doc: Document, term: Term) -> bool:
    """The term holds the whole name (of two characters or more): part of the query names the power."""
    return len(doc.name) >= SHORTEST_NAME and doc.name in term.text


def matches(doc: Document, q: Query) -> bool:
    """The rule, written plainly: every term is found in the document or holds its whole name."""
    return all(found_in(doc, t) or contains_name(doc, t) for t in q.terms)


def rank(doc: Document, q: Query) -> int:
    """Of a match: 0 the exact name, 1 a name that starts with the terms read together, 2 a name that contains
    them, 3 any other full match, PARTLY when a term was found only by holding the whole name."""
    if doc.name == q.text:
        return 0
    if doc.name.startswith(q.text):
        return 1
    if q.text in doc.name:
        return 2
    return 3 if all(found_in(doc, t) for t in q.terms) else PARTLY
