"""MDNS-WILDCARD (``app/engine/compat/mdns_wildcard.py``).

Each ``test_defect_*`` proves the defect is still in the pinned py-libp2p and fails once
upstream fixes it; the other tests prove the workaround works.
"""

from __future__ import annotations

import inspect

import multiaddr

from app.engine.compat import mdns_wildcard


def test_defect_mdns_announces_wildcard_addresses() -> None:
    source = inspect.getsource(mdns_wildcard.original_mdns_addrs())
    assert "get_transport_addrs" in source
    assert "0.0.0.0" not in source  # wildcards are announced as they are


def test_mdns_addresses_are_expanded() -> None:
    class Host:
        def get_transport_addrs(self):
            return [
                multiaddr.Multiaddr("/ip4/0.0.0.0/tcp/4001"),
                multiaddr.Multiaddr("/ip4/10.1.2.3/tcp/1"),
            ]

    broadcaster = type("B", (), {"host": Host(), "listen_addrs": []})()
    addrs = mdns_wildcard._mdns_addrs(broadcaster)
    assert "/ip4/0.0.0.0/tcp/4001" not in addrs
    assert "/ip4/10.1.2.3/tcp/1" in addrs
