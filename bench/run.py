"""The benchmark: the registry under production gunicorn, on SQLite and PostgreSQL, at 103 and 10,000 powers.

    bash bench/run.sh            # from a clean clone: installs what it needs, then runs this
    .venv/bin/python -m bench.run
    .venv/bin/python -m bench.run --report bench/results/STAMP.json    # print a results file again

For each database and scale (a run): a fresh copy of the database built through the real CLI (bench/dataset.py)
and an admin token; then
  - worker start: gunicorn with one worker (bench/gunicorn_bench.py: the deployed gunicorn_conf.py plus a hook
    that logs each worker's fork), timed from the fork to the answer of its first request (an uncached pinyin
    search), BENCH_WORKER_STARTS times, median;
  - SQL statements per uncached search request: an in-process app (response cache off) counts the statements
    each request runs (an SQLAlchemy event listener), for queries of every class, API and citizen page;
  - four servers under the same gunicorn settings (2 workers, 127.0.0.1, access log, as `make run`): the ceiling
    (bench/ceiling.py, constant JSON), the registry with its response cache off
    (REGISTRY_RESPONSE_CACHE_BYTES=0), the registry as deployed (cache on) and the peer (Datasette over the
    same powers exported from the SQLite database of this scale; PostgreSQL runs reuse the peer figures measured
    in the SQLite run of the same scale, and the report says so);
  - wrk (1 thread) at 1 and at 10 connections, BENCH_DURATION seconds each after BENCH_WARMUP seconds at 2:
    the ceiling; the varied streams (bench/varied.py: 500 distinct queries, API and citizen page) without the
    cache and on the peer, each stretched (up to MAX_VARIED_S) until MIN_DISTINCT queries are sent; one power read
    by id without the cache (the floor: the least an uncached answer of the registry's stack costs, a yardstick
    for the search's own cost); one repeated search as deployed;
  - VmRSS and Pss of each registry worker (/proc) after those; an audited PATCH with If-Match through the API at one
    connection (a Python client, each PATCH sending the ETag the previous one returned), p50/p99.
Then the issue's targets, each PASS/FAIL from figures of the same run. Latencies are the requests' own:
bench/latency.py undoes the samples wrk adds (wrk's own stay in the results as wrk_p99_ms and so on).

Environment: BENCH_DURATION (seconds per measurement, default 10), BENCH_WARMUP (default 1), BENCH_SCALES
(default "103,10000"; 100000 on request), BENCH_DATABASES (default "sqlite,postgresql"), BENCH_PG_URL (the
PostgreSQL admin connection, default postgresql://postgres@127.0.0.1:5432/test), BENCH_WORKER_STARTS (default 3).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import dataset, latency, varied
from bench.dataset import BENCH, PEER_PYTHON, REAL_ROWS, ROOT, VENV_BIN, log

DURATION_S = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP_S = int(os.environ.get("BENCH_WARMUP", "1"))
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "103,10000").split(",") if s.strip()]
DATABASES = [s.strip() for s in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",") if s.strip()]
WORKER_STARTS = int(os.environ.get("BENCH_WORKER_STARTS", "3"))
CONCURRENCY = (1, 10)
MIN_DISTINCT = 300  # distinct queries a varied measurement should send (the stream holds 500)
MAX_VARIED_S = 60  # the longest a varied measurement is stretched to send MIN_DISTINCT queries
DISTURBED = 0.15  # cores other processes took during a measurement above which it is marked
WRK_TIMEOUT = "30s"
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 15
RESULTS = BENCH / "results"
RUNS = dataset.CACHE / "run"
CACHE_OFF = {"REGISTRY_RESPONSE_CACHE_BYTES": "0"}
POWER_ID = 38  # 取水许可, a real annex item: the repeated search finds it, the PATCH changes its note
REPEAT_PATH = "/api/v1/powers?q=" + varied.enc("取水") + "&per_page=20"
FIRST_REQUEST = "/api/v1/powers?q=qushui&per_page=20"  # a worker's first request in the worker-start timing
CEILING_PATH = "/ping"
FLOOR_PATH = f"/api/v1/powers/{POWER_ID}"  # one power by id: session, three ORM statements, one schema dump
SQL_PER_CLASS = 3  # queries per class and stream in the statement count
TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)
BENCH_CONFIG = ["--config", str(BENCH / "gunicorn_bench.py")]  # gunicorn_conf.py as deployed, plus a fork log


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, timeout: float = 120) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


def gunicorn_argv(gunicorn: Path, port: int, app: str, extra: list[str], workers: int = 2) -> list[str]:
    """The same settings for every server: `make run`'s (127.0.0.1, access log), no control socket."""
    argv = [str(gunicorn), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"]
    if "--no-control-socket" in subprocess.run([str(gunicorn), "--help"], capture_output=True, text=True).stdout:
        argv.append("--no-control-socket")
    return argv + extra + [app]


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    health: str
    log_path: Path
    port: int
    workers_n: int = 2
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def start(self) -> None:
        self.launch()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if fetch(self.base + self.health, 5)[0] == 200 and len(self.workers()) == self.workers_n:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"FATAL: {self.name} not healthy after {START_TIMEOUT_S} s:\n{self.log_path.read_text()[-4000:]}")

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            sys.exit(f"FATAL: {self.name} exited with {self.proc.returncode}:\n{self.log_path.read_text()[-4000:]}")

    def workers(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(c) for c in children)

    def rss_mib(self) -> dict[str, float]:
        """VmRSS of each worker, from /proc/<pid>/status."""
        return self._memory("status", "VmRSS")

    def pss_mib(self) -> dict[str, float]:
        """Pss of each worker, from /proc/<pid>/smaps_rollup: its resident pages with those it shares with the
        master and the other workers (the app is loaded before the fork) counted in shares, so the workers' sum is
        what they cost together."""
        return self._memory("smaps_rollup", "Pss")

    def _memory(self, source: str, field: str) -> dict[str, float]:
        out = {}
        for pid in self.workers():
            try:
                m = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/{source}").read_text(), re.M)
            except OSError:
                continue
            if m:
                out[str(pid)] = round(int(m[1]) / 1024, 1)
        return out

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers gracefully
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group of the master we started, nothing else
            self.proc.wait(timeout=STOP_TIMEOUT_S)


# ---------------------------------------------------------------- load

TICK = os.sysconf("SC_CLK_TCK")


def _busy_s() -> float:
    """CPU seconds the machine has spent busy (user, nice, system, steal), all cores, from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (f[0] + f[1] + f[2] + (f[7] if len(f) > 7 else 0)) / TICK


def _cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(parts[11]) + int(parts[12])) / TICK  # utime, stime
    return total


class CpuWatch:
    """How much CPU other processes (not the servers under test, not wrk) took while a measurement ran."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float]:
        pids = [p for s in self.servers for p in ([s.proc.pid] if s.proc else []) + s.workers()]
        t = os.times()
        return time.monotonic(), _busy_s(), _cpu_s(pids) + t.children_user + t.children_system

    def other_cores(self) -> float:
        (wall0, busy0, ours0), (wall1, busy1, ours1) = self.start, self._sample()
        return max(0.0, ((busy1 - busy0) - (ours1 - ours0)) / (wall1 - wall0)) if wall1 > wall0 else 0.0


def wrk_command(url: str, connections: int, duration: int, mode: str = "get",
                extra_env: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    argv = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{duration}s",
            "--timeout", WRK_TIMEOUT, "--script", str(BENCH / "wrk.lua"), url]
    env = os.environ | {"BENCH_WRK_MODE": mode, "BENCH_WRK_CONNECTIONS": str(connections)} | (extra_env or {})
    return argv, env


def wrk_result(returncode: int, stdout: str, stderr: str) -> dict:
    line = next((ln for ln in stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if returncode != 0 or line is None:
        sys.exit(f"FATAL: wrk failed ({returncode}):\n{stdout}\n{stderr}")
    r = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = r["duration_us"] / 1e6
    errors = sum(r[k] for k in r if k.startswith("errors_"))
    out = {"rps": r["requests"] / seconds if seconds else 0.0, "requests": r["requests"],
           "p50_ms": r["p50_us"] / 1000, "p90_ms": r["p90_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
           "mean_ms": r["mean_us"] / 1000, "max_ms": r["max_us"] / 1000, "errors": errors,
           "errors_detail": {k.removeprefix("errors_"): r[k] for k in r if k.startswith("errors_") and r[k]},
           "mb_per_s": r["bytes"] / seconds / 2**20 if seconds else 0.0, "dispatched": r.get("dispatched", 0),
           "wrk_added": 0}
    if r["bins"]:  # wrk added samples of its own (bench/latency.py): report the requests' latencies instead
        reported = [tuple(b) for b in r["bins"]]
        recorded = latency.recorded_from(reported, r["interval_us"])
        out.update({f"wrk_{k}": out[k] for k in ("p50_ms", "p90_ms", "p99_ms", "mean_ms")})
        out.update({f"p{p}_ms": latency.percentile(recorded, p) / 1000 for p in (50, 90, 99)},
                   mean_ms=latency.mean(recorded) / 1000,
                   wrk_added=sum(c for _, c in reported) - sum(recorded.values()))
    return out


def wrk(url: str, connections: int, duration: int, urls: Path | None = None) -> dict:
    extra = {"BENCH_WRK_URLS": str(urls), "BENCH_WRK_OFFSET": "0"} if urls else {}
    argv, env = wrk_command(url, connections, duration, "urls" if urls else "get", extra_env=extra)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, env=env)
    return wrk_result(proc.returncode, proc.stdout, proc.stderr)


def measure(label: str, url: str, servers: list[Server], urls: Path | None = None) -> dict[str, dict]:
    """wrk at each concurrency after a warm-up; with urls, the paths of that file in turn (all distinct), for
    long enough (up to MAX_VARIED_S) that MIN_DISTINCT of them are sent at the warm-up's rate."""
    log(label)
    pool = sum(1 for ln in urls.read_text().splitlines() if ln) if urls else 1
    duration = DURATION_S
    if WARMUP_S:
        warm = wrk(url, 2, WARMUP_S, urls)
        if urls and warm["rps"]:
            duration = min(MAX_VARIED_S, max(DURATION_S, math.ceil(1.5 * MIN_DISTINCT / warm["rps"])))
    out = {}
    for c in CONCURRENCY:
        watch = CpuWatch(servers)
        r = wrk(url, c, duration, urls)
        r["seconds"] = duration
        r["other_cores"] = round(watch.other_cores(), 3)
        r["distinct"] = min(pool, r["dispatched"]) if urls else 1
        flag = f"  ERRORS {r['errors_detail']}" if r["errors"] else ""
        if r["other_cores"] > DISTURBED:
            flag += f"  (other processes took {r['other_cores']:.2f} cores)"
        log(f"    c={c:<2} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
            f"  ({r['requests']} requests in {duration} s, {r['distinct']} distinct URLs){flag}")
        out[f"c{c}"] = r
    return out


# ---------------------------------------------------------------- in-process and single-request measurements


def sql_counts(url: str) -> dict:
    """In this process: an app with the response cache off; the SQL statements each search request runs."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from registry import create_app
    from registry.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings.from_env(Path(tmp), dataset.registry_env(url) | CACHE_OFF))
    statements: list[str] = []
    event.listen(Engine, "before_cursor_execute", lambda _c, _cur, statement, *_: statements.append(statement))

    def counted() -> int:  # transaction control (the SQLite engine's own BEGIN; psycopg's is not seen) aside
        return sum(not TRANSACTION_CONTROL.match(s) for s in statements)

    client = app.test_client()
    pools = varied.query_pools()
    for fn in (v[1] for v in varied.STREAMS.values()):  # the first requests: the connection, anything lazy
        client.get(fn("warm"))
    by_kind: dict[str, int] = {}
    worst: dict = {"count": -1}
    for stream, (_, fn, _) in varied.STREAMS.items():
        for cls in varied.CLASSES:
            for q in pools[cls][:SQL_PER_CLASS]:
                statements.clear()
                resp = client.get(fn(q))
                if resp.status_code != 200:
                    sys.exit(f"FATAL: {fn(q)} answered {resp.status_code} in-process")
                key = f"{stream} {cls}"
                by_kind[key] = max(by_kind.get(key, 0), counted())
                if counted() > worst["count"]:
                    worst = {"count": counted(), "path": fn(q), "statements": [s[:400] for s in statements]}
    app.extensions["registry.engine"].dispose()
    return {"max": max(by_kind.values()), "by_kind": by_kind, "worst": worst}


def sql_counts_child(url: str) -> dict:
    """sql_counts in a fresh interpreter (its app and engine go away with it)."""
    proc = subprocess.run([str(VENV_BIN / "python"), "-m", "bench.run", "--sql-count", url], cwd=ROOT,
                          capture_output=True, text=True, env=dataset.registry_env(url))
    if proc.returncode != 0:
        sys.exit(f"FATAL: SQL count failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def worker_start(env: dict[str, str], workdir: Path, i: int) -> dict:
    """gunicorn with one worker; seconds from the worker's fork (logged by bench/gunicorn_bench.py) until the
    answer to its first request arrives (the request is sent as soon as the socket accepts connections)."""
    port = free_port()
    server = Server("worker-start", gunicorn_argv(VENV_BIN / "gunicorn", port, "wsgi:app", BENCH_CONFIG, 1), env,
                    FIRST_REQUEST, workdir / f"worker-start-{i}.log", port, 1)
    started = time.time()
    server.launch()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            server.check_alive()
            if time.monotonic() > deadline:
                sys.exit(f"FATAL: no answer after {START_TIMEOUT_S} s:\n{server.log_path.read_text()[-4000:]}")
            try:
                status, body = fetch(server.base + FIRST_REQUEST)
            except OSError:  # not listening yet
                time.sleep(0.01)
                continue
            answered = time.time()
            if status != 200:
                sys.exit(f"FATAL: first request answered {status}: {body[:300]!r}")
            break
        forks = re.findall(r"BENCH_FORK pid=(\d+) t=([\d.]+)", server.log_path.read_text())
        if not forks:
            sys.exit(f"FATAL: no BENCH_FORK line in {server.log_path}")
        forked = float(forks[-1][1])
        return {"fork_to_answer_s": round(answered - forked, 3), "launch_to_fork_s": round(forked - started, 3)}
    finally:
        server.stop()


def patch_cost(base: str, token: str, seconds: int) -> dict:
    """Audited PATCHes of one power's note, one connection, each with the ETag the previous one returned."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    path = f"/api/v1/powers/{POWER_ID}"
    auth = {"Authorization": f"Bearer {token}"}
    conn.request("GET", path, headers=auth)
    resp = conn.getresponse()
    resp.read()
    etag = resp.getheader("ETag")
    times, errors, i = [], 0, 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        i += 1
        body = json.dumps({"note": f"基准测试 {i}", "reason": "基准测试: 审计写入的成本"}).encode()
        t0 = time.perf_counter()
        conn.request("PATCH", path, body, auth | {"If-Match": etag or "", "Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        times.append((time.perf_counter() - t0) * 1000)
        if resp.status != 200:
            errors += 1
            if errors > 5:
                sys.exit(f"FATAL: PATCH answered {resp.status}: {data[:300]!r}")
        etag = resp.getheader("ETag") or etag
    elapsed = time.monotonic() - start
    conn.close()
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, max(0, round(p / 100 * len(times) + 0.5) - 1))]

    return {"requests": len(times), "rps": len(times) / elapsed, "p50_ms": pct(50), "p99_ms": pct(99),
            "max_ms": times[-1], "errors": errors}


# ---------------------------------------------------------------- one run: a database at a scale


def _server(name: str, workdir: Path, app: str, extra: list[str], env: dict[str, str], health: str,
            gunicorn: Path = VENV_BIN / "gunicorn") -> Server:
    port = free_port()
    return Server(name, gunicorn_argv(gunicorn, port, app, extra), env, health, workdir / f"{name}.log", port)


def _check(server: Server, path: str) -> None:
    status, body = fetch(server.base + path)
    if status != 200:
        sys.exit(f"FATAL: {server.name} {path} answered {status}: {body[:500]!r}")


def run_one(kind: str, rows: int, streams: dict[str, dict[str, Path]], peers: dict[int, dict]) -> dict:
    t0 = time.monotonic()
    workdir = RUNS / f"{kind}-{rows}"
    shutil.rmtree(workdir, ignore_errors=True)
    url = dataset.working_copy(kind, rows, workdir)
    log(f"== {kind}, {rows} powers: {url}")
    token = dataset.bench_token(url)
    env = dataset.registry_env(url)
    run: dict = {"db": kind, "rows": rows, "code": code_version(), "duration_s": DURATION_S}
    starts = [worker_start(env, workdir, i) for i in range(WORKER_STARTS)]
    run["worker_start"] = {"runs": starts, "first_request": FIRST_REQUEST,
                           "median_s": statistics.median(s["fork_to_answer_s"] for s in starts)}
    log(f"worker start (fork -> first answer): {[s['fork_to_answer_s'] for s in starts]} s")
    run["sql"] = sql_counts_child(url)
    log(f"SQL statements per uncached search request: max {run['sql']['max']} {run['sql']['by_kind']}")

    servers = {"ceiling": _server("ceiling", workdir, "bench.ceiling:app", [], dict(os.environ), CEILING_PATH),
               "nocache": _server("nocache", workdir, "wsgi:app", BENCH_CONFIG, env | CACHE_OFF, "/healthz"),
               "deployed": _server("deployed", workdir, "wsgi:app", BENCH_CONFIG, env, "/healthz")}
    if rows not in peers:
        peer_db = workdir / f"{varied.PEER_DB}.db"
        dataset.peer_export(rows, peer_db)
        servers["peer"] = _server("peer", workdir, "bench.peer_app:app",
                                  ["--worker-class", "uvicorn_worker.UvicornWorker"],
                                  os.environ | {"BENCH_PEER_DB": str(peer_db)}, f"/{varied.PEER_DB}.json",
                                  gunicorn=PEER_PYTHON.with_name("gunicorn"))
    try:
        for s in servers.values():
            s.start()
        status, body = fetch(servers["nocache"].base + "/api/v1/powers?per_page=1")
        run["powers"] = json.loads(body)["total"] if status == 200 else None
        for files in streams.values():
            _check(servers["nocache"], files["registry"].read_text().split("\n", 1)[0])
            if "peer" in servers:
                _check(servers["peer"], files["peer"].read_text().split("\n", 1)[0])
        _check(servers["deployed"], REPEAT_PATH)
        run["setup_s"] = round(time.monotonic() - t0, 1)
        t1 = time.monotonic()
        under_test = list(servers.values())
        whole = CpuWatch(under_test)
        run["ceiling"] = measure("ceiling GET /ping", servers["ceiling"].base + CEILING_PATH, under_test)
        run["nocache"] = {key: measure(f"no cache, varied {varied.STREAMS[key][0]}", servers["nocache"].base + "/",
                                       under_test, files["registry"]) for key, files in streams.items()}
        if "peer" in servers:
            peers[rows] = {key: measure(f"peer, varied {varied.STREAMS[key][0]}", servers["peer"].base + "/",
                                        under_test, files["peer"]) for key, files in streams.items()}
            peers[rows]["measured_in"] = f"{kind} run"
        run["peer"] = peers[rows]
        run["floor"] = measure(f"no cache, one power {FLOOR_PATH}", servers["nocache"].base + FLOOR_PATH, under_test)
        run["rss_mib"] = {"nocache": servers["nocache"].rss_mib()}
        run["pss_mib"] = {"nocache": servers["nocache"].pss_mib()}
        run["deployed"] = {"repeat": measure(f"as deployed, repeated search {REPEAT_PATH}",
                                             servers["deployed"].base + REPEAT_PATH, under_test)}
        log(f"audited PATCH /api/v1/powers/{POWER_ID} with If-Match, c=1, {DURATION_S} s")
        run["patch"] = patch_cost(servers["deployed"].base, token, DURATION_S)
        log(f"    {run['patch']['rps']:.1f} req/s  p50 {run['patch']['p50_ms']:.2f} ms"
            f"  p99 {run['patch']['p99_ms']:.2f} ms  errors {run['patch']['errors']}")
        run["rss_mib"]["deployed"] = servers["deployed"].rss_mib()
        run["pss_mib"]["deployed"] = servers["deployed"].pss_mib()
        run["load_s"] = round(time.monotonic() - t1, 1)
        run["other_cores"] = round(whole.other_cores(), 3)
    finally:
        for s in servers.values():
            s.stop()
        if kind == "postgresql":
            dataset.pg_drop(url)
        for f in workdir.glob("*.sqlite3*"):
            f.unlink()
        for f in workdir.glob("*.db"):
            f.unlink()
    run["targets"] = targets(run)
    return run


# ---------------------------------------------------------------- targets and report


def _fig(run: dict, *path: str) -> dict | None:
    node: object = run
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) and node.get("requests") else None


def _ratio(a: dict | None, b: dict | None) -> float | None:
    return a["rps"] / b["rps"] if a and b and b["rps"] else None


def targets(run: dict) -> list[dict]:
    """The issue's targets, each from figures of this run (informative: the run does not fail on them)."""
    out = []

    def add(name: str, value: float | None, unit: str, goal: str, ok: bool | None, *figs: dict | None) -> None:
        """A target; ok None: a figure shown beside the targets (INFO), which passes or fails nothing."""
        if ok is not None:
            ok = ok and value is not None and not any(f and f.get("errors") for f in figs)
        out.append({"target": name, "value": value, "unit": unit, "goal": goal, "pass": ok})

    rows = run["rows"]
    for c in CONCURRENCY:
        api, ceiling = _fig(run, "nocache", "api", f"c{c}"), _fig(run, "ceiling", f"c{c}")
        if rows == REAL_ROWS:
            goal = 0.25 if run["db"] == "sqlite" else 0.2
            r = _ratio(api, ceiling)
            add(f"uncached search / ceiling, c={c}", r, "x", f">= {goal}", r is not None and r >= goal, api, ceiling)
            peer = _fig(run, "peer", "api", f"c{c}")
            r = _ratio(api, peer)
            add(f"uncached search / peer, c={c}", r, "x", ">= 5", r is not None and r >= 5, api, peer)
            floor = _fig(run, "floor", f"c{c}")
            add(f"uncached one power / ceiling, c={c}", _ratio(floor, ceiling), "x", "informative", None, floor)
            add(f"uncached search / uncached one power, c={c}", _ratio(api, floor), "x", "informative", None, api)
        elif rows < 100_000 or c == 1:
            limit = 1000.0 if rows >= 100_000 else 50.0 if c == 1 else 150.0
            for key in varied.STREAMS:
                m = _fig(run, "nocache", key, f"c{c}")
                p99 = m["p99_ms"] if m else None
                add(f"uncached {key} p99, c={c}", p99, "ms", f"<= {limit:g}", p99 is not None and p99 <= limit, m)
    add("SQL statements per uncached search request (max)", run["sql"]["max"], "", "<= 3", run["sql"]["max"] <= 3)
    if 10_000 <= rows < 100_000:
        s = run["worker_start"]["median_s"]
        add("worker start: fork -> first answer (median)", s, "s", "<= 1", s <= 1)
        rss = [v for side in run["rss_mib"].values() for v in side.values()]
        top = max(rss) if rss else None
        add("VmRSS per registry worker (max)", top, "MiB", "<= 150", top is not None and top <= 150)
    for c in CONCURRENCY:
        rep, ceiling = _fig(run, "deployed", "repeat", f"c{c}"), _fig(run, "ceiling", f"c{c}")
        r = _ratio(rep, ceiling)
        add(f"as deployed, repeated search / ceiling, c={c}", r, "x", ">= 0.5", r is not None and r >= 0.5,
            rep, ceiling)
    return out


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if unit == "x" else f"{value:g}" if not unit else f"{value:.3g} {unit}"


def report(run: dict) -> str:
    peer_note = ("" if run["db"] == "sqlite" else "SQLite-backed Datasette (the peer runs over SQLite only),"
                 f" measured in the {run['peer'].get('measured_in', '?')} of this scale")
    lines = ["", f"=== {run['db']}, {run['rows']} rows ({run.get('powers')} powers in force), registry at"
                 f" {run['code']}; {run['duration_s']} s per measurement, wrk 1 thread; latency in ms ===",
             f"{'':<44}{'distinct':>9} | {'c=1 rps':>9}{'p50':>8}{'p99':>8} | {'c=10 rps':>9}{'p50':>8}{'p99':>8}"
             f" | errors"]
    lines.append("-" * len(lines[-1]))

    def row(label: str, fig: dict | None) -> None:
        if not fig:
            return
        cells = ""
        for c in CONCURRENCY:
            m = fig[f"c{c}"]
            mark = "*" if m.get("other_cores", 0) > DISTURBED else " "
            cells += f"{mark}{m['rps']:8.1f}{m['p50_ms']:8.2f}{m['p99_ms']:8.2f} |"
        distinct = "/".join(str(fig[f"c{c}"]["distinct"]) for c in CONCURRENCY)
        lines.append(f"{ljust(label, 44)}{distinct:>9} |{cells} {sum(fig[f'c{c}']['errors'] for c in CONCURRENCY)}")

    row("ceiling: constant JSON /ping", run.get("ceiling"))
    row(f"no cache: one power {FLOOR_PATH}", run.get("floor"))
    for key, (label, _, _) in varied.STREAMS.items():
        row(f"no cache: varied {label}", run.get("nocache", {}).get(key))
        row(f"peer{'*' if peer_note else ''}: varied {label}", run.get("peer", {}).get(key))
    repeat = urllib.parse.unquote(REPEAT_PATH).split("&")[0]
    row(f"as deployed: repeated {repeat}", run.get("deployed", {}).get("repeat"))
    if peer_note:
        lines.append(f"peer*: {peer_note}")
    few = [f"{side} {key} c={c[1:]}" for side in ("nocache", "peer") for key, f in run.get(side, {}).items()
           if isinstance(f, dict) for c, m in f.items() if m["distinct"] < MIN_DISTINCT]
    if few:
        lines.append(f"fewer than {MIN_DISTINCT} distinct queries were sent in {', '.join(few)}"
                     " (a short BENCH_DURATION or a slow server)")
    if any(m.get("other_cores", 0) > DISTURBED for f in (run.get("ceiling"), *run.get("nocache", {}).values(),
                                                           run.get("deployed", {}).get("repeat")) if f
           for m in f.values()):
        lines.append(f"* measured while other processes took more than {DISTURBED} cores: low figures")
    p = run.get("patch")
    if p:
        lines.append(f"audited PATCH with If-Match, c=1: {p['requests']} in {run['duration_s']} s, {p['rps']:.1f}/s,"
                     f" p50 {p['p50_ms']:.2f} ms, p99 {p['p99_ms']:.2f} ms, max {p['max_ms']:.1f} ms,"
                     f" errors {p['errors']}")
    sql = run["sql"]
    lines.append(f"SQL statements per uncached search request: max {sql['max']} (worst {sql['worst']['path']});"
                 " by kind " + ", ".join(f"{k} {v}" for k, v in sql["by_kind"].items()))
    ws = run["worker_start"]
    lines.append(f"worker start, fork -> answer to its first request ({ws['first_request']}): median"
                 f" {ws['median_s']:.2f} s; runs " + ", ".join(f"{s['fork_to_answer_s']:.2f}" for s in ws["runs"]))
    for name, key in (("VmRSS", "rss_mib"), ("Pss (shared pages counted in shares)", "pss_mib")):
        lines.append(f"{name} per registry worker, MiB: " + ";  ".join(
            f"{side}: " + ", ".join(f"{v:.0f}" for v in pids.values()) for side, pids in run.get(key, {}).items()))
    lines.append("targets:")
    for t in run["targets"]:
        verdict = "INFO" if t["pass"] is None else "PASS" if t["pass"] else "FAIL"
        lines.append(f"  {verdict}  {t['target']:<52}{_show(t['value'], t['unit']):>10}"
                     f"  (goal {t['goal']})")
    if "load_s" in run:
        lines.append(f"setup {run['setup_s']:.0f} s, load {run['load_s']:.0f} s; other processes took"
                     f" {run['other_cores']:.2f} cores meanwhile"
                     + ("  WARNING: the machine was busy, figures are low" if run["other_cores"] > DISTURBED else ""))
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def code_version() -> str:
    """HEAD, plus "+dirty" when registry/, migrations/, wsgi.py or gunicorn_conf.py differ from it."""
    head = _git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--", "registry", "migrations", "wsgi.py", "gunicorn_conf.py")
    return head + ("+dirty" if dirty else "")


def _version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else "?"


def environment() -> dict:
    return {"code": code_version(), "cache_key": dataset.cache_key(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "kernel": platform.release(), "wrk": _version(["wrk", "--version"]),
            "gunicorn": _version([str(VENV_BIN / "gunicorn"), "--version"]),
            "postgresql": _version(["psql", "--version"]) if "postgresql" in DATABASES else None,
            "peer": _version([str(PEER_PYTHON), "-c", "import datasette.version as v, sqlite3; print('datasette',"
                                                      " v.__version__, 'sqlite', sqlite3.sqlite_version)"]),
            "duration_s": DURATION_S, "warmup_s": WARMUP_S, "scales": SCALES, "databases": DATABASES}


def main() -> None:
    if sys.argv[1:2] == ["--report"]:
        for name in sys.argv[2:]:
            data = json.loads(Path(name).read_text())
            if "runs" not in data:
                sys.exit(f"{name}: written by the earlier harness (issue 6); print it with the bench/run.py of"
                         f" its commit, {data.get('environment', {}).get('code', '?')}")
            print("\n".join(report(r) for r in data["runs"]))
        return
    if sys.argv[1:2] == ["--sql-count"]:
        print(json.dumps(sql_counts(sys.argv[2])))
        return
    if shutil.which("wrk") is None:
        sys.exit("FATAL: wrk is not installed (bash bench/run.sh installs it with apt-get)")
    if not PEER_PYTHON.exists():
        sys.exit("FATAL: bench/.venv-peer is missing (bash bench/run.sh creates it)")
    unknown = set(DATABASES) - {"sqlite", "postgresql"}
    if unknown:
        sys.exit(f"FATAL: BENCH_DATABASES: unknown {sorted(unknown)}")
    if "postgresql" in DATABASES:
        try:
            dataset.pg_admin("SELECT 1")
        except Exception as err:  # any connection failure: say what to do
            sys.exit(f"FATAL: PostgreSQL at {dataset.PG_ADMIN_URL}: {err}\n"
                     "(set BENCH_PG_URL, or BENCH_DATABASES=sqlite)")
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = environment()
    log(f"benchmark {stamp}: databases {DATABASES}, scales {SCALES}, {DURATION_S} s per measurement at"
        f" c={list(CONCURRENCY)}; {env['gunicorn']}; {env['peer']}; {env['wrk']}")
    for rows in SCALES:  # build (or find) every database first, so the measurements run back to back
        dataset.cached_sqlite(rows)
        if "postgresql" in DATABASES:
            dataset.cached_pg(rows)
    streams = varied.write_streams(RUNS / "varied")
    peers: dict[int, dict] = {}
    runs = []
    for rows in SCALES:
        for kind in DATABASES:
            runs.append(run_one(kind, rows, streams, peers))
            print(report(runs[-1]), flush=True)
    total = time.monotonic() - started
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps({"timestamp": stamp, "environment": env, "total_s": round(total, 1),
                               "queries": {"per_class": varied.PER_CLASS, "classes": list(varied.CLASSES),
                                           "distinct": len(varied.queries()), "seed": varied.SEED},
                               "runs": runs}, ensure_ascii=False, indent=1) + "\n")
    print("\n".join(report(r) for r in runs), flush=True)
    failed = sum(t["pass"] is False for r in runs for t in r["targets"])
    print(f"\n{failed} target(s) failed; results written to {out.relative_to(ROOT)}; whole run {total / 60:.1f} min",
          flush=True)


if __name__ == "__main__":
    main()
