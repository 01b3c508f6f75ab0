"""The search index: each power's normalised text and its grams, kept in step with the power by its service."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.models.base import Base


class PowerText(Base):
    """A power's searchable text (see registry.domain.searchtext.Document); derived, rebuilt by `registry reindex`."""

    __tablename__ = "power_text"

    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    haystack: Mapped[str] = mapped_column(Text)
    pinyin: Mapped[str] = mapped_column(Text)
    initials: Mapped[str] = mapped_column(Text)


class PowerGram(Base):
    """One gram of one power: a posting of the inverted index (a character, a bigram, a syllable, initials)."""

    __tablename__ = "power_gram"
    __table_args__ = (
        Index("ix_power_gram_power_id", "power_id"),
        {"sqlite_with_rowid": False},
    )

    gram: Mapped[str] = mapped_column(String(16), primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
