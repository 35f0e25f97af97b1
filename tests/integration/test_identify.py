"""Two real nodes on loopback learn each other's agent version from identify."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app import __version__
from app.engine.node import Node
from tests.helpers.nodes import open_connected_pair

pytestmark = pytest.mark.trio


async def _wait_agent_version(node: Node, peer: str) -> str:
    with trio.fail_after(10):
        while True:
            info = next(p for p in node.peers(include_unauthorized=True) if p.peer_id == peer)
            if info.agent_version:
                return info.agent_version
            await trio.sleep(0.05)


async def test_connected_nodes_see_each_others_agent_version(tmp_path: Path) -> None:
    async with open_connected_pair(tmp_path) as (anode, bnode, _):
        # The Go peer-up's format: its peer list keeps only agents starting `peerup/`.
        expected = f"peerup/{__version__}"
        assert await _wait_agent_version(bnode, anode.status().peer_id) == expected
        assert await _wait_agent_version(anode, bnode.status().peer_id) == expected
