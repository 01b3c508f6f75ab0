"""Gunicorn's configuration for the registry: `gunicorn --config gunicorn_conf.py wsgi:app`.

`make run`, the benchmark and the serving tests all load it, so production and measurement match. It holds
only what must happen per worker; the command line keeps the bind address, worker count and logs.

Nothing happens when gunicorn's master reads this file: it imports nothing of the registry (a HUP then still
starts workers on new code), and the hook runs in each worker, after it has loaded wsgi:app.
"""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Gunicorn hook: in each worker, once wsgi:app is loaded and before it accepts a request."""
    # What is alive now (the app and its modules) lives as long as the worker: frozen, the collector stops
    # walking it on every full collection.
    gc.freeze()
    worker.log.info("worker ready: %d objects frozen", gc.get_freeze_count())
