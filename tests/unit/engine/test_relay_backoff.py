"""The relay client's reservation refresh and its back-off, on trio's mock clock.

A real relay hop on a real host (loopback) whose policy refuses or accepts reservations, and a
real client host keeping a reservation on it. The hop's policy callback records when the client
asked: what is tested is when. Relaying itself is in tests/integration/test_relay.py.
"""

from __future__ import annotations

import itertools

import pytest
import trio
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.engine.relay import RelayClient, RelayHop, RelayLimits
from tests.helpers.clock import TrioWallClock
from tests.unit.engine.compat.hosts import noise_host, running

pytestmark = pytest.mark.trio

TTL = 100.0


class Policy:
    """The hop's ``may_reserve``: records each request (trio time), then says ``allow``."""

    def __init__(self) -> None:
        self.allow = False
        self.asked: list[float] = []

    def __call__(self, _peer: ID) -> bool:
        self.asked.append(trio.current_time())
        return self.allow


def _gaps(times: list[float]) -> list[float]:
    return [round(b - a, 1) for a, b in itertools.pairwise(times)]


async def test_reservation_retries_back_off_then_refresh_every_minute(
    autojump_clock: MockClock,
) -> None:
    clock = TrioWallClock()
    relay, client = noise_host(), noise_host()
    policy = Policy()
    RelayHop(relay, RelayLimits(reservation_ttl=TTL), may_reserve=policy, clock=clock).install()
    async with running(relay, client), trio.open_nursery() as nursery:
        address = f"{relay.get_transport_addrs()[0]}/p2p/{relay.get_id()}"
        reservations = RelayClient(client, [address], clock=clock)
        reservations.install()
        await nursery.start(reservations.run)

        # Refused: tried again after 1 s, doubling up to 30 s.
        await trio.sleep(100)
        assert _gaps(policy.asked) == [1, 2, 4, 8, 16, 30, 30]
        assert not reservations.has_reservation()
        (state,) = reservations.relays
        assert state.error_code == "reservation-refused"

        # A network change asks at once, whatever is left of the wait.
        before = len(policy.asked)
        await trio.sleep(5)
        reservations.refresh_soon()
        await trio.sleep(0.1)
        assert len(policy.asked) == before + 1

        # Accepted: kept, and made again before each TTL (100 s here) runs out.
        policy.allow = True
        reservations.refresh_soon()
        await trio.sleep(0.1)
        accepted = len(policy.asked)
        for _ in range(30):
            assert reservations.has_reservation()
            await trio.sleep(10)
        refreshes = _gaps(policy.asked[accepted - 1 :])
        assert len(refreshes) >= 2
        assert all(TTL * 0.8 <= gap < TTL for gap in refreshes), refreshes

        # Refused again: the back-off starts over at 1 s.
        policy.allow = False
        switched = trio.current_time()
        await trio.sleep(TTL + 10)
        assert not reservations.has_reservation()
        assert _gaps([t for t in policy.asked if t > switched])[:3] == [1, 2, 4]
        nursery.cancel_scope.cancel()
