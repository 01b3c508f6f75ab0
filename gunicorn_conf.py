"""Gunicorn's configuration for the registry: `gunicorn --config gunicorn_conf.py wsgi:app`.

`make run`, the benchmark, the serving tests and deploy/systemd/registry.service all load it, so production and
measurement match. The command line keeps the bind address and logs, and overrides anything set here.

The master imports the app once, before it forks (preload_app): a worker is ready to answer as soon as it is
forked, and the workers share the app's pages. create_app reads the audit trail's head once (a wrong or missing
audit key stops the master with a message) and closes that connection again, and each worker drops whatever pool
it inherited. A code change therefore needs a restart of gunicorn,
not a HUP.

Sync workers hold one connection each until the request is read whole: they belong behind a buffering proxy
(deploy/nginx/registry.conf), never facing clients directly. A worker dies with its master (see post_fork).
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import sys
from typing import Any

preload_app = True
ENGINE_KEY = "registry.engine"  # registry.db.ENGINE_KEY: this file imports nothing of the registry

# REGISTRY_WORKERS, else gunicorn's usual advice for sync workers: two per core, plus one.
workers = int(os.environ.get("REGISTRY_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
timeout = 30  # a worker silent this long (one request taking this long) is killed and replaced
graceful_timeout = 20  # on TERM, how long running requests may finish; below systemd's TimeoutStopSec
umask = 0o007  # a unix socket this master binds is for its own user and group (nginx's user is in the group)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def when_ready(server: Any) -> None:
    """Gunicorn hook, in the master once the app is loaded: what is alive now lives as long as every worker, so it
    is frozen before the forks (the collector stops walking it, and its pages stay shared)."""
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """Gunicorn hook, in each new worker: ask Linux to send it SIGTERM the moment its master dies.

    A sync worker notices a new parent only between requests and after up to half the timeout idle, so the workers
    of a killed master kept the listening socket, and the next master could not bind it. SIGTERM is the master's
    own way of stopping a worker: an idle one leaves at once, a busy one after its request."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        worker.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    if os.getppid() != worker.ppid:  # the master died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def post_worker_init(worker: Any) -> None:
    """Gunicorn hook: in each worker, before it accepts a request."""
    # A pool inherited from the master must not be shared by two processes (close=False: the master's own, if it
    # has any, stays open for it).
    worker.wsgi.extensions[ENGINE_KEY].dispose(close=False)
    gc.freeze()
    worker.log.info("worker ready: %d objects frozen", gc.get_freeze_count())
