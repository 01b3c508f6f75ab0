"""In-process timings of the hot paths the benchmark pointed at (issue 6), for before/after comparisons.

    .venv/bin/python -m bench.hotpaths hit      [--rows 103]      # a cached public GET vs constant JSON, µs
    .venv/bin/python -m bench.hotpaths pinyin   [--rows 103]      # the first pinyin query in a new worker, ms
    .venv/bin/python -m bench.hotpaths export   [--rows 100000]   # the annex export: time, bytes, peak memory
    .venv/bin/python -m bench.hotpaths search   [--rows 100000]   # cold searches (response cache off), ms

Each runs the code of the directory it is started from (``python -m`` puts it first on sys.path), so the
same command in a checkout of an older commit measures that commit (give it ``--db``: the cache is keyed
by the checkout's files). Databases come from bench.dataset's
cache (built once, ~5 minutes for 100,000 rows); every run works on a copy. No gunicorn, no network: these
are the costs inside one worker, without the HTTP server's and the load generator's share.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench import dataset

Q2, Q4, PINYIN = "取水", "取水许可", "qushui"


def _app(db: Path, cache_entries: int = 512):
    from registry import create_app
    from registry.config import Settings

    app = create_app(Settings(database_url=f"sqlite:///{db}", secret_key=dataset.SECRET_KEY,
                              audit_key=dataset.AUDIT_KEY, response_cache_bytes=cache_entries))
    app.config["TESTING"] = True
    return app


def _per_request_us(app, path: str, n: int) -> tuple[float, float]:
    """(best, median) of five rounds of n/5 requests, in µs per request: the WSGI callable itself, as gunicorn
    calls it (Flask's test client would add ~100 µs of its own to each)."""
    from werkzeug.test import EnvironBuilder

    base = EnvironBuilder(path=path, base_url="http://127.0.0.1:8000").get_environ()
    statuses: list[str] = []

    def call() -> None:
        b"".join(app(dict(base), lambda status, headers, exc_info=None: statuses.append(status)))

    call()
    assert statuses[-1].startswith("200"), (path, statuses[-1])
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n // 5):
            call()
        rounds.append((time.perf_counter() - start) / (n // 5) * 1e6)
    return min(rounds), statistics.median(rounds)


def hit(db: Path, n: int) -> dict:
    from bench.ceiling import app as ceiling

    app = _app(db)
    out = {"ceiling /ping": _per_request_us(ceiling, "/ping", n)}
    for path in (f"/api/v1/powers?q={urllib.parse.quote(Q2)}&per_page=20", "/api/v1/decisions"):
        out[f"cached {urllib.parse.unquote(path)}"] = _per_request_us(app, path, n)
    return {k: f"best {v[0]:.0f} µs, median {v[1]:.0f} µs" for k, v in out.items()}


def _first_pinyin_child(db: Path, warm: bool) -> None:
    """In a fresh interpreter: build the app as a worker does, optionally run the worker start-up hook, then
    time the first and a second pinyin query (different URLs, so neither is a cache hit)."""
    started = time.perf_counter()
    app = _app(db)
    if warm:
        import gunicorn_conf  # the worker hook's own work, as gunicorn runs it after loading wsgi:app

        gunicorn_conf.warm_up()
    ready = time.perf_counter()
    client = app.test_client()
    times = []
    for q in (PINYIN, "linmu", "qsxk"):
        start = time.perf_counter()
        assert client.get(f"/api/v1/powers?q={q}&per_page=20").status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"worker start (ms)": round((ready - started) * 1000), "first pinyin query (ms)": round(times[0]),
                      "next pinyin queries (ms)": [round(t, 1) for t in times[1:]]}))


def pinyin(db: Path, n: int) -> dict:
    out = {}
    for warm in (False, True):
        if warm and not Path("gunicorn_conf.py").exists():
            out["with worker hook"] = "no gunicorn_conf.py in this checkout"
            continue
        runs = []
        for _ in range(max(1, n)):
            proc = subprocess.run([sys.executable, "-m", "bench.hotpaths", "_pinyin_child", str(db)] +
                                  (["--warm"] if warm else []), capture_output=True, text=True, check=True)
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        first = statistics.median(r["first pinyin query (ms)"] for r in runs)
        start = statistics.median(r["worker start (ms)"] for r in runs)
        out["with worker hook" if warm else "without"] = (f"first pinyin query {first:.0f} ms (median of {len(runs)}), "
                                                         f"worker start {start:.0f} ms; one run: {runs[0]}")
    return out


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _export_child(db: Path, path: str) -> None:
    """In a fresh interpreter: one export request, its body consumed chunk by chunk as a WSGI server would."""
    client = _app(db).test_client()
    client.get("/api/v1/decisions")  # the app and its first connection are warm
    base_rss = _rss_mib()
    start = time.perf_counter()
    resp = client.get(path, buffered=False)
    first_byte = None
    digest, size = hashlib.sha256(), 0
    for chunk in resp.response:
        if first_byte is None:
            first_byte = time.perf_counter() - start
        digest.update(chunk)
        size += len(chunk)
    resp.close()
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"status": resp.status_code, "seconds": round(elapsed, 2),
                      "first byte (s)": round(first_byte or elapsed, 3), "bytes": size,
                      "sha256": digest.hexdigest()[:16], "rss before (MiB)": round(base_rss),
                      "peak rss (MiB)": round(peak), "growth (MiB)": round(peak - base_rss)}))


def export(db: Path, n: int) -> dict:
    out = {}
    for path in ("/api/v1/powers/export.csv", "/api/v1/powers/export.json"):
        proc = subprocess.run([sys.executable, "-m", "bench.hotpaths", "_export_child", str(db), path],
                              capture_output=True, text=True, check=True)
        out[path] = proc.stdout.strip().splitlines()[-1]
    return out


def search(db: Path, n: int) -> dict:
    client = _app(db, cache_entries=0).test_client()
    out = {}
    for label, q in (("2-char", Q2), ("4-char", Q4), ("pinyin", PINYIN), ("1-char", "林"), ("rare 2-char", "渔业"),
                     ("dense 4-char", "其他危险"), ("dense pinyin", "weixian"), ("dense phrase", "产的企业"),
                     ("pinyin, longer reading unspelt", "jianshe"), ("pinyin, two dense pairs", "quanshe")):
        path = f"/api/v1/powers?q={urllib.parse.quote(q)}&per_page=20"
        first = client.get(path)
        assert first.status_code == 200
        times = []
        for _ in range(max(3, n)):
            start = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - start) * 1000)
        out[f"{label} {q}"] = (f"median {statistics.median(times):.1f} ms, best {min(times):.1f} ms "
                               f"(total {first.json['total']}, first ids {[p['id'] for p in first.json['items'][:3]]})")
    return out


MODES = {"hit": (hit, 103, 3000), "pinyin": (pinyin, 103, 3), "export": (export, 100_000, 1),
         "search": (search, 100_000, 10)}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "_pinyin_child":
        return _first_pinyin_child(Path(sys.argv[2]), "--warm" in sys.argv)
    if len(sys.argv) > 3 and sys.argv[1] == "_export_child":
        return _export_child(Path(sys.argv[2]), sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--rows", type=int, help="103 or a larger scale (default per mode)")
    parser.add_argument("--db", type=Path, help="use this registry SQLite file (a copy is made) instead of the cache")
    parser.add_argument("-n", type=int, help="repetitions (default per mode)")
    args = parser.parse_args()
    fn, rows, n = MODES[args.mode]
    source = args.db or dataset.cached_registry(args.rows or rows)
    with tempfile.TemporaryDirectory(prefix="hotpaths-") as tmp:
        db = Path(tmp) / "registry.sqlite3"
        shutil.copyfile(source, db)
        from registry.db import migrate

        migrate.upgrade(f"sqlite:///{db}")  # a file built before a new migration gets it (its indexes)
        print(f"{args.mode} on {source.name} ({Path.cwd()}):")
        for key, value in fn(db, args.n or n).items():
            print(f"  {key}: {value}")


if __name__ == "__main__":
    main()
