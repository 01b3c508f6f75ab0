"""The running registry serves exactly what the source document says, field by field.

The expected values come from re-parsing ../shared/seeds at test time, never from a hand copy.
"""

from __future__ import annotations

import csv
import io

import pytest
from flask.testing import FlaskClient

from registry.domain.choices import ExerciseLevel, PowerType
from seed import parse_annex

SOURCE = parse_annex.parse_file()
ITEMS = {p["seq"]: p for p in SOURCE["powers"]}


@pytest.fixture(scope="module")
def served(shared_app) -> dict[int, dict]:
    client = shared_app.test_client()
    out: dict[int, dict] = {}
    page = 1
    while True:
        body = client.get("/api/v1/powers", query_string={"per_page": 200, "page": page}).json
        out.update({p["seq"]: p for p in body["items"]})
        if page * 200 >= body["total"]:
            return out
        page += 1


def test_source_counts() -> None:
    assert len(SOURCE["powers"]) == 103
    assert len(SOURCE["annex_rows"]) == 104
    assert ITEMS[75]["sub_items"] == ["其他金属冶炼建设项目安全设施设计审查",
                                      "其他危险化学品生产、储存建设项目安全设施设计审查"]
    assert ITEMS[74]["sub_items"] == ["危险化学品生产的企业安全生产许可"]
    assert sorted(s for s, p in ITEMS.items() if p["partial"]) == [18, 73, 100, 101, 102]


def test_registry_serves_every_item(served: dict[int, dict]) -> None:
    assert sorted(served) == sorted(ITEMS)


@pytest.mark.parametrize("seq", sorted(ITEMS))
def test_item_matches_source(served: dict[int, dict], seq: int) -> None:
    want, got = ITEMS[seq], served[seq]
    assert got["name"] == want["name"]
    assert got["sub_items"] == want["sub_items"]
    assert got["type"] == {"code": PowerType.parse(want["type"]).value, "label": want["type"]}
    assert got["level"] == {"code": ExerciseLevel.parse(want["level"]).value, "label": want["level"]}
    assert got["department"]["name"] == want["department"]
    assert got["note"] == want["note"]
    assert got["partial"] is want["partial"]
    assert got["devolved_part"] == want["devolved_part"]
    assert got["retained_part"] == want["retained_part"]
    assert got["decision"]["doc_number"] == "渝府发〔2021〕13号"
    assert got["retired"] is False


@pytest.mark.parametrize("seq", [18, 73, 100, 101, 102])
def test_devolved_part_is_verbatim_from_the_note(served: dict[int, dict], seq: int) -> None:
    got = served[seq]
    assert got["note"].startswith("部分下放。")
    assert "仅下放" + got["devolved_part"] + "。" in got["note"]


def test_annex_csv_reproduces_the_table(reader: FlaskClient) -> None:
    resp = reader.get("/api/v1/powers/export.csv", query_string={"layout": "annex"})
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    raw = resp.data.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw[1:])))
    assert rows[0] == ["序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备注"]
    expected = [[str(r["seq"]), r["name"], r["sub_item"], r["type"], r["level"], r["department"], r["note"]]
                for r in SOURCE["annex_rows"]]
    assert rows[1:] == expected


def test_annex_json_matches_csv(reader: FlaskClient) -> None:
    rows = reader.get("/api/v1/powers/export.json").json
    assert len(rows) == 104
    assert rows[75] == {"序号": "75", "事项名称": ITEMS[75]["name"], "子项名称": ITEMS[75]["sub_items"][1],
                        "事项类型": "行政许可", "行使层级": "市级", "市级指导(实施)部门(单位)": "市应急局", "备注": ""}


def test_decision_metadata(reader: FlaskClient) -> None:
    (decision,) = reader.get("/api/v1/decisions").json
    assert decision["doc_number"] == "渝府发〔2021〕13号"
    assert decision["title"] == "重庆市人民政府关于向重庆经济技术开发区下放一批市级行政权力事项的决定"
    assert decision["issuer"] == "重庆市人民政府"
    assert decision["issued_on"] == "2021-04-30"
    assert decision["zone_body"] == "重庆经开区管委会"
    assert decision["body"] == SOURCE["decision"]["body"]


def test_departments(reader: FlaskClient) -> None:
    deps = {d["name"]: d["kind"]["code"] for d in reader.get("/api/v1/departments").json}
    assert deps == {d["name"]: d["kind"] for d in SOURCE["departments"]}
    assert deps["重庆经开区管委会"] == "zone"
