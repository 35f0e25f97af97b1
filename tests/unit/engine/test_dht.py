"""The DHT's protocol ID per namespace, and what it keeps of the addresses it is told."""

from __future__ import annotations

import multiaddr
import pytest
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.peer.id import ID

from app.core.errors import InvalidNameError
from app.engine import compat
from app.engine.dht import protocol_id, protocol_prefix, usable_addresses


def _peer() -> ID:
    return ID.from_pubkey(create_new_key_pair().public_key)


def test_protocol_id_of_the_global_network() -> None:
    assert protocol_prefix(None) == "/peerup"
    assert protocol_prefix("") == "/peerup"
    assert protocol_id(None) == "/peerup/kad/1.0.0"


def test_protocol_id_of_a_private_network() -> None:
    assert protocol_prefix("family") == "/peerup/family"
    assert protocol_id("family") == "/peerup/family/kad/1.0.0"
    assert protocol_id("a") != protocol_id("b")


@pytest.mark.parametrize("bad", ["UPPER", "-dash", "with/slash", "x" * 64, "sp ace"])
def test_protocol_id_refuses_a_bad_namespace(bad: str) -> None:
    with pytest.raises(InvalidNameError):
        protocol_id(bad)


def test_usable_addresses_strip_the_peer_and_drop_other_peers() -> None:
    peer, relay, other = _peer(), _peer(), _peer()
    given = [
        multiaddr.Multiaddr(f"/ip4/10.0.0.1/tcp/1/p2p/{peer}"),
        multiaddr.Multiaddr("/ip4/10.0.0.2/tcp/2"),
        multiaddr.Multiaddr(f"/ip4/10.0.0.3/tcp/3/p2p/{other}"),
        multiaddr.Multiaddr(f"/ip4/10.0.0.4/tcp/4/p2p/{relay}/p2p-circuit/p2p/{peer}"),
        multiaddr.Multiaddr(f"/ip4/10.0.0.5/tcp/5/p2p/{relay}/p2p-circuit"),
        multiaddr.Multiaddr(f"/ip4/10.0.0.6/tcp/6/p2p/{relay}/p2p-circuit/p2p/{other}"),
        multiaddr.Multiaddr("/ip4/10.0.0.7/tcp/7/p2p-circuit"),
        multiaddr.Multiaddr(f"/ip4/0.0.0.0/tcp/8/p2p/{peer}"),
    ]
    assert [str(a) for a in usable_addresses(peer, given)] == [
        "/ip4/10.0.0.1/tcp/1",
        "/ip4/10.0.0.2/tcp/2",
        f"/ip4/10.0.0.4/tcp/4/p2p/{relay}/p2p-circuit",
        f"/ip4/10.0.0.5/tcp/5/p2p/{relay}/p2p-circuit",
    ]


def test_usable_addresses_are_bounded() -> None:
    peer = _peer()
    many = [multiaddr.Multiaddr(f"/ip4/10.0.{i // 250}.{i % 250}/tcp/1") for i in range(500)]
    assert len(usable_addresses(peer, many)) == compat.MAX_DHT_ADDRS_PER_PEER
    domain = ".".join(["a" * 60] * 4)  # 243 characters, a valid name
    huge = multiaddr.Multiaddr(f"/dns4/{domain}/tcp/1/p2p/{_peer()}/p2p-circuit")
    assert len(huge.to_bytes()) > compat.MAX_DHT_ADDR_BYTES
    assert usable_addresses(peer, [huge]) == []
