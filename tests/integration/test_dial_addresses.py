"""A peer or relay known by several addresses is reached at any of them, not only the first
(compat SWARM-ONE-ADDR-PER-CLASS: py-libp2p dials one TCP address per peer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.status import PathType
from app.engine.node import open_node
from tests.helpers.nodes import free_port, make_node_dir

pytestmark = pytest.mark.trio


async def test_connect_reaches_a_peer_at_its_second_address(tmp_path: Path) -> None:
    a, b = make_node_dir(tmp_path, "a"), make_node_dir(tmp_path, "b")
    a.authorize(b)
    b.authorize(a)
    async with open_node(load_config(a.config_path), a.identity) as anode:
        live = anode.status().listen_addresses[0].rsplit("/p2p/", 1)[0]
        dead = f"/ip4/127.0.0.1/tcp/{free_port()}"  # as a stale address in an invite code
        async with open_node(load_config(b.config_path), b.identity) as bnode:
            with trio.fail_after(20):
                path = await bnode.connect(a.peer_id, [dead, live])
    assert path.path_type is PathType.DIRECT


async def test_relay_reserved_at_its_second_address(tmp_path: Path) -> None:
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        live = relay.status().listen_addresses[0]
        dead = f"/ip4/127.0.0.1/tcp/{free_port()}/p2p/{relay_dir.peer_id}"
        home = make_node_dir(
            tmp_path, "home", extra=f"relay: {{addresses: ['{dead}', '{live}']}}\n"
        )
        relay_dir.authorize(home)
        async with open_node(load_config(home.config_path), home.identity) as hnode:
            with trio.fail_after(20):
                while not hnode.status().circuit_addresses:  # noqa: ASYNC110 - polls the status
                    await trio.sleep(0.1)
            relays = {r.address: r for r in hnode.status().relays}
    assert relays[live].reserved
    assert not relays[dead].reserved
    assert relays[dead].error == "connection refused (nothing listens on that port)"
    assert relays[dead].error_code == "relay-unreachable"
    assert relays[live].error_code is None
