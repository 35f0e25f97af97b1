"""A flood of refused strangers: counted, reported at most once a second, nobody pushed off the bus.

Each refused connection used to publish its own event. More refusals than a subscriber's buffer
(1024 events) in a moment, and every subscriber that did not read fast enough (a watch stream,
the tray) fell off the bus and had to resync. Now the node counts them and publishes one
``connection-refused`` event per interval with the count, and still serves its peers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import multiaddr
import pytest
import trio
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo

from app.core.config import load_config
from app.core.status import ConnectionRefused
from app.engine.bus import Numbered, Resync
from app.engine.node import open_node
from app.engine.refusals import REPORT_INTERVAL
from tests.helpers.nodes import make_node_dir
from tests.hostile.rawpeers import noise_host, running, serves_a_friend

pytestmark = pytest.mark.trio

STRANGERS = 8
# A slow subscriber with room for 64 pending events (the watch stream's has 1024), and more
# refusals than that: one event each would push it off the bus.
BUFFER = 64
REFUSALS = 4 * BUFFER


async def test_a_flood_of_strangers_is_one_event_a_second(tmp_path: Path) -> None:
    node_dir = make_node_dir(tmp_path, "node")
    strangers = [noise_host() for _ in range(STRANGERS)]
    async with (
        open_node(load_config(node_dir.config_path), node_dir.identity) as node,
        node.bus.subscribe(buffer=BUFFER) as slow,  # takes nothing until the flood is over
        running(*strangers, listen=False),
    ):
        peer = ID.from_base58(node_dir.peer_id)
        addr = multiaddr.Multiaddr(node.status().listen_addresses[0].split("/p2p/")[0])

        async def knock(host: Any) -> None:
            while node.status().refused_connections < REFUSALS:
                host.get_network().unblock_peer(peer)  # py-libp2p's negative dial cache
                try:
                    await host.connect(PeerInfo(peer, [addr]))
                except Exception:  # refused right after Noise: py-libp2p raises several types
                    continue
                raise AssertionError("a stranger got a connection")

        start = trio.current_time()
        with trio.fail_after(240):
            async with trio.open_nursery() as nursery:
                for host in strangers:
                    nursery.start_soon(knock, host)
        flood = trio.current_time() - start
        await trio.sleep(2 * REPORT_INTERVAL)  # the last interval's refusals are reported
        refused = node.status().refused_connections
        assert refused >= REFUSALS

        items: list[Numbered | Resync] = []
        while slow.pending:
            items.append(await anext(slow))
        assert not any(isinstance(i, Resync) for i in items)  # the slow subscriber stayed on
        events = [
            i.event
            for i in items
            if isinstance(i, Numbered) and isinstance(i.event, ConnectionRefused)
        ]
        assert sum(e.count for e in events) == refused
        assert len(events) <= flood / REPORT_INTERVAL + 2, (len(events), flood)
        assert {e.peer_id for e in events} <= {h.get_id().to_base58() for h in strangers}
        await serves_a_friend(node, node_dir, tmp_path)
