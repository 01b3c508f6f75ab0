"""GET /api/v1/powers: each filter, facet counts that honour the other filters, sorting, paging.

Expected sets are computed from a fresh parse of the source document, never typed in by hand.
"""

from __future__ import annotations

from collections import Counter

import pytest
from flask.testing import FlaskClient

from registry.domain.choices import ExerciseLevel, PowerType
from seed import parse_annex

ITEMS = parse_annex.parse_file()["powers"]


def seqs(client: FlaskClient, **params: object) -> list[int]:
    body = client.get("/api/v1/powers", query_string={"per_page": 200, **params}).json
    assert body["total"] == len(body["items"])
    return [p["seq"] for p in body["items"]]


def where(pred) -> list[int]:
    return [it["seq"] for it in ITEMS if pred(it)]


def text_of(it: dict) -> str:
    return " ".join([it["name"], *it["sub_items"], it["note"] or ""])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "行政许可"}, where(lambda it: it["type"] == "行政许可")),
        ({"type": "licensing"}, where(lambda it: it["type"] == "行政许可")),
        ({"type": ["levy", "行政确认"]}, where(lambda it: it["type"] in ("行政征收", "行政确认"))),
        ({"level": "市级"}, where(lambda it: it["level"] == "市级")),
        ({"level": "city_county"}, where(lambda it: it["level"] == "市级、区县级")),
        ({"department": "市水利局"}, where(lambda it: it["department"] == "市水利局")),
        ({"department": ["市统计局", "市林业局"]}, where(lambda it: it["department"] in ("市统计局", "市林业局"))),
        ({"partial": "true"}, [18, 73, 100, 101, 102]),
        ({"partial": "false"}, where(lambda it: not it["partial"])),
        ({"decision": "渝府发〔2021〕13号"}, where(lambda it: True)),
        ({"q": "取水"}, where(lambda it: "取水" in text_of(it))),
        ({"q": "林地"}, where(lambda it: "林地" in text_of(it))),
        ({"q": "金属冶炼"}, where(lambda it: "金属冶炼" in text_of(it))),
        ({"q": "其他危险化学品"}, [75]),  # only in a sub-item
        ({"q": "仅下放"}, [18, 73, 100, 101, 102]),  # only in notes
        ({"q": "小(1)型"}, [73]),
        ({"q": "%"}, list(range(1, 104))),  # punctuation alone is no search
        ({"q": "_"}, list(range(1, 104))),
        ({"type": "行政许可", "department": "市林业局", "partial": "true"}, [100, 101, 102]),
    ],
    ids=lambda v: str(v) if not isinstance(v, list) else f"{len(v)} items",
)
def test_filters(reader: FlaskClient, params: dict, expected: list[int]) -> None:
    assert seqs(reader, **params) == expected


def test_licensing_items_are_28(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers", query_string={"type": "行政许可"}).json
    assert body["total"] == 28
    assert {p["type"]["label"] for p in body["items"]} == {"行政许可"}


def test_department_filter_accepts_id(reader: FlaskClient) -> None:
    deps = {d["name"]: d["id"] for d in reader.get("/api/v1/departments").json}
    assert seqs(reader, department=str(deps["市统计局"])) == [98, 99]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "许可"}, "type"),
        ({"level": "区县级"}, "level"),
        ({"department": "市教委"}, "department"),
        ({"decision": "渝府发〔2099〕1号"}, "decision"),
        ({"sort": "colour"}, "sort"),
        ({"per_page": 201}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"partial": "maybe"}, "partial"),
        ({"typ": "行政许可"}, "typ"),
    ],
)
def test_bad_filters_are_named(reader: FlaskClient, params: dict, field: str) -> None:
    resp = reader.get("/api/v1/powers", query_string=params)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert field in resp.json["errors"]


def facet(body: dict, name: str) -> dict:
    key = {"type": "label", "level": "label", "department": "name", "partial": "value"}[name]
    return {f[key]: f["count"] for f in body["facets"][name] if f["count"]}


def test_facets_unfiltered_match_source(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers").json
    assert facet(body, "type") == Counter(it["type"] for it in ITEMS)
    assert facet(body, "level") == Counter(it["level"] for it in ITEMS)
    assert facet(body, "department") == Counter(it["department"] for it in ITEMS)
    assert facet(body, "partial") == Counter(it["partial"] for it in ITEMS)
    assert [f["code"] for f in body["facets"]["type"]] == PowerType.codes()
    assert [f["code"] for f in body["facets"]["level"]] == ExerciseLevel.codes()


def test_facets_honour_other_filters_but_not_their_own(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers", query_string={"type": "行政许可", "department": "市林业局"}).json
    licensing = [it for it in ITEMS if it["type"] == "行政许可"]
    forestry = [it for it in ITEMS if it["department"] == "市林业局"]
    # The type facet ignores the type filter but honours the department filter, and vice versa.
    assert facet(body, "type") == Counter(it["type"] for it in forestry)
    assert facet(body, "department") == Counter(it["department"] for it in licensing)
    both = [it for it in licensing if it["department"] == "市林业局"]
    assert facet(body, "level") == Counter(it["level"] for it in both)
    assert facet(body, "partial") == Counter(it["partial"] for it in both)
    assert body["total"] == len(both)


def test_facets_honour_q(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers", query_string={"q": "取水"}).json
    hits = [it for it in ITEMS if "取水" in text_of(it)]
    assert facet(body, "type") == Counter(it["type"] for it in hits)


def _key(name: str):
    return {
        "seq": lambda it: it["seq"],
        "name": lambda it: (it["name"], it["seq"]),
        "type": lambda it: (PowerType.parse(it["type"]).value, it["seq"]),
        "department": lambda it: (it["department"], it["seq"]),
    }[name]


@pytest.mark.parametrize("sort", ["seq", "-seq", "name", "-name", "type", "-type", "department", "-department"])
def test_sort(reader: FlaskClient, sort: str) -> None:
    expected = [it["seq"] for it in sorted(ITEMS, key=_key(sort.lstrip("-")), reverse=sort.startswith("-"))]
    assert seqs(reader, sort=sort) == expected


@pytest.mark.parametrize(("page", "per_page"), [(1, 10), (2, 10), (11, 10), (12, 10), (1, 200), (3, 50)])
def test_pagination(reader: FlaskClient, page: int, per_page: int) -> None:
    body = reader.get("/api/v1/powers", query_string={"page": page, "per_page": per_page}).json
    assert body["total"] == 103
    assert (body["page"], body["per_page"]) == (page, per_page)
    start = (page - 1) * per_page
    assert [p["seq"] for p in body["items"]] == list(range(1, 104))[start : start + per_page]


def test_default_page_size(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers").json
    assert len(body["items"]) == 50 and body["per_page"] == 50


def test_power_json_shape(reader: FlaskClient) -> None:
    body = reader.get("/api/v1/powers", query_string={"q": "取水许可", "per_page": 1}).json
    power = body["items"][0]
    assert {"id", "seq", "name", "sub_items", "type", "level", "department", "note", "partial", "version",
            "retired", "decision", "devolved_part", "retained_part"} <= set(power)
    assert power["type"] == {"code": "licensing", "label": "行政许可"}
    assert set(power["department"]) == {"id", "name"}
