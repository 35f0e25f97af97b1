"""Token buckets: at most ``burst`` actions at once, then ``rate`` per second, per key.

Pure: the caller passes the time (trio's clock in the engine), so tests need no real waits.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key, with a bound on how many keys it remembers.

    Args:
        rate: Tokens added per second.
        burst: The bucket's size: how many actions a key may take at once after a rest.
        max_keys: How many keys are remembered; a key whose bucket refilled is forgotten first
            (it would start full anyway), so an attacker with many keys cannot grow the table.
    """

    def __init__(self, *, rate: float, burst: int, max_keys: int = 4096) -> None:
        if rate <= 0 or burst < 1 or max_keys < 1:
            raise ValueError("a rate limiter needs rate > 0, burst >= 1 and max_keys >= 1")
        self.rate = rate
        self.burst = burst
        self._max_keys = max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def allow(self, key: Hashable, now: float) -> bool:
        """Take a token of ``key``'s bucket at time ``now``; False when it is empty."""
        bucket = self._buckets.get(key)
        if bucket is None:
            self._make_room(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate
            )
            bucket.updated = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def __len__(self) -> int:
        return len(self._buckets)

    def _make_room(self, now: float) -> None:
        if len(self._buckets) < self._max_keys:
            return
        refill = self.burst / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.updated >= refill]:
            del self._buckets[key]
        while len(self._buckets) >= self._max_keys:
            # Every bucket is in use: forget the one idle longest (the table stays bounded).
            oldest = min(self._buckets, key=lambda k: self._buckets[k].updated)
            del self._buckets[oldest]
