"""bench.latency undoes wrk's coordinated-omission correction: exactly on histograms, and on a real wrk run."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import latency, run


@pytest.mark.parametrize(("recorded", "interval"), [
    ({900: 40, 1100: 60}, 1000),  # steady: nothing reaches twice the interval, nothing is added
    ({800: 300, 900: 200, 15_000: 100, 16_400: 3}, 5_000),  # cache hits and misses
    ({1_000: 500, 1_200_000: 1}, 3_000),  # one reload of a second among quick answers
    ({2_000: 5, 4_000: 5, 6_000: 5, 8_000: 5}, 2_000),  # recorded values on each other's made-up chains
    ({2_001: 1, 4_001: 1, 10_001: 2}, 2_000),  # a gap in the chain: 6_001 and 8_001 hold made-up samples only
    ({5: 1, 10: 2, 11: 3}, 5),  # values at and around twice the interval
    ({700: 10}, 0),  # too few requests per connection for wrk to correct anything
])
def test_what_wrk_added_is_taken_away_exactly(recorded, interval):
    reported = latency.corrected(recorded, interval)
    assert latency.recorded_from(reported.items(), interval) == recorded


def test_the_correction_inflates_a_mixed_stream():
    recorded = {800: 200, 900: 100, 15_000: 100}
    reported = latency.corrected(recorded, 3_000)
    assert sum(reported.values()) == sum(recorded.values()) + 300  # at 12, 9 and 6 ms
    assert latency.percentile(recorded, 50) == 900
    assert latency.percentile(reported, 50) > 900


@pytest.mark.parametrize(("hist", "p", "value"), [
    ({1: 1, 2: 1, 3: 1, 4: 1}, 50, 3),  # wrk's rank: round(p% of the count + 0.5)
    ({1: 1, 2: 1, 3: 1, 4: 1}, 99, 4),
    ({1: 98, 50: 2}, 99, 50),
    ({1: 99, 50: 1}, 99, 50),
    ({1: 100, 50: 1}, 99, 1),
])
def test_percentiles_rank_as_wrk_does(hist, p, value):
    assert latency.percentile(hist, p) == value


def test_a_bin_with_fewer_samples_than_were_added_is_refused():
    with pytest.raises(ValueError, match="fewer"):
        latency.recorded_from([(15_000, 1), (10_000, 0), (5_000, 0), (20_000, 1)], 5_000)


SLOW_S = 0.03


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in two writes: no 40 ms wait for a delayed ACK
    slow_answers = 0

    def do_GET(self):
        if self.path.startswith("/slow"):
            time.sleep(SLOW_S)
            type(self).slow_answers += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # wrk drops its connection when its time is up


def test_a_real_wrk_run_reports_the_requests_it_timed(tmp_path):
    """Every third request of the stream takes 30 ms, which wrk follows with a made-up sample of 20 ms."""
    assert shutil.which("wrk"), "wrk is missing: apt-get install wrk (the benchmark's load generator)"
    urls = tmp_path / "urls.txt"
    urls.write_text("".join(f"/{'slow' if i % 3 == 2 else 'fast'}/{i}\n" for i in range(300)), encoding="ascii")
    server = _QuietServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        argv, env = run.wrk_command(f"http://127.0.0.1:{server.server_port}/", 1, 2, "urls",
                                    extra_env={"BENCH_WRK_URLS": str(urls), "BENCH_WRK_OFFSET": "0"})
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env)
    finally:
        server.shutdown()
    r = run.wrk_result(proc.returncode, proc.stdout, proc.stderr)
    assert r["errors"] == 0 and r["requests"] > 30
    assert r["wrk_added"] > 0 and r["wrk_mean_ms"] > 1.1 * r["mean_ms"]  # wrk's figures hold made-up samples
    assert r["p50_ms"] < 5 and r["p90_ms"] >= SLOW_S * 1000  # ours: two quick answers in three, then the slow one
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    recorded = latency.recorded_from(raw["bins"], raw["interval_us"])
    assert sum(recorded.values()) == r["requests"]
    slow_timed = sum(c for v, c in recorded.items() if v >= SLOW_S * 1e6)
    assert slow_timed in (_Server.slow_answers - 1, _Server.slow_answers)  # the last may be answered, not timed
