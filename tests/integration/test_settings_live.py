"""Preferences changed while the node runs apply at once (``Node.update_settings``).

Real nodes on loopback: the device name goes out with the next invite, hole punching and the
DHT namespace change which protocols the node answers, a port mapping is made on a real NAT-PMP
responder on loopback and deleted from it when switched off, mDNS starts and stops. Every change
is written to config.yaml (comments kept) and announced with ``settings-changed`` then
``config-changed`` (nothing needs a restart).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.relay.circuit_v2.dcutr import PROTOCOL_ID as DCUTR_PROTOCOL

from app.core.config import load_config
from app.core.errors import InvalidNameError, InvalidNetworkError
from app.core.reach import natpmp
from app.core.status import (
    ConfigChanged,
    PathType,
    PortMappingChanged,
    SettingsChanged,
    SettingsUpdate,
)
from app.engine import portmap
from app.engine.bus import Numbered, Subscription
from app.engine.node import Node, open_node
from tests.helpers.natpmp_gateway import FakeNatPmpGateway
from tests.helpers.nodes import make_node_dir, peerstore_addresses, relayed_pair_dirs

pytestmark = pytest.mark.trio

NOTE = "# my own note: keep me\n"


async def _until(check: Callable[[], bool | Awaitable[bool]], limit: float) -> None:
    """Poll ``check`` (node state that raises no event) until true, for at most ``limit`` s."""
    with trio.fail_after(limit):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await trio.sleep(0.05)


async def _negotiates(node: Node, peer: str, protocol: str) -> bool:
    """Whether ``peer`` accepts a stream of ``protocol`` from ``node``."""
    host = node._host
    assert host is not None
    try:
        with trio.fail_after(10):
            stream = await host.new_stream(ID.from_base58(peer), [TProtocol(protocol)])  # type: ignore[attr-defined]
    except Exception:
        return False
    await stream.reset()
    return True


async def _events(subscription: Subscription, count: int) -> list[object]:
    """The next ``count`` settings-changed / config-changed events."""
    found: list[object] = []
    with trio.fail_after(10):
        async for item in subscription:
            assert isinstance(item, Numbered)
            if isinstance(item.event, SettingsChanged | ConfigChanged):
                found.append(item.event)
                if len(found) == count:
                    return found
    raise AssertionError("the event stream ended")


async def test_name_and_hole_punching_apply_at_once(tmp_path: Path) -> None:
    inviter = make_node_dir(tmp_path, "inviter", extra=NOTE, hole_punching=False)
    joiner = make_node_dir(tmp_path, "joiner")
    async with (
        open_node(load_config(inviter.config_path), inviter.identity) as inode,
        open_node(load_config(joiner.config_path), joiner.identity) as jnode,
        inode.subscribe() as events,
    ):
        before = inode.settings()
        assert before.hole_punching is False
        assert before.device_name  # the host name's, made a peer name
        with pytest.raises(InvalidNameError):
            inode.update_settings(SettingsUpdate(device_name="my box"))
        with pytest.raises(InvalidNetworkError):
            inode.update_settings(SettingsUpdate(network="Crew"))
        assert inode.settings() == before  # nothing written

        after = inode.update_settings(SettingsUpdate(device_name="study-pc", hole_punching=True))
        assert (after.device_name, after.hole_punching) == ("study-pc", True)
        settings, config = await _events(events, 2)
        assert settings == SettingsChanged(settings=after)
        assert config == ConfigChanged(keys=("identity.name", "network.hole_punching"))
        text = inviter.config_path.read_text()
        assert "name: study-pc" in text
        assert NOTE.strip() in text
        assert load_config(inviter.config_path).settings() == after

        # The next invite announces the new name (no name given for it).
        async with inode.open_invite(ttl=60) as invite:
            with trio.fail_after(20):
                code = await anext(p.code async for p in invite.receive if p.code)
            with trio.fail_after(40):
                result = await jnode.join_invite(code, name="laptop")
        assert result.name == "study-pc"

        # Hole punching: the DCUtR protocol is answered only while it is on.
        assert await _negotiates(jnode, inviter.peer_id, DCUTR_PROTOCOL)
        inode.update_settings(SettingsUpdate(hole_punching=False))
        assert not await _negotiates(jnode, inviter.peer_id, DCUTR_PROTOCOL)
        inode.update_settings(SettingsUpdate(device_name=""))  # back to the host name
        assert inode.settings().device_name == before.device_name
        assert load_config(inviter.config_path).identity_name is None


async def test_hole_punching_switched_on_upgrades_new_relayed_connections(
    tmp_path: Path,
) -> None:
    relay_dir = make_node_dir(tmp_path, "relay", extra="relay_service: {enabled: true}\n")
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        home_dir, laptop_dir = relayed_pair_dirs(tmp_path, relay_dir, relay_addr)
        async with (
            open_node(load_config(home_dir.config_path), home_dir.identity) as home,
            open_node(load_config(laptop_dir.config_path), laptop_dir.identity) as laptop,
        ):
            await _until(
                lambda: bool(home.status().circuit_addresses and laptop.status().circuit_addresses),
                20,
            )
            path = await laptop.connect("home")
            assert path.path_type is PathType.RELAYED
            await laptop.disconnect("home")
            for node in (home, laptop):
                node.update_settings(SettingsUpdate(hole_punching=True))
            await laptop.connect("home")
            home_id = home.peer_id
            await _until(
                lambda: (
                    [p.path_type for p in laptop.paths() if p.peer_id == home_id]
                    == [PathType.DIRECT]
                ),
                20,
            )


async def test_port_mapping_switched_on_and_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = FakeNatPmpGateway(port_offset=100)

    async def loopback_gateway() -> str:
        return "127.0.0.1"

    async with trio.open_nursery() as nursery:
        await nursery.start(gateway.run)
        monkeypatch.setattr(portmap, "default_gateway", loopback_gateway)
        monkeypatch.setattr(portmap, "NATPMP_PORT", gateway.port)
        node_dir = make_node_dir(tmp_path, "b", hole_punching=False)
        async with (
            open_node(load_config(node_dir.config_path), node_dir.identity) as node,
            node.subscribe() as events,
        ):
            port = int(node.status().listen_addresses[0].split("/")[4])
            assert node.status().port_mapping is None
            assert node.update_settings(SettingsUpdate(port_mapping=True)).port_mapping is True
            with trio.fail_after(15):
                async for item in events:
                    assert isinstance(item, Numbered)
                    if isinstance(item.event, PortMappingChanged) and item.event.mapping:
                        break
            mapping = node.status().port_mapping
            assert mapping is not None
            assert mapping.external_address == f"203.0.113.77:{port + 100}"
            assert gateway.mappings == {port: (port + 100, portmap.LEASE)}

            node.update_settings(SettingsUpdate(port_mapping=False))
            assert node.status().port_mapping is None  # no longer announced, at once
            await _until(lambda: not gateway.mappings, 10)  # deleted from the router
            assert gateway.requests[-1] == natpmp.encode_delete_request(port)
            # On again: mapped again, once the deletion is through.
            node.update_settings(SettingsUpdate(port_mapping=True))
            await _until(lambda: node.status().port_mapping is not None, 15)
            assert gateway.mappings == {port: (port + 100, portmap.LEASE)}
        assert gateway.mappings == {}  # the node stopped: deleted again
        nursery.cancel_scope.cancel()


async def test_network_switch_moves_the_dht_namespace(tmp_path: Path) -> None:
    """A in namespace beta cannot look B up at a relay in alpha; switched to alpha, it can."""
    relay_dir = make_node_dir(
        tmp_path, "relay", extra="relay_service: {enabled: true}\ndiscovery: {network: alpha}\n"
    )
    async with open_node(load_config(relay_dir.config_path), relay_dir.identity) as relay:
        relay_addr = relay.status().listen_addresses[0]
        extra = f"relay: {{addresses: ['{relay_addr}']}}\n"
        b_dir = make_node_dir(
            tmp_path, "b", extra=extra + "discovery: {network: alpha}\n", hole_punching=False
        )
        a_dir = make_node_dir(
            tmp_path, "a", extra=extra + "discovery: {network: beta}\n", hole_punching=False
        )
        for x, y in ((relay_dir, a_dir), (relay_dir, b_dir), (a_dir, b_dir), (b_dir, a_dir)):
            x.authorize(y)
        async with (
            open_node(load_config(b_dir.config_path), b_dir.identity) as bnode,
            open_node(load_config(a_dir.config_path), a_dir.identity) as anode,
        ):
            await _until(
                lambda: bool(anode.status().circuit_addresses and bnode.status().circuit_addresses),
                20,
            )
            assert anode._dht is not None
            b_id = ID.from_base58(b_dir.peer_id)
            assert await anode._dht.find_addresses(b_id) == []

            assert anode.update_settings(SettingsUpdate(network="alpha")).network == "alpha"
            assert anode.status().network == "alpha"
            assert anode._dht.protocol_id == "/peerup/alpha/kad/1.0.0"
            b_direct = bnode.status().listen_addresses[0].rsplit("/p2p/", 1)[0]
            dht = anode._dht

            async def found() -> bool:
                return b_direct in [str(a) for a in await dht.find_addresses(b_id)]

            await _until(found, 20)
            assert b_direct in peerstore_addresses(anode, b_dir.peer_id)

            # The relay moves too: a server stops answering the old namespace at once.
            relay.update_settings(SettingsUpdate(network="gamma"))
            assert not await _negotiates(anode, relay.peer_id, "/peerup/alpha/kad/1.0.0")
            assert await _negotiates(anode, relay.peer_id, "/peerup/gamma/kad/1.0.0")
            anode.update_settings(SettingsUpdate(clear_network=True))
            assert anode.settings().network is None
            assert anode._dht.protocol_id == "/peerup/kad/1.0.0"


async def test_mdns_switched_on_finds_a_peer_and_off_stops(tmp_path: Path) -> None:
    """Neither node has an address of the other: B finds A by mDNS once B turns it on."""
    a_dir = make_node_dir(tmp_path, "a", extra="discovery: {mdns: true}\n")
    b_dir = make_node_dir(tmp_path, "b")
    a_dir.authorize(b_dir)
    b_dir.authorize(a_dir)
    async with (
        open_node(load_config(a_dir.config_path), a_dir.identity) as anode,
        open_node(load_config(b_dir.config_path), b_dir.identity) as bnode,
    ):
        assert anode._host is not None
        assert bnode._host is not None
        assert anode._host.mDNS is not None  # type: ignore[attr-defined]
        assert bnode._host.mDNS is None  # type: ignore[attr-defined]
        assert bnode.update_settings(SettingsUpdate(mdns=True)).mdns is True
        assert bnode._host.mDNS is not None  # type: ignore[attr-defined]
        await _until(lambda: bool(peerstore_addresses(bnode, a_dir.peer_id)), 30)
        path = await bnode.connect(a_dir.peer_id)
        assert path.path_type is PathType.DIRECT
        bnode.update_settings(SettingsUpdate(mdns=False))
        assert bnode._host.mDNS is None  # type: ignore[attr-defined]
