"""DHT-PREFIX-IGNORED (``app/engine/compat/dht_prefix_ignored.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

from typing import Any

import multiaddr
import pytest
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.network.exceptions import SwarmException
from libp2p.peer.id import ID

from app.engine.compat import dht_prefix_ignored


def test_defect_dht_ignores_its_protocol_prefix() -> None:
    from libp2p.kad_dht.kad_dht import DHTMode, KadDHT

    host = new_host(key_pair=create_new_key_pair())
    KadDHT(host, DHTMode.SERVER, protocol_prefix=TProtocol("/peerup"))
    protocols = [str(p) for p in host.get_mux().get_protocols()]
    assert "/ipfs/kad/1.0.0" in protocols
    assert "/peerup/kad/1.0.0" not in protocols


def test_dht_host_view_uses_our_protocol() -> None:
    from libp2p.kad_dht.kad_dht import DHTMode, KadDHT

    host = new_host(key_pair=create_new_key_pair())
    view: Any = dht_prefix_ignored.DHTHostView(host, TProtocol("/peerup/x/kad/1.0.0"))
    KadDHT(view, DHTMode.SERVER, protocol_prefix=TProtocol("/peerup/x"))
    protocols = [str(p) for p in host.get_mux().get_protocols()]
    assert "/peerup/x/kad/1.0.0" in protocols
    assert "/ipfs/kad/1.0.0" not in protocols


@pytest.mark.trio
async def test_dht_host_view_never_dials() -> None:
    host = new_host(key_pair=create_new_key_pair())
    view = dht_prefix_ignored.DHTHostView(host, TProtocol("/peerup/kad/1.0.0"))
    stranger = ID.from_pubkey(create_new_key_pair().public_key)
    view.get_peerstore().add_addrs(stranger, [multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/9")], 60)
    with pytest.raises(SwarmException, match="does not dial"):
        await view.new_stream(stranger, [TProtocol("/ipfs/kad/1.0.0")])


def test_dht_peerstore_writes_are_bounded() -> None:
    host = new_host(key_pair=create_new_key_pair())
    view = dht_prefix_ignored.DHTHostView(host, TProtocol("/peerup/kad/1.0.0"))
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    many = [multiaddr.Multiaddr(f"/ip4/10.0.0.{i}/tcp/1") for i in range(100)]
    view.get_peerstore().add_addrs(peer, many, 60)
    assert len(host.get_peerstore().addrs(peer)) == dht_prefix_ignored.MAX_DHT_ADDRS_PER_PEER


def test_dht_peerstore_drops_wildcards() -> None:
    host = new_host(key_pair=create_new_key_pair())
    view = dht_prefix_ignored.DHTHostView(host, TProtocol("/peerup/kad/1.0.0"))
    peer = ID.from_pubkey(create_new_key_pair().public_key)
    addrs = ["/ip4/0.0.0.0/tcp/1", "/ip6/::/tcp/1", "/ip4/203.0.113.7/tcp/1"]
    view.get_peerstore().add_addrs(peer, [multiaddr.Multiaddr(a) for a in addrs], 60)
    assert [str(a) for a in host.get_peerstore().addrs(peer)] == ["/ip4/203.0.113.7/tcp/1"]
