"""IDENTIFY-ONCE-PER-PEER (``app/engine/compat/identify_once_per_peer.py``).

``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once upstream
fixes it; the other test proves the workaround works. Two real hosts on loopback: one connects to
the other, hangs up, and connects again (as a node does to its relay after an address change).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import trio
from libp2p.host import basic_host
from libp2p.peer.peerinfo import PeerInfo

from app.engine import compat
from app.engine.compat import identify_once_per_peer
from tests.unit.engine.compat.hosts import noise_host, running

pytestmark = pytest.mark.trio


async def _identifies_per_connection(schedule: Callable[..., None]) -> list[int]:
    """How many identify runs each of two connections in a row got, with ``schedule`` as
    ``BasicHost._schedule_identify``."""
    installed = basic_host.BasicHost._schedule_identify
    basic_host.BasicHost._schedule_identify = schedule  # type: ignore[method-assign]
    try:
        client, server = noise_host(), noise_host()
        runs: list[str] = []
        original = client._identify_peer

        async def counted(peer_id: Any, *, reason: str) -> None:
            runs.append(reason)
            await original(peer_id, reason=reason)

        client._identify_peer = counted
        counts = []
        async with running(client, server):
            info = PeerInfo(server.get_id(), server.get_transport_addrs())
            for _ in range(2):
                before = len(runs)
                await client.connect(info)
                await trio.sleep(0.5)  # identify runs in the background
                counts.append(len(runs) - before)
                await client.get_network().close_peer(server.get_id())
                await trio.sleep(0.1)
        return counts
    finally:
        basic_host.BasicHost._schedule_identify = installed  # type: ignore[method-assign]


async def test_defect_a_peer_connected_again_is_not_identified_again() -> None:
    counts = await _identifies_per_connection(identify_once_per_peer.original_schedule_identify())
    assert counts[0] >= 1
    assert counts[1] == 0  # the address it observed us at on this connection is never learned


async def test_every_new_connection_is_identified() -> None:
    compat.install()
    counts = await _identifies_per_connection(basic_host.BasicHost._schedule_identify)
    assert all(n >= 1 for n in counts), counts
