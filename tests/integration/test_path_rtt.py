"""The path of a connected peer carries an RTT: the liveness ping's (direct) or a user's ping."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.status import PathType
from app.engine.node import Node
from app.engine.pathwatch import PROBE_INTERVAL
from tests.helpers.nodes import open_connected_pair

pytestmark = pytest.mark.trio


async def _wait_rtt(node: Node, peer: str) -> float:
    with trio.fail_after(PROBE_INTERVAL + 8):
        while True:
            path = next((p for p in node.paths() if p.peer_id == peer), None)
            if path is not None and path.rtt_ms is not None:
                return path.rtt_ms
            await trio.sleep(0.1)


async def test_direct_path_gets_the_liveness_pings_rtt(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (anode, bnode, path):
        assert path.path_type is PathType.DIRECT
        assert path.rtt_ms is None  # nothing measured yet
        # No ping asked for: the liveness probe (every PROBE_INTERVAL s) measures it.
        a_id, b_id = anode.status().peer_id, bnode.status().peer_id
        assert 0 < await _wait_rtt(bnode, a_id) < 1000
        assert 0 < await _wait_rtt(anode, b_id) < 1000
        peer = next(p for p in bnode.peers() if p.peer_id == a_id)
        assert peer.path is not None
        assert peer.path.rtt_ms is not None
