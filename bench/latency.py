"""The latencies wrk measured, without the samples it adds before reporting them.

Before it reports, wrk (4.x, Debian's included) "corrects" its latency histogram for coordinated omission
(stats_correct in wrk.c and stats.c): with ``interval = duration_us // (requests // connections)``, every
recorded latency ``n >= 2 * interval`` adds one made-up sample at each of ``n - interval, n - 2 * interval, ...``
while that value is above ``interval``. That models an open-loop client sending on a fixed schedule. Our
connections are closed loops (the next request leaves when the last answer arrives), so the made-up samples
describe no request: on a stream that mixes 1 ms cache hits with 15 ms misses, they moved p50 from about 1 to
7 ms. With steady latencies (one URL over and over) nothing reaches ``2 * interval`` and the two agree.

The correction is exact and invertible: a bin above ``interval`` holds its own samples plus one per recorded
sample a whole number of intervals above it, so walking the bins from the top recovers the recorded counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Histogram = dict[int, int]  # microseconds -> samples


def interval_us(duration_us: int, requests: int, connections: int) -> int:
    """wrk's expected interval between two requests on one connection (0: no correction was made)."""
    per_connection = requests // connections
    return duration_us // per_connection if per_connection > 0 else 0


def corrected(recorded: Histogram, interval: int) -> Histogram:
    """What wrk reports for ``recorded`` (stats_correct, step for step): used to check ``recorded_from``."""
    out = dict(recorded)
    if interval <= 0:
        return out
    for n, count in sorted(recorded.items()):
        if n < 2 * interval:
            continue
        m = n - interval
        while m > interval:
            out[m] = out.get(m, 0) + count
            m -= interval
    return out


def recorded_from(reported: Iterable[tuple[int, int]], interval: int) -> Histogram:
    """The histogram wrk recorded, from the non-empty bins it reported and the interval it corrected with."""
    bins = dict(reported)
    if interval <= 0:
        return {v: c for v, c in bins.items() if c}
    top = max(bins, default=0)
    chain: dict[int, int] = {}  # value -> recorded samples at value, value + interval, value + 2 * interval, ...

    def above(value: int) -> int:
        while value <= top:
            if value in chain:
                return chain[value]
            value += interval
        return 0

    out: Histogram = {}
    for value in sorted(bins, reverse=True):
        later = above(value + interval)
        own = bins[value] - later if value > interval else bins[value]
        if own < 0:
            raise ValueError(f"bin {value} us holds {bins[value]} samples, fewer than the {later} wrk added to it")
        chain[value] = own + later
        if own:
            out[value] = own
    return out


def percentile(hist: Histogram, p: float) -> int:
    """wrk's definition (stats_percentile): the smallest value whose cumulative count reaches the rank."""
    total = sum(hist.values())
    rank = math.floor(p / 100 * total + 0.5 + 0.5)  # C's round(x + 0.5) for x >= 0
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    return 0


def mean(hist: Histogram) -> float:
    total = sum(hist.values())
    return sum(v * c for v, c in hist.items()) / total if total else 0.0
