"""A wall clock for tests that moves with trio's clock.

Capabilities read wall time (Unix seconds) from an injected ``clock`` for what users see, files
keep or peers exchange, and wait on trio's clock. Under ``autojump_clock`` trio's clock jumps
ahead when every task waits; a :class:`TrioWallClock` jumps with it, so a TTL written as a Unix
time and the trio sleep until it agree, and a test can also move wall time on its own
(:meth:`TrioWallClock.advance`: a clock set forward, or time passing while nothing waits).
"""

from __future__ import annotations

import time

import trio


class TrioWallClock:
    """Unix seconds: ``start`` (now, by default) plus the trio time since the first reading.

    Args:
        start: The wall time of the first reading.
    """

    def __init__(self, start: float | None = None) -> None:
        self._start = time.time() if start is None else start
        self._trio_origin: float | None = None
        self._offset = 0.0

    def __call__(self) -> float:
        now = trio.current_time()
        if self._trio_origin is None:
            self._trio_origin = now
        return self._start + self._offset + (now - self._trio_origin)

    def advance(self, seconds: float) -> None:
        """Move wall time by ``seconds`` (back when negative) without trio time passing."""
        self._offset += seconds
