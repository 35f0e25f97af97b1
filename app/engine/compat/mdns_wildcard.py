"""MDNS-WILDCARD: mDNS announces wildcard listen addresses as they are.

Upstream (``libp2p.discovery.mdns.broadcaster.PeerBroadcaster``): the host's listen addresses
are announced unchanged, so a node listening on 0.0.0.0 tells its LAN to dial 0.0.0.0, which each
listener takes for itself (the Noise handshake then fails on the peer ID).

Workaround (:func:`install`, process-wide): :func:`_mdns_addrs` expands wildcards into this
machine's interface addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from libp2p.discovery.mdns import broadcaster as _mdns_broadcaster
from multiaddr import Multiaddr

from app.engine.compat.addresses import expand_wildcards

_original_mdns_addrs: Callable[[Any], list[str]] = (
    _mdns_broadcaster.PeerBroadcaster._resolve_host_addrs
)


def _mdns_addrs(self: Any) -> list[str]:
    """The broadcaster's addresses with 0.0.0.0 / :: expanded (defect MDNS-WILDCARD)."""
    return [str(a) for a in expand_wildcards(Multiaddr(t) for t in _original_mdns_addrs(self))]


def install() -> None:
    """Install :func:`_mdns_addrs` on py-libp2p's mDNS broadcaster (idempotent)."""
    _mdns_broadcaster.PeerBroadcaster._resolve_host_addrs = _mdns_addrs  # type: ignore[method-assign]


def original_mdns_addrs() -> Callable[[Any], list[str]]:
    """The upstream address resolution, for the test that proves the defect."""
    return _original_mdns_addrs
