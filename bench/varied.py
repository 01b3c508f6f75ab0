"""Varied queries for the benchmark: many distinct search URLs, drawn by popularity, and what a cache makes of them.

Fixed-URL load repeats one URL, so the registry's per-worker response cache (keyed by data version + URL) answers
nearly every request. Here the queries are substrings of the real annex (seed/annex.json: the powers' names and
sub-items): every distinct 1-, 2- and 4-character run of Chinese characters, and the pinyin of the 2-character
ones (qushui), each class shuffled with a fixed seed and capped at POOL_MAX. A stream is a fixed sequence of
SEQUENCE_LEN URLs drawn from its pool with Zipf weights (rank k has weight 1/k**ZIPF_S): a few queries are asked
often, most rarely, as with people typing into a search box. wrk (bench/wrk.lua, mode "urls") walks the
sequence from an offset; each server continues its stream where its previous run stopped.

The hit rate is estimated, not observed (the registry does not say whether it answered from its cache): the
URLs wrk actually sent are replayed through one LRU per worker (REGISTRY_RESPONSE_CACHE_ENTRIES, default 512),
each request going to a worker at random, as the kernel hands connections to gunicorn's sync workers.
"""

from __future__ import annotations

import json
import os
import random
import re
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from itertools import accumulate, chain, zip_longest
from pathlib import Path

from bench.dataset import ROOT

POOL_MAX = 1000  # distinct queries per class (the annex has 387 distinct characters, 992 2-char runs, 1356 4-char)
MIXED_MAX = 2000  # distinct URLs in the soak's stream: API and page, all classes (well above 2 x 512 cached)
SEQUENCE_LEN = 50_000  # URLs per stream file; wrk wraps around at the end
ZIPF_S = 1.0
SEED = 6  # issue 6
CACHE_ENTRIES = int(os.environ.get("REGISTRY_RESPONSE_CACHE_ENTRIES", "512"))  # what the registry's workers use
WORKERS = 2
CJK = re.compile(r"[\u4e00-\u9fff]+")

# Streams: key -> label. q1..pinyin are API searches of one class each; page is the citizen search page with
# queries of every class; mixed (the soak) is both, every class.
STREAMS = {"q1": "search 1-char", "q2": "search 2-char", "q4": "search 4-char", "pinyin": "search pinyin",
           "page": "citizen search page", "mixed": "API + page, all classes"}
MEASURED = ("q1", "q2", "q4", "pinyin", "page")


def enc(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def api_path(q: str) -> str:
    return f"/api/v1/powers?q={enc(q)}&per_page=20"


def page_path(q: str) -> str:
    return f"/?q={enc(q)}"


def query_pools() -> dict[str, list[str]]:
    """The distinct queries of each class, from the real annex, in a fixed shuffled order (the popularity rank)."""
    from pypinyin import lazy_pinyin  # the registry's own dependency (the bench runs in its venv)

    data = json.loads((ROOT / "seed" / "annex.json").read_text(encoding="utf-8"))
    texts = [p["name"] for p in data["powers"]] + [s for p in data["powers"] for s in p["sub_items"]]
    runs = [run for text in texts for run in CJK.findall(text)]

    def grams(k: int) -> list[str]:
        return sorted({run[i:i + k] for run in runs for i in range(len(run) - k + 1)})

    two = grams(2)
    pools = {"q1": grams(1), "q2": two, "q4": grams(4),
             "pinyin": sorted({"".join(lazy_pinyin(g)) for g in two})}
    rng = random.Random(SEED)
    for key, pool in pools.items():
        rng.shuffle(pool)
        pools[key] = pool[:POOL_MAX]
    return pools


def _interleave(*pools: list[str]) -> list[str]:
    return [x for x in chain.from_iterable(zip_longest(*pools)) if x is not None]


def stream_pools() -> dict[str, list[str]]:
    """The distinct URLs of each stream, most popular first."""
    q = query_pools()
    classes = ("q1", "q2", "q4", "pinyin")
    out = {key: [api_path(x) for x in q[key]] for key in classes}
    every = _interleave(*(q[key] for key in classes))
    out["page"] = [page_path(x) for x in every[:POOL_MAX]]
    out["mixed"] = _interleave([api_path(x) for x in every], [page_path(x) for x in every])[:MIXED_MAX]
    return out


def zipf_sequence(pool: list[str], length: int, seed: int) -> list[str]:
    cum = list(accumulate(1.0 / (k + 1) ** ZIPF_S for k in range(len(pool))))
    return random.Random(seed).choices(pool, cum_weights=cum, k=length)


@dataclass
class Stream:
    key: str
    path: Path
    sequence: list[str]
    distinct: int

    def sent(self, offset: int, count: int) -> list[str]:
        """The URLs a wrk run starting at offset handed out, in order."""
        n = len(self.sequence)
        return [self.sequence[(offset + i) % n] for i in range(count)]


def write_streams(directory: Path) -> dict[str, Stream]:
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for i, (key, pool) in enumerate(stream_pools().items()):
        seq = zipf_sequence(pool, SEQUENCE_LEN, SEED * 100 + i)
        path = directory / f"{key}.txt"
        path.write_text("\n".join(seq) + "\n", encoding="ascii")
        out[key] = Stream(key, path, seq, len(pool))
    return out


@dataclass
class CacheSim:
    """One LRU of CACHE_ENTRIES per worker; each request goes to a worker at random."""

    seed: int = SEED
    entries: int = CACHE_ENTRIES
    workers: list[OrderedDict] = field(default_factory=lambda: [OrderedDict() for _ in range(WORKERS)])
    evictions: int = 0
    version: int = 0  # the registry's cache key is (data version, URL)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def new_version(self) -> None:
        """The data version moved (a write): no cached body is served again, but each stays until evicted."""
        self.version += 1

    def replay(self, urls: list[str]) -> int:
        """Send urls through the caches; returns how many were hits."""
        hits = 0
        if self.entries <= 0:
            return 0
        for url in urls:
            lru = self.workers[self.rng.randrange(len(self.workers))]
            key = (self.version, url)
            if key in lru:
                lru.move_to_end(key)
                hits += 1
                continue
            lru[key] = True
            if len(lru) > self.entries:
                lru.popitem(last=False)
                self.evictions += 1
        return hits
