"""The Gate: who may connect to us, and which protocols each peer may open.

Every inbound connection is checked right after the Noise handshake (compat NO-PEER-GATE): a
peer with a role passes (authorized, a relay we use, a DHT bootstrap peer; anyone when our relay
is open to everyone); an unknown peer passes only while a probation is open (an invite or a
relay pairing group waits for someone it does not know yet). When the probation ends, the
strangers it admitted that did not become authorized are disconnected.

Every stream a peer opens, on a connection it dialled or one we dialled, is negotiated against
the protocols the admission table (:mod:`app.core.peers.admission`) lets its roles open; a peer
on probation may open only its probation's protocols, at most :data:`PROBATION_MAX_STREAMS`
streams at once. Identify tells a peer that is not authorized only the protocols it may open
(compat IDENTIFY-TELLS-ALL).

Nobody can hold a probation: a stranger must complete a protocol step (the service using the
probation wraps each step in :meth:`Gate.protocol_step`) within the probation's idle timeout
(``security.probation_timeout``, :data:`PROBATION_IDLE_TIMEOUT` by default) of its admission and
of its last step, or it is disconnected and its slot freed; and one source address holds at most
``per_address`` of a probation's slots. Strangers that name invites we do not have are charged to
a :class:`~app.core.pairing.probes.ProbeBudget` (:meth:`Gate.charge_probe`): past it they are
dropped, and their address gets no slot for a while.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

import trio
from libp2p.peer.id import ID
from multiaddr import Multiaddr

from app.core.pairing.probes import ProbeBudget
from app.core.peers.admission import Role, may_open
from app.core.reach.interfaces import is_global
from app.engine import compat
from app.engine.bus import EventBus
from app.engine.peerbook import PeerBook
from app.engine.refusals import RefusalReporter

__all__ = [
    "PROBATION_CONNECT_GRACE",
    "PROBATION_IDLE_TIMEOUT",
    "PROBATION_MAX_STREAMS",
    "Gate",
    "Probation",
    "ProbationSlot",
]

log = logging.getLogger("peerup.engine.gate")

PROBATION_CONNECT_GRACE = 15.0
PROBATION_DISMISS_TIMEOUT = 5.0
PROBATION_IDLE_TIMEOUT = 15.0
"""Seconds a stranger on probation may go without a protocol step (the Go peer-up's 15 s):
a joiner sends its first message within milliseconds of connecting."""
PROBATION_MAX_STREAMS = 2
"""Streams of one stranger that may run at once (a join needs one)."""


@dataclass
class ProbationSlot:
    """One stranger's place in a probation.

    Attributes:
        admitted: When it was admitted (trio time).
        address: Its source address (a relayed stranger: the relay's); ``""`` if unknown.
        last_step: When its last protocol step ended (``admitted`` until it made one).
        steps: Protocol steps of it in progress now.
    """

    admitted: float
    address: str
    last_step: float
    steps: int = 0


@dataclass
class Probation:
    """An open admission window for unknown peers (see :meth:`Gate.open_probation`).

    Attributes:
        protocols: The only protocol IDs a peer on probation may open.
        limit: How many peers may be on probation at once.
        per_address: How many of them may come from one source address.
        idle_timeout: Seconds a peer on probation may go without a protocol step.
        peers: Peers admitted now (peer ID → its slot).
        admitted_total: How many admissions there were since it opened.
        refused_total: How many unknown peers were refused because it was full.
        evicted_total: How many were disconnected for making no protocol step in time.
    """

    protocols: frozenset[str]
    limit: int
    per_address: int
    idle_timeout: float
    peers: dict[str, ProbationSlot] = field(default_factory=dict)
    admitted_total: int = 0
    refused_total: int = 0
    evicted_total: int = 0
    changed: trio.Event = field(default_factory=trio.Event, repr=False)

    def _wake(self) -> None:
        self.changed.set()


class Gate:
    """Admission of peers: authorized ones, and strangers on probation.

    Args:
        peers: Who is authorized.
        bus: Where refused connections are reported.
        gating: ``security.enable_connection_gating`` (off: everyone may connect).
        idle_timeout: ``security.probation_timeout``: the default idle timeout of probations.
        probes: The budget of refused lookups by strangers (a fresh one by default).

    The grace of :data:`PROBATION_CONNECT_GRACE` and every timeout are measured on trio's clock.
    """

    def __init__(
        self,
        peers: PeerBook,
        bus: EventBus,
        *,
        gating: bool = True,
        idle_timeout: float = PROBATION_IDLE_TIMEOUT,
        probes: ProbeBudget | None = None,
    ) -> None:
        self._peers = peers
        self._bus = bus
        self._gating = gating
        self._idle_timeout = idle_timeout
        self._probes = probes if probes is not None else ProbeBudget()
        self._probations: list[Probation] = []
        self._origins: dict[str, compat.Origin] = {}
        self._host: object | None = None
        self._relays: Callable[[], Collection[str]] = tuple
        self._dht_peers: Callable[[], Collection[str]] = tuple
        self._open_relay: Callable[[], bool] = lambda: False
        # Counted, and reported on the bus at most once a second (the node runs its task).
        self.refusals = RefusalReporter(bus)

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
        compat.install_stream_gate(
            host,
            self._stream_policy,
            limited=lambda peer: self.on_probation(peer.to_base58()),
            max_streams=PROBATION_MAX_STREAMS,
        )
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

    def _allows(self, peer_id: ID, origin: compat.Origin) -> bool:
        pid = peer_id.to_base58()
        return (
            bool(self.roles(pid) - {Role.ANYONE, Role.PROBATION})
            or self._open_relay()
            or self._admit_on_probation(pid, origin)
        )

    @asynccontextmanager
    async def open_probation(
        self,
        *,
        protocols: Collection[str],
        limit: int,
        per_address: int | None = None,
        idle_timeout: float | None = None,
    ) -> AsyncIterator[Probation]:
        """Admit unknown peers on probation while the block runs.

        While open, a peer not in authorized_keys may connect (at most ``limit`` such peers at
        once, ``per_address`` of them from one source address) but may open only
        ``protocols``; every other stream from it is refused (services, ping, relay hop,
        identify, everything). A peer that goes ``idle_timeout`` seconds without a protocol
        step (:meth:`protocol_step`), from its admission or its last step, is disconnected and
        its slot freed. When the block ends, peers admitted by it that did not become
        authorized meanwhile are disconnected. Used by invites and relay pairing.

        Args:
            protocols: What a peer on probation may open.
            limit: Peers on probation at once.
            per_address: Of those, from one source address (default: ``limit - 1``, at least
                1, so one host cannot take every slot).
            idle_timeout: Default: the gate's (``security.probation_timeout``).
        """
        if limit < 1:
            raise ValueError("a probation admits at least one peer")
        probation = Probation(
            frozenset(protocols),
            limit,
            per_address if per_address is not None else max(1, limit - 1),
            idle_timeout if idle_timeout is not None else self._idle_timeout,
        )
        self._probations.append(probation)
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._evict_idle, probation)
                try:
                    yield probation
                finally:
                    nursery.cancel_scope.cancel()
        finally:
            self._probations.remove(probation)
            with trio.CancelScope(shield=True), trio.move_on_after(PROBATION_DISMISS_TIMEOUT):
                await self._dismiss(probation)

    def _admit_on_probation(self, pid: str, origin: compat.Origin) -> bool:
        if not self._probations:
            return False
        if self.on_probation(pid):
            return True
        now = trio.current_time()
        if self._probes.barred(origin.ip, now):
            log.info("refused %s from %s: that address used up its probe budget", pid, origin.ip)
            for probation in self._probations:
                probation.refused_total += 1
            return False
        for probation in self._probations:
            self._forget_stalled(probation, now)
            from_there = sum(s.address == origin.ip for s in probation.peers.values())
            if len(probation.peers) < probation.limit and from_there < probation.per_address:
                probation.peers[pid] = ProbationSlot(now, origin.ip, now)
                probation.admitted_total += 1
                probation._wake()
                self._origins[pid] = origin
                log.info("admitted %s on probation (may open %s)", pid, sorted(probation.protocols))
                return True
        for probation in self._probations:
            probation.refused_total += 1
        return False

    def _forget_stalled(self, probation: Probation, now: float) -> None:
        """Free the slots of admitted peers whose connection never came up, and of peers that
        are authorized now (they are no strangers any more)."""
        if self._host is None:
            return
        network = self._host.get_network()  # type: ignore[attr-defined]
        for pid, slot in list(probation.peers.items()):
            if self._peers.is_authorized(pid) or (
                now - slot.admitted > PROBATION_CONNECT_GRACE
                and not network.get_connections(ID.from_base58(pid))
            ):
                del probation.peers[pid]
                if not self.on_probation(pid):
                    self._origins.pop(pid, None)

    @contextmanager
    def protocol_step(self, pid: str) -> Iterator[None]:
        """A protocol step of ``pid`` (on probation) runs while the block runs.

        A stranger that is inside no such block for its probation's idle timeout is
        disconnected; the services that use a probation wrap each step the stranger has
        completed its part of (e.g. an invite attempt from its first message on) in one.
        """
        slots = [p.peers[pid] for p in self._probations if pid in p.peers]
        for slot in slots:
            slot.steps += 1
        try:
            yield
        finally:
            now = trio.current_time()
            for slot in slots:
                slot.steps -= 1
                slot.last_step = now
            for probation in self._probations:
                probation._wake()

    def origin(self, pid: str) -> compat.Origin:
        """Where the connection that admitted ``pid`` on probation came from."""
        return self._origins.get(pid, compat.Origin("", relayed=False))

    def charge_probe(self, pid: str, origin: compat.Origin) -> bool:
        """A stranger named something we do not have (or that it may not use from there).

        Authorized peers are not charged (a stale code of a friend costs nothing).

        Returns:
            True if it is still within its budget; False if it used it up (the caller drops
            it, e.g. with :meth:`drop`), and its address gets no slot for a while.
        """
        if self._peers.is_authorized(pid):
            return True
        within = self._probes.charge(pid, origin.ip, trio.current_time())
        if not within:
            log.warning("%s (from %s) used up its probe budget", pid, origin.ip or "unknown")
        return within

    async def drop(self, pid: str) -> None:
        """Disconnect ``pid`` if it is a stranger (never an authorized peer), and free its slots."""
        if self._peers.is_authorized(pid) or self._host is None:
            return
        for probation in self._probations:
            if probation.peers.pop(pid, None) is not None:
                probation._wake()
        network = self._host.get_network()  # type: ignore[attr-defined]
        with contextlib.suppress(Exception), trio.move_on_after(PROBATION_DISMISS_TIMEOUT):
            await network.close_peer(ID.from_base58(pid))

    async def _evict_idle(self, probation: Probation) -> None:
        """Disconnect the strangers of ``probation`` that made no protocol step in time."""
        while True:
            now = trio.current_time()
            due: list[str] = []
            deadline = math.inf
            for pid, slot in list(probation.peers.items()):
                if self._peers.is_authorized(pid):
                    del probation.peers[pid]  # no stranger any more: its slot is free
                elif not slot.steps:
                    idle_until = slot.last_step + probation.idle_timeout
                    if idle_until <= now:
                        due.append(pid)
                    else:
                        deadline = min(deadline, idle_until)
            for pid in due:
                probation.peers.pop(pid, None)
                probation.evicted_total += 1
                log.info(
                    "%s made no protocol step on probation for %.0f s: disconnecting it",
                    pid,
                    probation.idle_timeout,
                )
                await self.drop(pid)
            if due:
                continue
            probation.changed = trio.Event()
            with trio.move_on_at(deadline):
                await probation.changed.wait()

    def _probation_protocols(self, pid: str) -> frozenset[str]:
        """The protocols the open probations that admitted ``pid`` opened."""
        allowed: frozenset[str] = frozenset()
        for probation in self._probations:
            if pid in probation.peers:
                allowed |= probation.protocols
        return allowed

    @property
    def probes(self) -> ProbeBudget:
        """The budget of refused lookups by strangers (see :meth:`charge_probe`)."""
        return self._probes

    def probations(self) -> tuple[Probation, ...]:
        """The probations open now, oldest first."""
        return tuple(self._probations)

    def on_probation(self, pid: str) -> bool:
        """Whether a probation admitted ``pid`` and is still open."""
        return any(pid in p.peers for p in self._probations)

    def forget(self, pid: str) -> None:
        """``pid``'s last connection closed: its probation slots are free again."""
        self._origins.pop(pid, None)
        for probation in self._probations:
            if probation.peers.pop(pid, None) is not None:
                probation._wake()

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
