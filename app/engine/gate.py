"""The Gate: who may connect to us, and what a peer on probation may open.

Every inbound connection is checked right after the Noise handshake (compat NO-PEER-GATE): an
authorized peer passes; an unknown peer passes only while a probation is open (an invite or a
relay pairing group waits for someone it does not know yet), and then may open only that
probation's protocols (compat STREAM-GATE). When the probation ends, the strangers it admitted
that did not become authorized are disconnected.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import trio
from libp2p.peer.id import ID

from app.engine import compat
from app.engine.bus import EventBus
from app.engine.peerbook import PeerBook
from app.engine.refusals import RefusalReporter

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
        self._restricted: set[str] = set()
        self._host: object | None = None
        # Counted, and reported on the bus at most once a second (the node runs its task).
        self.refusals = RefusalReporter(bus)

    def install(self, host: object) -> None:
        """Gate ``host``'s inbound connections and the streams of peers on probation."""
        self._host = host
        compat.install_peer_gate(host, self._allows, self._on_refused)
        compat.install_stream_gate(host, self._probation_protocols)

    def _allows(self, peer_id: ID) -> bool:
        pid = peer_id.to_base58()
        return self._peers.is_authorized(pid) or self._admit_on_probation(pid)

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
                self._restricted.add(pid)
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

    def _probation_protocols(self, peer_id: ID) -> frozenset[str] | None:
        """The protocols a peer admitted on probation may open; None for everyone else."""
        pid = peer_id.to_base58()
        if pid not in self._restricted or self._peers.is_authorized(pid):
            return None
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
        self._restricted.discard(pid)
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
        self.refusals.refused(peer_id.to_base58(), address)

    async def drop_unauthorized(self) -> None:
        """Close the connections of every peer that is neither authorized nor on probation."""
        if not self._gating or self._host is None:
            return
        network = self._host.get_network()  # type: ignore[attr-defined]
        for peer in list(network.get_connections_map()):
            pid = peer.to_base58()
            if not self._peers.is_authorized(pid) and not self.on_probation(pid):
                log.info("closing connections of deauthorized peer %s", peer)
                await network.close_peer(peer)
