"""The private DHT and advertised circuit addresses, with real nodes on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import multiaddr
import pytest
import trio
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.kad_dht.pb.kademlia_pb2 import Message
from libp2p.peer.id import ID
from libp2p.utils.varint import read_varint_prefixed_bytes_limited
from trio.testing import MockClock

from app.core.config import load_config
from app.core.errors import PeerUnreachableError
from app.core.status import PathType
from app.engine import compat
from app.engine.dht import LOOKUP_TIMEOUT, protocol_id
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


@dataclass
class StalledDHT:
    """A real libp2p host whose DHT reads each request and never answers."""

    address: str
    asked: list[bytes] = field(default_factory=list)  # the key of each request, in order
    got_request: trio.Event = field(default_factory=trio.Event)
    release: trio.Event = field(default_factory=trio.Event)


@asynccontextmanager
async def _open_stalled_dht(network: str) -> AsyncIterator[StalledDHT]:
    """A bootstrap peer that accepts DHT streams in ``network``, reads the request and stalls."""
    key_pair = create_new_key_pair()
    loopback = [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]
    host: Any = new_host(
        key_pair=key_pair,
        sec_opt=compat.noise_only_security(key_pair),
        listen_addrs=loopback,
        connection_config=compat.connection_config(),
    )
    compat.disable_auto_dial(host)
    stalled: StalledDHT | None = None

    async def handle(stream: Any) -> None:
        assert stalled is not None
        with trio.move_on_after(60):  # bounded; released when the test ends
            request = Message()
            request.ParseFromString(await read_varint_prefixed_bytes_limited(stream, 4096))
            stalled.asked.append(request.key)
            stalled.got_request.set()
            await stalled.release.wait()
        await stream.reset()

    host.set_stream_handler(protocol_id(network), handle)
    async with host.run(loopback):
        stalled = StalledDHT(f"{host.get_addrs()[0]}")
        try:
            yield stalled
        finally:
            stalled.release.set()


async def test_stalled_dht_does_not_delay_the_relay(
    tmp_path: Path, autojump_clock: MockClock
) -> None:
    """A's only DHT peer never answers: A still reaches B over its relay at once, not after the
    lookup's time limit."""
    network = "stalled"
    relay_dir = _relay_dir(tmp_path, None)
    async with (
        _open_stalled_dht(network) as stalled,
        open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay,
    ):
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b", extra=_extra(relay_addr, None), hole_punching=False)
        a_extra = (
            f"relay: {{addresses: ['{relay_addr}']}}\n"
            f"discovery: {{network: {network}, bootstrap_peers: ['{stalled.address}']}}\n"
        )
        a_dir = make_node_dir(
            tmp_path, "a", names={"b": b_dir.peer_id}, extra=a_extra, hole_punching=False
        )
        _authorize_all(relay_dir, a_dir, b_dir)
        async with open_node(load_config(b_dir.config_path), b_dir.identity) as bnode:
            await _wait_reserved(bnode)
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                # A's DHT reached the stalled peer (its self-lookup on bootstrap hangs there).
                with trio.fail_after(20):
                    await stalled.got_request.wait()
                assert peerstore_addresses(anode, b_dir.peer_id) == []
                started = trio.current_time()
                with trio.fail_after(LOOKUP_TIMEOUT + 10):
                    path = await anode.connect("b")
                elapsed = trio.current_time() - started
                print(f"connected over the relay in {elapsed:.3f} s with a stalled DHT")
                assert path.path_type is PathType.RELAYED
                assert relay.peer_id in path.address
                # The lookup of B did go to the stalled peer: it is what the relay raced.
                assert ID.from_base58(b_dir.peer_id).to_bytes() in stalled.asked
                assert elapsed < 2.0
                await anode.disconnect("b")
                assert relay._relay_hop is not None
                with trio.fail_after(10):
                    while relay._relay_hop.statistics()["circuits"]:  # noqa: ASYNC110
                        await trio.sleep(0.05)


async def test_direct_address_from_the_dht_wins_the_race(tmp_path: Path) -> None:
    """A knows only B's peer ID and the relay; the lookup inside connect finds B's direct
    address in time to beat the relay attempt: the path is direct."""
    relay_dir = _relay_dir(tmp_path, None)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b", extra=_extra(relay_addr, None), hole_punching=False)
        a_dir = make_node_dir(
            tmp_path, "a", names={"b": b_dir.peer_id}, extra=_extra(relay_addr, None),
            hole_punching=False,
        )  # fmt: skip
        _authorize_all(relay_dir, a_dir, b_dir)
        async with open_node(load_config(b_dir.config_path), b_dir.identity) as bnode:
            await _wait_reserved(bnode)
            async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
                await _wait_reserved(anode)
                assert peerstore_addresses(anode, b_dir.peer_id) == []
                started = trio.current_time()
                path = await anode.connect("b")
                print(f"connected in {trio.current_time() - started:.3f} s via the DHT")
                assert path.path_type is PathType.DIRECT
                assert relay.peer_id not in path.address


async def test_nothing_found_and_no_relay_is_no_address_known(tmp_path: Path) -> None:
    """No relay, no address, and the DHT (which knows nobody) finds nothing: the plain error."""
    b_dir = make_node_dir(tmp_path, "b")
    a_dir = make_node_dir(tmp_path, "a", names={"b": b_dir.peer_id})
    async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
        assert anode._dht is not None
        with pytest.raises(PeerUnreachableError) as caught, trio.fail_after(LOOKUP_TIMEOUT + 5):
            await anode.connect("b")
        assert caught.value.code == "peer-unreachable"
        assert caught.value.message == f"no address known for peer {b_dir.peer_id}"
        assert caught.value.hint is not None
        assert "peerup relay add" in caught.value.hint


async def test_failed_relay_and_empty_lookup_are_both_reported(tmp_path: Path) -> None:
    """B is not running: the relay has no reservation for it and the DHT does not know it; the
    error names both."""
    relay_dir = _relay_dir(tmp_path, None)
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        b_dir = make_node_dir(tmp_path, "b")
        a_dir = make_node_dir(
            tmp_path, "a", names={"b": b_dir.peer_id}, extra=_extra(relay_addr, None)
        )
        _authorize_all(relay_dir, a_dir, b_dir)
        async with open_node(load_config(a_dir.config_path), a_dir.identity) as anode:
            await _wait_reserved(anode)
            with pytest.raises(PeerUnreachableError) as caught, trio.fail_after(30):
                await anode.connect("b")
            message = str(caught.value)
            assert message.startswith(f"could not reach {b_dir.peer_id}: ")
            assert f"relay {relay.peer_id}: " in message
            assert "DHT: no new address found" in message
