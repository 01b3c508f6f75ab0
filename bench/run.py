"""The benchmark: the registry under production gunicorn, against a ceiling and a peer, at 103 and ~100,000 rows.

    bash bench/run.sh            # from a clean clone: installs what it needs, then runs this
    .venv/bin/python -m bench.run

For each scale: a fresh copy of the (cached) registry database, a zone token, and the powers exported for
Datasette; three servers under the same gunicorn settings (2 workers, 127.0.0.1, access log on as `make run`
has it): the registry (`wsgi:app`), the ceiling (bench/ceiling.py) and the peer (Datasette, uvicorn workers).
The registry runs twice: as deployed (response cache on) and with REGISTRY_RESPONSE_CACHE_ENTRIES=0, since wrk
repeats one URL and the as-deployed figures are then cache hits. Each endpoint is loaded with wrk for
BENCH_DURATION seconds at 1 and at 10 connections, one at a time.

Environment: BENCH_DURATION (seconds per measurement, default 6), BENCH_SCALES (default "103,100000"),
BENCH_WARMUP (seconds of warm-up per endpoint, default 1), BENCH_QUIET_WAIT (seconds to wait for other processes
to leave the CPU before each scale's load, default 180; the report says how much CPU they took meanwhile).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import dataset
from bench.dataset import BENCH, PEER_PYTHON, ROOT, VENV_BIN, log

DURATION_S = int(os.environ.get("BENCH_DURATION", "6"))
WARMUP_S = int(os.environ.get("BENCH_WARMUP", "1"))
SCALES = [int(s) for s in os.environ.get("BENCH_SCALES", "103,100000").split(",") if s.strip()]
CONCURRENCY = (1, 10)
SLOW_S = 2.0  # a single request slower than this: measured at c=1 only (see measure)
SLOW_MAX_S = 45
QUIET_WAIT_S = int(os.environ.get("BENCH_QUIET_WAIT", "180"))
DISTURBED = 0.15  # cores taken by other processes during a measurement above which it is marked (and retried once)
WRK_TIMEOUT = "30s"  # the annex export at 100k rows takes seconds; wrk's default (2 s) would count it as lost
START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
RESULTS = BENCH / "results"
RUNS = dataset.CACHE / "run"
PEER_DB = "peer"
POWER_ID = 38  # 取水许可, the real annex item the queries are about


def enc(text: str) -> str:
    return urllib.parse.quote(text, safe="")


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    registry: str
    peer: str | None
    method: str = "get"


ENDPOINTS = [
    Endpoint("q2", "search 2-char 取水", f"/api/v1/powers?q={enc('取水')}&per_page=20",
             f"/{PEER_DB}/powers.json?_search={enc('取水')}&_size=20"),
    Endpoint("q4", "search 4-char 取水许可", f"/api/v1/powers?q={enc('取水许可')}&per_page=20",
             f"/{PEER_DB}/powers.json?_search={enc('取水许可')}&_size=20"),
    Endpoint("pinyin", "search pinyin qushui", "/api/v1/powers?q=qushui&per_page=20",
             f"/{PEER_DB}/powers.json?_search=qushui&_size=20"),
    Endpoint("list", "list type=licensing", "/api/v1/powers?type=licensing&per_page=20",
             f"/{PEER_DB}/powers.json?type=licensing&_size=20"),
    Endpoint("one", f"one power ({POWER_ID})", f"/api/v1/powers/{POWER_ID}", f"/{PEER_DB}/powers/{POWER_ID}.json"),
    Endpoint("export", "annex export csv", "/api/v1/powers/export.csv", f"/{PEER_DB}/powers.csv?_stream=on"),
    # The citizens' search page against Datasette's own HTML table page for the same search.
    Endpoint("page", "citizen search page 取水", f"/?q={enc('取水')}",
             f"/{PEER_DB}/powers?_search={enc('取水')}&_size=20"),
    Endpoint("write", "audited write (checklist)", f"/api/v1/powers/{POWER_ID}/handover/checklist", None,
             method="checklist"),
]
SEARCHES = ("q2", "q4", "pinyin")
CEILING_PATH = "/ping"
# What `make run` adds for the registry (its per-worker warm-up); the ceiling and the peer have none.
REGISTRY_CONFIG = ["--config", str(ROOT / "gunicorn_conf.py")]


# ---------------------------------------------------------------- servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _supports_no_control_socket(gunicorn: Path) -> bool:
    out = subprocess.run([str(gunicorn), "--help"], capture_output=True, text=True).stdout
    return "--no-control-socket" in out


def _version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr).strip() else "?"


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    health: str
    log_path: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"FATAL: {self.name} exited with {self.proc.returncode}:\n{self.log_path.read_text()[-4000:]}")
            try:
                if fetch(self.base + self.health)[0] == 200 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        sys.exit(f"FATAL: {self.name} not healthy after {START_TIMEOUT_S} s:\n{self.log_path.read_text()[-4000:]}")

    def workers(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(c) for c in children)

    def rss_kib(self) -> dict[str, int]:
        """VmRSS of each worker (KiB), from /proc/<pid>/status."""
        out = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if m:
                out[str(pid)] = int(m.group(1))
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


def gunicorn_argv(gunicorn: Path, port: int, app: str, extra: list[str] | None = None) -> list[str]:
    """The same settings for every server: `make run`'s (2 workers, 127.0.0.1, access log), no control socket."""
    argv = [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"]
    if _supports_no_control_socket(gunicorn):
        argv.append("--no-control-socket")
    return argv + (extra or []) + [app]


def fetch(url: str, method: str = "GET", body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read(), err.headers.get("Content-Type", "")


# ---------------------------------------------------------------- load

TICK = os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot, all cores (/proc/stat): user, nice, system and
    steal (the host's share); not irq/softirq, which the loopback traffic of the load itself mostly makes."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, steal = fields[0], fields[1], fields[2], (fields[7] if len(fields) > 7 else 0)
    return (user + nice + system + steal) / TICK


def process_cpu_s(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        parts = stat.rsplit(")", 1)[1].split()
        total += (int(parts[11]) + int(parts[12])) / TICK  # utime, stime
    return total


class CpuWatch:
    """How much CPU other processes (not the servers under test, not wrk) took while the load ran."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float]:
        pids = [p for s in self.servers for p in ([s.proc.pid] if s.proc else []) + s.workers()]
        t = os.times()
        return time.monotonic(), machine_busy_s(), process_cpu_s(pids) + t.children_user + t.children_system

    def other_cores(self) -> float:
        wall0, busy0, ours0 = self.start
        wall1, busy1, ours1 = self._sample()
        return max(0.0, ((busy1 - busy0) - (ours1 - ours0)) / (wall1 - wall0)) if wall1 > wall0 else 0.0



def wrk(url: str, connections: int, duration: int, mode: str = "get", token: str = "", tag: str = "") -> dict:
    argv = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{duration}s",
            "--timeout", WRK_TIMEOUT, "--script", str(BENCH / "wrk.lua"), url]
    env = os.environ | {"BENCH_WRK_MODE": mode, "BENCH_WRK_TOKEN": token, "BENCH_WRK_TAG": tag}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, env=env)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        sys.exit(f"FATAL: wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    r = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = r["duration_us"] / 1e6
    errors = sum(r[k] for k in r if k.startswith("errors_"))
    return {"rps": r["requests"] / seconds if seconds else 0.0, "requests": r["requests"],
            "p50_ms": r["p50_us"] / 1000, "p90_ms": r["p90_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "mean_ms": r["mean_us"] / 1000, "max_ms": r["max_us"] / 1000, "errors": errors,
            "errors_detail": {k.removeprefix("errors_"): r[k] for k in r if k.startswith("errors_") and r[k]},
            "mb_per_s": r["bytes"] / seconds / 2**20 if seconds else 0.0}


def measure(url: str, mode: str = "get", token: str = "", tag: str = "", single_s: float = 0.0) -> dict[str, dict]:
    """wrk at each concurrency; an endpoint whose single request took over SLOW_S is measured at c=1 only,
    for long enough to complete a few requests (ten at once would only queue behind two workers)."""
    slow = single_s > SLOW_S
    if WARMUP_S and not slow:
        wrk(url, 2, WARMUP_S, mode, token, tag + "-warm")
    out: dict[str, dict] = {}
    for c in CONCURRENCY:
        if slow and c > 1:
            out[f"c{c}"] = None
            log(f"    c={c:<2} skipped: one request takes {single_s:.1f} s")
            continue
        duration = min(SLOW_MAX_S, max(DURATION_S, math.ceil(3 * single_s))) if slow else DURATION_S
        for attempt in (1, 2):
            watch = CpuWatch(_under_test)
            r = wrk(url, c, duration, mode, token, f"{tag}-c{c}-{attempt}")
            r["other_cores"] = round(watch.other_cores(), 3)
            flag = f"  ERRORS {r['errors_detail']}" if r["errors"] else ""
            if r["other_cores"] > DISTURBED:
                flag += f"  DISTURBED: other processes took {r['other_cores']:.2f} cores"
            log(f"    c={c:<2} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
                f"  ({r['requests']} requests in {duration} s){flag}")
            if r["other_cores"] <= DISTURBED or attempt == 2 or not _retry_budget(duration):
                break
            log("    measuring again once the machine is quiet")
            waited = time.monotonic()
            wait_for_quiet(_under_test, limit_s=min(60.0, _retry_left[0]))
            _retry_left[0] -= time.monotonic() - waited
        out[f"c{c}"] = r
    return out


_under_test: list[Server] = []  # the servers of the scale being measured (their CPU is not "other")
_retry_left = [float(os.environ.get("BENCH_RETRY_BUDGET", "240"))]


def _retry_budget(duration: float) -> bool:
    """Whether a disturbed measurement may be taken again (a bounded budget of seconds per run)."""
    if _retry_left[0] < duration:
        return False
    _retry_left[0] -= duration
    return True


def wait_for_quiet(servers: list[Server], limit_s: float = QUIET_WAIT_S) -> None:
    """Wait (at most limit_s) until other processes leave the CPU alone: on 2 cores, anything else running
    (a test suite, a build) lowers every figure."""
    deadline = time.monotonic() + limit_s
    while True:
        watch = CpuWatch(servers)
        time.sleep(2)
        other = watch.other_cores()
        if other <= DISTURBED:
            return
        if time.monotonic() >= deadline:
            log(f"WARNING: other processes still use {other:.2f} cores; measuring anyway")
            return
        log(f"waiting for the machine to be quiet: other processes use {other:.2f} cores")


# ---------------------------------------------------------------- checks before load


def _result_count(side: str, ep: Endpoint, status: int, body: bytes, ctype: str) -> Any:
    if status != 200:
        return None
    if ep.key == "export":
        text = body.decode("utf-8-sig")
        return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)
    if ep.key == "page":
        found = re.search(r"共 (\d+) 项" if side != "peer" else r"([\d,]+) rows?\b", body.decode())
        return int(found[1].replace(",", "")) if found else None
    data = json.loads(body)
    if ep.key == "one":
        return 1
    if ep.key == "write":
        return data["status"]["code"]  # the handover's status after the write (it stays editable)
    if side != "peer":
        return data["total"]
    return data.get("filtered_table_rows_count", len(data.get("rows", [])))


def check(side: str, base: str, ep: Endpoint, token: str) -> dict:
    """One request before the load: it must answer 200; returns the status and the result count."""
    path = ep.peer if side == "peer" else ep.registry
    started = time.monotonic()
    if ep.method == "checklist":
        body = json.dumps({"item": "guidance", "done": True, "evidence": {"doc_number": "bench-check"}}).encode()
        status, raw, ctype = fetch(base + path, "POST", body, {"Content-Type": "application/json",
                                                               "Authorization": f"Bearer {token}"})
    else:
        status, raw, ctype = fetch(base + path)
    elapsed = time.monotonic() - started
    if status != 200:
        sys.exit(f"FATAL: {side} {path} answered {status}: {raw[:500]!r}")
    return {"status": status, "results": _result_count(side, ep, status, raw, ctype), "bytes": len(raw),
            "single_s": round(elapsed, 3)}


# ---------------------------------------------------------------- one scale

# The registry as deployed (response cache on, its default), the registry with REGISTRY_RESPONSE_CACHE_ENTRIES=0
# (every request does the work: what a stream of different queries costs), and the peer.
SIDES = ("registry", "nocache", "peer")
SIDE_LABEL = {"registry": "registry", "nocache": "no-cache", "peer": "peer"}


@dataclass
class ScaleResult:
    rows: int
    powers: int = 0
    ceiling: dict = field(default_factory=dict)
    load: dict = field(default_factory=lambda: {side: {} for side in SIDES})  # side -> endpoint -> c -> figures
    counts: dict = field(default_factory=dict)  # endpoint -> side -> the check request
    memory: dict = field(default_factory=dict)
    setup_s: float = 0.0
    load_s: float = 0.0
    other_cores: float = 0.0  # CPU other processes took during the load, in cores
    code: str = ""  # git HEAD (and whether registry/ had uncommitted changes) when the servers started


def _sides(ep: Endpoint) -> list[str]:
    return ["registry"] + (["nocache"] if ep.method == "get" else []) + (["peer"] if ep.peer else [])


def run_scale(rows: int, stamp: str) -> ScaleResult:
    t0 = time.monotonic()
    workdir = RUNS / str(rows)
    if workdir.exists():
        shutil.rmtree(workdir)
    db = dataset.working_copy(rows, workdir)
    res = ScaleResult(rows, powers=dataset.count_powers(db), code=code_version())
    log(f"== {rows} rows: {res.powers} powers in force; working copy {db.relative_to(ROOT)}")
    token = dataset.bench_token(db)
    peer_db = dataset.peer_export(db, workdir, rows).rename(workdir / f"{PEER_DB}.db")

    venv_gunicorn = VENV_BIN / "gunicorn"
    peer_gunicorn = PEER_PYTHON.with_name("gunicorn")
    registry_env = dataset.registry_env(db)
    servers: dict[str, Server] = {}
    for name, gunicorn, app, extra, env, health in (
        ("registry", venv_gunicorn, "wsgi:app", REGISTRY_CONFIG, registry_env, "/healthz"),
        ("nocache", venv_gunicorn, "wsgi:app", REGISTRY_CONFIG,
         registry_env | {"REGISTRY_RESPONSE_CACHE_ENTRIES": "0"}, "/healthz"),
        ("ceiling", venv_gunicorn, "bench.ceiling:app", [], dict(os.environ), CEILING_PATH),
        ("peer", peer_gunicorn, "bench.peer_app:app", ["--worker-class", "uvicorn_worker.UvicornWorker"],
         os.environ | {"BENCH_PEER_DB": str(peer_db)}, f"/{PEER_DB}.json"),
    ):
        port = _free_port()
        servers[name] = Server(name, gunicorn_argv(gunicorn, port, app, extra), env, health,
                               workdir / f"{name}.log", port)
    try:
        for s in servers.values():
            s.start()
            shown = " ".join([Path(s.argv[0]).name, *s.argv[1:]])
            log(f"{s.name} up on {s.base} (workers {s.workers()}): {shown}")
        for name, s in servers.items():  # before any request but /healthz (or /ping, or the peer's database)
            res.memory[name] = {"start_kib": s.rss_kib()}
        for ep in ENDPOINTS:
            res.counts[ep.key] = {side: check(side, servers[side].base, ep, token) for side in _sides(ep)}
        res.setup_s = time.monotonic() - t0
        _under_test[:] = servers.values()
        wait_for_quiet(_under_test)
        t1 = time.monotonic()
        watch = CpuWatch(list(servers.values()))

        log("ceiling GET /ping")
        res.ceiling = measure(servers["ceiling"].base + CEILING_PATH, tag=f"{stamp}-ceiling")
        writes = [ep for ep in ENDPOINTS if ep.method != "get"]
        for side in SIDES:  # reads first, every side; the writes last (they move the data version)
            for ep in ENDPOINTS:
                if ep.method != "get" or side not in _sides(ep):
                    continue
                single = res.counts[ep.key][side]["single_s"]
                if side == "nocache" and single > SLOW_S and res.counts[ep.key]["registry"]["single_s"] > SLOW_S:
                    log(f"{SIDE_LABEL[side]} {ep.label}: skipped, not cached either way (too large)")
                    continue
                path = ep.peer if side == "peer" else ep.registry
                log(f"{SIDE_LABEL[side]} {ep.label}: {path}")
                res.load[side][ep.key] = measure(servers[side].base + path, tag=f"{stamp}-{rows}-{side}-{ep.key}",
                                                 single_s=single)
        for ep in writes:
            log(f"registry {ep.label}: POST {ep.registry}")
            res.load["registry"][ep.key] = measure(servers["registry"].base + ep.registry, ep.method, token,
                                                   tag=f"{stamp}-{rows}-{ep.key}")
        res.load_s = time.monotonic() - t1
        res.other_cores = watch.other_cores()
        for name, s in servers.items():
            res.memory[name]["end_kib"] = s.rss_kib()
    finally:
        for s in servers.values():
            s.stop()
        for f in workdir.iterdir():  # the working databases (0.7 GB at 100k rows); the server logs stay
            if ".sqlite3" in f.name or f.name.startswith(f"{PEER_DB}.db"):
                f.unlink()
    return res


# ---------------------------------------------------------------- report


def _rps(res: ScaleResult, side: str, key: str, c: int) -> float | None:
    m = res.load[side].get(key, {}).get(f"c{c}")
    return m["rps"] if m and m["requests"] else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _width(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def rjust(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _ms(v: float) -> str:
    return f"{v:9.2f}" if v < 1000 else f"{v:9.0f}"


def _fmt_ratio(r: float | None) -> str:
    return f"{r:.2f}x" if r is not None else "-"


def ratios(res: ScaleResult) -> dict:
    out: dict[str, dict] = {}
    for ep in ENDPOINTS:
        out[ep.key] = {}
        for side in ("registry", "nocache"):
            for c in CONCURRENCY:
                ceiling = res.ceiling[f"c{c}"]["rps"] if res.ceiling.get(f"c{c}") else None
                out[ep.key][f"{side}/ceiling_c{c}"] = _ratio(_rps(res, side, ep.key, c), ceiling)
                out[ep.key][f"{side}/peer_c{c}"] = _ratio(_rps(res, side, ep.key, c), _rps(res, "peer", ep.key, c))
    for side in SIDES:
        out[f"2char/4char_{side}"] = {f"c{c}": _ratio(_rps(res, side, "q2", c), _rps(res, side, "q4", c))
                                      for c in CONCURRENCY}
    return out


def targets(res: ScaleResult) -> list[dict]:
    """The issue's targets, for the registry as deployed and with its response cache off; informative only."""
    out = []

    def add(side: str, name: str, value: float | None, goal: str, ok: bool) -> None:
        out.append({"side": side, "target": name, "value": value, "goal": goal, "pass": ok})

    rat = ratios(res)
    for side in ("registry", "nocache"):
        if res.rows <= dataset.REAL_ROWS:
            for key in (*SEARCHES, "list"):
                for c in CONCURRENCY:
                    r = rat[key][f"{side}/ceiling_c{c}"]
                    add(side, f"{key} c={c}: rps / ceiling rps", r, ">= 0.50", r is not None and r >= 0.5)
                    r = rat[key][f"{side}/peer_c{c}"]
                    add(side, f"{key} c={c}: rps / peer rps", r, ">= 8", r is not None and r >= 8)
        else:
            for key in SEARCHES:
                for c, limit in ((1, 30.0), (10, 100.0)):
                    m = res.load[side].get(key, {}).get(f"c{c}")
                    p99 = m["p99_ms"] if m and m["requests"] else None
                    add(side, f"{key} c={c}: p99 ms", p99, f"<= {limit:g}", p99 is not None and p99 <= limit)
            for key in (*SEARCHES, "list"):
                for c in CONCURRENCY:
                    r = rat[key][f"{side}/peer_c{c}"]
                    add(side, f"{key} c={c}: rps / peer rps", r, ">= 3", r is not None and r >= 3)
            for c in CONCURRENCY:
                r = rat[f"2char/4char_{side}"][f"c{c}"]
                add(side, f"c={c}: 2-char rps / 4-char rps", r, ">= 0.80", r is not None and r >= 0.8)
    return out


def report(res: ScaleResult, duration_s: int = DURATION_S) -> str:
    lines = ["", f"=== {res.rows} rows ({res.powers} powers in force), registry at {res.code}; {duration_s} s per"
                 " measurement, wrk 1 thread; rps = requests/s, latency in ms;"
                 " no-cache = registry with REGISTRY_RESPONSE_CACHE_ENTRIES=0 ==="]
    head = (f"{'endpoint':<28}{'server':<9}{'results':>8} | {'c=1 rps':>9}{'p50':>9}{'p99':>9} |"
            f" {'c=10 rps':>9}{'p50':>9}{'p99':>9} | errors")
    lines += [head, "-" * len(head)]

    def cells(m: dict | None) -> str:
        if m is None:
            return f" {'skipped':>9}{'':>9}{'':>9} |"
        mark = "*" if m.get("other_cores", 0) > DISTURBED else " "
        return f"{mark}{m['rps']:9.1f}{_ms(m['p50_ms'])}{_ms(m['p99_ms'])} |"

    def row(label: str, server: str, results: Any, m: dict) -> str:
        errs = sum(v["errors"] for v in m.values() if v)
        return (f"{ljust(label, 28)}{server:<9}{rjust('-' if results is None else str(results), 8)} |"
                f"{cells(m['c1'])}{cells(m['c10'])} {errs}")

    lines.append(row("constant JSON (/ping)", "ceiling", None, res.ceiling))
    for ep in ENDPOINTS:
        first = True
        for side in SIDES:
            if ep.key in res.load[side]:
                lines.append(row(ep.label if first else "", SIDE_LABEL[side],
                                 res.counts[ep.key][side]["results"], res.load[side][ep.key]))
                first = False
    if any(m and m.get("other_cores", 0) > DISTURBED for side in (res.load.values()) for e in side.values()
           for m in e.values()) or any(m and m.get("other_cores", 0) > DISTURBED for m in res.ceiling.values()):
        lines.append(f"* measured while other processes took more than {DISTURBED} cores (after one retry):"
                     " low figures")
    rat = ratios(res)
    lines += ["", f"{'ratios of rps':<28}{'server':<9}{'/ceiling c=1':>13}{'c=10':>8}{'/peer c=1':>11}{'c=10':>8}"]
    for ep in ENDPOINTS:
        for i, side in enumerate(("registry", "nocache")):
            r = rat[ep.key]
            if ep.key not in res.load[side]:
                continue
            lines.append(f"{ljust(ep.label if i == 0 else '', 28)}{SIDE_LABEL[side]:<9}"
                         f"{_fmt_ratio(r[f'{side}/ceiling_c1']):>13}{_fmt_ratio(r[f'{side}/ceiling_c10']):>8}"
                         f"{_fmt_ratio(r[f'{side}/peer_c1']):>11}{_fmt_ratio(r[f'{side}/peer_c10']):>8}")
    for side in SIDES:
        r = rat[f"2char/4char_{side}"]
        lines.append(f"2-char rps / 4-char rps, {SIDE_LABEL[side]}: c=1 {_fmt_ratio(r['c1'])}, "
                     f"c=10 {_fmt_ratio(r['c10'])}")
    lines += ["", "resident memory per gunicorn worker (VmRSS, MiB), at start -> at end:"]
    for name, mem in res.memory.items():
        start, end = mem.get("start_kib", {}), mem.get("end_kib", {})
        parts = [f"pid {pid} {start.get(pid, 0) / 1024:.0f} -> {end[pid] / 1024:.0f}" if pid in end
                 else f"pid {pid} {start.get(pid, 0) / 1024:.0f} -> (gone)" for pid in start]
        lines.append(f"  {SIDE_LABEL.get(name, name):<9}" + ";  ".join(parts))
    lines += ["", "targets (informative, not fatal):"]
    for t in targets(res):
        v = t["value"]
        shown = "-" if v is None else (f"{v:.2f}x" if "rps" in t["target"] else f"{v:.1f}")
        lines.append(f"  {'PASS' if t['pass'] else 'FAIL'}  {SIDE_LABEL[t['side']]:<9}{t['target']:<34}"
                     f"{shown:>9}  (goal {t['goal']})")
    lines.append(f"setup {res.setup_s:.0f} s, load {res.load_s:.0f} s; other processes took {res.other_cores:.2f}"
                 f" of {os.cpu_count()} cores meanwhile")
    if res.other_cores > 0.1:
        lines.append("WARNING: something else was using the CPU during the load; these figures are low")
    return "\n".join(lines)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def code_version() -> str:
    """The registry code being measured: HEAD, plus "+dirty" when registry/, migrations/ or wsgi.py differ."""
    head = _git("rev-parse", "--short=12", "HEAD") or "unknown"
    return head + ("+dirty" if _git("status", "--porcelain", "--", "registry", "migrations", "wsgi.py") else "")


def environment() -> dict:
    return {
        "code": code_version(),
        "cache_key": dataset.cache_key(), "cpus": os.cpu_count(), "python": platform.python_version(),
        "kernel": platform.release(), "wrk": _version(["wrk", "--version"]),
        "gunicorn": _version([str(VENV_BIN / "gunicorn"), "--version"]),
        "peer": _version([str(PEER_PYTHON), "-c", "import datasette.version as v, sqlite_utils, uvicorn, sqlite3; "
                                              "print('datasette', v.__version__, 'uvicorn', uvicorn.__version__, "
                                              "'sqlite', sqlite3.sqlite_version)"]),
        "duration_s": DURATION_S, "warmup_s": WARMUP_S, "concurrency": list(CONCURRENCY), "wrk_threads": 1,
    }


def reprint(path: Path) -> None:
    """Print the tables of a results file again (`python -m bench.run --report bench/results/X.json`)."""
    data = json.loads(path.read_text())
    for sc in data["scales"]:
        res = ScaleResult(sc["rows"], powers=sc["powers"], ceiling=sc["ceiling"], load=sc["load"],
                          counts=sc["counts"], memory=sc["memory_kib"], setup_s=sc["setup_s"], load_s=sc["load_s"],
                          other_cores=sc.get("other_processes_cores", 0.0), code=sc.get("code", "?"))
        print(report(res, data["environment"]["duration_s"]))


def main() -> None:
    if sys.argv[1:2] == ["--report"]:
        for name in sys.argv[2:]:
            reprint(Path(name))
        return
    if shutil.which("wrk") is None:
        sys.exit("FATAL: wrk is not installed (bash bench/run.sh installs it with apt-get)")
    if not PEER_PYTHON.exists():
        sys.exit("FATAL: bench/.venv-peer is missing (bash bench/run.sh creates it)")
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    env = environment()
    log(f"benchmark {stamp}: scales {SCALES}, {DURATION_S} s per measurement at c={list(CONCURRENCY)}; "
        f"{env['gunicorn']}; {env['peer']}; {env['wrk']}")
    for rows in SCALES:  # build (or find) every database first, so the load phases run back to back
        dataset.cached_registry(rows)
    results = [run_scale(rows, stamp) for rows in SCALES]
    text = "\n".join(report(r) for r in results)
    total = time.monotonic() - started
    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps({
        "timestamp": stamp, "environment": env, "total_s": round(total, 1),
        "endpoints": {ep.key: {"label": ep.label, "registry": ep.registry, "peer": ep.peer} for ep in ENDPOINTS},
        "ceiling": CEILING_PATH,
        "scales": [{"rows": r.rows, "powers": r.powers, "counts": r.counts, "ceiling": r.ceiling,
                    "load": r.load, "ratios": ratios(r), "memory_kib": r.memory,
                    "targets": targets(r), "code": r.code, "setup_s": round(r.setup_s, 1), "load_s": round(r.load_s, 1),
                    "other_processes_cores": round(r.other_cores, 3)}
                   for r in results],
    }, ensure_ascii=False, indent=1) + "\n")
    print(f"\nresults written to {out.relative_to(ROOT)}; whole run {total / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
