"""Gunicorn's configuration for the registry: `gunicorn --config gunicorn_conf.py wsgi:app`.

`make run`, the benchmark and the serving tests all load it, so production and measurement match. It holds
only what must happen per worker; the command line keeps the bind address, worker count and logs.

Nothing happens when gunicorn's master reads this file: it imports nothing of the registry (a HUP then still
starts workers on new code), and the hook runs in each worker, after it has loaded wsgi:app.
"""

from __future__ import annotations

import gc
import time
from typing import Any


def warm_up() -> tuple[int, float]:
    """Build what a worker's first request would otherwise build: the pinyin syllable table, which every
    pinyin query reads (0.3-0.8 s of pypinyin's dictionary). Returns (syllables, milliseconds)."""
    from registry.domain import searchtext

    start = time.perf_counter()
    count = len(searchtext.syllables())
    searchtext.query("qushui").pinyin_grams()  # and the table of syllable prefixes it reads
    return count, (time.perf_counter() - start) * 1000


# Searches of each kind and length a citizen types, one per shape of statement registry.services.search builds
# (by the query's length, its letters, and how many grams it has): a worker compiles each shape on first use, 5-15 ms
# on 2 cores, and the 30-odd shapes a live worker met first were most of its first minutes' slowest searches.
WARM_SEARCHES = ("林", "取水", "取水许", "取水许可", "取水许可证", "林木种子生产", "林木种子生产经", "林木种子生产经营",
                 "q", "qs", "qsx", "qsxk", "qushui", "jianshe", "quanshe", "xingzhengxuke", "zhengshan")


def warm_search(app: Any) -> tuple[int, float] | None:
    """Load the search copy of the index entries (registry.services.corpus), which the worker's first general search
    would otherwise load (0.7-1 s at 100,000 powers), then answer WARM_SEARCHES through the app, API and citizen page.
    Returns (entries, milliseconds), or None when the database cannot be read yet: the worker still starts, /healthz
    says what is wrong, and the first search loads the copy."""
    from sqlalchemy.exc import SQLAlchemyError

    from registry import db
    from registry.services import corpus

    start = time.perf_counter()
    try:
        with app.app_context():
            count = len(corpus.current(db.session(write=False)).ids)
    except SQLAlchemyError:
        return None
    client = app.test_client()
    for q in WARM_SEARCHES:
        client.get("/api/v1/powers", query_string={"q": q, "per_page": 20})
        client.get("/", query_string={"q": q})
    return count, (time.perf_counter() - start) * 1000


def post_worker_init(worker: Any) -> None:
    """Gunicorn hook: in each worker, once wsgi:app is loaded and before it accepts a request."""
    count, ms = warm_up()
    copy = warm_search(worker.wsgi)
    loaded = ("search copy not loaded: the database cannot be read" if copy is None
              else f"search copy loaded ({copy[0]} entries) and searches compiled ({copy[1]:.0f} ms)")
    # What is alive now (the app, pypinyin's dictionaries, the syllable tables) lives as long as the worker: frozen,
    # the collector stops walking it, and a full collection no longer stalls a request by ~100 ms every few dozen
    # searches that allocate rows by the thousand.
    gc.freeze()
    worker.log.info("worker warmed up: pinyin syllable table ready (%d syllables, %.0f ms); %s; %d objects frozen",
                    count, ms, loaded, gc.get_freeze_count())
