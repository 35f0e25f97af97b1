"""One dial per peer at a time (``_DialsInFlight``), on trio's mock clock.

The dial is a stand-in that takes time, then connects or fails: what is tested is how many dials
run and what the callers that came meanwhile get. Over real daemons: the soak's relay restarts
(tests/soak), where 60 forwarded connections find their path gone at once.
"""

from __future__ import annotations

from functools import partial

import pytest
import trio
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.errors import PeerUnreachableError
from app.engine.dialer import SHARED_DIAL_WAIT, _DialsInFlight

pytestmark = pytest.mark.trio

PEER = ID.from_pubkey(create_new_key_pair().public_key)
CALLERS = 60


class Peer:
    """Whether we are connected, and a dial that takes ``seconds`` and then connects or fails."""

    def __init__(self, seconds: float, *, fails: bool) -> None:
        self.seconds = seconds
        self.fails = fails
        self.connected = False
        self.dials: list[float] = []  # trio time each dial started

    async def dial(self) -> None:
        self.dials.append(trio.current_time())
        await trio.sleep(self.seconds)
        if self.fails:
            raise PeerUnreachableError(f"could not reach {PEER}: no path within 10 s")
        self.connected = True


async def _callers(dials: _DialsInFlight, peer: Peer, n: int) -> list[str]:
    """``n`` concurrent callers (a forward's connections), each's outcome: "ok" or the error."""
    outcomes: list[str] = []

    async def one() -> None:
        try:
            await dials.run(PEER, connected=lambda: peer.connected, dial=peer.dial)
        except PeerUnreachableError as exc:
            outcomes.append(exc.message)
        else:
            outcomes.append("ok")

    async with trio.open_nursery() as nursery:
        for _ in range(n):
            nursery.start_soon(one)
            await trio.sleep(0.01)  # they arrive one after another while the dial runs
    return outcomes


async def test_callers_that_come_during_a_failing_dial_share_its_failure(
    autojump_clock: MockClock,
) -> None:
    dials, peer = _DialsInFlight(), Peer(10.0, fails=True)
    t0 = trio.current_time()
    outcomes = await _callers(dials, peer, CALLERS)
    assert len(peer.dials) == 1  # no herd: not one dial each once the first failed
    assert outcomes == [f"could not reach {PEER}: no path within 10 s"] * CALLERS
    assert trio.current_time() - t0 == pytest.approx(10.0)


async def test_callers_that_come_during_a_dial_that_connects_use_its_connection(
    autojump_clock: MockClock,
) -> None:
    dials, peer = _DialsInFlight(), Peer(2.0, fails=False)
    outcomes = await _callers(dials, peer, CALLERS)
    assert len(peer.dials) == 1
    assert outcomes == ["ok"] * CALLERS


async def test_a_caller_after_a_failed_dial_dials_again(autojump_clock: MockClock) -> None:
    dials, peer = _DialsInFlight(), Peer(1.0, fails=True)
    await _callers(dials, peer, 3)
    peer.fails = False
    assert await _callers(dials, peer, 3) == ["ok"] * 3
    assert len(peer.dials) == 2


async def test_when_the_dialling_caller_is_cancelled_one_waiting_caller_dials(
    autojump_clock: MockClock,
) -> None:
    dials, peer = _DialsInFlight(), Peer(1.0, fails=False)
    async with trio.open_nursery() as nursery:
        with trio.CancelScope() as first:
            nursery.start_soon(lambda: _cancel_after(first, 0.5))
            other = trio.Event()

            async def waiting() -> None:
                await dials.run(PEER, connected=lambda: peer.connected, dial=peer.dial)
                other.set()

            nursery.start_soon(waiting)
            nursery.start_soon(waiting)
            await dials.run(PEER, connected=lambda: peer.connected, dial=peer.dial)
        assert first.cancelled_caught
    assert other.is_set()
    assert peer.dials == [pytest.approx(peer.dials[0]), pytest.approx(peer.dials[0] + 0.5)]


async def _cancel_after(scope: trio.CancelScope, seconds: float) -> None:
    await trio.sleep(seconds)
    scope.cancel()


async def test_a_dial_that_hangs_is_waited_for_only_so_long(autojump_clock: MockClock) -> None:
    dials, peer = _DialsInFlight(), Peer(SHARED_DIAL_WAIT * 3, fails=False)
    async with trio.open_nursery() as nursery:
        first = partial(dials.run, PEER, connected=lambda: peer.connected, dial=peer.dial)
        nursery.start_soon(first)
        await trio.sleep(0.1)
        t0 = trio.current_time()
        with pytest.raises(PeerUnreachableError, match="the dial in progress hangs"):
            await dials.run(PEER, connected=lambda: peer.connected, dial=peer.dial)
        assert trio.current_time() - t0 == pytest.approx(SHARED_DIAL_WAIT)
        nursery.cancel_scope.cancel()
    assert len(peer.dials) == 1
