"""Two real nodes on loopback learn each other's agent version from identify."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app import __version__
from app.core.config import load_config
from app.engine.node import Node, open_node
from tests.helpers.nodes import make_node_dir

pytestmark = pytest.mark.trio


async def _wait_agent_version(node: Node, peer: str) -> str:
    with trio.fail_after(10):
        while True:
            info = next(p for p in node.peers(include_unauthorized=True) if p.peer_id == peer)
            if info.agent_version:
                return info.agent_version
            await trio.sleep(0.05)


async def test_connected_nodes_see_each_others_agent_version(tmp_path: Path) -> None:
    a = make_node_dir(tmp_path, "a")
    b = make_node_dir(tmp_path, "b")
    a.authorize(b)
    b.authorize(a)
    async with open_node(load_config(a.config_path), a.identity) as anode:
        addr = anode.status().listen_addresses[0]
        async with open_node(load_config(b.config_path), b.identity) as bnode:
            await bnode.connect(a.peer_id, [addr])
            # The Go peer-up's format: its peer list keeps only agents starting `peerup/`.
            assert await _wait_agent_version(bnode, a.peer_id) == f"peerup/{__version__}"
            assert await _wait_agent_version(anode, b.peer_id) == f"peerup/{__version__}"
