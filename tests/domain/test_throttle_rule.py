"""The sign-in throttle's rule, as tables of failure times (seconds before ``now``) and the wait they earn.

The rule used here is the default: three free failures per account/address pair, then 1 s doubling up to
15 min, pair failures remembered for a day; 20 failures from one address within 15 min throttle the address.
Every expected wait is written down by hand, not recomputed with the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.throttle import Rule, pair_delay, retry_after

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
RULE = Rule()


def ago(*seconds: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds]


# The wait after the n-th failure of a pair.
DELAYS = [(0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 4), (6, 8), (10, 128), (12, 512), (13, 900), (14, 900),
          (1000, 900)]


@pytest.mark.parametrize("failures, seconds", DELAYS, ids=[f"{n}-failures" for n, _ in DELAYS])
def test_a_pairs_delay_doubles_after_the_free_failures_up_to_the_cap(failures: int, seconds: int) -> None:
    assert pair_delay(RULE, failures) == timedelta(seconds=seconds)


PAIR = {
    "no-failures": ([], None),
    "two-failures-just-now": (ago(1, 0), None),
    "third-failure-just-now": (ago(2, 1, 0), 1),
    "third-failure-a-second-ago": (ago(3, 2, 1), None),
    "fourth-failure-half-a-second-ago": (ago(3, 2, 1, 0.5), 2),  # 2 s after the last, rounded up
    "fifth-failure-three-seconds-ago": (ago(30, 20, 10, 5, 3), 1),  # waits 4 s after the last
    "fifth-failure-four-seconds-ago": (ago(30, 20, 10, 5, 4), None),
    "at-the-cap": (ago(*range(5000, 4000, -50), 100), 800),  # 21 failures: 900 s after the last
    "order-does-not-matter": (ago(0, 2, 1), 1),
    # A day later the pair starts afresh; failures that old are not counted.
    "older-than-a-day": (ago(*range(90_000, 89_000, -50)), None),
    "one-recent-after-old-ones": (ago(*range(90_000, 89_000, -50), 0), None),
}


@pytest.mark.parametrize("pair, wait", PAIR.values(), ids=PAIR.keys())
def test_a_pair_waits_after_its_own_failures(pair: list[datetime], wait: int | None) -> None:
    assert retry_after(RULE, pair, [], NOW) == wait


ADDRESS = {
    "nineteen-in-the-window": (ago(*range(19)), None),
    "twenty-in-the-window": (ago(*range(20)), 900 - 19),  # until the oldest of them leaves the window
    "fifty-in-the-window": (ago(*range(0, 500, 10)), 900 - 190),  # the 20th newest is 190 s old
    "twenty-but-one-has-left-the-window": (ago(*range(19), 901), None),
    "twenty-the-oldest-about-to-leave": (ago(*range(19), 899.5), 1),
}


@pytest.mark.parametrize("address, wait", ADDRESS.values(), ids=ADDRESS.keys())
def test_an_address_waits_after_many_failures_across_accounts(address: list[datetime], wait: int | None) -> None:
    assert retry_after(RULE, [], address, NOW) == wait


BOTH = {
    "address-longer": (ago(10, 9, 8, 7, 6, 5, 4), ago(*range(20)), 900 - 19),  # the pair: 16 s after 4 s ago
    "pair-longer": (ago(*range(40, 0, -2)), ago(*range(100, 120)), 900 - 2),  # the address: 900 - 119 s
    "neither": (ago(5, 4), ago(*range(10)), None),
}


@pytest.mark.parametrize("pair, address, wait", BOTH.values(), ids=BOTH.keys())
def test_the_longer_wait_wins(pair: list[datetime], address: list[datetime], wait: int | None) -> None:
    assert retry_after(RULE, pair, address, NOW) == wait


SETTINGS = {
    "one-free-failure": (Rule(free_failures=1), ago(0), 1),
    "longer-first-delay": (Rule(first_delay=timedelta(seconds=5)), ago(3, 2, 1, 0), 10),
    "short-cap": (Rule(longest_delay=timedelta(seconds=60)), ago(*range(50, 10, -4), 0), 60),
    "address-limit-of-three": (Rule(per_address=3, window=timedelta(seconds=60)), None, 30),
    "no-address-limit": (Rule(per_address=0), None, None),
    "no-pair-delay": (Rule(first_delay=timedelta(0)), ago(*range(10)), None),
}


@pytest.mark.parametrize("rule, pair, wait", SETTINGS.values(), ids=SETTINGS.keys())
def test_the_rule_follows_its_settings(rule: Rule, pair: list[datetime] | None, wait: int | None) -> None:
    address = ago(30, 20, 10) if pair is None else []
    assert retry_after(rule, pair or [], address, NOW) == wait
