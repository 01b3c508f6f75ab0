"""The benchmark: the registry under production gunicorn, against a ceiling and a peer, at 103 and ~100,000 rows.

    bash bench/run.sh            # from a clean clone: installs what it needs, then runs this
    .venv/bin/python -m bench.run

For each scale: a fresh copy of the (cached) registry database, a zone token, and the powers exported for
Datasette; three servers under the same gunicorn settings (2 workers, 127.0.0.1, access log on as `make run`
has it): the registry (`wsgi:app`), the ceiling (bench/ceiling.py) and the peer (Datasette, uvicorn workers).
The registry runs twice: as deployed (response cache on) and with REGISTRY_RESPONSE_CACHE_ENTRIES=0, since wrk
repeats one URL and the as-deployed figures are then cache hits. Each endpoint is loaded with wrk for
BENCH_DURATION seconds at 1 and at 10 connections, one at a time.

Then, since one repeated URL is a cache hit: varied queries (bench/varied.py), wrk walking a Zipf-drawn sequence of
distinct search URLs taken from the real annex, per class (1-, 2-, 4-character, pinyin, and the citizen page with
all of them), against the registry as deployed and without its cache, with the cache hit rate estimated by
replaying the URLs sent through one LRU per worker. After the audited write, searches while writing: the varied
4-character stream at c=1 while one audited write lands a second (each moves the data version). Last, a soak: the
registry as deployed, at 10 connections on the mixed stream (API and page, every class) for BENCH_SOAK seconds, each
worker's VmRSS sampled every SOAK_EVERY_S seconds, and a verdict on its growth over the soak's second half. Every
latency is the requests' own (bench/latency.py undoes the samples wrk adds; its own figures stay in the results as
wrk_p99_ms and so on).

Environment: BENCH_DURATION (seconds per measurement, default 6), BENCH_SCALES (default "103,100000"),
BENCH_WARMUP (seconds of warm-up per endpoint, default 1), BENCH_QUIET_WAIT (seconds to wait for other processes
to leave the CPU before each scale's load, default 180; the report says how much CPU they took meanwhile),
BENCH_VARIED_DURATION (seconds per varied-queries measurement, default 4), BENCH_WHILE_WRITING (seconds of searches
while one audited write lands a second, default 20; 0 skips it), BENCH_SOAK (seconds of soak at the largest scale,
default 120; scales of 103 rows or fewer soak half as long; 0 skips it).
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
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import dataset, latency, varied
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
VARIED_S = int(os.environ.get("BENCH_VARIED_DURATION", "4"))
SOAK_S = int(os.environ.get("BENCH_SOAK", "120"))
SOAK_EVERY_S = 10
SOAK_CONNECTIONS = 10
WHILE_WRITING_S = int(os.environ.get("BENCH_WHILE_WRITING", "20"))
WHILE_WRITING_STREAM = "q4"  # the general path: the one that reads the per-worker search copy
# "Flat": a worker's VmRSS grew by at most this much over the soak's second half. RSS moves in pages and with
# the allocator's arenas (a worker's own figure wanders by a MiB or so between samples at rest), and the one
# thing meant to grow under varied load, the response cache, is bounded (512 bodies of 2-30 KiB) and is full
# within the first half (the estimate counts its evictions); 2 MiB is ~1.3% of a 150 MiB worker. A leak of 100
# bytes per request at the soak's rate would show several MiB per half.
SOAK_FLAT_MIB = 2.0
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



def wrk_command(url: str, connections: int, duration: int, mode: str = "get", token: str = "", tag: str = "",
                extra_env: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    argv = ["wrk", "--threads", "1", "--connections", str(connections), "--duration", f"{duration}s",
            "--timeout", WRK_TIMEOUT, "--script", str(BENCH / "wrk.lua"), url]
    env = os.environ | {"BENCH_WRK_MODE": mode, "BENCH_WRK_TOKEN": token, "BENCH_WRK_TAG": tag,
                        "BENCH_WRK_CONNECTIONS": str(connections)} | (extra_env or {})
    return argv, env


def wrk(url: str, connections: int, duration: int, mode: str = "get", token: str = "", tag: str = "",
        extra_env: dict[str, str] | None = None) -> dict:
    argv, env = wrk_command(url, connections, duration, mode, token, tag, extra_env)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, env=env)
    return wrk_result(proc.returncode, proc.stdout, proc.stderr)


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


def wrk_added(r: dict) -> str:
    """What wrk itself would have printed, when its made-up samples changed it."""
    if not r.get("wrk_added"):
        return ""
    return f"; wrk's own p50/p99 {r['wrk_p50_ms']:.2f}/{r['wrk_p99_ms']:.2f} ms, with {r['wrk_added']} samples added"


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
                f"  ({r['requests']} requests in {duration} s){wrk_added(r)}{flag}")
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


# ---------------------------------------------------------------- varied queries and the soak


@dataclass
class VariedState:
    """Per scale: where each server is in each stream, and the cache estimate for the registry as deployed."""

    streams: dict[str, varied.Stream]
    offsets: dict[tuple[str, str], int] = field(default_factory=dict)
    sims: dict[str, varied.CacheSim | None] = field(
        default_factory=lambda: {"registry": varied.CacheSim(), "nocache": None})

    def run(self, side: str, base: str, key: str, connections: int, duration: int, tag: str,
            popen: bool = False) -> Any:
        """wrk on a stream from where this server left it; with popen, the started wrk and a function that turns
        its output into the figures (for the soak, which samples memory meanwhile)."""
        stream = self.streams[key]
        offset = self.offsets.get((side, key), 0)
        argv, env = wrk_command(base + "/", connections, duration, "urls", tag=tag,
                                extra_env={"BENCH_WRK_URLS": str(stream.path), "BENCH_WRK_OFFSET": str(offset)})

        def account(r: dict) -> dict:
            sent = stream.sent(offset, r["dispatched"])
            self.offsets[(side, key)] = offset + len(sent)
            sim = self.sims.get(side)
            hits = sim.replay(sent) if sim else 0
            r.update(offset=offset, distinct_sent=len(set(sent)), pool=stream.distinct,
                     hit_rate_est=hits / len(sent) if sent else 0.0)
            return r

        if popen:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    env=env), account
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 120, env=env)
        return account(wrk_result(proc.returncode, proc.stdout, proc.stderr))


def measure_varied(state: VariedState, side: str, base: str, key: str, tag: str) -> dict[str, dict]:
    """One stream at each concurrency, with no warm-up (the stream goes on where it was: the cache holds what
    the earlier traffic left, as a live server's would)."""
    out: dict[str, dict] = {}
    for c in CONCURRENCY:
        for attempt in (1, 2):
            watch = CpuWatch(_under_test)
            r = state.run(side, base, key, c, VARIED_S, f"{tag}-c{c}-{attempt}")
            r["other_cores"] = round(watch.other_cores(), 3)
            flag = f"  ERRORS {r['errors_detail']}" if r["errors"] else ""
            if r["other_cores"] > DISTURBED:
                flag += f"  DISTURBED: other processes took {r['other_cores']:.2f} cores"
            hit = f"est. hits {100 * r['hit_rate_est']:3.0f}%" if state.sims.get(side) else "no cache"
            log(f"    c={c:<2} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
                f"  ({r['requests']} requests, {r['distinct_sent']} distinct URLs, {hit}){wrk_added(r)}{flag}")
            if r["other_cores"] <= DISTURBED or attempt == 2 or not _retry_budget(VARIED_S):
                break
            log("    measuring again once the machine is quiet")
            waited = time.monotonic()
            wait_for_quiet(_under_test, limit_s=min(60.0, _retry_left[0]))
            _retry_left[0] -= time.monotonic() - waited
        out[f"c{c}"] = r
    return out


def searches_while_writing(state: VariedState, server: Server, write: Endpoint, token: str, tag: str) -> dict:
    """wrk walks a varied search stream at c=1 while a thread makes one audited write a second. Each write moves
    the data version: the searches after it find the response cache and each worker's search copy out of date, and
    must answer from the new data (the copy is brought forward, not loaded again: registry.services.corpus)."""
    stop, writes = threading.Event(), []

    def writer() -> None:
        n = 0
        while not stop.wait(1.0):
            n += 1
            body = json.dumps({"item": "guidance", "done": True,
                               "evidence": {"doc_number": f"bench-{tag}-{n}"}}).encode()
            start = time.perf_counter()
            status, _, _ = fetch(server.base + write.registry, "POST", body,
                                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            writes.append((status, (time.perf_counter() - start) * 1000))

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        r = state.run("registry", server.base, WHILE_WRITING_STREAM, 1, WHILE_WRITING_S, tag)
    finally:
        stop.set()
        thread.join(timeout=130)
    times = sorted(ms for _, ms in writes)
    return {"seconds": WHILE_WRITING_S, "stream": WHILE_WRITING_STREAM, "load": r, "writes": len(writes),
            "write_errors": sum(status != 200 for status, _ in writes),
            "write_p50_ms": times[len(times) // 2] if times else None, "write_max_ms": times[-1] if times else None}


def while_writing_lines(ww: dict) -> list[str]:
    if not ww:
        return []
    r = ww["load"]
    return ["", f"searches while writing: registry as deployed, wrk c=1 for {ww['seconds']} s on the varied"
                f" {varied.STREAMS[ww['stream']]} stream while one audited write lands a second:"
                f" {r['requests']} searches, {r['rps']:.1f} req/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms,"
                f" max {r['max_ms']:.0f} ms, errors {r['errors']}; {ww['writes']} writes"
                f" ({ww['write_errors']} failed, p50 {_ms_or_dash(ww['write_p50_ms'])}, max"
                f" {_ms_or_dash(ww['write_max_ms'])})"]


def _ms_or_dash(ms: float | None) -> str:
    return "-" if ms is None else f"{ms:.0f} ms"


def soak_seconds(rows: int) -> int:
    return SOAK_S // 2 if rows <= dataset.REAL_ROWS else SOAK_S


def soak(state: VariedState, server: Server, seconds: int, tag: str) -> dict:
    """The registry under the mixed stream for `seconds`, each worker's VmRSS sampled every SOAK_EVERY_S."""
    sim = state.sims["registry"]
    evicted0 = sim.evictions if sim else 0
    watch = CpuWatch(_under_test)
    t0 = time.monotonic()
    samples = [{"t_s": 0.0, "kib": server.rss_kib()}]
    proc, account = state.run("registry", server.base, "mixed", SOAK_CONNECTIONS, seconds, tag, popen=True)
    with proc:
        while True:
            wait = t0 + len(samples) * SOAK_EVERY_S - time.monotonic()
            try:
                stdout, stderr = proc.communicate(timeout=max(0.05, wait))
                break
            except subprocess.TimeoutExpired:
                samples.append({"t_s": round(time.monotonic() - t0, 1), "kib": server.rss_kib()})
    if time.monotonic() - t0 - samples[-1]["t_s"] > 1:  # the last sample, once wrk is done
        samples.append({"t_s": round(time.monotonic() - t0, 1), "kib": server.rss_kib()})
    r = account(wrk_result(proc.returncode, stdout, stderr))
    r["other_cores"] = round(watch.other_cores(), 3)
    r["evictions_est"] = (sim.evictions - evicted0) if sim else 0
    return {"seconds": seconds, "connections": SOAK_CONNECTIONS, "every_s": SOAK_EVERY_S,
            "cache_entries": varied.CACHE_ENTRIES, "load": r, "samples": samples, "verdict": soak_verdict(samples)}


def soak_verdict(samples: list[dict]) -> dict:
    """Per worker: growth over the second half of the soak (last sample minus the first at or after half-time),
    in MiB and as a least-squares slope in MiB/min; flat when every worker grew by at most SOAK_FLAT_MIB."""
    end = samples[-1]["t_s"]
    workers: dict[str, dict] = {}
    for pid in samples[0]["kib"]:
        series = [(s["t_s"], s["kib"][pid] / 1024) for s in samples if pid in s["kib"]]
        half = [(t, m) for t, m in series if t >= end / 2]
        if len(half) < 2 or series[-1][0] < end:
            workers[pid] = {"growth_mib": None, "mib_per_min": None, "flat": False, "note": "worker gone"}
            continue
        n = len(half)
        mt, mm = sum(t for t, _ in half) / n, sum(m for _, m in half) / n
        var = sum((t - mt) ** 2 for t, _ in half)
        slope = sum((t - mt) * (m - mm) for t, m in half) / var * 60 if var else 0.0
        growth = half[-1][1] - half[0][1]
        workers[pid] = {"start_mib": round(series[0][1], 1), "end_mib": round(series[-1][1], 1),
                        "growth_mib": round(growth, 2), "mib_per_min": round(slope, 2),
                        "flat": growth <= SOAK_FLAT_MIB}
    return {"threshold_mib": SOAK_FLAT_MIB, "workers": workers,
            "flat": bool(workers) and all(w["flat"] for w in workers.values())}


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
    varied: dict = field(default_factory=dict)  # side -> stream -> c -> figures (bench/varied.py)
    soak: dict = field(default_factory=dict)  # the registry's soak: load, VmRSS samples, verdict
    while_writing: dict = field(default_factory=dict)  # searches while a write lands every second


def _sides(ep: Endpoint) -> list[str]:
    return ["registry"] + (["nocache"] if ep.method == "get" else []) + (["peer"] if ep.peer else [])


def run_scale(rows: int, stamp: str, streams: dict[str, varied.Stream]) -> ScaleResult:
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
        state = VariedState(streams)
        for key in varied.MEASURED:  # the most popular URL of each stream answers 200 (and is then cached)
            top = streams[key].sequence[0]
            status, raw, _ = fetch(servers["registry"].base + top)
            if status != 200:
                sys.exit(f"FATAL: registry {top} answered {status}: {raw[:500]!r}")
            state.sims["registry"].replay([top])
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
        for side in ("registry", "nocache"):  # varied queries: reads too, so before the writes
            res.varied[side] = {}
            for key in varied.MEASURED:
                log(f"{SIDE_LABEL[side]} varied {varied.STREAMS[key]}: {streams[key].distinct} distinct URLs,"
                    f" Zipf-drawn")
                res.varied[side][key] = measure_varied(state, side, servers[side].base, key,
                                                       tag=f"{stamp}-{rows}-{side}-varied-{key}")
        for ep in writes:
            log(f"registry {ep.label}: POST {ep.registry}")
            res.load["registry"][ep.key] = measure(servers["registry"].base + ep.registry, ep.method, token,
                                                   tag=f"{stamp}-{rows}-{ep.key}")
        if writes and WHILE_WRITING_S > 0:
            log(f"registry searches while writing: {WHILE_WRITING_S} s of the varied"
                f" {varied.STREAMS[WHILE_WRITING_STREAM]} stream at c=1, one audited write a second")
            res.while_writing = searches_while_writing(state, servers["registry"], writes[0], token,
                                                       tag=f"{stamp}-{rows}-while-writing")
            log("  " + while_writing_lines(res.while_writing)[-1].strip())
        if writes and state.sims["registry"]:
            state.sims["registry"].new_version()  # the writes moved the data version
        if soak_seconds(rows) > 0:
            log(f"registry soak: {soak_seconds(rows)} s at c={SOAK_CONNECTIONS} on the mixed stream"
                f" ({streams['mixed'].distinct} distinct URLs), VmRSS every {SOAK_EVERY_S} s")
            res.soak = soak(state, servers["registry"], soak_seconds(rows), tag=f"{stamp}-{rows}-soak")
            for line in soak_lines(res.soak):
                log("  " + line.strip())
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
    # The same targets under varied queries (no peer there): the honest version of the search targets.
    for side in ("registry", "nocache"):
        figures = res.varied.get(side, {})
        if not figures:
            continue
        if res.rows <= dataset.REAL_ROWS:
            for key in SEARCHES:
                for c in CONCURRENCY:
                    r = _varied_ratio(res, side, key, c)
                    add(side, f"varied {key} c={c}: rps / ceiling rps", r, ">= 0.50", r is not None and r >= 0.5)
        else:
            for key in SEARCHES:
                for c, limit in ((1, 30.0), (10, 100.0)):
                    m = figures.get(key, {}).get(f"c{c}")
                    p99 = m["p99_ms"] if m and m["requests"] else None
                    add(side, f"varied {key} c={c}: p99 ms", p99, f"<= {limit:g}", p99 is not None and p99 <= limit)
            for c in CONCURRENCY:
                m2, m4 = figures.get("q2", {}).get(f"c{c}"), figures.get("q4", {}).get(f"c{c}")
                r = _ratio(m2["rps"] if m2 else None, m4["rps"] if m4 else None)
                add(side, f"varied c={c}: 2-char rps / 4-char rps", r, ">= 0.80", r is not None and r >= 0.8)
    if res.while_writing and res.rows > dataset.REAL_ROWS:
        m = res.while_writing["load"]
        p99 = m["p99_ms"] if m["requests"] else None
        add("registry", "searches while writing c=1: p99 ms", p99, "<= 30", p99 is not None and p99 <= 30)
    if res.soak:
        v = res.soak["verdict"]
        growths = [w["growth_mib"] for w in v["workers"].values() if w["growth_mib"] is not None]
        add("registry", "soak: RSS growth, last half, MiB", max(growths) if growths else None,
            f"<= {v['threshold_mib']:g} (flat)", v["flat"])
    return out


def _varied_ratio(res: ScaleResult, side: str, key: str, c: int) -> float | None:
    m = res.varied.get(side, {}).get(key, {}).get(f"c{c}")
    ceiling = res.ceiling.get(f"c{c}")
    return _ratio(m["rps"] if m and m["requests"] else None, ceiling["rps"] if ceiling else None)


def varied_lines(res: ScaleResult) -> list[str]:
    if not res.varied:
        return []
    lines = ["", f"varied queries: wrk walks a Zipf-drawn sequence of distinct URLs from the annex's own text"
                 f" ({VARIED_S} s per measurement, no warm-up); distinct = URLs in the stream's pool / sent in"
                 f" this run; hit% = estimated cache hits (the URLs sent, replayed through one"
                 f" {varied.CACHE_ENTRIES}-entry LRU per worker)"]
    head = (f"{'stream':<22}{'server':<9}{'distinct':>14} | {'c=1 rps':>9}{'p50':>9}{'p99':>9}{'hit%':>6}"
            f"{'/ceil':>7} | {'c=10 rps':>9}{'p50':>9}{'p99':>9}{'hit%':>6}{'/ceil':>7} | errors")
    lines += [head, "-" * len(head)]
    for key in varied.MEASURED:
        for i, side in enumerate(("registry", "nocache")):
            fig = res.varied.get(side, {}).get(key)
            if not fig:
                continue
            cells = ""
            sent = []
            for c in CONCURRENCY:
                m = fig.get(f"c{c}")
                mark = "*" if m.get("other_cores", 0) > DISTURBED else " "
                hit = f"{100 * m['hit_rate_est']:5.0f}%" if side == "registry" else f"{'-':>6}"
                cells += (f"{mark}{m['rps']:9.1f}{_ms(m['p50_ms'])}{_ms(m['p99_ms'])}{hit}"
                          f"{_fmt_ratio(_varied_ratio(res, side, key, c)):>7} |")
                sent.append(str(m["distinct_sent"]))
            pool = next(iter(fig.values()))["pool"]
            errs = sum(m["errors"] for m in fig.values() if m)
            lines.append(f"{(varied.STREAMS[key] if i == 0 else ''):<22}{SIDE_LABEL[side]:<9}"
                         f"{f'{pool}/' + '+'.join(sent):>14} |{cells} {errs}")
    return lines


def soak_lines(soak_res: dict) -> list[str]:
    if not soak_res:
        return []
    r, v = soak_res["load"], soak_res["verdict"]
    lines = ["", f"soak: registry as deployed ({soak_res['cache_entries']}-entry response cache per worker), wrk"
                 f" c={soak_res['connections']} for {soak_res['seconds']} s on the mixed stream (API and page,"
                 f" every class, {r['pool']} distinct URLs): {r['requests']} requests, {r['rps']:.1f} req/s,"
                 f" p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, errors {r['errors']};"
                 f" {r['distinct_sent']} distinct URLs sent, est. hits {100 * r['hit_rate_est']:.0f}%,"
                 f" est. evictions {r.get('evictions_est', 0)}"
                 + (f"; other processes took {r['other_cores']:.2f} cores" if r.get("other_cores", 0) > DISTURBED
                    else "")]
    samples = soak_res["samples"]
    lines.append("  VmRSS per worker, MiB; t =" + "".join(f"{s['t_s']:>7.0f}" for s in samples) + " s")
    for pid in samples[0]["kib"]:
        lines.append(f"  pid {pid:<21}" + "".join(f"{s['kib'][pid] / 1024:>7.1f}" if pid in s["kib"] else
                                               f"{'gone':>7}" for s in samples))
    for pid, w in v["workers"].items():
        if w["growth_mib"] is None:
            lines.append(f"  pid {pid}: {w.get('note', '?')}")
            continue
        lines.append(f"  pid {pid}: {w['start_mib']:.1f} -> {w['end_mib']:.1f} MiB; over the last half"
                     f" {w['growth_mib']:+.2f} MiB ({w['mib_per_min']:+.2f} MiB/min by least squares):"
                     f" {'flat' if w['flat'] else 'GROWING'}")
    lines.append(f"  verdict: {'flat' if v['flat'] else 'NOT flat'} (flat = every worker grew by at most"
                 f" {v['threshold_mib']:g} MiB over the second half; see SOAK_FLAT_MIB in bench/run.py)")
    return lines


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
    lines += varied_lines(res)
    lines += while_writing_lines(res.while_writing)
    lines += soak_lines(res.soak)
    lines += ["", "targets (informative, not fatal):"]
    for t in targets(res):
        v = t["value"]
        shown = "-" if v is None else (f"{v:.2f}x" if "rps" in t["target"] else f"{v:.1f}")
        lines.append(f"  {'PASS' if t['pass'] else 'FAIL'}  {SIDE_LABEL[t['side']]:<9}{t['target']:<41}"
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
                          other_cores=sc.get("other_processes_cores", 0.0), code=sc.get("code", "?"),
                          varied=sc.get("varied", {}), soak=sc.get("soak", {}),
                          while_writing=sc.get("while_writing", {}))
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
    streams = varied.write_streams(RUNS / "varied")
    log("varied streams: " + ", ".join(f"{k} {s.distinct} distinct URLs" for k, s in streams.items()))
    results = [run_scale(rows, stamp, streams) for rows in SCALES]
    text = "\n".join(report(r) for r in results)
    total = time.monotonic() - started
    print(text, flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{stamp}.json"
    out.write_text(json.dumps({
        "timestamp": stamp, "environment": env, "total_s": round(total, 1),
        "endpoints": {ep.key: {"label": ep.label, "registry": ep.registry, "peer": ep.peer} for ep in ENDPOINTS},
        "ceiling": CEILING_PATH,
        "varied": {"streams": {k: {"label": varied.STREAMS[k], "distinct": s.distinct, "sequence_len": len(s.sequence),
                                   "top": s.sequence[0]} for k, s in streams.items()},
                   "zipf_s": varied.ZIPF_S, "seed": varied.SEED, "duration_s": VARIED_S,
                   "cache_entries_assumed": varied.CACHE_ENTRIES, "soak_s": SOAK_S, "soak_every_s": SOAK_EVERY_S,
                   "soak_flat_mib": SOAK_FLAT_MIB},
        "scales": [{"rows": r.rows, "powers": r.powers, "counts": r.counts, "ceiling": r.ceiling,
                    "load": r.load, "ratios": ratios(r), "memory_kib": r.memory,
                    "targets": targets(r), "code": r.code, "setup_s": round(r.setup_s, 1), "load_s": round(r.load_s, 1),
                    "other_processes_cores": round(r.other_cores, 3), "varied": r.varied, "soak": r.soak,
                    "while_writing": r.while_writing}
                   for r in results],
    }, ensure_ascii=False, indent=1) + "\n")
    print(f"\nresults written to {out.relative_to(ROOT)}; whole run {total / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()
