"""The in-memory copy of the index entries (registry.services.corpus): held while nothing changes, never stale.

Each write below is one the copy must follow (text, facets, retirement, a handover's status, a new power); after
it the general search path is compared with a plain evaluation of the filter over the powers themselves, in the
same process, so a copy kept past the write would fail. A write that rolls back must not leave its copy behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import db
from registry.cli.caller import cli_caller
from registry.domain import searchtext
from registry.domain.choices import PowerType
from registry.domain.handover import Status
from registry.models import Power
from registry.services import corpus, powers, search
from registry.services.powers import PowerFilter
from tests.conftest import Databases, bearer, cli, dispose, make_app
from tests.handover_steps import drive, ok, zone_office
from tests.test_search_counts import REASON, act, department_id, patch, plainly, snapshot

QUERY = "取水许可"  # three characters or more: the general path, which the copy answers
FILTERS = [{}, {"status": [Status.HANDED_OVER]}, {"include_retired": True}, {"decision": ["渝府发〔2021〕13号"]}]


def water_licence(client: FlaskClient) -> int:
    return next(p["id"] for p in client.get("/api/v1/powers", query_string={"q": QUERY}).json["items"]
                if p["name"] == "取水许可")


def assert_search_is_current(app: Flask) -> None:
    with app.app_context():
        session = db.session(write=False)
        assert search.exact_grams(session, QUERY) is None
        want = plainly(session)
        for filters in FILTERS:
            f = PowerFilter(q=QUERY, per_page=10, **filters)
            got = powers.list_powers(session, f)
            ids, total, facets = want(f)
            assert ([p.id for p in got.items], got.total, got.facets) == (ids, total, facets), filters


def rename(client: FlaskClient, admin: dict, tokens: dict) -> None:
    patch(client, admin, 5, name="取水许可证核发")  # a name that starts with the query: ranks second


def sub_item(client: FlaskClient, admin: dict, tokens: dict) -> None:
    patch(client, admin, 6, sub_items=["林地取水许可"])


def facet(client: FlaskClient, admin: dict, tokens: dict) -> None:
    patch(client, admin, water_licence(client), type="confirmation", department=department_id(client, "市林业局"))


def retire(client: FlaskClient, admin: dict, tokens: dict) -> None:
    act(client, admin, water_licence(client), "retire")


def hand_over(client: FlaskClient, admin: dict, tokens: dict) -> None:
    drive(client, tokens, water_licence(client), "handed_over", zone_office(client, tokens)["id"])


def checklist(client: FlaskClient, admin: dict, tokens: dict) -> None:
    """A write that changes no index entry: a step of the handover checklist."""
    ok(client.post(f"/api/v1/powers/{water_licence(client)}/handover/checklist", headers=bearer(tokens["zone"]),
                   json={"item": "guidance", "done": True, "evidence": {"doc_number": "经开办〔2026〕1号"}}), 200)


def create(client: FlaskClient, admin: dict, tokens: dict) -> None:
    ok(client.post("/api/v1/powers", headers=admin, json={
        "decision": 1, "seq": 104, "name": "取水许可", "type": "licensing", "level": "city",
        "department": department_id(client, "市水利局"), "sub_items": [], "reason": REASON}), 201)


WRITES: list[Callable[[FlaskClient, dict, dict], None]] = [rename, sub_item, facet, retire, hand_over, create]


@pytest.fixture(scope="module")
def synthetic(databases: Databases) -> Iterator[tuple[Flask, dict[str, str]]]:
    app = make_app(databases.seeded())
    cli(app, "seed", "--synthetic", "300", "--random-seed", "5")
    yield app, databases.staff_tokens()
    dispose(app)


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__)
def test_a_write_is_seen_by_the_next_search(app: Flask, tokens: dict[str, str], write: Callable) -> None:
    client, admin = app.test_client(), bearer(tokens["admin"])
    assert_search_is_current(app)  # the copy is loaded and held
    write(client, admin, tokens)
    assert_search_is_current(app)


def test_the_copy_is_held_until_the_data_changes(synthetic: tuple[Flask, dict[str, str]]) -> None:
    app, tokens = synthetic
    with app.app_context():
        first = corpus.current(db.session(write=False))
    with app.app_context():
        assert corpus.current(db.session(write=False)) is first
    assert len(first.ids) == 403 and len(first.haystacks) == 403
    sub_item(app.test_client(), bearer(tokens["admin"]), tokens)
    with app.app_context():
        assert corpus.current(db.session(write=False)) is not first
    cli(app, "seed", "--remove-synthetic")  # written outside the trail: the synthetic decisions are in the key
    with app.app_context():
        assert len(corpus.current(db.session(write=False)).ids) == 103
    assert_search_is_current(app)


QUERIES = ["取水许可", "许可证", "行政许可", "囧囧囧", "qsxk", "xkz", "xingzhengxuke", "quanshui"]


@pytest.mark.parametrize("share", [1, 10**9], ids=["read-postings", "scan-copy"])
def test_both_ways_to_the_candidates_find_the_same(synthetic: tuple[Flask, dict[str, str]], share: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Text and initials are confirmed in the copy either among their rarest gram's postings or by a scan of the
    whole copy, by how many postings there are: each way, for every query, as the plain evaluation."""
    app, _ = synthetic
    monkeypatch.setattr(search, "SCAN_SHARE", share)
    with app.app_context():
        session = db.session(write=False)
        want = plainly(session)
        for q in QUERIES:
            assert search.exact_grams(session, q) is None, q
            for filters in FILTERS:
                f = PowerFilter(q=q, per_page=10, **filters)
                got = powers.list_powers(session, f)
                assert ([p.id for p in got.items], got.total, got.facets) == want(f), q


def test_a_rolled_back_write_leaves_nothing_behind(app: Flask, tokens: dict[str, str]) -> None:
    with app.app_context():
        session = db.session(write=True)
        power = session.get(Power, 5)
        powers.update_power(session, cli_caller(), 5, {"name": "取水许可（未提交）"}, power.version, REASON)
        assert 5 in [p.id for p in powers.list_powers(session, PowerFilter(q=QUERY)).items]  # its own write
        session.rollback()
    # The next committed entry takes the rolled-back one's sequence number, but not its hash.
    sub_item(app.test_client(), bearer(tokens["admin"]), tokens)
    assert_search_is_current(app)
    with app.app_context():
        assert 5 not in [p.id for p in powers.list_powers(db.session(write=False), PowerFilter(q=QUERY)).items]


def ties(client: FlaskClient, admin: dict, tokens: dict) -> None:
    for power_id in (40, 8, 30):  # the water licence's name, given out of annex order: ties stay in annex order
        patch(client, admin, power_id, name="取水许可")


def move(client: FlaskClient, admin: dict, tokens: dict) -> None:
    patch(client, admin, 6, seq=200)


def several(client: FlaskClient, admin: dict, tokens: dict) -> None:
    rename(client, admin, tokens)
    hand_over(client, admin, tokens)  # before facet() moves the power to a department whose user is not driving it
    facet(client, admin, tokens)
    retire(client, admin, tokens)


def fields_of(copy: corpus.Corpus) -> tuple:
    """Everything a copy holds, with each position's key rather than its index into keys (interned in the order
    met, which differs between a copy brought forward and one loaded afresh)."""
    return (copy.token, copy.ids, copy.names, copy.haystacks, copy.initials, [copy.keys[k] for k in copy.key_of],
            list(copy.seqs), copy.at, copy.sorted_names, copy.sorted_at, copy.joined_names, list(copy.name_starts))


@pytest.mark.parametrize(("writes", "forward", "shared"), [
    ([rename], True, False), ([sub_item], True, False), ([facet], True, False), ([retire], True, False),
    ([hand_over], True, False), ([several], True, False), ([ties], True, False), ([rename, ties], True, False),
    ([checklist], True, True), ([checklist, rename], True, False),
    ([create], False, False), ([rename, create], False, False), ([move], False, False),
], ids=lambda v: ("+".join(w.__name__ for w in v) if isinstance(v, list) else None))
def test_a_copy_brought_forward_is_the_copy_loaded_afresh(app: Flask, tokens: dict[str, str], writes: list[Callable],
                                                         forward: bool, shared: bool) -> None:
    """Only the powers the trail names are read again, unless one was added or moved in the annex order; when none
    of their entries changed, the older copy's columns are the new one's."""
    client, admin = app.test_client(), bearer(tokens["admin"])
    with app.app_context():
        held = corpus.current(db.session(write=False))
    for write in writes:
        write(client, admin, tokens)
    with app.app_context():
        session = db.session(write=False)
        got = corpus.current(session)
        assert got.token != held.token and (got.at is held.at) is forward
        assert all((mine is theirs) is shared for mine, theirs in ((got.names, held.names),
                                                                  (got.haystacks, held.haystacks),
                                                                  (got.initials, held.initials),
                                                                  (got.key_of, held.key_of)))
        assert fields_of(got) == fields_of(corpus.load(session, corpus.token(session)))
    assert_search_is_current(app)


def test_too_many_writes_since_load_the_copy_afresh(app: Flask, tokens: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus, "REFRESH_MAX", 3)
    client, admin = app.test_client(), bearer(tokens["admin"])
    with app.app_context():
        held = corpus.current(db.session(write=False))
    sub_item(client, admin, tokens)
    with app.app_context():
        assert corpus.current(db.session(write=False)).at is held.at
    ties(client, admin, tokens)
    rename(client, admin, tokens)  # four powers since the copy brought forward
    with app.app_context():
        assert corpus.current(db.session(write=False)).at is not held.at
    assert_search_is_current(app)


def test_a_copy_read_in_a_rolled_back_write_is_not_brought_forward(app: Flask, tokens: dict[str, str]) -> None:
    """Its head is not in the trail that was committed instead, whose first write it would miss."""
    with app.app_context():
        session = db.session(write=True)
        power = session.get(Power, 5)
        powers.update_power(session, cli_caller(), 5, {"name": "取水许可（未提交）"}, power.version, REASON)
        held = corpus.current(session)
        session.rollback()
    client, admin = app.test_client(), bearer(tokens["admin"])
    sub_item(client, admin, tokens)  # takes the rolled-back entry's sequence number
    rename(client, admin, tokens)  # no search in between: the copy held is still the rolled-back one
    with app.app_context():
        session = db.session(write=False)
        got = corpus.current(session)
        assert got.at is not held.at
        assert fields_of(got) == fields_of(corpus.load(session, corpus.token(session)))
    assert_search_is_current(app)


# Two more exact names, one of another type; two names that contain the query, before the prefixes in annex order.
RANKED = {3: {"name": "河道取水许可"}, 4: {"name": "林地取水许可"}, 5: {"name": "取水许可证核发"}, 6: {"name": "取水许可"},
          7: {"name": "取水许可审批"}, 10: {"name": "取水许可", "type": "confirmation"}}
UNRANKED = {11: ["河道取水许可"], 12: ["取水许可变更"]}  # the query in a sub-item only


@pytest.mark.parametrize(("sorted_share", "found_share", "first_slice"),
                         [(0, 1, 1), (0, 3, 2), (10**9, 10**9, 10**9)], ids=["looked-up", "found-then-passed", "passed"])
def test_both_ways_to_a_page_rank_the_same(app: Flask, tokens: dict[str, str], sorted_share: int, found_share: int,
                                          first_slice: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's exact names and prefixes come from the sorted names or from a pass over the matches, and names that
    contain the query from the string of all names or from slices of the matches (or first one, then the other):
    each way, every page of every size is the plain evaluation's."""
    client, admin = app.test_client(), bearer(tokens["admin"])
    for power_id, changes in RANKED.items():
        patch(client, admin, power_id, **changes)
    for power_id, items in UNRANKED.items():
        patch(client, admin, power_id, sub_items=items)
    monkeypatch.setattr(corpus, "SORTED_SHARE", sorted_share)
    monkeypatch.setattr(corpus, "FOUND_SHARE", found_share)
    monkeypatch.setattr(corpus, "FIRST_SLICE", first_slice)
    with app.app_context():
        session = db.session(write=False)
        want = plainly(session)
        ranks = [searchtext.rank(r.doc.name, searchtext.query(QUERY)) for r in snapshot(session)
                 if searchtext.matches(r.doc, searchtext.query(QUERY))]
        assert all(ranks.count(tier) >= 2 for tier in range(4)), ranks  # every tier, each of several
        for per_page in (1, 2, 3, 50):
            for page in range(1, len(ranks) // per_page + 2):
                for filters in [*FILTERS, {"type": [PowerType.LICENSING]}]:
                    f = PowerFilter(q=QUERY, page=page, per_page=per_page, **filters)
                    got = powers.list_powers(session, f)
                    assert ([p.id for p in got.items], got.total) == want(f)[:2], (page, per_page, filters)


@pytest.mark.parametrize("strings", [["取水许可", "林木采伐"], ["含\0分隔符", "取水"], ["", "取水"], []],
                         ids=["split", "copied", "empty-string", "none"])
def test_a_column_is_made_anew_unchanged(strings: list[str]) -> None:
    """The copy lays each column out anew (for the CPU's caches): the same strings in the same order, whatever they
    hold, even the separator the fast way splits on."""
    column = [s.encode().decode() for s in strings]  # made here, so no interned literal is shared
    made = corpus._side_by_side(column)
    assert made == strings
    assert not any(a is b for a, b in zip(made, column, strict=True) if a)
