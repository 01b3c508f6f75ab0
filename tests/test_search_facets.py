"""list_powers (the page, the total and the facets of a search) against brute force, on SQLite and PostgreSQL.

After writes of every kind that move a power between facets or change its text, list_powers is compared with a
plain Python evaluation of the filter (matches, facets that honour every filter but their own, relevance then
annex order, pages) for queries dense and sparse, with and without filters; and a search page costs at most three
statements.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from registry import db
from registry.domain import searchtext
from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.handover import Status
from registry.models import Decision, Department, Handover, Power
from registry.services import powers
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


def oracle(rows: list[Row], departments: dict[int, str], decisions: dict[str, int], f: PowerFilter,
           ) -> tuple[list[int], int, dict]:
    """The page's ids, the total and the facets, evaluated in Python from the filter's plain meaning."""
    q = searchtext.query(f.q or "")
    wanted = {decisions[d] for d in f.decision}
    facet_tests = {
        "type": (lambda r: r.type in f.type) if f.type else None,
        "level": (lambda r: r.level in f.level) if f.level else None,
        "department": (lambda r: departments[r.department] in f.department) if f.department else None,
        "partial": (lambda r: r.partial == f.partial) if f.partial is not None else None,
        "status": (lambda r: r.status in f.status) if f.status else None,
    }
    base = [r for r in rows if (f.include_retired or not r.retired) and (not wanted or r.decision in wanted)
            and searchtext.matches(r.doc, q)]

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
    hits.sort(key=lambda r: (searchtext.rank(r.doc, q) if q.terms else 0, r.decision, r.seq, r.id))
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
    """The real annex, 1,500 synthetic powers, and writes of every kind that move a power between facets or change
    its text."""
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
    patch(client, admin, 8, sub_items=["危险废物", "味香"])  # weixian matches it twice: counted once
    patch(client, admin, 10, sub_items=["西安市", "县市"])  # xianshi: xi+an+shi as well as xian+shi
    patch(client, admin, 11, sub_items=["取胜", "去世"])  # qush: qu+sheng and qu+shi
    for power_id, seq in ((19, 150), (3, 151), (40, 152)):  # annex order is no longer id order
        patch(client, admin, power_id, seq=seq)
    act(client, admin, 9, "retire")
    yield app
    dispose(app)


def assert_lists_agree(app: Flask, queries: list[str | None]) -> None:
    with app.app_context():
        session = db.session(write=False)
        want = plainly(session)
        for q in queries:
            for filters in ({}, {"include_retired": True}, {"status": [Status.PENDING]}):
                f = PowerFilter(q=q, per_page=30, **filters)
                got = powers.list_powers(session, f)
                assert ([p.id for p in got.items], got.total, got.facets) == want(f), (q, filters)


def test_lists_follow_create_retire_restore_remove_and_reindex(app: Flask, tokens: dict[str, str]) -> None:
    client = app.test_client()
    admin = bearer(tokens["admin"])
    queries = [None, "取水", "新事项", "qushui", "取水许可证", "林"]
    assert_lists_agree(app, queries)
    cli(app, "seed", "--synthetic", "60", "--random-seed", "3")
    ok(client.post("/api/v1/powers", headers=admin, json={
        "decision": 1, "seq": 104, "name": "取水新事项", "type": "licensing", "level": "city",
        "department": department_id(client, "市水利局"), "sub_items": ["取水"], "reason": REASON}), 201)
    act(client, admin, 9, "retire")
    assert_lists_agree(app, queries)
    act(client, admin, 9, "restore")
    assert_lists_agree(app, queries)
    cli(app, "seed", "--remove-synthetic")
    assert_lists_agree(app, queries)
    cli(app, "reindex", "--all")
    assert_lists_agree(app, queries)


# --- list_powers against the oracle --------------------------------------------------------------------

QUERIES = ["取水", "许可", "可", "林", "证", "行政", "审批", "渔", "qushui", "linye", "1", "囧", "、",
           "取水许可", "许可证", "xuke", "qsxk", "qush", "weixian", "jishen", "xianshi",
           "取水 许可", "qu shui", "qǔshuǐ", "取水许可证", "取水口审批书", "许可（审批）", "林地 qs"]
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
        for q in [None, *QUERIES]:
            for page, per_page in PAGES:
                f = PowerFilter(q=q, page=page, per_page=per_page, **filters)
                got = powers.list_powers(session, f)
                ids, total, facets = want(f)
                assert ([p.id for p in got.items], got.total) == (ids, total), (q, page, per_page)
                assert got.facets == facets, q


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs meanwhile."""
    engine = app.extensions["registry.engine"]
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


@pytest.mark.parametrize("filters", [{}, {"type": [PowerType.LICENSING], "status": [Status.PENDING]},
                                     {"sort": "-seq"}], ids=["none", "facets", "sorted"])
@pytest.mark.parametrize("q", [None, "取水", "qushui", "qsxk", "取水 许可", "取水许可证", "囧"])
def test_a_search_page_takes_two_statements(scaled: Flask, q: str | None, filters: dict) -> None:
    """The facets' GROUP BY with the page's ids, then the page's powers with their sub-items; the department's
    names come with them."""
    with scaled.app_context():
        session = db.session(write=False)
        session.connection()  # the transaction's BEGIN is not the search's
        with statements(scaled) as seen:
            page = powers.list_powers(session, PowerFilter(q=q, per_page=20, **filters))
    assert len(seen) == (1 if page.total == 0 else 2), "\n".join(s[:60] for s in seen)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@pytest.mark.parametrize("args", [{}, {"type": "licensing", "status": "pending"}, {"partial": "false", "page": "2"}],
                         ids=["none", "facets", "paged"])
@pytest.mark.parametrize("q", [None, "取水", "qushui", "qsxk", "取水 许可", "取水许可证"])
def test_the_citizen_search_page_takes_at_most_two_statements(scaled: Flask, q: str | None, args: dict) -> None:
    """The facets' GROUP BY with every guiding department for the filter and the page's ids, then the page's
    powers with their sub-items and each result's handover facts."""
    client = scaled.test_client()
    with statements(scaled) as seen:
        resp = client.get("/", query_string={**args, **({"q": q} if q else {})})
    assert resp.status_code == 200
    assert "市水利局" in resp.get_data(as_text=True)  # the department filter still lists every guiding department
    searched = [s for s in seen if not s.lstrip().upper().startswith(TRANSACTION_CONTROL)]
    assert len(searched) <= 2, searched  # one when the page is empty


def test_the_sample_is_dense_and_sparse(scaled: Flask) -> None:
    """The queries find many powers and few among ~1,600, and some find nothing."""
    with scaled.app_context():
        rows = snapshot(db.session(write=False))
    sizes = {q: sum(searchtext.matches(r.doc, searchtext.query(q)) for r in rows) for q in QUERIES}
    assert max(sizes.values()) > 400 and 0 < min(n for n in sizes.values() if n) < 100, sizes
    assert sizes["囧"] == 0
