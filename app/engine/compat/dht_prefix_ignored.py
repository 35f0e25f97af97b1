"""DHT-PREFIX-IGNORED: py-libp2p's DHT speaks ``/ipfs/kad/1.0.0`` whatever its prefix.

Upstream (``libp2p.kad_dht.kad_dht.KadDHT``): ``protocol_prefix`` is stored but unused; every
stream it opens or accepts uses the module constant ``/ipfs/kad/1.0.0``, so a private namespace
would not apply on the wire (and two namespaces would talk to each other).

Workaround (per DHT): the DHT gets a :class:`DHTHostView` of the host, which translates the
protocol ID per DHT, keeps the DHT to the peers we are connected to (it never dials) and bounds
what the DHT writes to the peerstore (:class:`DHTPeerstoreView`, :func:`bounded_addrs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from libp2p.custom_types import TProtocol
from libp2p.kad_dht import common as _kad_common
from libp2p.network.exceptions import SwarmException
from libp2p.peer.id import ID
from multiaddr import Multiaddr

from app.engine.compat.addresses import is_unspecified

UPSTREAM_DHT_PROTOCOL: TProtocol = _kad_common.PROTOCOL_ID
MAX_DHT_ADDRS_PER_PEER = 16
MAX_DHT_ADDR_BYTES = 256


class DHTPeerstoreView:
    """The peerstore as our DHT sees it: writes bounded, protocol IDs translated.

    Every address the DHT learns from the network (closer peers, signed peer records) goes
    through here, so a peer cannot fill our peerstore: at most :data:`MAX_DHT_ADDRS_PER_PEER`
    addresses of at most :data:`MAX_DHT_ADDR_BYTES` bytes each per peer and write, and no
    wildcard addresses.
    """

    def __init__(self, peerstore: Any, protocol_id: TProtocol) -> None:
        self._peerstore = peerstore
        self._protocol_id = protocol_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._peerstore, name)

    def add_addrs(self, peer_id: ID, addrs: Iterable[Multiaddr], ttl: int = 0) -> None:
        """Store at most the first few well-sized addresses."""
        self._peerstore.add_addrs(peer_id, bounded_addrs(addrs), ttl)

    def add_addr(self, peer_id: ID, addr: Multiaddr, ttl: int = 0) -> None:
        """Store one address if it is not oversized."""
        self.add_addrs(peer_id, [addr], ttl)

    def consume_peer_record(self, envelope: Any, ttl: int) -> bool:
        """Accept a signed peer record only if its address list is bounded."""
        try:
            addrs = list(envelope.record().addrs)
        except Exception:  # an unreadable record is refused like a bad signature
            return False
        if len(addrs) > MAX_DHT_ADDRS_PER_PEER + 1:  # our own records: 0.0.0.0, then the rest
            return False
        if not self._peerstore.consume_peer_record(envelope, ttl):
            return False
        # The record replaced the peer's addresses; keep the usable ones.
        peer_id = envelope.record().peer_id
        kept = bounded_addrs(self._peerstore.addrs(peer_id))
        self._peerstore.clear_addrs(peer_id)
        self._peerstore.add_addrs(peer_id, kept, ttl)
        return True

    def get_protocols(self, peer_id: ID) -> list[str]:
        """The peer's protocols, with our DHT protocol shown as the upstream one it checks for."""
        protocols = list(self._peerstore.get_protocols(peer_id))
        return [UPSTREAM_DHT_PROTOCOL if p == self._protocol_id else p for p in protocols]


def bounded_addrs(addrs: Iterable[Multiaddr]) -> list[Multiaddr]:
    """At most :data:`MAX_DHT_ADDRS_PER_PEER` addresses, each at most :data:`MAX_DHT_ADDR_BYTES`.

    Wildcards (0.0.0.0, ::) are dropped: dialled, they reach the dialler itself, and py-libp2p
    dials a peer's addresses one after the other.
    """
    result: list[Multiaddr] = []
    for addr in addrs:
        if len(result) >= MAX_DHT_ADDRS_PER_PEER:
            break
        try:
            if len(addr.to_bytes()) <= MAX_DHT_ADDR_BYTES and not is_unspecified(addr):
                result.append(addr)
        except Exception:  # not a multiaddr after all: skip it
            continue
    return result


class DHTHostView:
    """The host as py-libp2p's KadDHT sees it (defect DHT-PREFIX-IGNORED).

    ``KadDHT(protocol_prefix=…)`` stores the prefix but every stream it opens or accepts uses the
    module constant ``/ipfs/kad/1.0.0``, so a private namespace would not apply on the wire (and
    two namespaces would talk to each other). This view translates that constant to
    ``protocol_id`` per DHT instance, in both directions.

    It also keeps the DHT to the peers we are connected to: py-libp2p's lookups fall back to
    every peer in the peerstore and would dial them (and its routing table pings stale peers);
    here a stream to a peer without a connection fails at once, without a dial.

    Args:
        host: The libp2p host.
        protocol_id: Our DHT protocol, e.g. ``/peerup/kad/1.0.0``.
    """

    def __init__(self, host: Any, protocol_id: TProtocol) -> None:
        self._host = host
        self.protocol_id = protocol_id
        self._peerstore = DHTPeerstoreView(host.get_peerstore(), protocol_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host, name)

    def _translate(self, protocol: TProtocol) -> TProtocol:
        return self.protocol_id if str(protocol) == UPSTREAM_DHT_PROTOCOL else protocol

    def get_peerstore(self) -> DHTPeerstoreView:
        """The bounded, translating peerstore view."""
        return self._peerstore

    def set_stream_handler(self, protocol_id: TProtocol, handler: Any) -> None:
        """Register ``handler`` under our DHT protocol instead of the upstream one."""
        self._host.set_stream_handler(self._translate(protocol_id), handler)

    def remove_stream_handler(self, protocol_id: TProtocol) -> None:
        """Remove the handler registered by :meth:`set_stream_handler`."""
        self._host.remove_stream_handler(self._translate(protocol_id))

    async def new_stream(self, peer_id: ID, protocol_ids: Iterable[TProtocol]) -> Any:
        """Open a stream on an existing connection only, with the protocol translated.

        Raises:
            SwarmException: we are not connected to ``peer_id`` (the DHT never dials).
        """
        if not self._host.get_network().get_connections(peer_id):
            raise SwarmException(f"not connected to {peer_id}; the DHT does not dial")
        wanted = [self._translate(p) for p in protocol_ids]
        try:
            offered = list(self._host.get_peerstore().get_protocols(peer_id))
        except Exception:  # unknown peer or protocols: identify has not run yet
            offered = []
        if offered and not any(p in offered for p in wanted):
            # Identify says the peer does not serve this DHT: skip the doomed negotiation (which
            # py-libp2p would log as an error).
            raise SwarmException(f"{peer_id} does not serve {wanted[0]}")
        return await self._host.new_stream(peer_id, wanted)
