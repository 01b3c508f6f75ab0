"""Varied queries for the benchmark: hundreds of distinct searches taken from the real annex's own text.

The queries are substrings of seed/annex.json (the powers' names and sub-items): 1-, 2- and 4-character runs of
Chinese characters, the full pinyin of 2-character runs (qushui) and the initials of 4-character runs (qsxk),
PER_CLASS of each, drawn with a fixed seed, then interleaved so that consecutive requests differ in class. A
stream is that list of URLs once (every URL distinct); wrk (bench/wrk.lua, mode "urls") walks it and wraps around.
The same queries go to the registry's API (`/api/v1/powers?q=..&per_page=20`) and citizen page (`/?q=..`), and to
the peer's equivalents (Datasette's `_search` over its FTS table, JSON and HTML).
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from itertools import chain, zip_longest
from pathlib import Path

from bench.dataset import ROOT

PER_CLASS = 100  # 5 classes: 500 distinct queries
SEED = 6
CJK = re.compile(r"[\u4e00-\u9fff]+")
CLASSES = ("q1", "q2", "q4", "pinyin", "initials")
PEER_DB = "peer"


def enc(text: str) -> str:
    return urllib.parse.quote(text, safe="")


# Stream key -> (label, registry path, peer path) for a query.
STREAMS = {
    "api": ("API search", lambda q: f"/api/v1/powers?q={enc(q)}&per_page=20",
            lambda q: f"/{PEER_DB}/powers.json?_search={enc(q)}&_size=20"),
    "page": ("citizen search page", lambda q: f"/?q={enc(q)}",
             lambda q: f"/{PEER_DB}/powers?_search={enc(q)}&_size=20"),
}


def query_pools() -> dict[str, list[str]]:
    """PER_CLASS distinct queries of each class, from the real annex, in a fixed shuffled order."""
    from pypinyin import lazy_pinyin  # the registry's own dependency (the bench runs in its venv)

    data = json.loads((ROOT / "seed" / "annex.json").read_text(encoding="utf-8"))
    texts = [p["name"] for p in data["powers"]] + [s for p in data["powers"] for s in p["sub_items"]]
    runs = [run for text in texts for run in CJK.findall(text)]

    def grams(k: int) -> list[str]:
        return sorted({run[i:i + k] for run in runs for i in range(len(run) - k + 1)})

    pools = {"q1": grams(1), "q2": grams(2), "q4": grams(4),
             "pinyin": sorted({"".join(lazy_pinyin(g)) for g in grams(2)}),
             "initials": sorted({"".join(s[0] for s in lazy_pinyin(g)) for g in grams(4)})}
    rng = random.Random(SEED)
    for key, pool in pools.items():
        rng.shuffle(pool)
        pools[key] = pool[:PER_CLASS]
    return pools


def queries() -> list[str]:
    """Every class's queries, interleaved; all distinct."""
    pools = query_pools()
    out = [q for q in chain.from_iterable(zip_longest(*(pools[k] for k in CLASSES))) if q is not None]
    return list(dict.fromkeys(out))  # a pinyin query may also be another class's initials


def write_streams(directory: Path) -> dict[str, dict[str, Path]]:
    """One file of paths per stream and server kind: {"api": {"registry": path, "peer": path}, "page": ...}."""
    directory.mkdir(parents=True, exist_ok=True)
    qs = queries()
    out: dict[str, dict[str, Path]] = {}
    for key, (_, registry, peer) in STREAMS.items():
        out[key] = {}
        for side, fn in (("registry", registry), ("peer", peer)):
            path = directory / f"{key}-{side}.txt"
            path.write_text("".join(fn(q) + "\n" for q in qs), encoding="ascii")
            out[key][side] = path
    return out
