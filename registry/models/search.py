"""The search text: one row of folded text per power, written by the power's service writes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base

# The trigram indexes over the search text, database features the models do not describe: SQLite's FTS5 table
# (with its shadow tables, migration 0012) and PostgreSQL's pg_trgm GIN index (migration 0018).
TRIGRAM_TABLE = "power_search_trigram"
TRIGRAM_INDEX = "ix_power_search_trigram"


class PowerSearch(Base):
    """A power's searchable text (registry.domain.searchtext.Document); derived, rebuilt by `registry reindex`.
    Facets are read from the power and its handover, so only a change of text rewrites the row."""

    __tablename__ = "power_search"

    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    name: Mapped[str] = mapped_column(Text, index=True)  # the folded name: ranks a match, found held in a term
    haystack: Mapped[str] = mapped_column(Text)  # every folded field, one per line
    initials: Mapped[str] = mapped_column(Text)
    spelt: Mapped[str] = mapped_column(Text)  # each run's letters once: a pinyin match lies within them
    starts: Mapped[str] = mapped_column(Text)  # aligned with spelt: ^ where a syllable starts


class PowerPinyin(Base):
    """A power's letters from each syllable boundary on (searchtext.Document.pinyin): twenty times the size of its
    other search text, so apart, and read only for a pinyin term whose first place in the letters is no boundary."""

    __tablename__ = "power_pinyin"

    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    pinyin: Mapped[str] = mapped_column(Text)
