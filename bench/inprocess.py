"""The CPU one uncached search costs, in this process: the bench's varied queries through Flask's test client.

`.venv/bin/python -m bench.inprocess URL [URL ...] [--queries 300] [--streams api,page] [--profile 25]`

Each URL is a registry database (e.g. one bench/dataset.py built); the app runs with the response cache off. For
each stream (the API search, the citizen page) it sends the first N of bench/varied.py's queries once each, after a
few warm-up requests, and reports the CPU time of this process per request (time.process_time: robust to other
load, but on PostgreSQL the server's own work is not in it, so wall time is shown beside it), and the SQL
statements each request ran (transaction control aside, as bench/run.py counts them). `--profile N` prints
cProfile's N costliest functions by cumulative time instead.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench import dataset, varied
from bench.run import CACHE_OFF, TRANSACTION_CONTROL

WARM_UP = 5


def app_for(url: str):
    """The registry's app on the database at ``url``, with the response cache off."""
    from registry import create_app
    from registry.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        return create_app(Settings.from_env(Path(tmp), dataset.registry_env(url) | CACHE_OFF))


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(url: str, paths: list[str], profile: int = 0) -> dict:
    """CPU and wall ms and statements per request over ``paths``, each sent once."""
    app = app_for(url)
    engine = app.extensions["registry.engine"]
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    client = app.test_client()
    for path in paths[-WARM_UP:]:
        client.get(path)
    cpu, wall, counts = [], [], []
    profiler = cProfile.Profile() if profile else None
    for path in paths:
        statements.clear()
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        resp = client.get(path)
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        if resp.status_code != 200:
            raise SystemExit(f"{path} answered {resp.status_code}")
        counts.append(sum(not TRANSACTION_CONTROL.match(s) for s in statements))
    engine.dispose()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
    return {"n": len(paths), "cpu_mean": statistics.fmean(cpu), "cpu_p50": _p(cpu, 0.5), "cpu_p99": _p(cpu, 0.99),
            "wall_mean": statistics.fmean(wall), "wall_p99": _p(wall, 0.99),
            "sql_mean": statistics.fmean(counts), "sql_max": max(counts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--streams", default="api,page")
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's N costliest functions")
    args = parser.parse_args()
    queries = varied.queries()[:args.queries]
    print(f"{'database':<48} {'stream':<5} {'n':>4} {'cpu mean':>9} {'p50':>6} {'p99':>6}"
          f" {'wall mean':>9} {'p99':>6} {'sql mean':>8} {'max':>4}  (ms)")
    for url in args.urls:
        for stream in args.streams.split(","):
            path = varied.STREAMS[stream][1]
            r = measure(url, [path(q) for q in queries], args.profile)
            print(f"{url[-48:]:<48} {stream:<5} {r['n']:>4} {r['cpu_mean']:>9.2f} {r['cpu_p50']:>6.2f}"
                  f" {r['cpu_p99']:>6.2f} {r['wall_mean']:>9.2f} {r['wall_p99']:>6.2f} {r['sql_mean']:>8.2f}"
                  f" {r['sql_max']:>4}", flush=True)


if __name__ == "__main__":
    main()
