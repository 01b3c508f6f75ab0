"""The search index: each power's normalised text and its grams, kept in step with the power by its service."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from registry.domain.choices import ExerciseLevel, PowerType
from registry.models.base import Base, code_enum

NO_STATUS = ""  # the facet key's status of a power without a handover (synthetic data)
UNRANKED = 3  # PowerGram.tier of a gram that is not in the name (see searchtext.rank)


class FacetKey:
    """What a power is counted under in GramCount (whose key repeats these columns): the list's base filters and its
    five facets."""

    decision_id: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean)
    type: Mapped[PowerType] = mapped_column(code_enum(PowerType))
    level: Mapped[ExerciseLevel] = mapped_column(code_enum(ExerciseLevel))
    department_id: Mapped[int] = mapped_column(Integer)
    partial: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(32))  # a Status code, or NO_STATUS


class PowerText(FacetKey, Base):
    """A power's searchable text (see registry.domain.searchtext.Document) and the facet key its grams are counted
    under; derived, rebuilt by `registry reindex`."""

    __tablename__ = "power_text"

    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)  # with decision_id, the annex order of ties: a search reads one table
    name: Mapped[str] = mapped_column(Text)
    haystack: Mapped[str] = mapped_column(Text)


class PowerPinyin(Base):
    """A power's pinyin and initials strings (see searchtext.Document), which confirm pinyin candidates: apart from
    PowerText because they are twenty times its size, and a search reads PowerText's rows by the thousand."""

    __tablename__ = "power_pinyin"

    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    pinyin: Mapped[str] = mapped_column(Text)
    initials: Mapped[str] = mapped_column(Text)


class PowerGram(Base):
    """One gram of one power: a posting of the inverted index (a character, a bigram, a syllable, initials).

    ``tier`` is searchtext.rank() of the power's name for the gram's own text (a character or a bigram), so a one-
    or two-character search finds its best-ranked matches in the small index of named grams.
    """

    __tablename__ = "power_gram"
    __table_args__ = (
        Index("ix_power_gram_power_id", "power_id"),
        Index("ix_power_gram_gram", "gram", "tier", sqlite_where=text("tier < 3"), postgresql_where=text("tier < 3")),
        {"sqlite_with_rowid": False},
    )

    gram: Mapped[str] = mapped_column(String(16), primary_key=True)
    power_id: Mapped[int] = mapped_column(ForeignKey("power.id"), primary_key=True)
    tier: Mapped[int] = mapped_column(SmallInteger, default=UNRANKED)


class GramCount(Base):
    """How many powers with a facet key have a gram in a rank tier ("" counts every power): a search's total, facets
    and tiers without visiting its matches. Kept in step by registry.services.search with every write that indexes a power."""

    __tablename__ = "gram_count"
    __table_args__ = {"sqlite_with_rowid": False}

    gram: Mapped[str] = mapped_column(String(16), primary_key=True)
    tier: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # PowerGram.tier of the gram in these powers
    decision_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    retired: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    type: Mapped[PowerType] = mapped_column(code_enum(PowerType), primary_key=True)
    level: Mapped[ExerciseLevel] = mapped_column(code_enum(ExerciseLevel), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partial: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
