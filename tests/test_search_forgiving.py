"""Search that forgives, as people type: spaces, punctuation, tone marks, a query longer than a name, and what is
offered when nothing is found; through the API and the citizen page, on SQLite and PostgreSQL, on the real annex.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from registry import db
from registry.domain import searchtext
from registry.services import suggest
from tests.test_search import REAL, REAL_DOCS, expected
from tests.web.test_web_public import soup, text


def listing(client: FlaskClient, q: str | None) -> dict:
    resp = client.get("/api/v1/powers", query_string={"per_page": 200, **({"q": q} if q is not None else {})})
    assert resp.status_code == 200, resp.json
    return resp.json


def ids(client: FlaskClient, q: str) -> list[int]:
    return [p["id"] for p in listing(client, q)["items"]]


def in_order(q: str) -> list[int]:
    """Brute force: the matches, best first."""
    query = searchtext.query(q)
    return sorted(expected(REAL_DOCS, q), key=lambda i: (searchtext.rank(REAL_DOCS[i], query), REAL[i]["seq"]))


@pytest.mark.parametrize(
    ("q", "same_as", "first"),
    [
        ("取水 许可", None, 38),            # terms that must all match
        ("许可　取水", "取水 许可", 38),     # ideographic space, any order
        ("qu shui", None, 38),
        ("qǔshuǐ", "qushui", 38),           # tone marks fold
        ("QǓ SHUǏ", "qu shui", 38),
        ("qǔshuǐ xǔkě", "qushui xuke", 38),
        ("取水、许可", "取水许可", 38),      # punctuation ignored in the query...
        ("“取水许可”", "取水许可", 38),
        ("【取水】", "取水", 38),
        ("取水（许可）", "取水许可", 38),
        ("房地产开发企业资质核定（二级及以下）", "房地产开发企业资质核定二级及以下", None),
        ("伪造变造会计凭证", "伪造、变造会计凭证", None),
        ("(1)", "1", None),
        ("小1型", "小(1)型", None),          # ...and in the text
        ("取水 囧", None, None),            # one term finds nothing: nothing is found
    ],
)
def test_forgiving_queries(reader: FlaskClient, q: str, same_as: str | None, first: int | None) -> None:
    got = ids(reader, q)
    assert got == in_order(q)
    if same_as is not None:
        assert got == ids(reader, same_as)
    assert bool(got) is (q != "取水 囧")
    if first is not None:
        assert got[0] == first


@pytest.mark.parametrize("q", ["（）", "、。", "“”", "%", "_ %"])
def test_punctuation_alone_is_no_search(reader: FlaskClient, q: str) -> None:
    body, everything = listing(reader, q), listing(reader, None)
    assert [p["id"] for p in body["items"]] == [p["id"] for p in everything["items"]]
    assert (body["total"], body["facets"]) == (everything["total"], everything["facets"]) == (103, body["facets"])


@pytest.mark.parametrize(("q", "part_of"), [("取水许可证", {38: "取水许可"}), ("取水许可证书", {38: "取水许可"}),
                                            ("办理取水许可", {38: "取水许可"}), ("取水许可 林地", {}),
                                            ("取水许可", {})])
def test_a_query_longer_than_a_name_finds_it_and_says_so(reader: FlaskClient, q: str, part_of: dict) -> None:
    body = listing(reader, q)
    got = [p["id"] for p in body["items"]]
    assert got == in_order(q)
    assert {p["id"]: p["matched_part"] for p in body["items"] if "matched_part" in p} == part_of
    partly = [i for i in got if i in part_of]
    assert got[len(got) - len(partly):] == partly  # after every full match
    assert all(searchtext.rank(REAL_DOCS[i], searchtext.query(q)) == searchtext.PARTLY for i in partly)


def test_the_citizen_page_says_which_part_of_the_query_matched(reader: FlaskClient) -> None:
    resp = reader.get("/", query_string={"q": "取水许可证"})
    page = soup(resp)
    results = page.select("ol.results li")
    last = next(li for li in results if li.select_one("a.title")["href"] == "/powers/38")
    assert "与查询中的“取水许可”相符" in last.get_text()
    assert last.select_one("a.title mark").get_text() == "取水许可"  # the name held whole is marked whole
    assert sum("与查询中的" in li.get_text() for li in results) == 1
    assert "与查询中的" not in text(reader.get("/", query_string={"q": "取水"}))


@pytest.mark.parametrize(
    ("q", "marked"),
    [("取水 许可", ["取水", "许可"]), ("qǔshuǐ", ["取水"]), ("取水（许可）", ["取水许可"])],
)
def test_the_citizen_page_marks_each_term(reader: FlaskClient, q: str, marked: list[str]) -> None:
    page = soup(reader.get("/", query_string={"q": q}))
    title = next(a for a in page.select("ol.results a.title") if a["href"] == "/powers/38")
    assert [m.get_text() for m in title.select("mark")] == marked


# --- what is offered when nothing is found -------------------------------------------------------------

@pytest.mark.parametrize(
    ("q", "pieces"),
    [
        ("取水许可证核发审批", ["取水许可证核发", "许可证核发审批", "取水许可证", "许可证核发", "核发审批",
                                "许可证", "取水", "核发", "审批"]),
        ("许可审批囧", ["审批囧", "许可"]),              # never 许可审: 审批 is one word
        ("建设工程消防", ["建设工程", "工程消防", "建设", "工程", "消防"]),
        ("qushuixyz", ["qushui", "shui", "qu"]),         # never xyz, yzz or uixy
        ("xyzqushui", ["qushui", "shui", "qu"]),
        ("xuke shenpi", ["shenpi", "xuke", "shen", "xu", "ke", "pi"]),
        ("取水 囧囧", ["取水", "囧囧"]),                 # a term on its own
        ("取水abc许可", ["取水", "许可"]),               # letters no syllables spell break the runs
        ("qsxkq", []),
        ("（）", []),
    ],
)
def test_pieces_are_whole_words(q: str, pieces: list[str]) -> None:
    assert suggest.pieces(q) == pieces


@pytest.mark.parametrize("q", ["取水囧许可证书", "qushuixyzq", "会计凭证囧囧囧审批", "取水 囧囧"])
def test_what_is_offered_finds_something_and_is_whole_words(reader: FlaskClient, q: str) -> None:
    assert listing(reader, q)["total"] == 0
    with reader.application.app_context():
        offered = suggest.shorter_queries(db.session(write=False), q)
    assert offered
    for s in offered:
        assert s.q in suggest.pieces(q)
        assert s.count == len(expected(REAL_DOCS, s.q)) > 0
    assert len(offered) <= 5
