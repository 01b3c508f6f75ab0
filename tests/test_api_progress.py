"""Handover progress over HTTP, on every backend: GET /api/v1/stats/handover(.csv) and GET /api/v1/handovers.

The zone administration reports these numbers upwards, so every count is checked against a brute-force
count made here from the public power list (type and department of each power) and the statuses the
test itself drove: on the seed (everything pending), and after two powers were handed over / went live,
two powers were retired (one of them handed over: retired powers count nowhere) and planned dates were
set around today. Overdue means: still open (pending, in progress, awaiting authorisation) and planned
strictly before Beijing's today; its ``days`` are calendar days and ``working_days`` follow the official
PRC calendar. The CSV says the same as the JSON, with the published labels, as Excel-ready UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest
from flask.testing import FlaskClient

from registry.domain.workdays import today_in_china
from tests.conftest import Databases, bearer, dispose, make_app
from tests.handover_steps import PARTIAL_POWER, WATER_POWER, drive, handover, ok, step, zone_office

PROBLEM = "application/problem+json"
STATUSES = [("pending", "待交接"), ("in_progress", "交接中"), ("awaiting_authorisation", "待法定授权"),
            ("handed_over", "已交接"), ("operating", "已运行"), ("suspended", "暂缓"), ("recalled", "已收回")]
LABEL = dict(STATUSES)
CSV_HEADER = ["交接状态", "市级指导(实施)部门(单位)", "事项类型", "事项数"]
WATER = list(range(38, 74))  # the 36 powers of 市水利局 (序号 38..73)
FORESTRY = [100, 101, 102, 103]

# The "progressed" database: what the module fixture does, and so what every count below must reflect.
DRIVEN = {WATER_POWER: "handed_over", PARTIAL_POWER: "operating", 39: "handed_over", 43: "suspended"}
RETIRED = (1, 39)  # 1 was pending (and planned in the past), 39 handed over: both leave every count
TODAY = "today"
PLANNED = {  # power: planned date (TODAY: Beijing's today, which is not yet overdue)
    1: "2021-01-10",  # retired: never overdue
    WATER_POWER: "2021-02-01",  # handed over: done, not overdue
    40: "2021-03-01",  # pending, past: overdue
    41: "2021-04-15",  # pending, past: overdue
    42: "2099-01-01",  # pending, future
    43: "2021-01-15",  # suspended: not open, not overdue
    44: TODAY,  # pending, planned for today: due, not yet overdue
}
OVERDUE = [40, 41]  # oldest planned date first
STATUS_AFTER = {p: s for p, s in DRIVEN.items() if p not in RETIRED}


def _planned(value: str) -> str:
    return today_in_china().isoformat() if value == TODAY else value


def powers_by_id(client: FlaskClient) -> dict[int, dict]:
    page = ok(client.get("/api/v1/powers", query_string={"per_page": 200}))
    assert page["total"] == len(page["items"])
    return {p["id"]: p for p in page["items"]}


def brute_cells(powers: dict[int, dict], status: dict[int, str]) -> Counter:
    """(status code, department name, type code) → number of powers, counted one power at a time."""
    return Counter((status.get(pid, "pending"), p["department"]["name"], p["type"]["code"])
                   for pid, p in powers.items())


def api_cells(stats: dict) -> Counter:
    keys = [(c["status"]["code"], c["department"]["name"], c["type"]["code"]) for c in stats["cells"]]
    assert len(keys) == len(set(keys)), "each status × department × type once"
    assert all(c["count"] > 0 for c in stats["cells"]), "no empty cells"
    assert all(c["status"]["label"] == LABEL[c["status"]["code"]] for c in stats["cells"])
    return Counter({k: c["count"] for k, c in zip(keys, stats["cells"], strict=True)})


def csv_rows(resp: Any) -> list[list[str]]:
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.mimetype_params.get("charset") == "utf-8"
    raw = resp.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8")[1:], newline="")))


def expected_csv(stats: dict) -> list[list[str]]:
    return [CSV_HEADER] + [[c["status"]["label"], c["department"]["name"], c["type"]["label"], str(c["count"])]
                           for c in stats["cells"]]


def workdays_after(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``, straight from the official calendar."""
    if end <= start:
        return 0
    return len(chinese_calendar.get_workdays(start + timedelta(days=1), end))


@pytest.fixture(scope="module")
def progressed(databases: Databases) -> Iterator[FlaskClient]:
    """A database in which DRIVEN, PLANNED and RETIRED happened, through the API."""
    app = make_app(databases.seeded())
    client, tokens = app.test_client(), databases.staff_tokens()
    try:
        office = zone_office(client, tokens)
        for power, status in DRIVEN.items():
            if status == "suspended":
                step(client, tokens, power, "suspended", note="暂缓: 测试")
            else:
                drive(client, tokens, power, status, office["id"])
        for power, planned in PLANNED.items():
            _, etag = handover(client, tokens, power)
            ok(client.patch(f"/api/v1/powers/{power}/handover", headers={**bearer(tokens["zone"]), "If-Match": etag},
                            json={"planned_date": _planned(planned)}))
        for power in RETIRED:
            etag = client.get(f"/api/v1/powers/{power}").headers["ETag"]
            ok(client.post(f"/api/v1/powers/{power}/retire", headers={**bearer(tokens["admin"]), "If-Match": etag},
                           json={"reason": "测试: 废止"}))
        yield client
    finally:
        dispose(app)


# --- the seed ---------------------------------------------------------------------------------------------

def test_seed_stats(reader: FlaskClient) -> None:
    stats = ok(reader.get("/api/v1/stats/handover"))  # public: no token
    assert (stats["on"], stats["total"], stats["done"], stats["share_done"]) == (
        today_in_china().isoformat(), 103, 0, 0.0)
    assert stats["by_status"] == [{"code": c, "label": label, "count": 103 if c == "pending" else 0}
                                  for c, label in STATUSES]
    assert stats["overdue"] == []
    powers = powers_by_id(reader)
    assert sorted(powers) == list(range(1, 104))
    cells = api_cells(stats)
    assert cells == brute_cells(powers, {})
    assert sum(cells.values()) == 103


def test_seed_csv_matches_json(reader: FlaskClient) -> None:
    stats = ok(reader.get("/api/v1/stats/handover"))
    resp = reader.get("/api/v1/stats/handover.csv")
    assert resp.headers["Content-Disposition"] == "attachment; filename=handover-stats.csv"
    rows = csv_rows(resp)
    assert rows == expected_csv(stats)
    assert sum(int(r[3]) for r in rows[1:]) == 103


# --- after handovers, retirements and planned dates -------------------------------------------------------

def test_counts_after_progress(progressed: FlaskClient) -> None:
    stats = ok(progressed.get("/api/v1/stats/handover"))
    powers = powers_by_id(progressed)
    assert sorted(powers) == [p for p in range(1, 104) if p not in RETIRED]
    expected = Counter(STATUS_AFTER.values())
    expected["pending"] = 103 - len(RETIRED) - sum(expected.values())
    assert stats["by_status"] == [{"code": c, "label": label, "count": expected[c]} for c, label in STATUSES]
    assert (stats["total"], stats["done"], stats["share_done"]) == (101, 2, round(2 / 101, 4))
    assert stats["share_done"] == 0.0198
    assert api_cells(stats) == brute_cells(powers, STATUS_AFTER)


@pytest.mark.parametrize(("cell", "count"), [
    (("handed_over", "市水利局", "licensing"), 1),  # 38 (39, also handed over, is retired)
    (("operating", "市林业局", "licensing"), 1),  # 100
    (("suspended", "市水利局", "licensing"), 1),  # 43
    (("pending", "市财政局", "penalty"), 13),  # 14 on the seed, less retired 1
    (("pending", "市水利局", "licensing"), 7 - 3),  # 38, 39, 43 left pending
    (("pending", "市林业局", "licensing"), 2),  # 101, 102 (103 is a levy)
])
def test_cells_moved_exactly(reader: FlaskClient, progressed: FlaskClient, cell: tuple[str, str, str],
                             count: int) -> None:
    """Spot checks written out by hand, so a brute-force helper that is wrong with the app cannot hide it."""
    seed = api_cells(ok(reader.get("/api/v1/stats/handover")))
    after = api_cells(ok(progressed.get("/api/v1/stats/handover")))
    assert after[cell] == count
    assert seed[("pending", "市水利局", "licensing")] == 7
    assert seed[("pending", "市财政局", "penalty")] == 14


def test_csv_after_progress_matches_json(progressed: FlaskClient) -> None:
    stats = ok(progressed.get("/api/v1/stats/handover"))
    rows = csv_rows(progressed.get("/api/v1/stats/handover.csv"))
    assert rows == expected_csv(stats)
    assert ["已运行", "市林业局", "行政许可", "1"] in rows
    assert sum(int(r[3]) for r in rows[1:]) == 101


def test_overdue_in_stats(progressed: FlaskClient) -> None:
    today = today_in_china()
    overdue = ok(progressed.get("/api/v1/stats/handover"))["overdue"]
    assert [o["power"]["id"] for o in overdue] == OVERDUE
    for o in overdue:
        planned = date.fromisoformat(PLANNED[o["power"]["id"]])
        assert o["status"] == {"code": "pending", "label": "待交接"}
        assert o["planned_date"] == planned.isoformat()
        assert o["days"] == (today - planned).days
        assert type(o["working_days"]) is int
        assert o["working_days"] == workdays_after(planned, today)
        assert 0 < o["working_days"] < o["days"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"overdue": "true"}, OVERDUE),
    ({"status": "pending", "department": "市水利局"}, [p for p in WATER if p not in (38, 39, 43)]),
    ({"status": "pending", "department": "3"}, [p for p in WATER if p not in (38, 39, 43)]),
    ({"overdue": "false", "department": "市水利局"}, [p for p in WATER if p not in (39, *OVERDUE)]),
    ({"status": "handed_over"}, [WATER_POWER]),  # 39 is handed over but retired
    ({"status": ["operating", "handed_over"]}, [WATER_POWER, PARTIAL_POWER]),
    ({"status": "suspended", "overdue": "false"}, [43]),
    ({"department": "市林业局"}, FORESTRY),
    ({"status": "pending", "department": "市财政局"}, list(range(2, 18))),  # 1 is retired
    ({"status": "recalled"}, []),
])
def test_handover_list_filters(progressed: FlaskClient, tokens: dict[str, str], query: dict,
                               expected: list[int]) -> None:
    page = ok(progressed.get("/api/v1/handovers", query_string={**query, "per_page": 200},
                             headers=bearer(tokens["auditor"])))
    assert [h["power"]["id"] for h in page["items"]] == expected
    assert page["total"] == len(expected)
    assert all(h["overdue"] == (h["power"]["id"] in OVERDUE) for h in page["items"])


def test_overdue_list_matches_stats(progressed: FlaskClient, tokens: dict[str, str]) -> None:
    stats = ok(progressed.get("/api/v1/stats/handover"))
    page = ok(progressed.get("/api/v1/handovers", query_string={"overdue": "true"},
                             headers=bearer(tokens["zone"])))
    assert sorted(h["power"]["id"] for h in page["items"]) == sorted(o["power"]["id"] for o in stats["overdue"])
    assert {h["power"]["id"]: h["planned_date"] for h in page["items"]} == {p: PLANNED[p] for p in OVERDUE}


@pytest.mark.parametrize(("query", "field"), [
    ({"department": "不存在的部门"}, "department"),
    ({"status": "done"}, "status"),
    ({"overdue": "maybe"}, "overdue"),
    ({"per_page": "201"}, "per_page"),
    ({"colour": "red"}, "colour"),
])
def test_handover_list_bad_query(reader: FlaskClient, tokens: dict[str, str], query: dict, field: str) -> None:
    resp = reader.get("/api/v1/handovers", query_string=query, headers=bearer(tokens["auditor"]))
    assert resp.status_code == 422, resp.json
    assert resp.mimetype == PROBLEM
    assert list(resp.json["errors"]) == [field]


@pytest.mark.parametrize(("path", "status"), [
    ("/api/v1/handovers?overdue=true", 401),  # staff only
    ("/api/v1/stats/handover", 200),  # public
    ("/api/v1/stats/handover.csv", 200),  # public
])
def test_who_may_read_anonymously(reader: FlaskClient, path: str, status: int) -> None:
    assert reader.get(path).status_code == status
