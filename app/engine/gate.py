"""The Gate: who may connect to us, and which protocols each peer may open.

Every inbound connection is checked right after the Noise handshake (compat NO-PEER-GATE): a
peer with a role passes (authorized, a relay we use, a DHT bootstrap peer; anyone when our relay
is open to everyone); an unknown peer passes only while a probation is open (an invite or a
relay pairing group waits for someone it does not know yet). When the probation ends, the
strangers it admitted that did not become authorized are disconnected.

Every stream a peer opens, on a connection it dialled or one we dialled, is negotiated against
the protocols the admission table (:mod:`app.core.peers.admission`) lets its roles open; a peer
on probation may open only its probation's protocols. Identify tells a peer that is not
authorized only the protocols it may open (compat IDENTIFY-TELLS-ALL).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import trio
from libp2p.peer.id import ID
from multiaddr import Multiaddr

from app.core.peers.admission import Role, may_open
from app.core.reach.interfaces import is_global
from app.core.status import ConnectionRefused
from app.engine import compat
from app.engine.bus import EventBus
from app.engine.peerbook import PeerBook

__all__ = ["PROBATION_CONNECT_GRACE", "Gate", "Probation"]

log = logging.getLogger("peerup.engine.gate")

PROBATION_CONNECT_GRACE = 15.0
PROBATION_DISMISS_TIMEOUT = 5.0


@dataclass
class Probation:
    """An open admission window for unknown peers (see :meth:`Gate.open_probation`).

    Attributes:
        protocols: The only protocol IDs a peer on probation may open.
        limit: How many peers may be on probation at once.
        peers: Peers admitted now (peer ID → when they were admitted, trio time).
        admitted_total: How many admissions there were since it opened.
        refused_total: How many unknown peers were refused because it was full.
    """

    protocols: frozenset[str]
    limit: int
    peers: dict[str, float] = field(default_factory=dict)
    admitted_total: int = 0
    refused_total: int = 0


class Gate:
    """Admission of peers: authorized ones, and strangers on probation.

    Args:
        peers: Who is authorized.
        bus: Where refused connections are reported.
        gating: ``security.enable_connection_gating`` (off: everyone may connect).

    The grace of :data:`PROBATION_CONNECT_GRACE` is measured on trio's clock.
    """

    def __init__(
        self,
        peers: PeerBook,
        bus: EventBus,
        *,
        gating: bool = True,
    ) -> None:
        self._peers = peers
        self._bus = bus
        self._gating = gating
        self._probations: list[Probation] = []
        self._host: object | None = None
        self._relays: Callable[[], Collection[str]] = tuple
        self._dht_peers: Callable[[], Collection[str]] = tuple
        self._open_relay: Callable[[], bool] = lambda: False

    def install(
        self,
        host: object,
        *,
        relays: Callable[[], Collection[str]] = tuple,
        dht_peers: Callable[[], Collection[str]] = tuple,
        open_relay: Callable[[], bool] = lambda: False,
    ) -> None:
        """Gate ``host``'s inbound connections, every peer's streams and what identify tells.

        Args:
            host: The libp2p host.
            relays: The peer IDs of the relays we use (``relay.addresses``, our groups' relays);
                ``role=relay`` lines of authorized_keys count too.
            dht_peers: The peer IDs of our DHT bootstrap peers.
            open_relay: Whether our relay service is open to everyone
                (``relay_service.open_reservations``, while the hop runs).
        """
        self._host = host
        self._relays = relays
        self._dht_peers = dht_peers
        self._open_relay = open_relay
        compat.install_peer_gate(host, self._allows, self._on_refused)
        compat.install_stream_gate(host, self._stream_policy)
        compat.filter_identify(host, self._identify_view)

    # ---- roles and the admission table ----------------------------------------------------------

    def roles(self, pid: str) -> frozenset[Role]:
        """What ``pid`` is to us right now.

        Every peer holds ``anyone``, except a stranger admitted on probation: it holds
        ``probation`` alone (it may not even run identify).
        """
        roles = set()
        if self._peers.is_authorized(pid):
            roles.add(Role.AUTHORIZED)
            if self._peers.is_verified(pid):
                roles.add(Role.VERIFIED)
        if self._peers.is_relay(pid) or pid in self._relays():
            roles.add(Role.RELAY)
        if pid in self._dht_peers():
            roles.add(Role.DHT)
        if not self.on_probation(pid):
            roles.add(Role.ANYONE)
        elif roles:
            roles |= {Role.PROBATION, Role.ANYONE}
        else:
            roles.add(Role.PROBATION)
        return frozenset(roles)

    def may_open(self, peer: ID | str, protocol: str) -> bool:
        """Whether ``peer`` may open ``protocol`` now (the admission table, and probation)."""
        pid = peer if isinstance(peer, str) else peer.to_base58()
        return self._policy_for(pid)(protocol)

    def _policy_for(self, pid: str) -> Callable[[str], bool]:
        roles = self.roles(pid)
        open_relay = self._open_relay()
        if Role.PROBATION not in roles:
            return lambda p: may_open(p, roles, open_relay=open_relay)
        # A peer on probation may open its probation's protocols, not every protocol the table
        # opens to peers on probation (an invitee is no pairing joiner).
        others = roles - {Role.PROBATION}
        granted = self._probation_protocols(pid)
        return lambda p: (
            may_open(p, others, open_relay=open_relay)
            or (p in granted and may_open(p, {Role.PROBATION}, open_relay=open_relay))
        )

    def _stream_policy(self, peer_id: ID) -> Callable[[str], bool]:
        return self._policy_for(peer_id.to_base58())

    def _identify_view(self, peer_id: ID) -> compat.IdentifyView | None:
        """What identify tells ``peer_id``: everything to an authorized peer; to anyone else
        only what it may open, and our addresses only if it is a relay or DHT peer we use."""
        pid = peer_id.to_base58()
        roles = self.roles(pid)
        if Role.AUTHORIZED in roles:
            return None
        policy = self._policy_for(pid)
        if roles & {Role.RELAY, Role.DHT}:
            return compat.IdentifyView(policy, lambda _addr: True, signed_record=True)
        return compat.IdentifyView(policy, _public_address, signed_record=False)

    def _allows(self, peer_id: ID) -> bool:
        pid = peer_id.to_base58()
        return (
            bool(self.roles(pid) - {Role.ANYONE, Role.PROBATION})
            or self._open_relay()
            or self._admit_on_probation(pid)
        )

    @asynccontextmanager
    async def open_probation(
        self, *, protocols: Collection[str], limit: int
    ) -> AsyncIterator[Probation]:
        """Admit unknown peers on probation while the block runs.

        While open, a peer not in authorized_keys may connect (at most ``limit`` such peers at
        once) but may open only ``protocols``; every other stream from it is refused (services,
        ping, relay hop, identify, everything). When the block ends, peers admitted by it that
        did not become authorized meanwhile are disconnected. Used by invites and relay pairing.
        """
        if limit < 1:
            raise ValueError("a probation admits at least one peer")
        probation = Probation(frozenset(protocols), limit)
        self._probations.append(probation)
        try:
            yield probation
        finally:
            self._probations.remove(probation)
            with trio.CancelScope(shield=True), trio.move_on_after(PROBATION_DISMISS_TIMEOUT):
                await self._dismiss(probation)

    def _admit_on_probation(self, pid: str) -> bool:
        if not self._probations:
            return False
        if self.on_probation(pid):
            return True
        now = trio.current_time()
        for probation in self._probations:
            self._forget_stalled(probation, now)
            if len(probation.peers) < probation.limit:
                probation.peers[pid] = now
                probation.admitted_total += 1
                log.info("admitted %s on probation (may open %s)", pid, sorted(probation.protocols))
                return True
        for probation in self._probations:
            probation.refused_total += 1
        return False

    def _forget_stalled(self, probation: Probation, now: float) -> None:
        """Free the slots of admitted peers whose connection never came up."""
        if self._host is None:
            return
        network = self._host.get_network()  # type: ignore[attr-defined]
        for pid, since in list(probation.peers.items()):
            if now - since > PROBATION_CONNECT_GRACE and not network.get_connections(
                ID.from_base58(pid)
            ):
                del probation.peers[pid]

    def _probation_protocols(self, pid: str) -> frozenset[str]:
        """The protocols the open probations that admitted ``pid`` opened."""
        allowed: frozenset[str] = frozenset()
        for probation in self._probations:
            if pid in probation.peers:
                allowed |= probation.protocols
        return allowed

    def on_probation(self, pid: str) -> bool:
        """Whether a probation admitted ``pid`` and is still open."""
        return any(pid in p.peers for p in self._probations)

    def forget(self, pid: str) -> None:
        """``pid``'s last connection closed: its probation slots are free again."""
        for probation in self._probations:
            probation.peers.pop(pid, None)

    async def _dismiss(self, probation: Probation) -> None:
        host = self._host
        if host is None:
            return
        network = host.get_network()  # type: ignore[attr-defined]
        for pid in list(probation.peers):
            if self._peers.is_authorized(pid) or self.on_probation(pid):
                continue
            log.info("probation over: disconnecting %s", pid)
            with contextlib.suppress(Exception):  # a connection may be closing already
                await network.close_peer(ID.from_base58(pid))

    def _on_refused(self, peer_id: ID, address: str) -> None:
        log.warning("refused connection from unauthorized peer %s at %s", peer_id, address)
        self._bus.publish(ConnectionRefused(peer_id=peer_id.to_base58(), address=address))

    async def drop_unauthorized(self) -> None:
        """Close the connections of every peer that has no role any more (neither authorized,
        nor a relay or DHT peer we use, nor on probation)."""
        if not self._gating or self._host is None:
            return
        network = self._host.get_network()  # type: ignore[attr-defined]
        for peer in list(network.get_connections_map()):
            if not self.roles(peer.to_base58()) - {Role.ANYONE}:
                log.info("closing connections of deauthorized peer %s", peer)
                await network.close_peer(peer)


def _public_address(addr: Multiaddr) -> bool:
    """A listen address a stranger may be told: relayed, or a global IP."""
    text = str(addr)
    if "/p2p-circuit" in text:
        return True
    parts = text.split("/")
    return len(parts) > 2 and parts[1] in ("ip4", "ip6") and is_global(parts[2])
