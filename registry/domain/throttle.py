"""The sign-in throttle: how long an attempt must wait, given the recent failures of its account/address pair
and of its address.

A pair's failures grow its own delay (doubling up to a cap) and an address's failures across accounts throttle
that address; nothing throttles an account as such, so failures from one place never lock out its owner
signing in from another.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Rule:
    """The throttle's settings."""

    free_failures: int = 3  # failures of one pair before each further attempt from it waits
    first_delay: timedelta = timedelta(seconds=1)  # the wait after the first failure beyond those; it then doubles
    longest_delay: timedelta = timedelta(minutes=15)
    pair_memory: timedelta = timedelta(days=1)  # a pair's failures count this long, or until it signs in
    per_address: int = 20  # failures from one address, whatever the account, that throttle it ...
    window: timedelta = timedelta(minutes=15)  # ... within this window


def pair_delay(rule: Rule, failures: int) -> timedelta:
    """The wait after a pair's ``failures``-th failure: none within the free ones, then doubling up to the cap."""
    beyond = failures - rule.free_failures
    if beyond < 0 or rule.first_delay <= timedelta(0):
        return timedelta(0)
    # Doubling overflows nothing: past the cap's exponent the cap answers.
    cap_exponent = math.ceil(math.log2(max(rule.longest_delay / rule.first_delay, 1)))
    return min(rule.first_delay * 2 ** min(beyond, cap_exponent), rule.longest_delay)


def retry_after(rule: Rule, pair_failures: Sequence[datetime], address_failures: Sequence[datetime],
                now: datetime) -> int | None:
    """Whole seconds to wait before an attempt may be checked, or None when it may be checked now.

    ``pair_failures`` are the pair's failures since it last signed in; ``address_failures`` those of its
    address, for any account. Failures older than their horizon (pair memory, window) are ignored here.
    """
    ready = []
    pair = sorted(t for t in pair_failures if t > now - rule.pair_memory)
    if pair:
        ready.append(pair[-1] + pair_delay(rule, len(pair)))
    address = sorted(t for t in address_failures if t > now - rule.window)
    if rule.per_address > 0 and len(address) >= rule.per_address:
        # Throttled until the oldest of the last ``per_address`` failures leaves the window.
        ready.append(address[-rule.per_address] + rule.window)
    wait = max(ready, default=now) - now
    return math.ceil(wait.total_seconds()) if wait > timedelta(0) else None
