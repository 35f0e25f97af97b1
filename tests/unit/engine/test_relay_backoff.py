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

from app.engine.relay import RelayHop, RelayLimits
from app.engine.relayclient import (
    RESERVE_BACKOFF_LOST,
    RESERVE_LOST_WINDOW,
    RESERVE_STABLE,
    RelayClient,
)
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


def _backed_off(gaps: list[float]) -> bool:
    """Each gap is the back-off (0.5 s doubling to 30 s) within its ±25 % jitter."""
    waits = [min(0.5 * 2**i, 30.0) for i in range(len(gaps))]
    return all(0.75 * w - 0.1 <= g <= 1.25 * w + 0.1 for g, w in zip(gaps, waits, strict=True))


async def test_reservation_retries_back_off_then_refresh_at_80_percent(
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

        # Refused: tried again after 0.5 s, doubling up to 30 s, each wait jittered.
        await trio.sleep(100)
        assert len(policy.asked) >= 8
        assert _backed_off(_gaps(policy.asked)), _gaps(policy.asked)
        assert not reservations.has_reservation()
        (state,) = reservations.relays
        assert state.error_code == "reservation-refused"

        # A network change asks at once, whatever is left of the wait (counted from just before
        # it: a retry of the back-off may fall in the 5 s before).
        await trio.sleep(5)
        before = len(policy.asked)
        reservations.refresh_soon()
        await trio.sleep(0.1)
        assert len(policy.asked) == before + 1

        # Accepted: kept, and made again at 80 % of each TTL (100 s here; the wire has whole
        # seconds).
        policy.allow = True
        reservations.refresh_soon()
        await trio.sleep(0.1)
        accepted = len(policy.asked)
        for _ in range(30):
            assert reservations.has_reservation()
            await trio.sleep(10)
        refreshes = _gaps(policy.asked[accepted - 1 :])
        assert len(refreshes) >= 2
        assert all(TTL * 0.78 <= gap <= TTL * 0.81 for gap in refreshes), refreshes

        # Refused again: the back-off starts over at 0.5 s.
        policy.allow = False
        switched = trio.current_time()
        await trio.sleep(TTL + 10)
        assert not reservations.has_reservation()
        assert _backed_off(_gaps([t for t in policy.asked if t > switched])[:4])
        nursery.cancel_scope.cancel()


async def test_a_closed_relay_connection_drops_the_reservation_and_reserves_again(
    autojump_clock: MockClock,
) -> None:
    clock = TrioWallClock()
    relay, client = noise_host(), noise_host()
    policy = Policy()
    policy.allow = True
    RelayHop(relay, RelayLimits(reservation_ttl=TTL), may_reserve=policy, clock=clock).install()
    async with running(relay, client), trio.open_nursery() as nursery:
        address = f"{relay.get_transport_addrs()[0]}/p2p/{relay.get_id()}"
        changes: list[bool] = []
        reservations = RelayClient(
            client, [address], clock=clock, on_change=lambda: changes.append(held())
        )

        def held() -> bool:
            return reservations.has_reservation()

        reservations.install()
        await nursery.start(reservations.run)
        await trio.sleep(1)
        assert held()
        assert changes[0] is True

        for _ in range(3):
            # The relay hangs up (a restart): the reservation is gone at once, not at expiry ...
            asked, seen = len(policy.asked), len(changes)
            await relay.get_network().close_peer(client.get_id())
            await trio.sleep(0.01)
            # (The first retry is jittered from 0 s: it may already have succeeded by now.)
            assert changes[seen] is False
            # ... and made again within the first jittered wait (0.5 s), on the new connection.
            await trio.sleep(0.6)
            assert held()
            assert len(policy.asked) > asked
            assert changes[-1] is True
            (state,) = reservations.relays
            assert state.error is None

        # Connected again for a dial of its own before re-reserving: connected is not reserved.
        asked = len(policy.asked)
        policy.allow = False
        await relay.get_network().close_peer(client.get_id())
        await trio.sleep(0.01)
        await client.connect(relay_info(relay))
        assert client.get_network().get_connections(relay.get_id())
        await trio.sleep(2)
        assert not held()
        assert len(policy.asked) > asked + 1  # still trying, backing off
        policy.allow = True
        await trio.sleep(5)
        assert held()
        nursery.cancel_scope.cancel()


def relay_info(host: object) -> object:
    from libp2p.peer.peerinfo import PeerInfo

    return PeerInfo(host.get_id(), host.get_transport_addrs())  # type: ignore[attr-defined]


async def test_after_losing_a_lasting_reservation_retries_stay_within_a_second_for_a_while(
    autojump_clock: MockClock,
) -> None:
    # A relay that served us for a while and hung up is most likely restarting: it is asked
    # again about every second (jittered) for RESERVE_LOST_WINDOW, so the reservation is back
    # within about a second of the relay, then the usual back-off grows again to 30 s.
    clock = TrioWallClock()
    relay, client = noise_host(), noise_host()
    policy = Policy()
    policy.allow = True
    RelayHop(relay, RelayLimits(reservation_ttl=TTL), may_reserve=policy, clock=clock).install()
    async with running(relay, client), trio.open_nursery() as nursery:
        address = f"{relay.get_transport_addrs()[0]}/p2p/{relay.get_id()}"
        reservations = RelayClient(client, [address], clock=clock)
        reservations.install()
        await nursery.start(reservations.run)
        await trio.sleep(RESERVE_STABLE + 1)
        assert reservations.has_reservation()
        policy.allow = False  # still starting up: it refuses for now
        await relay.get_network().close_peer(client.get_id())
        lost = trio.current_time()
        await trio.sleep(RESERVE_LOST_WINDOW + 120)
        asked = [t for t in policy.asked if t > lost]
        early = _gaps([t for t in asked if t < lost + RESERVE_LOST_WINDOW])
        assert len(early) > RESERVE_LOST_WINDOW / 2, early
        assert all(g <= RESERVE_BACKOFF_LOST * 1.25 + 0.1 for g in early), early
        late = _gaps([t for t in asked if t > lost + RESERVE_LOST_WINDOW])
        assert late, asked
        assert max(late) > 10, late  # growing again
        nursery.cancel_scope.cancel()


async def test_a_relay_that_hangs_up_right_after_granting_is_retried_ever_more_slowly(
    autojump_clock: MockClock,
) -> None:
    clock = TrioWallClock()
    relay, client = noise_host(), noise_host()
    policy = Policy()
    policy.allow = True
    RelayHop(relay, RelayLimits(reservation_ttl=TTL), may_reserve=policy, clock=clock).install()
    async with running(relay, client), trio.open_nursery() as nursery:
        address = f"{relay.get_transport_addrs()[0]}/p2p/{relay.get_id()}"
        reservations = RelayClient(client, [address], clock=clock)
        reservations.install()
        await nursery.start(reservations.run)
        await trio.sleep(1)
        # Hangs up within a second of each grant, and refuses after the fourth.
        for i in range(40):
            if len(policy.asked) >= 4:
                policy.allow = False
            if reservations.has_reservation():
                await relay.get_network().close_peer(client.get_id())
            await trio.sleep(1 if i < 20 else 5)
        gaps = _gaps(policy.asked)
        assert max(gaps) > 4 * RESERVE_BACKOFF_LOST, gaps  # not the restart's quick retries
        nursery.cancel_scope.cancel()
