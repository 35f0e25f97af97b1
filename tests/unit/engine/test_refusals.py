"""RefusalReporter: every refusal counted, at most one connection-refused event per interval."""

from __future__ import annotations

import pytest
import trio
from trio.testing import MockClock

from app.core.status import ConnectionRefused
from app.engine.bus import EventBus, Numbered, Subscription
from app.engine.refusals import REPORT_INTERVAL, RefusalReporter

pytestmark = pytest.mark.trio


async def _drain(subscription: Subscription) -> list[ConnectionRefused]:
    """The events buffered for ``subscription`` now."""
    events = []
    while subscription.pending:
        item = await anext(subscription)
        assert isinstance(item, Numbered)
        assert isinstance(item.event, ConnectionRefused)
        events.append(item.event)
    return events


async def test_a_burst_is_one_event_at_once_and_one_with_the_rest(
    autojump_clock: MockClock,
) -> None:
    bus = EventBus(buffer=8)
    reporter = RefusalReporter(bus)
    async with bus.subscribe() as events, trio.open_nursery() as nursery:
        await nursery.start(reporter.run)
        reporter.refused("first", "/ip4/192.0.2.1/tcp/1")
        # The first refusal after a quiet time is told at once, alone.
        assert await _drain(events) == [ConnectionRefused("first", "/ip4/192.0.2.1/tcp/1", 1)]
        for n in range(500):
            reporter.refused(f"peer-{n}", f"/ip4/192.0.2.2/tcp/{n}")
            await trio.sleep(REPORT_INTERVAL / 1000)  # 500 refusals in half an interval
        assert events.pending == 0
        await trio.sleep(REPORT_INTERVAL)
        # The rest of the interval: one event, with their count and the last one's details.
        rest = ConnectionRefused("peer-499", "/ip4/192.0.2.2/tcp/499", 500)
        assert await _drain(events) == [rest]
        assert reporter.total == 501
        # Quiet again: the next refusal is told at once.
        await trio.sleep(5 * REPORT_INTERVAL)
        reporter.refused("late", "/ip4/192.0.2.3/tcp/1")
        assert await _drain(events) == [ConnectionRefused("late", "/ip4/192.0.2.3/tcp/1", 1)]
        nursery.cancel_scope.cancel()


async def test_a_steady_flood_gives_one_event_per_interval(autojump_clock: MockClock) -> None:
    bus = EventBus(buffer=64)
    reporter = RefusalReporter(bus)
    async with bus.subscribe() as events, trio.open_nursery() as nursery:
        await nursery.start(reporter.run)
        start = trio.current_time()
        for n in range(10_000):  # 1000 a second for 10 s
            reporter.refused("p", f"/ip4/192.0.2.1/tcp/{n}")
            await trio.sleep(0.001)
        await trio.sleep(2 * REPORT_INTERVAL)
        got = await _drain(events)
        elapsed = trio.current_time() - start
        assert sum(e.count for e in got) == reporter.total == 10_000
        assert len(got) <= elapsed / REPORT_INTERVAL + 1
        nursery.cancel_scope.cancel()
