"""The private DHT and advertised circuit addresses, with real nodes on loopback."""

from __future__ import annotations

from pathlib import Path

import multiaddr
import pytest
import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app.core.config import load_config
from app.core.status import PathType
from app.engine.dht import protocol_id
from app.engine.node import Node, open_node
from tests.helpers.nodes import NodeDir, make_node_dir, peerstore_addresses

pytestmark = pytest.mark.trio


async def _wait_reserved(node: Node) -> None:
    with trio.fail_after(20):
        while not node.status().circuit_addresses:  # noqa: ASYNC110 - polls the node's status
            await trio.sleep(0.1)


def _extra(relay_addr: str, network: str | None) -> str:
    text = f"relay: {{addresses: ['{relay_addr}']}}\n"
    if network is not None:
        text += f"discovery: {{network: {network}}}\n"
    return text


async def _negotiated(node: Node, peer: str, protocol: str) -> str | None:
    """The protocol a stream to ``peer`` negotiates when we offer only ``protocol`` (or None)."""
    host = node._host
    assert host is not None
    try:
        with trio.fail_after(10):
            stream = await host.new_stream(ID.from_base58(peer), [TProtocol(protocol)])  # type: ignore[attr-defined]
    except Exception:
        return None
    negotiated = str(stream.get_protocol())
    await stream.reset()
    return negotiated


def _relay_dir(tmp_path: Path, network: str | None) -> NodeDir:
    """A relay (so a DHT server), in ``network``."""
    extra = "relay_service: {enabled: true}\n"
    if network is not None:
        extra += f"discovery: {{network: {network}}}\n"
    return make_node_dir(tmp_path, "relay", extra=extra)


async def test_peer_found_through_dht_ends_direct(tmp_path: Path) -> None:
    """A knows only B's peer ID and the relay; the relay's DHT tells it B's direct address."""
    relay_dir = _relay_dir(tmp_path, None)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b", extra=_extra(relay_addr, None), hole_punching=False)
        a_dir = make_node_dir(
            tmp_path,
            "a",
            names={"b": b_dir.peer_id},
            extra=_extra(relay_addr, None),
            hole_punching=False,
        )
        _authorize_all(relay_dir, a_dir, b_dir)
        async with open_node(load_config(b_dir.config_path), b_dir.identity) as bnode:
            await _wait_reserved(bnode)
            b_circuit = f"{relay_addr}/p2p-circuit"
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                await _wait_reserved(anode)
                assert anode._dht is not None
                # On the wire the DHT speaks /peerup/kad/1.0.0, which the relay serves.
                wanted = str(protocol_id(None))
                assert await _negotiated(anode, relay.peer_id, wanted) == wanted
                assert await _negotiated(anode, relay.peer_id, "/ipfs/kad/1.0.0") is None
                assert peerstore_addresses(anode, b_dir.peer_id) == []
                b_id = ID.from_base58(b_dir.peer_id)
                found = [str(a) for a in await anode._dht.find_addresses(b_id)]
                assert bnode.status().listen_addresses[0].rsplit("/p2p/", 1)[0] in found
                # B's reservation reached the relay (identify-push), and the DHT passes it on.
                assert b_circuit in found
                path = await anode.connect("b")
                assert path.path_type is PathType.DIRECT


async def test_namespaces_do_not_see_each_other(tmp_path: Path) -> None:
    """A in namespace beta cannot use the DHT of a relay in namespace alpha: it ends relayed."""
    relay_dir = _relay_dir(tmp_path, "alpha")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b", extra=_extra(relay_addr, "alpha"), hole_punching=False)
        a_dir = make_node_dir(
            tmp_path,
            "a",
            names={"b": b_dir.peer_id},
            extra=_extra(relay_addr, "beta"),
            hole_punching=False,
        )
        _authorize_all(relay_dir, a_dir, b_dir)
        async with open_node(load_config(b_dir.config_path), b_dir.identity) as bnode:
            await _wait_reserved(bnode)
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                await _wait_reserved(anode)
                assert anode._dht is not None
                assert anode._dht.protocol_id == "/peerup/beta/kad/1.0.0"
                alpha = "/peerup/alpha/kad/1.0.0"
                assert await _negotiated(anode, relay.peer_id, alpha) == alpha
                assert await _negotiated(anode, relay.peer_id, anode._dht.protocol_id) is None
                assert await _negotiated(anode, relay.peer_id, "/peerup/kad/1.0.0") is None
                assert await anode._dht.find_addresses(ID.from_base58(b_dir.peer_id)) == []
                path = await anode.connect("b")
                assert path.path_type is PathType.RELAYED
                # Close the circuit before the nodes stop: a relay stopping mid-splice is not
                # what this test is about.
                await anode.disconnect("b")
                assert relay._relay_hop is not None
                with trio.fail_after(10):
                    while relay._relay_hop.statistics()["circuits"]:  # noqa: ASYNC110
                        await trio.sleep(0.05)


async def test_circuit_address_reaches_peers_by_identify_push(tmp_path: Path) -> None:
    """B's reservation, made while A is connected to it, shows up in A's peerstore."""
    relay_dir = _relay_dir(tmp_path, None)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b", extra=_extra(relay_addr, None), hole_punching=False)
        a_dir = make_node_dir(tmp_path, "a", names={"b": b_dir.peer_id}, hole_punching=False)
        a_dir.authorize(b_dir)
        b_dir.authorize(a_dir)
        b_dir.authorize(relay_dir)
        # The relay does not know B yet: B's reservation is refused until it is authorized.
        async with open_node(load_config(b_dir.config_path), b_dir.identity) as bnode:
            b_addr = bnode.status().listen_addresses[0]
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                path = await anode.connect("b", [b_addr])
                assert path.path_type is PathType.DIRECT
                circuit = f"{relay_addr}/p2p-circuit"
                assert circuit not in peerstore_addresses(anode, b_dir.peer_id)
                relay_dir.authorize(b_dir)
                await _wait_reserved(bnode)
                with trio.fail_after(20):
                    while circuit not in peerstore_addresses(anode, b_dir.peer_id):  # noqa: ASYNC110
                        await trio.sleep(0.1)
                # The mangled form upstream advertised (the relay's address with B's ID) is gone.
                mangled = f"{relay_addr.rsplit('/p2p/', 1)[0]}"
                assert mangled not in peerstore_addresses(anode, b_dir.peer_id)
                assert relay.peer_id  # the relay stays up for the whole exchange


def _authorize_all(relay_dir: NodeDir, a_dir: NodeDir, b_dir: NodeDir) -> None:
    for x, y in ((a_dir, b_dir), (b_dir, a_dir), (relay_dir, a_dir), (relay_dir, b_dir)):
        x.authorize(y)


async def test_learned_circuit_address_is_dialled(tmp_path: Path) -> None:
    """A circuit address A learned (not a configured relay of A's) is a route in the dial race."""
    relay_dir = _relay_dir(tmp_path, None)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b", extra=_extra(relay_addr, None), hole_punching=False)
        # No relay, no bootstrap peer: A's DHT knows nobody.
        a_dir = make_node_dir(tmp_path, "a", names={"b": b_dir.peer_id}, hole_punching=False)
        _authorize_all(relay_dir, a_dir, b_dir)
        async with open_node(load_config(b_dir.config_path), b_dir.identity) as bnode:
            await _wait_reserved(bnode)
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                host = anode._host
                assert host is not None
                circuit = multiaddr.Multiaddr(f"{relay_addr}/p2p-circuit")
                host.get_peerstore().add_addrs(ID.from_base58(b_dir.peer_id), [circuit], 60)  # type: ignore[attr-defined]
                path = await anode.connect("b")
                assert path.path_type is PathType.RELAYED
                assert relay.peer_id in path.address
                await anode.disconnect("b")
                assert relay._relay_hop is not None
                with trio.fail_after(10):
                    while relay._relay_hop.statistics()["circuits"]:  # noqa: ASYNC110
                        await trio.sleep(0.05)
