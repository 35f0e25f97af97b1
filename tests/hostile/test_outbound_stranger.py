"""Strangers on connections WE dialled try every protocol we register (issue 15, item 3).

The attacker is a plain py-libp2p host without any gate: our node dials it (as it would dial a
peer it pings, a relay added by address, a DHT bootstrap peer or an mDNS responder), and it
then opens each protocol our host answers. Each test ends with an authorized peer still served.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from libp2p.peer.id import ID
from multiaddr import Multiaddr

from app.core.config import load_config
from app.core.ids.names import service_protocol_id
from app.core.peers import admission
from app.core.reach.interfaces import is_global
from app.engine.node import Node, open_node
from tests.helpers.nodes import exchange, make_node_dir, serve_echo
from tests.hostile.attack import identify, opened, registered_protocols
from tests.unit.engine.compat.hosts import noise_host, running

pytestmark = pytest.mark.trio


async def _still_serves(victim: Node, friend: Node) -> None:
    """``friend`` (authorized) pings ``victim`` and reaches its echo service through a forward."""
    await friend.connect(victim.peer_id, victim.status().listen_addresses)
    pings = [r async for r in friend.ping(victim.peer_id, count=1, interval=0)]
    assert pings[0].rtt_ms is not None
    forward = await friend.open_forward(victim.peer_id, "echo", "127.0.0.1:0")
    port = int(forward.listen_address.rsplit(":", 1)[1])
    with trio.fail_after(20):
        assert await exchange(port, b"still here") == b"still here"


def _dirs(tmp_path: Path, echo_port: int, extra: str = ""):  # type: ignore[no-untyped-def]
    victim = make_node_dir(
        tmp_path, "victim", services={"echo": f"127.0.0.1:{echo_port}"}, extra=extra
    )
    friend = make_node_dir(tmp_path, "friend")
    victim.authorize(friend)
    friend.authorize(victim)
    return victim, friend


async def test_a_stranger_we_dialled_may_run_identify_and_nothing_else(tmp_path: Path) -> None:
    attacker = noise_host()
    async with trio.open_nursery() as nursery, running(attacker):
        echo_port = await nursery.start(serve_echo)
        # A relay node: its hop, dial-back, DHT and pairing protocols are registered too.
        victim, friend = _dirs(tmp_path, echo_port, "relay_service: {enabled: true}\n")
        async with (
            open_node(load_config(victim.config_path), victim.identity) as vnode,
            open_node(load_config(friend.config_path), friend.identity) as fnode,
        ):
            # We dial the stranger (as `peerup ping <id>` or a relay added by address would).
            address = str(attacker.get_addrs()[0])
            await vnode.connect(str(attacker.get_id()), [address])
            protocols = registered_protocols(vnode)
            for expected in (
                service_protocol_id("echo"),
                admission.HOP,
                admission.DIALBACK,
                admission.VERIFY,
                admission.STOP,
                admission.PING,
                admission.NOTIFY,
                vnode.config.ping_protocol,
            ):
                assert expected in protocols
            assert await opened(attacker, vnode.peer_id, protocols) == {admission.IDENTIFY}

            told = await identify(attacker, vnode.peer_id)
            assert list(told.protocols) == [admission.IDENTIFY]
            # Loopback addresses are not public: a stranger is told none, nor the signed record.
            assert not [a for a in told.listen_addrs if not is_global(_ip(a))]
            assert not told.HasField("signedPeerRecord")
            # The hop refuses reservations by itself too, not only by the protocol table.
            assert vnode._relay_hop is not None
            assert not vnode._relay_hop._may_reserve(attacker.get_id())

            await _still_serves(vnode, fnode)
            nursery.cancel_scope.cancel()


async def test_a_relay_we_use_may_bring_circuits_and_nothing_else(tmp_path: Path) -> None:
    attacker = noise_host()  # "a relay added by address": no hop, a peer-up node's protocols
    async with trio.open_nursery() as nursery, running(attacker):
        echo_port = await nursery.start(serve_echo)
        relay = f"{attacker.get_addrs()[0]}"
        victim, friend = _dirs(tmp_path, echo_port, f"relay: {{addresses: ['{relay}']}}\n")
        async with (
            open_node(load_config(victim.config_path), victim.identity) as vnode,
            open_node(load_config(friend.config_path), friend.identity) as fnode,
        ):
            network = attacker.get_network()
            with trio.fail_after(20):  # the node dials its relay to reserve on it
                while not network.get_connections(ID.from_base58(vnode.peer_id)):  # noqa: ASYNC110
                    await trio.sleep(0.05)
            protocols = registered_protocols(vnode)
            allowed = await opened(attacker, vnode.peer_id, protocols)
            assert allowed == {
                admission.IDENTIFY,
                admission.IDENTIFY_PUSH,
                admission.STOP,
                admission.NOTIFY,
            } & set(protocols)
            assert admission.STOP in allowed
            for refused in (
                service_protocol_id("echo"),
                admission.VERIFY,
                admission.PING,
                admission.REACHABILITY,
                vnode.config.ping_protocol,
            ):
                assert refused not in allowed
            told = await identify(attacker, vnode.peer_id)
            assert service_protocol_id("echo") not in told.protocols
            assert admission.VERIFY not in told.protocols
            assert admission.STOP in told.protocols
            # A relay passes our addresses on (the DHT): it is told them.
            assert told.listen_addrs

            await _still_serves(vnode, fnode)
            nursery.cancel_scope.cancel()


def _ip(raw: bytes) -> str:
    parts = str(Multiaddr(raw)).split("/")
    return parts[2] if len(parts) > 2 else ""
