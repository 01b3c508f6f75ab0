"""The harness's own logic, without servers: the varied queries, the targets' verdicts, the report and its reprint."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bench import run, varied
from bench.dataset import ROOT


def test_the_varied_stream_holds_hundreds_of_distinct_queries_of_every_class(tmp_path):
    pools = varied.query_pools()
    assert set(pools) == set(varied.CLASSES)
    assert all(len(pools[k]) == varied.PER_CLASS for k in varied.CLASSES)
    assert all(len(q) == n for k, n in (("q1", 1), ("q2", 2), ("q4", 4)) for q in pools[k])
    assert all(q.isascii() and q.isalpha() for k in ("pinyin", "initials") for q in pools[k])
    qs = varied.queries()
    assert len(qs) == len(set(qs)) >= 300
    streams = varied.write_streams(tmp_path)
    for files in streams.values():
        registry, peer = (files[s].read_text(encoding="ascii").splitlines() for s in ("registry", "peer"))
        assert len(registry) == len(set(registry)) == len(peer) == len(set(peer)) == len(qs)


def fig(rps: float, p99: float = 1.0, errors: int = 0) -> dict:
    return {"rps": rps, "requests": int(rps * 10) or 1, "p50_ms": p99 / 2, "p90_ms": p99, "p99_ms": p99,
            "errors": errors, "distinct": 500, "other_cores": 0.0}


def make_run(db: str = "sqlite", rows: int = 103, search_rps: float = 300, p99: float = 20, sql: int = 3,
             errors: int = 0) -> dict:
    pair = {"c1": fig(search_rps, p99, errors), "c10": fig(search_rps, p99 * 2, errors)}
    return {"db": db, "rows": rows, "powers": rows, "code": "abc", "duration_s": 10,
            "ceiling": {"c1": fig(1000), "c10": fig(1000)},
            "nocache": {"api": pair, "page": pair},
            "peer": {"api": {"c1": fig(50), "c10": fig(50)}, "page": {"c1": fig(50), "c10": fig(50)},
                     "measured_in": "sqlite run"},
            "deployed": {"repeat": {"c1": fig(900), "c10": fig(400)}},
            "patch": {"requests": 100, "rps": 10.0, "p50_ms": 5.0, "p99_ms": 9.0, "max_ms": 9.5, "errors": 0},
            "sql": {"max": sql, "by_kind": {"api q1": sql}, "worst": {"count": sql, "path": "/x", "statements": []}},
            "worker_start": {"runs": [{"fork_to_answer_s": 0.5, "launch_to_fork_s": 0.1}], "median_s": 0.5,
                             "first_request": run.FIRST_REQUEST},
            "rss_mib": {"nocache": {"1": 90.0}, "deployed": {"2": 95.0}}}


def verdicts(r: dict) -> dict[str, bool]:
    return {t["target"]: t["pass"] for t in run.targets(r)}


def test_targets_at_103_powers_compare_with_the_ceiling_and_the_peer_of_the_same_run():
    v = verdicts(make_run(search_rps=300))  # 0.3 of the ceiling, 6x the peer
    assert v["uncached search / ceiling, c=1"] and v["uncached search / peer, c=10"]
    assert v["SQL statements per uncached search request (max)"]
    assert not v["as deployed, repeated search / ceiling, c=10"]  # 400 / 1000
    v = verdicts(make_run(search_rps=220))
    assert not v["uncached search / ceiling, c=1"]  # 0.22 < 0.25 on SQLite
    assert verdicts(make_run(db="postgresql", search_rps=220))["uncached search / ceiling, c=1"]  # >= 0.2
    assert not verdicts(make_run(search_rps=300, errors=1))["uncached search / ceiling, c=1"]  # errors void it
    assert not verdicts(make_run(sql=4))["SQL statements per uncached search request (max)"]


@pytest.mark.parametrize(("p99", "c1", "c10"), [(20, True, True), (60, False, True), (80, False, False)])
def test_targets_at_10000_powers_are_latencies(p99, c1, c10):
    v = verdicts(make_run(rows=10_000, p99=p99))  # c=10's p99 is twice c=1's
    assert v["uncached api p99, c=1"] is c1 and v["uncached page p99, c=10"] is c10
    assert v["worker start: fork -> first answer (median)"] and v["VmRSS per registry worker (max)"]
    assert not any("peer" in t for t in v)


def test_the_optional_scale_has_only_its_own_latency_target():
    v = verdicts(make_run(rows=100_000, p99=900))
    assert v["uncached api p99, c=1"] and not any("c=10" in t and "p99" in t for t in v)
    assert "VmRSS per registry worker (max)" not in v


def test_a_results_file_prints_again(tmp_path):
    runs = [make_run(), make_run(db="postgresql", rows=10_000, p99=70)]
    for r in runs:
        r["targets"] = run.targets(r)
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"runs": runs}, ensure_ascii=False))
    out = subprocess.run([sys.executable, "-m", "bench.run", "--report", str(path)], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "=== sqlite, 103 rows" in out and "=== postgresql, 10000 rows" in out
    assert "FAIL  uncached api p99, c=1" in out and "PASS  uncached search / peer, c=1" in out
    assert "SQLite-backed Datasette (the peer runs over SQLite only), measured in the sqlite run" in out
