"""Peers remember where they met (issue 11): an address given once is found again after both
nodes restart; only authorized peers are remembered; a damaged state file is moved aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trio

from app.core.config import load_config
from app.core.errors import PeerUnreachableError
from app.core.peers.addrbook import FILE_NAME
from app.core.status import PathType
from app.engine.node import open_node
from tests.helpers.nodes import free_port, make_node_dir

pytestmark = pytest.mark.trio


async def test_a_peer_met_once_is_found_again_after_both_restart(tmp_path: Path) -> None:
    port_a, port_b = free_port(), free_port()
    a = make_node_dir(tmp_path, "a", listen=f"/ip4/127.0.0.1/tcp/{port_a}")
    b = make_node_dir(tmp_path, "b", listen=f"/ip4/127.0.0.1/tcp/{port_b}")
    a.authorize(b)
    b.authorize(a)
    address_of_a = f"/ip4/127.0.0.1/tcp/{port_a}"
    async with (
        open_node(load_config(a.config_path), a.identity) as anode,
        open_node(load_config(b.config_path), b.identity) as bnode,
    ):
        with trio.fail_after(20):
            await bnode.connect(a.peer_id, [address_of_a])  # as from an invite code
        [peer] = [p for p in bnode.peers() if p.peer_id == a.peer_id]
        assert [r.address for r in peer.remembered_addresses] == [address_of_a]
        assert peer.remembered_addresses[0].source == "dialed"
        # a saw b come in from 127.0.0.1, where b announced its listen address (written down
        # from a libp2p notification once identify ran: nothing to wait on but the result)
        with trio.fail_after(10):
            while not anode.peers()[0].remembered_addresses:  # noqa: ASYNC110
                await trio.sleep(0.05)
            assert (
                anode.peers()[0].remembered_addresses[0].address == f"/ip4/127.0.0.1/tcp/{port_b}"
            )
            assert anode.peers()[0].remembered_addresses[0].source == "announced"
    stored = json.loads((b.path / FILE_NAME).read_bytes())
    assert stored["peers"][a.peer_id][0][0] == address_of_a
    assert (b.path / FILE_NAME).stat().st_mode & 0o777 == 0o600
    # Both restart: no address given, none configured, no relay, no DHT; yet b reaches a.
    async with (
        open_node(load_config(a.config_path), a.identity),
        open_node(load_config(b.config_path), b.identity) as bnode,
    ):
        with trio.fail_after(20):
            path = await bnode.connect(a.peer_id)
        assert path.path_type is PathType.DIRECT


async def test_strangers_are_not_remembered_and_a_removed_peer_is_forgotten(tmp_path: Path) -> None:
    a = make_node_dir(tmp_path, "a")
    b = make_node_dir(tmp_path, "b")
    b.authorize(a)
    a.authorize(b)
    async with open_node(load_config(a.config_path), a.identity) as anode:
        address_of_a = anode.status().listen_addresses[0]
        async with open_node(load_config(b.config_path), b.identity) as bnode:
            with trio.fail_after(20):
                await bnode.connect(address_of_a)
            assert a.peer_id in json.loads((b.path / FILE_NAME).read_bytes())["peers"]
            bnode.deauthorize(a.peer_id)
            assert json.loads((b.path / FILE_NAME).read_bytes())["peers"] == {}
            assert not bnode.peers(include_unauthorized=True)[0].remembered_addresses


async def test_a_damaged_state_file_is_moved_aside(tmp_path: Path) -> None:
    a = make_node_dir(tmp_path, "a")
    (a.path / FILE_NAME).write_bytes(b'{"version": 1, "peers": {"x": 1}}')
    async with open_node(load_config(a.config_path), a.identity) as anode:
        assert anode.peers() == []
        with pytest.raises(PeerUnreachableError, match="no address known"):
            await anode.connect(make_node_dir(tmp_path, "b").peer_id)
    assert (a.path / (FILE_NAME + ".bad")).exists()
    assert not (a.path / FILE_NAME).exists()
