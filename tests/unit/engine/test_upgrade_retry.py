"""The direct-path retry back-off of the PathTracker, on trio's mock clock.

A pair whose direct path died stays on its relayed connection; the tracker gives hole punching a
fresh budget after :data:`UPGRADE_RETRY_FIRST`, then doubling up to :data:`UPGRADE_RETRY_MAX`.
The swarm, its connections and DCUtR are stand-ins here that only say which connections exist
and record when a new budget was given: what is tested is when. The fallback itself, with real
nodes and a real relay, is in tests/lab/test_fallback.py.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import multiaddr
import pytest
import trio
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID
from trio.testing import MockClock

from app.core.config import load_config
from app.engine.bus import EventBus
from app.engine.gate import Gate
from app.engine.paths import (
    UPGRADE_RETRY_FIRST,
    UPGRADE_RETRY_MAX,
    UPGRADE_RETRY_TICK,
    PathTracker,
)
from app.engine.peerbook import PeerBook
from app.engine.settings import SettingsStore
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.trio

PEER = ID.from_pubkey(create_new_key_pair().public_key)
RELAY = ID.from_pubkey(create_new_key_pair().public_key)


class Conn:
    """A swarm connection: its address, and whether it was closed."""

    def __init__(self, address: str) -> None:
        self._address = multiaddr.Multiaddr(address)
        self.closed = False

    def get_transport_addresses(self) -> list[multiaddr.Multiaddr]:
        return [self._address]

    async def close(self) -> None:
        self.closed = True


class Swarm:
    """The connections to PEER, as the tracker asks for them."""

    def __init__(self) -> None:
        self.conns: list[Conn] = []

    def get_connections(self, peer: ID) -> list[Conn]:
        return list(self.conns) if peer == PEER else []


class Host:
    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm

    def get_network(self) -> Swarm:
        return self._swarm


class Dialer:
    """Only the host: the relayed connection exists already, so nothing is dialled."""

    def __init__(self, host: Host) -> None:
        self._host = host

    def require_host(self) -> Host:
        return self._host

    def relay_routes(self, _target: object) -> list[object]:
        return []


class DCUtR:
    """Records when the tracker gave a peer a new hole-punch budget (trio time)."""

    def __init__(self) -> None:
        self.budgets: list[float] = []

    def allow_new_attempts(self, peer: ID) -> None:
        assert peer == PEER
        self.budgets.append(trio.current_time())


def _tracker(tmp_path: Path, swarm: Swarm) -> PathTracker:
    node = make_node_dir(tmp_path, "node")
    bus = EventBus()
    peers = PeerBook(SettingsStore(load_config(node.config_path)), node.identity.peer_id, bus)
    return PathTracker(
        peers,
        Gate(peers, bus),
        Dialer(Host(swarm)),  # type: ignore[arg-type]
        bus,
        own_peer_id=node.peer_id,
        peer_grade=lambda _pid: None,
        our_reach=lambda: None,
        on_peer_connected=lambda _pid: None,
        on_lan_peers_changed=lambda: None,
    )


def _schedule(until: float) -> list[float]:
    """When budgets are due after a death at 0: first, then doubling to the max (on ticks)."""
    times, due, interval = [], UPGRADE_RETRY_FIRST, UPGRADE_RETRY_FIRST
    while due <= until:
        tick = -(-due // UPGRADE_RETRY_TICK) * UPGRADE_RETRY_TICK  # the first tick at or after
        times.append(tick)
        interval = min(interval * 2, UPGRADE_RETRY_MAX)
        due = tick + interval
    return times


async def test_a_dead_direct_path_gets_new_budgets_with_back_off(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    swarm = Swarm()
    relayed = Conn(f"/ip4/192.0.2.1/tcp/4001/p2p/{RELAY}/p2p-circuit/p2p/{PEER}")
    direct = Conn("/ip4/192.0.2.7/tcp/4001")
    swarm.conns = [relayed, direct]
    tracker = _tracker(tmp_path, swarm)
    dcutr = DCUtR()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(tracker.retry_upgrades, dcutr)
        # The direct path stops answering; the relayed connection is there already.
        swarm.conns = [relayed]
        await tracker.direct_path_died(PEER, direct)  # type: ignore[arg-type]
        died = trio.current_time()
        assert direct.closed
        await trio.sleep(3600)
        assert [b - died for b in dcutr.budgets] == _schedule(3600)
        gaps = [b - a for a, b in itertools.pairwise(dcutr.budgets)]
        assert gaps[:5] == [120, 240, 480, 600, 600]
        # Direct again (a hole punch worked): no more budgets.
        swarm.conns = [relayed, Conn("/ip4/192.0.2.7/tcp/4002")]
        given = len(dcutr.budgets)
        await trio.sleep(3600)
        assert len(dcutr.budgets) == given
        nursery.cancel_scope.cancel()
