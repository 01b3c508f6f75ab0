"""The search text: one row of folded text per power, written by the power's service writes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class PowerSearch(Base):
    """A power's searchable text (registry.domain.searchtext.Document); derived, rebuilt by `registry reindex`.
    Facets are read from the power and its handover, so only a change of text rewrites the row."""

    __tablename__ = "power_search"

    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # the folded name, which ranks a match
    haystack: Mapped[str] = mapped_column(Text)  # every folded field, one per line
    initials: Mapped[str] = mapped_column(Text)
    spelt: Mapped[str] = mapped_column(Text)  # each run's letters once: a pinyin match lies within them
    # The letters from each syllable boundary on, between BREAKs: by far the largest, so last, where a row's
    # other columns are read without it.
    pinyin: Mapped[str] = mapped_column(Text)
