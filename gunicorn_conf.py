"""Gunicorn's configuration for the registry: `gunicorn --config gunicorn_conf.py wsgi:app`.

`make run`, the benchmark and the serving tests all load it, so production and measurement match. The command
line keeps the bind address, worker count and logs.

The master imports the app once, before it forks (preload_app): a worker is ready to answer as soon as it is
forked, and the workers share the app's pages. create_app reads the audit trail's head once (a wrong or missing
audit key stops the master with a message) and closes that connection again, and each worker drops whatever pool
it inherited. A code change therefore needs a restart of gunicorn,
not a HUP.
"""

from __future__ import annotations

import gc
from typing import Any

preload_app = True
ENGINE_KEY = "registry.engine"  # registry.db.ENGINE_KEY: this file imports nothing of the registry


def when_ready(server: Any) -> None:
    """Gunicorn hook, in the master once the app is loaded: what is alive now lives as long as every worker, so it
    is frozen before the forks (the collector stops walking it, and its pages stay shared)."""
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    """Gunicorn hook: in each worker, before it accepts a request."""
    # A pool inherited from the master must not be shared by two processes (close=False: the master's own, if it
    # has any, stays open for it).
    worker.wsgi.extensions[ENGINE_KEY].dispose(close=False)
    gc.freeze()
    worker.log.info("worker ready: %d objects frozen", gc.get_freeze_count())
