"""What to offer when a search finds nothing: shorter pieces of the query that do find something."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain import searchtext
from registry.models import Power
from registry.services import search

MAX_PROBES = 40  # a query is at most 100 characters: bound the work a no-result page may cost


@dataclass(frozen=True)
class Suggestion:
    q: str
    count: int


def _pieces(text: str) -> list[str]:
    """Every piece of two characters or more, longest first, left to right; each once."""
    seen: dict[str, None] = {}
    for size in range(len(text) - 1, 1, -1):
        for start in range(len(text) - size + 1):
            seen.setdefault(text[start:start + size].strip(), None)
    return [p for p in seen if len(p) >= 2]


def shorter_queries(session: Session, text: str, limit: int = 5) -> list[Suggestion]:
    """Pieces of ``text`` that find powers in force, longest first, skipping pieces of a piece already offered."""
    out: list[Suggestion] = []
    for probe, piece in enumerate(_pieces(searchtext.normalise(text).strip())):
        if len(out) >= limit or probe >= MAX_PROBES:
            break
        if any(piece in s.q for s in out):
            continue
        count = session.scalar(select(func.count(Power.id)).where(Power.retired.is_(False),
                                                                  search.condition(piece))) or 0
        if count:
            out.append(Suggestion(piece, count))
    return out
