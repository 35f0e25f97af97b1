"""RateLimiter: a token bucket per key, refilled with time, with a bounded table of keys."""

from __future__ import annotations

import pytest

from app.util.ratelimit import RateLimiter


def test_a_burst_then_the_rate() -> None:
    limiter = RateLimiter(rate=0.5, burst=3)
    assert [limiter.allow("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert not limiter.allow("a", 1.0)  # half a token
    assert limiter.allow("a", 2.0)  # one token after 2 s
    assert not limiter.allow("a", 2.0)
    # A long rest refills the bucket to its size, never beyond.
    assert [limiter.allow("a", 100.0) for _ in range(4)] == [True, True, True, False]


def test_keys_have_their_own_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    assert limiter.allow("a", 0.0)
    assert not limiter.allow("a", 0.0)
    assert limiter.allow("b", 0.0)


def test_the_table_of_keys_stays_bounded() -> None:
    limiter = RateLimiter(rate=1.0, burst=2, max_keys=8)
    for i in range(1000):
        limiter.allow(i, float(i) / 1000)
    assert len(limiter) <= 8
    # A key that has rested long enough to be full again is forgotten first, and comes back full.
    limiter = RateLimiter(rate=1.0, burst=2, max_keys=2)
    assert limiter.allow("old", 0.0)
    assert limiter.allow("busy", 9.0)
    assert limiter.allow("busy", 9.0)
    assert limiter.allow("new", 10.0)  # "old" rested 10 s: dropped, "busy" kept
    # "busy" kept its bucket: one token refilled in 1 s, not a fresh bucket of 2.
    assert limiter.allow("busy", 10.0)
    assert not limiter.allow("busy", 10.0)


@pytest.mark.parametrize(
    ("rate", "burst", "max_keys"), [(0.0, 1, 1), (1.0, 0, 1), (1.0, 1, 0), (-1.0, 1, 1)]
)
def test_bad_parameters(rate: float, burst: int, max_keys: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate=rate, burst=burst, max_keys=max_keys)
