"""CIRCUIT-ADDRS-MANGLED (``app/engine/compat/circuit_addrs_mangled.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import multiaddr
import pytest
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair

from app.engine.compat import addresses, circuit_addrs_mangled

CIRCUIT = "/ip4/1.2.3.4/tcp/1/p2p/12D3KooWRBhwfeP2Y4TCx1SM6s9rUoHhR5STiGwxBhgFRcw3UERE/p2p-circuit"


def test_defect_get_addrs_mangles_circuit_addresses() -> None:
    host = new_host(
        key_pair=create_new_key_pair(),
        addrs_factory=lambda addrs: [*addrs, multiaddr.Multiaddr(CIRCUIT)],
    )
    advertised = [str(a) for a in host.get_addrs()]
    assert advertised == [f"/ip4/1.2.3.4/tcp/1/p2p/{host.get_id()}"]


@pytest.mark.trio
async def test_advertised_addresses_carry_circuits_and_no_wildcards() -> None:
    host = new_host(key_pair=create_new_key_pair())
    circuit_addrs_mangled.advertise_addresses(host, lambda: [CIRCUIT])
    async with host.run([multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/0")]):
        advertised = [str(a) for a in host.get_addrs()]
        expanded = addresses.expand_wildcards(host.get_transport_addrs())
    me = host.get_id()
    # The wildcard stays first (DCUtR binds its dials to it), its public interface addresses follow.
    assert advertised[0].startswith("/ip4/0.0.0.0/")
    public = [a for a in expanded if circuit_addrs_mangled._is_global(a)]
    assert advertised[1:] == [f"{a}/p2p/{me}" for a in public] + [f"{CIRCUIT}/p2p/{me}"]


@pytest.mark.trio
async def test_advertised_addresses_carry_global_mapped_addresses() -> None:
    host = new_host(key_pair=create_new_key_pair())
    mapped = ["/ip4/203.0.113.77/tcp/4001", "/ip4/10.0.0.1/tcp/4001", "not an address"]
    circuit_addrs_mangled.advertise_addresses(host, lambda: [CIRCUIT], lambda: mapped)
    async with host.run([multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")]):
        advertised = [str(a) for a in host.get_addrs()]
    me = host.get_id()
    # A private mapped address (double NAT) is as useless to a peer as a private interface one.
    assert advertised[1:] == [f"/ip4/203.0.113.77/tcp/4001/p2p/{me}", f"{CIRCUIT}/p2p/{me}"]
