"""The dial race's order and timing, on trio's mock clock.

The dials here are stand-ins that only take time and succeed or fail: what is tested is who
starts when and who wins. The same race over real nodes is in tests/integration/test_dht.py
(a stalled DHT, a direct address found by the DHT) and tests/integration/test_relay.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence

import multiaddr
import pytest
import trio
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from trio.testing import MockClock

from app.core.errors import PeerUnreachableError
from app.engine.dialer import (
    DIAL_TIMEOUT,
    RELAY_HEAD_START,
    RELAY_RETRY_DELAYS,
    Route,
    _DialRace,
)
from app.engine.relayclient import PeerNotAtRelayError, RelayUnreachableError

pytestmark = pytest.mark.trio

PEER = ID.from_pubkey(create_new_key_pair().public_key)
RELAY = ID.from_pubkey(create_new_key_pair().public_key)
OTHER_RELAY = ID.from_pubkey(create_new_key_pair().public_key)
DIRECT = multiaddr.Multiaddr("/ip4/192.0.2.7/tcp/4001")
RELAY_ADDR = multiaddr.Multiaddr("/ip4/192.0.2.1/tcp/4001")
OTHER_RELAY_ADDR = multiaddr.Multiaddr("/ip4/192.0.2.2/tcp/4001")
CONFIGURED: Route = (RELAY_ADDR, RELAY)


class Dialer:
    """Dials that take ``seconds`` and then connect (or fail with ``error``), logging their start.

    Attributes:
        started: ``(what, trio time)`` for each dial, in order.
    """

    def __init__(
        self,
        direct: float,
        relay: float,
        *,
        error: str | None = None,
        direct_error: str | None = None,
    ) -> None:
        self._direct = direct
        self._relay = relay
        self._error = error
        self._direct_error = direct_error or error
        self.started: list[tuple[str, float]] = []

    async def connect(self, info: PeerInfo) -> None:
        self.started.append(("direct " + " ".join(str(a) for a in info.addrs), trio.current_time()))
        await self._finish(self._direct, self._direct_error)

    async def relay_dial(self, relay_addr: multiaddr.Multiaddr, relay_id: ID, peer: ID) -> None:
        assert peer == PEER
        self.started.append((f"relay {relay_id}", trio.current_time()))
        await self._finish(self._relay, self._error)

    async def _finish(self, seconds: float, error: str | None) -> None:
        await trio.sleep(seconds)
        if error is not None:
            raise PeerUnreachableError(error)


def _race(dialer: Dialer, configured: Sequence[Route]) -> _DialRace:
    """A race whose relay routes are, like Node._relay_routes, the relays of the circuits found
    and then the ``configured`` relays."""

    def relay_routes(found: Sequence[multiaddr.Multiaddr]) -> list[Route]:
        routes: list[Route] = []
        for addr in found:
            head, circuit, _ = str(addr).partition("/p2p-circuit")
            if circuit:
                base, _, relay = head.rpartition("/p2p/")
                routes.append((multiaddr.Multiaddr(base), ID.from_base58(relay)))
        return [*routes, *configured]

    return _DialRace(
        PEER, connect=dialer.connect, relay_dial=dialer.relay_dial, relay_routes=relay_routes
    )


def _looking_up(
    after: float, found: list[multiaddr.Multiaddr] | None
) -> Callable[[], Awaitable[list[multiaddr.Multiaddr]]]:
    """A lookup that answers ``found`` after ``after`` s, or never (``None``)."""

    async def look_up() -> list[multiaddr.Multiaddr]:
        await trio.sleep(after)
        if found is None:
            await trio.sleep_forever()
        return list(found or [])

    return look_up


async def test_a_stalled_lookup_delays_the_relay_only_by_its_head_start(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.1, relay=0.1)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([], [CONFIGURED], _looking_up(0, None))
    assert race.won
    assert [(what, t - t0) for what, t in dialer.started] == [(f"relay {RELAY}", RELAY_HEAD_START)]
    assert trio.current_time() - t0 == pytest.approx(RELAY_HEAD_START + 0.1)


async def test_with_nothing_else_to_wait_for_the_relay_starts_at_once(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.1, relay=0.1)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([], [CONFIGURED], None)
    assert race.won
    assert [t - t0 for _, t in dialer.started] == [0.0]


async def test_a_direct_address_found_early_gets_a_head_start_of_its_own(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.2, relay=0.01)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([], [CONFIGURED], _looking_up(0.1, [DIRECT]))
    assert race.won
    # The direct dial started at 0.1 s and connected at 0.3 s, before the relay's moved start
    # (0.1 + RELAY_HEAD_START): the relay was never dialled.
    assert [(what, t - t0) for what, t in dialer.started] == [(f"direct {DIRECT}", 0.1)]


async def test_a_direct_address_found_late_races_the_running_relay(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.05, relay=1.0)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([], [CONFIGURED], _looking_up(1.0, [DIRECT]))
    assert race.won
    starts = [(what, t - t0) for what, t in dialer.started]
    assert starts == [(f"relay {RELAY}", RELAY_HEAD_START), (f"direct {DIRECT}", 1.0)]
    # The direct dial won at 1.05 s; the relay dial (due at 1.25 s) was cancelled.
    assert trio.current_time() - t0 == pytest.approx(1.05)


async def test_circuits_found_become_relay_attempts_once(autojump_clock: MockClock) -> None:
    dialer = Dialer(direct=0.1, relay=0.1, error="refused")
    race = _race(dialer, [CONFIGURED])
    found = [
        multiaddr.Multiaddr(f"{OTHER_RELAY_ADDR}/p2p/{OTHER_RELAY}/p2p-circuit"),
        multiaddr.Multiaddr(f"{RELAY_ADDR}/p2p/{RELAY}/p2p-circuit"),  # already being tried
    ]
    await race.run([], [CONFIGURED], _looking_up(0.5, found))
    assert not race.won
    assert [what for what, _ in dialer.started] == [f"relay {RELAY}", f"relay {OTHER_RELAY}"]
    assert race.dials == 2
    assert race.errors == [f"relay {RELAY}: refused", f"relay {OTHER_RELAY}: refused"]


async def test_an_empty_lookup_with_no_route_dials_nothing(autojump_clock: MockClock) -> None:
    dialer = Dialer(direct=0.1, relay=0.1)
    race = _race(dialer, [])
    t0 = trio.current_time()
    await race.run([], [], _looking_up(0.2, []))
    assert not race.won
    assert race.dials == 0
    assert race.errors == ["DHT: no new address found"]
    assert trio.current_time() - t0 == pytest.approx(0.2)


async def test_failures_are_all_reported(autojump_clock: MockClock) -> None:
    dialer = Dialer(direct=0.1, relay=0.1, error="refused")
    race = _race(dialer, [CONFIGURED])
    await race.run([DIRECT], [CONFIGURED], None)
    assert not race.won
    assert race.errors == ["direct: refused", f"relay {RELAY}: refused"]


async def test_the_race_ends_at_the_dial_timeout(autojump_clock: MockClock) -> None:
    dialer = Dialer(direct=DIAL_TIMEOUT * 2, relay=DIAL_TIMEOUT * 2)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([DIRECT], [CONFIGURED], None)
    assert not race.won
    assert race.errors == [f"no path within {DIAL_TIMEOUT:.0f} s"]
    assert trio.current_time() - t0 == pytest.approx(DIAL_TIMEOUT)


async def test_a_lookup_that_finds_nothing_starts_the_relay_at_once(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.1, relay=0.1)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([], [CONFIGURED], _looking_up(0.05, []))
    assert race.won
    assert [(what, t - t0) for what, t in dialer.started] == [(f"relay {RELAY}", 0.05)]


async def test_a_direct_dial_that_fails_fast_starts_the_relay_at_once(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.02, relay=0.1, direct_error="refused")
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([DIRECT], [CONFIGURED], None)
    assert race.won
    starts = [(what, t - t0) for what, t in dialer.started]
    assert starts == [(f"direct {DIRECT}", 0.0), (f"relay {RELAY}", 0.02)]
    assert race.errors == ["direct: refused"]


async def test_a_failed_direct_dial_does_not_start_the_relay_while_the_lookup_runs(
    autojump_clock: MockClock,
) -> None:
    dialer = Dialer(direct=0.02, relay=0.1, direct_error="refused")
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([DIRECT], [CONFIGURED], _looking_up(1.0, None))
    assert race.won
    assert [t - t0 for _, t in dialer.started] == [0.0, RELAY_HEAD_START]


class LateReservation(Dialer):
    """A relay that has no reservation of the peer for its first ``misses`` asks."""

    def __init__(self, misses: int, direct_error: str | None = None) -> None:
        super().__init__(direct=DIAL_TIMEOUT * 2, relay=0.01, direct_error=direct_error)
        self._misses = misses

    async def relay_dial(self, relay_addr: multiaddr.Multiaddr, relay_id: ID, peer: ID) -> None:
        self.started.append((f"relay {relay_id}", trio.current_time()))
        await trio.sleep(0.01)
        if self._misses:
            self._misses -= 1
            raise PeerNotAtRelayError(f"relay {relay_id}: the peer has no reservation")


async def test_a_relay_without_the_peer_is_asked_again_while_a_direct_dial_hangs(
    autojump_clock: MockClock,
) -> None:
    # The peer's reservation comes back 1 s into the race (it was re-reserving): the race does
    # not end with the direct dial's timeout but on the relay's next answer.
    dialer = LateReservation(misses=2)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([DIRECT], [CONFIGURED], None)
    assert race.won
    relay_starts = [t - t0 for what, t in dialer.started if what.startswith("relay")]
    assert len(relay_starts) == 3
    assert relay_starts[2] == pytest.approx(
        RELAY_HEAD_START + sum(RELAY_RETRY_DELAYS[:2]) + 0.02, abs=0.01
    )


async def test_a_relay_without_the_peer_is_not_asked_again_when_nothing_else_is_left(
    autojump_clock: MockClock,
) -> None:
    dialer = LateReservation(misses=1)
    race = _race(dialer, [CONFIGURED])
    await race.run([], [CONFIGURED], None)
    assert not race.won
    assert len(dialer.started) == 1
    assert race.errors == [f"relay {RELAY}: relay {RELAY}: the peer has no reservation"]


class RestartingRelay(Dialer):
    """A relay that is not there (refused) until ``back_at`` s into the race, then connects."""

    def __init__(self, back_at: float) -> None:
        super().__init__(direct=DIAL_TIMEOUT * 2, relay=0.01)
        self._back_at = back_at
        self._t0 = trio.current_time()

    async def relay_dial(self, relay_addr: multiaddr.Multiaddr, relay_id: ID, peer: ID) -> None:
        self.started.append((f"relay {relay_id}", trio.current_time()))
        await trio.sleep(0.01)
        if trio.current_time() - self._t0 < self._back_at:
            raise RelayUnreachableError(f"relay {relay_id}: connection refused")


async def test_a_restarting_relay_is_asked_again_while_a_direct_dial_hangs(
    autojump_clock: MockClock,
) -> None:
    # The relay is back 4 s into the race, the direct address (a symmetric NAT's) never answers:
    # the race is won within the longest retry pause of the relay's return, not at DIAL_TIMEOUT.
    dialer = RestartingRelay(back_at=4.0)
    race = _race(dialer, [CONFIGURED])
    t0 = trio.current_time()
    await race.run([DIRECT], [CONFIGURED], None)
    assert race.won
    assert 4.0 < trio.current_time() - t0 <= 4.0 + RELAY_RETRY_DELAYS[-1] + 0.05
    relay_starts = [t - t0 for what, t in dialer.started if what.startswith("relay")]
    gaps = [round(b - a, 2) for a, b in itertools.pairwise(relay_starts)]
    assert all(gap <= RELAY_RETRY_DELAYS[-1] + 0.01 for gap in gaps), gaps


async def test_a_relay_that_refuses_us_is_not_asked_again(autojump_clock: MockClock) -> None:
    dialer = Dialer(direct=DIAL_TIMEOUT * 2, relay=0.01, error="the relay is at its limits")
    race = _race(dialer, [CONFIGURED])
    await race.run([DIRECT], [CONFIGURED], None)
    assert not race.won
    assert [what for what, _ in dialer.started] == [f"direct {DIRECT}", f"relay {RELAY}"]
