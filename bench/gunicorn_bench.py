"""The registry's gunicorn configuration as deployed (gunicorn_conf.py), plus one bench-only hook: each worker
logs the moment it was forked ("BENCH_FORK pid=... t=..."), from which bench/run.py times a worker's start.

    gunicorn --config bench/gunicorn_bench.py ... wsgi:app
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gunicorn_conf as _deployed
from gunicorn_conf import *  # noqa: F403


def post_fork(server, worker) -> None:
    forked = time.time()
    hook = getattr(_deployed, "post_fork", None)
    if hook is not None:
        hook(server, worker)
    server.log.info("BENCH_FORK pid=%d t=%.6f", worker.pid, forked)
