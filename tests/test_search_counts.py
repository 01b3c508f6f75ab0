"""GramCount and the sole-gram search path against brute force, on SQLite and PostgreSQL.

The per-gram counts are kept in step by every write that indexes a power; here they are recomputed from the
powers themselves (their documents' grams, their facet keys, their handovers) after writes of every kind and
compared row for row, as are the postings' rank tiers. Then list_powers, which answers one- and two-character
and most two-syllable pinyin searches from those counts and the gram's postings, is compared with a plain
Python evaluation of the filter (matches, facets that honour every filter but their own, relevance then annex
order, pages) for queries dense and sparse, with and without filters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import db
from registry.domain import searchtext
from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.models import Decision, Department, GramCount, Handover, Power, PowerGram
from registry.services import powers, search
from registry.services.powers import FACETS, PowerFilter
from tests.conftest import Databases, bearer, cli, dispose, make_app
from tests.handover_steps import drive, ok, zone_office

REASON = "勘误: 测试"


# --- brute force ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """A power as the oracle sees it."""

    id: int
    doc: searchtext.Document
    decision: int
    seq: int
    retired: bool
    type: PowerType
    level: ExerciseLevel
    department: int
    partial: bool
    status: Status | None

    def dims(self) -> tuple[Any, ...]:
        return (self.type, self.level, self.department, self.partial, self.status)


def snapshot(session: Session) -> list[Row]:
    statuses = dict(session.execute(select(Handover.power_id, Handover.status)).all())
    return [Row(p.id, searchtext.document(p.name, p.sub_items, p.note), p.decision_id, p.seq, p.retired, p.type,
                p.level, p.department_id, p.partial, statuses.get(p.id))
            for p in session.scalars(select(Power)).unique()]


def recounted(rows: list[Row]) -> Counter:
    out: Counter = Counter()
    for r in rows:
        key = (r.decision, r.retired, r.type.value, r.level.value, r.department, r.partial,
               r.status.value if r.status else "")
        out.update((g, t, *key) for g, t in [("", 3), *search.tiers(r.doc).items()])
    return out


def stored(session: Session) -> Counter:
    columns = [GramCount.gram, GramCount.tier, *(getattr(GramCount, k) for k in search.KEY)]
    return Counter({(*row[:4], row[4].value, row[5].value, *row[6:-1]): row[-1]
                    for row in session.execute(select(*columns, GramCount.n))})


def assert_counts_in_step(app: Flask) -> None:
    with app.app_context():
        session = db.session(write=False)
        rows = snapshot(session)
        want, got = recounted(rows), stored(session)
        assert sorted((want - got).items())[:5] == [] and sorted((got - want).items())[:5] == []
        assert all(n > 0 for n in got.values())
        tiers = {(g, p): t for g, p, t in session.execute(select(PowerGram.gram, PowerGram.power_id, PowerGram.tier))}
        assert tiers == {(g, r.id): t for r in rows for g, t in search.tiers(r.doc).items()}


def oracle(rows: list[Row], departments: dict[int, str], decisions: dict[str, int], f: PowerFilter,
           ) -> tuple[list[int], int, dict]:
    """The page's ids, the total and the facets, evaluated in Python from the filter's plain meaning."""
    q = searchtext.query(f.q) if f.q else None
    wanted = {decisions[d] for d in f.decision}
    facet_tests = {
        "type": (lambda r: r.type in f.type) if f.type else None,
        "level": (lambda r: r.level in f.level) if f.level else None,
        "department": (lambda r: departments[r.department] in f.department) if f.department else None,
        "partial": (lambda r: r.partial == f.partial) if f.partial is not None else None,
        "status": (lambda r: r.status in f.status) if f.status else None,
    }
    base = [r for r in rows if (f.include_retired or not r.retired) and (not wanted or r.decision in wanted)
            and (q is None or searchtext.matches(r.doc, q))]

    def passing(but: str | None = None) -> list[Row]:
        return [r for r in base if all(t(r) for name, t in facet_tests.items() if t and name != but)]

    facets = {}
    for name in FACETS:
        counts = Counter(r.dims()[FACETS.index(name)] for r in passing(but=name))
        if name == "department":
            facets[name] = [{"id": i, "name": departments[i], "count": counts[i]} for i in sorted(counts)]
        elif name == "partial":
            facets[name] = [{"value": v, "count": counts[v]} for v in (True, False)]
        else:
            choices = {"type": PowerType, "level": ExerciseLevel, "status": Status}[name]
            facets[name] = [{"code": c.value, "label": c.label, "count": counts[c]} for c in choices]
    hits = passing()
    hits.sort(key=lambda r: (searchtext.rank(r.doc.name, q) if q else 0, r.decision, r.seq, r.id))
    start = (f.page - 1) * f.per_page
    return [r.id for r in hits[start:start + f.per_page]], len(hits), facets


def etag(client: FlaskClient, power_id: int) -> str:
    return client.get(f"/api/v1/powers/{power_id}").headers["ETag"]


def patch(client: FlaskClient, headers: dict, power_id: int, **body: object) -> None:
    ok(client.patch(f"/api/v1/powers/{power_id}", json={"reason": REASON, **body},
                    headers={**headers, "If-Match": etag(client, power_id)}))


def act(client: FlaskClient, headers: dict, power_id: int, action: str) -> None:
    ok(client.post(f"/api/v1/powers/{power_id}/{action}", json={"reason": REASON},
                   headers={**headers, "If-Match": etag(client, power_id)}))


def department_id(client: FlaskClient, name: str) -> int:
    return next(d["id"] for d in client.get("/api/v1/departments").json if d["name"] == name)


def plainly(session: Session) -> Callable[[PowerFilter], tuple[list[int], int, dict]]:
    """The oracle over the powers as ``session`` sees them now."""
    rows = snapshot(session)
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    decisions = dict(session.execute(select(Decision.doc_number, Decision.id)).all())
    return lambda f: oracle(rows, departments, decisions, f)


# --- the database under test ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scaled(databases: Databases) -> Iterator[Flask]:
    """The real annex, 1,500 synthetic powers, and writes of every kind that move a power's counts."""
    app = make_app(databases.seeded())
    tokens = databases.staff_tokens()
    cli(app, "seed", "--synthetic", "1500", "--random-seed", "7")
    client = app.test_client()
    office = zone_office(client, tokens)["id"]
    drive(client, tokens, 38, "handed_over", office)
    drive(client, tokens, 100, "in_progress", office)
    drive(client, tokens, 12, "suspended", office)
    admin = bearer(tokens["admin"])

    patch(client, admin, 5, name="取水口审批", type="confirmation")
    patch(client, admin, 6, department=department_id(client, "市林业局"), sub_items=["林地取水", "取水"])
    patch(client, admin, 7, level="city_county")
    patch(client, admin, 8, sub_items=["危险废物", "味香"])  # wei+xian and wei+xiang: counted once for weixian
    patch(client, admin, 10, sub_items=["西安市", "县市"])  # xianshi: xi+an+shi as well as xian+shi
    patch(client, admin, 11, sub_items=["取胜", "去世"])  # qush: two of its smaller pairs, qu+sheng and qu+shi
    for power_id, seq in ((19, 150), (3, 151), (40, 152)):  # annex order is no longer id order
        patch(client, admin, power_id, seq=seq)
    act(client, admin, 9, "retire")
    yield app
    dispose(app)


def test_counts_follow_every_kind_of_write(scaled: Flask) -> None:
    assert_counts_in_step(scaled)


def test_counts_follow_create_restore_remove_and_reindex(app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    admin = bearer(tokens["admin"])
    assert_counts_in_step(app)
    cli(app, "seed", "--synthetic", "60", "--random-seed", "3")
    ok(client.post("/api/v1/powers", headers=admin, json={
        "decision": 1, "seq": 104, "name": "取水新事项", "type": "licensing", "level": "city",
        "department": department_id(client, "市水利局"), "sub_items": ["取水"], "reason": REASON}), 201)
    act(client, admin, 9, "retire")
    act(client, admin, 9, "restore")
    assert_counts_in_step(app)
    cli(app, "seed", "--remove-synthetic")
    assert_counts_in_step(app)
    cli(app, "reindex", "--all")
    assert_counts_in_step(app)


# --- list_powers against the oracle --------------------------------------------------------------------

QUERIES = ["取水", "许可", "可", "林", "证", "行政", "审批", "渔", "qushui", "linye", "1", "囧", "、",
           "取水许可", "许可证", "xuke", "qsxk", "qush", "weixian", "jishen", "xianshi"]
FILTERS = [
    {},
    {"type": [PowerType.LICENSING]},
    {"department": ["市水利局", "市林业局"]},
    {"status": [Status.PENDING, Status.HANDED_OVER]},
    {"partial": True},
    {"include_retired": True},
    {"decision": ["渝府发〔2021〕13号"]},
    {"type": [PowerType.LICENSING], "department": ["市水利局"], "status": [Status.PENDING]},
]
PAGES = [(1, 20), (2, 7), (30, 10)]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_list_powers_equals_the_plain_evaluation(scaled: Flask, filters: dict) -> None:
    with scaled.app_context():
        session = db.session(write=False)
        want = plainly(session)
        exact = {q: search.exact_grams(session, q) for q in QUERIES}
        for q in [None, *QUERIES]:
            for page, per_page in PAGES:
                f = PowerFilter(q=q, page=page, per_page=per_page, **filters)
                got = powers.list_powers(session, f)
                ids, total, facets = want(f)
                assert ([p.id for p in got.items], got.total) == (ids, total), (q, page, per_page)
                assert got.facets == facets, q
    # Both paths are taken: grams (xuke is also xu+kei, which nobody has; weixian is wei+xian and wei+xiang, and
    # power 8 has both; qush, five pairs; jishen is also ji+she+n, and somebody has ji+she but nobody spells on),
    # and the general one (xianshi is also xi+an+shi, which power 10 spells).
    assert {q: exact[q] for q in ("取水", "林", "qushui", "xuke", "linye", "weixian", "取水许可", "qsxk", "qush",
                                  "jishen", "xianshi")} == {
        "取水": {"2取水"}, "林": {"1林"}, "qushui": {"Pqu'shui"}, "xuke": {"Pxu'ke"}, "linye": {"Plin'ye"},
        "weixian": {"Pwei'xian", "Pwei'xiang"}, "取水许可": None, "qsxk": None,
        "qush": {"Pqu'shen", "Pqu'sheng", "Pqu'shi", "Pqu'shou", "Pqu'shui"}, "jishen": {"Pji'shen"},
        "xianshi": None}


def test_the_sample_is_dense_and_sparse(scaled: Flask) -> None:
    """The gram path's two ways to the rest of a page need matches both many and few among ~1,600 powers: it
    walks the annex when more than about sqrt(page end x powers) match (~180 for a first page of 20), else sorts."""
    with scaled.app_context():
        rows = snapshot(db.session(write=False))
    sizes = {q: sum(searchtext.matches(r.doc, searchtext.query(q)) for r in rows) for q in QUERIES}
    assert max(sizes.values()) > 400 and 0 < min(n for n in sizes.values() if n) < 100, sizes
    assert sizes["囧"] == 0
