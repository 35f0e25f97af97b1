"""The event bus: numbered events, and a resync instead of a silent end for a slow subscriber."""

from __future__ import annotations

import pytest
import trio

from app.core.status import PeerConnected, PeerDisconnected
from app.engine.bus import EventBus, Numbered, Resync, Subscription

pytestmark = pytest.mark.trio


def gone(n: int) -> PeerDisconnected:
    return PeerDisconnected(peer_id=f"peer-{n}")


async def take(subscription: Subscription, count: int) -> list[Numbered | Resync]:
    items: list[Numbered | Resync] = []
    with trio.fail_after(5):
        async for item in subscription:
            items.append(item)
            if len(items) == count:
                break
    return items


async def test_events_are_numbered_from_one_for_every_subscriber() -> None:
    bus = EventBus()
    assert bus.seq == 0
    async with bus.subscribe() as first:
        bus.publish(gone(1))
        async with bus.subscribe() as second:
            assert second.latest_seq == 1
            bus.publish(gone(2))
            bus.publish(PeerConnected(peer_id="peer-3"))
            assert await take(second, 2) == [
                Numbered(2, gone(2)),
                Numbered(3, PeerConnected(peer_id="peer-3")),
            ]
        assert [item.seq for item in await take(first, 3)] == [1, 2, 3]
        assert bus.statistics() == {"subscribers": 1, "seq": 3}
    assert bus.statistics() == {"subscribers": 0, "seq": 3}


async def test_a_subscriber_that_falls_behind_gets_a_resync_then_live_events() -> None:
    bus = EventBus(buffer=3)
    async with bus.subscribe() as slow, bus.subscribe() as fast:
        for n in range(1, 6):
            bus.publish(gone(n))
            if n <= 3:
                assert (await take(fast, 1))[0] == Numbered(n, gone(n))
        # 4 and 5 are still buffered for the fast one; the slow one overflowed at 4.
        assert slow.pending == 3
        assert bus.statistics()["subscribers"] == 1
        # What it had buffered is older than the snapshot it must now take: it is dropped.
        assert await take(slow, 1) == [Resync(seq=5)]
        assert slow.pending == 0
        bus.publish(gone(6))
        assert await take(slow, 1) == [Numbered(6, gone(6))]
        assert await take(fast, 3) == [Numbered(n, gone(n)) for n in (4, 5, 6)]
        # It can fall behind again, and recover again.
        for n in range(7, 11):
            bus.publish(gone(n))
        assert slow.pending == 3
        assert await take(slow, 1) == [Resync(seq=10)]
        bus.publish(gone(11))
        assert await take(slow, 1) == [Numbered(11, gone(11))]


async def test_closing_the_bus_ends_subscriptions_after_what_they_hold() -> None:
    bus = EventBus(buffer=2)
    async with bus.subscribe() as behind:
        for n in range(1, 4):
            bus.publish(gone(n))
        async with bus.subscribe() as holding:
            bus.publish(gone(4))
            bus.close()
            with trio.fail_after(5):
                assert [item async for item in holding] == [Numbered(4, gone(4))]
                # Behind when the node stopped: no resync, nothing more to take.
                assert [item async for item in behind] == []
    async with bus.subscribe() as late:
        with trio.fail_after(5):
            assert [item async for item in late] == []


async def test_a_subscriber_may_have_a_buffer_of_its_own() -> None:
    bus = EventBus(buffer=8)
    async with bus.subscribe(buffer=2) as small, bus.subscribe() as default:
        for n in range(1, 4):
            bus.publish(gone(n))
        assert default.pending == 3
        assert await take(small, 1) == [Resync(seq=3)]  # it overflowed at the third
