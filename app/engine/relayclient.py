"""Circuit relay v2, the client side: reservations on the configured relays, relayed dials and
accepts (the hop, the wire constants and :class:`~app.engine.relay.CircuitStream` are in
:mod:`app.engine.relay`).

:class:`RelayClient` keeps a reservation on each configured relay, accepts STOP streams as inbound
connections, and dials through a relay (a CONNECT, then the normal Noise+yamux upgrade inside the
relayed stream). A reservation is trusted only while the connection it was made on lives: when
that connection closes (the relay restarted, our network changed) it is dropped at once and made
again at once, then with a jittered back-off from 0.5 s doubling to 30 s (a restarted relay is not
met by all its clients in the same instant) — to 1 s only, for a minute, after losing one that had
lasted (:data:`RESERVE_BACKOFF_LOST`: a relay restarting is back in seconds, and peers dialling us
through it need our reservation then); a held one is renewed at 80 % of its time.

The limits a relay grants (``Limit {duration, data}``) are kept: the reservation's on its
:class:`RelayState`, each relayed connection's (the CONNECT reply's, the STOP CONNECT's) in
:meth:`RelayClient.limit_of`; :mod:`app.engine.limitguard` keeps forwards off tight ones.
"""

from __future__ import annotations

import logging
import math
import random
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import multiaddr
import trio
from libp2p.abc import INetConn, INetStream, INetwork, INotifee
from libp2p.connection_types import ConnectionType
from libp2p.custom_types import TProtocol
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage, StopMessage
from libp2p.relay.circuit_v2.pb.circuit_pb2 import PeerId as PbPeer
from libp2p.relay.circuit_v2.utils import read_delimited_msg, write_delimited_msg

from app.core.circuitlimit import CircuitLimit
from app.core.errors import PeerUnreachableError
from app.core.reach import dialback
from app.core.status import RelayInfo
from app.engine import compat
from app.engine.relay import (
    CONNECTION_FAILED,
    DIALBACK_TIMEOUT,
    HOP_PROTOCOL,
    MESSAGE_TIMEOUT,
    NO_RESERVATION,
    OK,
    PERMISSION_DENIED,
    RESOURCE_LIMIT_EXCEEDED,
    STOP_PROTOCOL,
    UNEXPECTED_MESSAGE,
    CircuitStream,
    _is_relayed_muxed,
)
from app.engine.splice import (
    close_quietly,
    dial_failure_text,
    first_line,
    read_to_eof,
    reset_quietly,
)

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.relay")


# Re-reserving on a relay that is gone: the first try at once (jittered up to the minimum),
# then after a back-off doubling from the minimum to the maximum, each wait jittered by ±25 %.
RESERVE_BACKOFF_MIN = 0.5
RESERVE_BACKOFF_MAX = 30.0
# A reservation that lived this long before its connection closed starts the back-off afresh;
# a relay that accepts and then hangs up at once is retried ever more slowly.
RESERVE_STABLE = 10.0
# A relay that held our reservation that long until its connection closed is most likely
# restarting (or our network changed): for this long after the loss the back-off doubles only up
# to RESERVE_BACKOFF_LOST, so the reservation is back within about a second of the relay (peers
# dialling us through it wait for that); the jitter still spreads its clients' attempts.
RESERVE_LOST_WINDOW = 60.0
RESERVE_BACKOFF_LOST = 1.0
# A held reservation is renewed when this share of its time has passed.
RENEW_AT = 0.8


class PeerNotAtRelayError(PeerUnreachableError):
    """The relay answered, but has no reservation of the peer or could not reach it (yet)."""


class RelayUnreachableError(PeerUnreachableError):
    """The relay itself could not be reached or broke off (refused, reset, timed out): it may be
    restarting, or our network changing."""


@dataclass(slots=True)
class RelayState:
    """What the client knows about one configured relay."""

    address: multiaddr.Multiaddr  # full, with /p2p/<relay>
    peer_id: ID
    expires: float = 0.0
    error: str | None = None
    error_code: str | None = None  # stable code of ``error``
    reserved_addrs: list[multiaddr.Multiaddr] = field(default_factory=list)
    # The muxed connection the reservation was made on: the relay holds it while that lives.
    muxed: Any = None
    renew_at: float = 0.0  # wall clock: when a held reservation is renewed (80 % of its time)
    granted_at: float = -math.inf  # trio clock: when the reservation was made
    retry_at: float = 0.0  # trio clock: when an unheld relay is tried next
    backoff: float = RESERVE_BACKOFF_MIN
    lost_at: float = -math.inf  # trio clock: when a stable reservation's connection closed
    limit: CircuitLimit | None = None  # what circuits to us get (None: unlimited)

    def circuit_address(self) -> multiaddr.Multiaddr:
        """Our address through this relay, for peers to dial."""
        return multiaddr.Multiaddr(f"{self.address}/p2p-circuit")


class RelayClient:
    """Reservations on relays, relayed dials, and relayed accepts.

    Args:
        host: The libp2p host (its gate applies to relayed inbound connections too).
        relays: Full relay multiaddrs (``…/p2p/<relay-id>``).
        on_change: Called when a reservation is made or lost.
        on_inbound: Called with the peer of every relayed connection we accepted.
        clock: Wall clock.
        extra_addresses: More TCP addresses of ours for the dial-back to try (a port mapping).
        still_needed: Whether a relay that was removed is still needed in another role (a
            pairing group's relay, a peer, a bootstrap node): its connection then stays.
    """

    def __init__(
        self,
        host: Any,
        relays: Sequence[str],
        *,
        on_change: Callable[[], None] = lambda: None,
        on_inbound: Callable[[ID], None] = lambda _peer: None,
        clock: Callable[[], float] = time.time,
        extra_addresses: Callable[[], Sequence[str]] = list,
        still_needed: Callable[[ID], bool] = lambda _peer: False,
    ) -> None:
        self._host = host
        self._extra_addresses = extra_addresses
        self._on_change = on_change
        self._on_inbound = on_inbound
        self._clock = clock
        self._still_needed = still_needed
        self.relays: list[RelayState] = [_relay_state(text) for text in relays]
        self._refresh_now = trio.Event()
        self._closing: set[ID] = set()  # removed relays whose connection may be closed
        self.confirmed_addresses: list[str] = []  # listen addresses a relay reached from outside
        # The limit each relayed connection got from its relay, by muxed connection.
        self._circuit_limits: weakref.WeakKeyDictionary[Any, tuple[ID, CircuitLimit]] = (
            weakref.WeakKeyDictionary()
        )

    def install(self) -> None:
        """Register the STOP protocol (relayed inbound connections) and follow connection closes."""
        self._host.set_stream_handler(STOP_PROTOCOL, self._handle_stop)
        self._host.get_network().register_notifee(_RelayConnectionWatcher(self))

    def holds(self, relay: RelayState) -> bool:
        """Whether ``relay`` holds a reservation for us: granted, unexpired, its connection open."""
        return (
            relay.expires > self._clock()
            and relay.muxed is not None
            and self._alive(relay.peer_id, relay.muxed)
        )

    def limit_of(self, conn: INetConn) -> tuple[ID, CircuitLimit] | None:
        """The relay and the limit it set on relayed connection ``conn``; None when unlimited
        (or not relayed)."""
        try:
            return self._circuit_limits.get(conn.muxed_conn)
        except TypeError:  # a connection type that cannot be weakly referenced: none of ours
            return None

    def _note_limit(self, muxed: Any, relay_id: ID, limit: CircuitLimit | None) -> None:
        if limit is not None:
            self._circuit_limits[muxed] = (relay_id, limit)
            log.info("relayed connection via %s: its relay allows %s", relay_id, limit.describe())

    def infos(self) -> list[RelayInfo]:
        """Each configured relay as the status shows it: reservation, error, granted limit."""
        infos = []
        for r in self.relays:
            held = self.holds(r)
            limit = r.limit if held else None
            infos.append(
                RelayInfo(
                    address=str(r.address),
                    peer_id=r.peer_id.to_base58(),
                    reserved=held,
                    expires_at=r.expires if held else None,
                    error=r.error,
                    error_code=r.error_code,
                    limit_data=limit.data if limit is not None else None,
                    limit_duration=limit.duration if limit is not None else None,
                )
            )
        return infos

    def has_reservation(self) -> bool:
        """Whether at least one relay holds a live reservation for us."""
        return any(self.holds(r) for r in self.relays)

    def circuit_addresses(self) -> list[str]:
        """Our relayed addresses (only relays with a live reservation)."""
        return [str(r.circuit_address()) for r in self.relays if self.holds(r)]

    def add_relay(self, text: str) -> bool:
        """Start using one more relay (a pairing code brought it); False if known already."""
        addr = multiaddr.Multiaddr(text)
        peer = ID.from_base58(addr.value_for_protocol("p2p"))
        if any(r.peer_id == peer and r.address == addr for r in self.relays):
            return False
        self.relays.append(RelayState(addr, peer))
        self.refresh_soon()
        return True

    def set_relays(self, addresses: Sequence[str]) -> None:
        """Use exactly these relays from now on (the config changed while the node runs).

        A new relay is reserved on at once. A removed one is no longer refreshed nor announced,
        and its connection is closed unless something else needs it (``still_needed``, or a
        relayed connection of ours runs through it). ``on_change`` is called when the list
        changed.
        """
        wanted = list(dict.fromkeys(str(multiaddr.Multiaddr(a)) for a in addresses))
        kept = [r for r in self.relays if str(r.address) in wanted]
        have = {str(r.address) for r in kept}
        added = [_relay_state(a) for a in wanted if a not in have]
        if not added and len(kept) == len(self.relays):
            return
        removed = [r for r in self.relays if all(r is not k for k in kept)]
        self.relays = kept + added
        kept_peers = {r.peer_id for r in self.relays}
        self._closing.update(r.peer_id for r in removed if r.peer_id not in kept_peers)
        self._wake()
        self._on_change()

    def refresh_soon(self) -> None:
        """Re-reserve now where no reservation is held (after a network change)."""
        for relay in self.relays:
            if not self.holds(relay):
                relay.retry_at = 0.0
        self._wake()

    def _wake(self) -> None:
        self._refresh_now.set()

    def connection_closed(self, conn: INetConn) -> None:
        """A swarm connection closed: a reservation made on it is gone; re-reserve at once."""
        muxed = getattr(conn, "muxed_conn", None)
        now = trio.current_time()
        for relay in self.relays:
            if relay.muxed is None or relay.muxed is not muxed:
                continue
            relay.muxed = None
            if now - relay.granted_at >= RESERVE_STABLE:
                relay.backoff = RESERVE_BACKOFF_MIN
                relay.lost_at = now
            relay.retry_at = now + random.uniform(0, relay.backoff)
            if relay.expires > self._clock():
                relay.expires = 0.0
                relay.error = "the connection to the relay closed"
                relay.error_code = "relay-unreachable"
                log.info("connection to relay %s closed: reserving again", relay.peer_id)
                self._on_change()
            self._wake()

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Keep a reservation on every relay until cancelled."""
        task_status.started()
        while True:
            # A new event first: a wake-up during this round (a close, an edit) is not lost.
            self._refresh_now = trio.Event()
            await self._close_removed()
            wake_at = math.inf
            for relay in list(self.relays):  # set_relays may change the list meanwhile
                if all(relay is not r for r in self.relays):
                    continue
                if self._due(relay):
                    await self._reserve(relay)
                wake_at = min(wake_at, self._next_attempt(relay))
            with trio.move_on_at(wake_at):
                await self._refresh_now.wait()

    def _held_elsewhere(self, relay: RelayState) -> bool:
        """Whether another configured address of the same relay holds our reservation on it.

        One reservation per relay is enough; an address that failed keeps its own error (a
        reservation made over the other address's connection would make it look reserved).
        """
        return any(
            r is not relay and r.peer_id == relay.peer_id and self.holds(r) for r in self.relays
        )

    def _due(self, relay: RelayState) -> bool:
        if self.holds(relay):
            return self._clock() >= relay.renew_at
        if self._held_elsewhere(relay):
            return False
        return trio.current_time() >= relay.retry_at

    def _next_attempt(self, relay: RelayState) -> float:
        """When (trio clock) ``relay`` needs the next reservation attempt."""
        if self.holds(relay):
            # Woken at the renewal, or when the reservation ends (say, a clock jump).
            left = min(relay.renew_at, relay.expires) - self._clock()
            return trio.current_time() + max(1.0, left)
        if self._held_elsewhere(relay):
            return math.inf  # a close of that reservation's connection wakes the loop
        return relay.retry_at

    async def _close_removed(self) -> None:
        """Hang up on relays no longer configured, unless something else needs them."""
        closing, self._closing = self._closing, set()
        network = self._host.get_network()
        for peer in closing:
            if any(r.peer_id == peer for r in self.relays) or self._still_needed(peer):
                continue
            if self._circuits_through(peer):
                continue  # our relayed connections run over it: they end when they end
            if network.get_connections(peer):
                log.info("relay %s removed: closing its connection", peer)
                try:
                    await network.close_peer(peer)
                except Exception as exc:  # a connection closing meanwhile
                    log.debug("closing relay %s: %s", peer, exc)

    def _circuits_through(self, relay_id: ID) -> bool:
        """Whether a relayed connection of ours goes through ``relay_id``."""
        marker = f"/p2p/{relay_id}/p2p-circuit"
        for conns in self._host.get_network().get_connections_map().values():
            for conn in conns:
                try:
                    addrs = [str(a) for a in conn.get_transport_addresses()]
                except Exception:  # a connection being torn down
                    continue
                if any(marker in a for a in addrs):
                    return True
        return False

    def _alive(self, peer: ID, muxed: Any) -> bool:
        return any(c.muxed_conn is muxed for c in self._host.get_network().get_connections(peer))

    async def _reserve(self, relay: RelayState) -> None:
        had = self.holds(relay)
        if had:
            relay.backoff = RESERVE_BACKOFF_MIN  # a renewal: the last one lasted
        muxed: Any = None
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                base = relay.address.decapsulate(multiaddr.Multiaddr(f"/p2p/{relay.peer_id}"))
                # Retries are ours to pace; py-libp2p's 60 s negative cache must not add to them.
                self._host.get_network().unblock_peer(relay.peer_id)
                await compat.connect_each(self._host, _peer_info(relay.peer_id, base))
                stream = await self._host.new_stream(relay.peer_id, [HOP_PROTOCOL])
                muxed = stream.muxed_conn
                await write_delimited_msg(stream, HopMessage(type=HopMessage.RESERVE))
                reply = await read_delimited_msg(stream, HopMessage)
                await close_quietly(stream)
        except Exception as exc:  # unreachable relay, refused stream, garbage reply
            self._failed(relay, dial_failure_text(exc), "relay-unreachable")
            log.info("reservation on %s failed: %s", relay.peer_id, relay.error)
        else:
            if (
                reply.type == HopMessage.STATUS
                and reply.status == OK
                and reply.HasField("reservation")
                and self._alive(relay.peer_id, muxed)
            ):
                now = self._clock()
                relay.expires = float(reply.reservation.expire)
                relay.renew_at = now + RENEW_AT * max(0.0, relay.expires - now)
                relay.muxed = muxed
                relay.granted_at = trio.current_time()
                relay.retry_at = 0.0
                relay.error = relay.error_code = None
                relay.limit = _granted_limit(reply)
                relay.reserved_addrs = []
                for raw in reply.reservation.addrs:
                    try:
                        relay.reserved_addrs.append(multiaddr.Multiaddr(raw))
                    except Exception:  # a relay's address list is untrusted input
                        continue
                log.info("reserved on relay %s until %s", relay.peer_id, time.ctime(relay.expires))
                if not had:
                    self._on_change()
                    had = True
                await self._confirm_public(relay)
            elif reply.type == HopMessage.STATUS and reply.status == OK:
                self._failed(relay, "the connection to the relay closed", "relay-unreachable")
            else:
                self._failed(
                    relay,
                    f"relay refused the reservation (status {reply.status})",
                    "reservation-refused",
                )
                log.warning("relay %s: %s", relay.peer_id, relay.error)
        if had != self.holds(relay):
            self._on_change()

    def _failed(self, relay: RelayState, error: str, code: str) -> None:
        """A reservation attempt failed: none is held; the next try waits out the back-off."""
        relay.expires = 0.0
        relay.muxed = None
        relay.error, relay.error_code = error, code
        now = trio.current_time()
        relay.retry_at = now + relay.backoff * random.uniform(0.75, 1.25)
        lost_lately = now - relay.lost_at < RESERVE_LOST_WINDOW
        most = RESERVE_BACKOFF_LOST if lost_lately else RESERVE_BACKOFF_MAX
        relay.backoff = min(relay.backoff * 2, most)

    async def confirm_public_now(self) -> None:
        """Ask a relay that holds our reservation for a dial-back now (e.g. a port was mapped)."""
        for relay in self.relays:
            if self.holds(relay):
                await self._confirm_public(relay)
                return

    async def _confirm_public(self, relay: RelayState) -> None:
        """Ask the relay to dial our TCP listen addresses back (only peer-up relays can)."""
        addrs = [
            str(a)
            for a in listen_addresses_expanded(self._host)
            if dialback.tcp_target(str(a)) is not None
        ]
        addrs = list(dict.fromkeys([*self._extra_addresses(), *addrs]))
        confirmed: list[str] = []
        try:
            with trio.fail_after(MESSAGE_TIMEOUT + DIALBACK_TIMEOUT * dialback.MAX_ADDRESSES):
                stream = await self._host.new_stream(
                    relay.peer_id, [TProtocol(dialback.PROTOCOL_ID)]
                )
                await stream.write(dialback.encode_request(addrs))
                await stream.close_write()
                reply = dialback.decode_response(await read_to_eof(stream, dialback.MAX_MESSAGE))
                await close_quietly(stream)
                confirmed = [a for a in reply.reachable if a in addrs]
        except Exception as exc:  # relays that are not peer-up do not offer the protocol
            log.debug("dial-back by %s unavailable: %s", relay.peer_id, exc)
            return
        if confirmed != self.confirmed_addresses:
            self.confirmed_addresses = confirmed
            log.info("publicly dialable at %s (confirmed by %s)", confirmed, relay.peer_id)
            self._on_change()

    async def _handle_stop(self, stream: INetStream) -> None:
        relay_id: ID = stream.muxed_conn.peer_id
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                msg = await read_delimited_msg(stream, StopMessage)
            if msg.type != StopMessage.CONNECT:
                await write_delimited_msg(
                    stream,
                    StopMessage(type=StopMessage.STATUS, status=UNEXPECTED_MESSAGE),  # type: ignore[arg-type]
                )
                await close_quietly(stream)
                return
            source = ID(msg.peer.id)
            limit = _granted_limit(msg)
            await write_delimited_msg(stream, StopMessage(type=StopMessage.STATUS, status=OK))  # type: ignore[arg-type]
        except Exception as exc:  # the relay sent something we cannot use
            log.info("stop stream from relay %s failed: %s", relay_id, exc)
            await reset_quietly(stream)
            return
        # The source in the STOP message is only what the relay claims: the connection is
        # labelled, gated and hole-punched as the peer Noise authenticates inside the circuit.
        relay_addr = self._relay_address(relay_id)
        unlabelled = _circuit_label(relay_addr, relay_id, None)
        raw = RawConnection(
            stream=CircuitStream(stream),
            initiator=False,
            connection_type=ConnectionType.RELAYED,
            addresses=[unlabelled],
        )
        try:
            muxed = await self._host.upgrade_inbound_connection(raw, unlabelled)
        except Exception as exc:  # refused by our gate, or a failed handshake
            log.info("relayed connection from %s via %s not accepted: %s", source, relay_id, exc)
            await reset_quietly(stream)
            return
        peer: ID = muxed.peer_id
        if peer != source:
            log.warning(
                "relay %s announced a circuit from %s, but the peer in it is %s",
                relay_id,
                source,
                peer,
            )
        _label_circuit(self._host, muxed, _circuit_label(relay_addr, relay_id, peer))
        self._note_limit(muxed, relay_id, limit)
        self._on_inbound(peer)

    def _relay_address(self, relay_id: ID) -> multiaddr.Multiaddr | None:
        for relay in self.relays:
            if relay.peer_id == relay_id:
                return relay.address.decapsulate(multiaddr.Multiaddr(f"/p2p/{relay_id}"))
        conns = self._host.get_network().get_connections(relay_id)
        for conn in conns:
            for addr in conn.get_transport_addresses():
                if "/p2p-circuit" not in str(addr):
                    return multiaddr.Multiaddr(str(addr).split("/p2p/")[0])
        return None

    async def dial(self, relay_addr: multiaddr.Multiaddr, relay_id: ID, target: ID) -> None:
        """Connect to ``target`` through a relay (no reservation is made for us).

        Raises:
            PeerUnreachableError: the relay is unreachable, refuses, or the target is not reserved.
        """
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                self._host.get_network().unblock_peer(relay_id)
                await compat.connect_each(self._host, _peer_info(relay_id, relay_addr))
                stream = await self._host.new_stream(relay_id, [HOP_PROTOCOL])
                await write_delimited_msg(
                    stream, HopMessage(type=HopMessage.CONNECT, peer=PbPeer(id=target.to_bytes()))
                )
                reply = await read_delimited_msg(stream, HopMessage)
        except Exception as exc:  # unreachable relay, protocol refused, garbage reply
            raise RelayUnreachableError(f"relay {relay_id}: {dial_failure_text(exc)}") from exc
        if reply.type != HopMessage.STATUS or reply.status != OK:
            await close_quietly(stream)
            reason = {
                NO_RESERVATION: "the peer has no reservation on this relay (is it running?)",
                PERMISSION_DENIED: "the relay does not allow us",
                RESOURCE_LIMIT_EXCEEDED: "the relay is at its limits",
                CONNECTION_FAILED: "the relay could not reach the peer",
            }.get(reply.status, f"status {reply.status}")
            absent = reply.status in (NO_RESERVATION, CONNECTION_FAILED)
            raise (PeerNotAtRelayError if absent else PeerUnreachableError)(
                f"relay {relay_id}: {reason}"
            )
        address = _circuit_label(relay_addr, relay_id, target)
        raw = RawConnection(
            stream=CircuitStream(stream),
            initiator=True,
            connection_type=ConnectionType.RELAYED,
            addresses=[address],
        )
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                conn = await self._host.upgrade_outbound_connection(raw, target)
        except Exception as exc:  # Noise or muxer negotiation failed inside the circuit
            await reset_quietly(stream)
            raise PeerUnreachableError(f"through relay {relay_id}: {first_line(exc)}") from exc
        _tag_relayed(self._host, target, address)
        self._note_limit(conn.muxed_conn, relay_id, _granted_limit(reply))


class _RelayConnectionWatcher(INotifee):
    """Tells the relay client when a swarm connection closes (a reservation may be gone)."""

    def __init__(self, client: RelayClient) -> None:
        self._client = client

    async def connected(self, network: INetwork, conn: INetConn) -> None:
        return None

    async def disconnected(self, network: INetwork, conn: INetConn) -> None:
        self._client.connection_closed(conn)

    async def opened_stream(self, network: INetwork, stream: INetStream) -> None:
        return None

    async def closed_stream(self, network: INetwork, stream: INetStream) -> None:
        return None

    async def listen(self, network: INetwork, multiaddr: multiaddr.Multiaddr) -> None:
        return None

    async def listen_close(self, network: INetwork, multiaddr: multiaddr.Multiaddr) -> None:
        return None


def _granted_limit(message: HopMessage | StopMessage) -> CircuitLimit | None:
    """The limit in a relay's message; None when it sets none (the spec: no limit)."""
    if not message.HasField("limit"):
        return None
    return CircuitLimit.from_wire(message.limit.duration, message.limit.data)


def _relay_state(text: str) -> RelayState:
    addr = multiaddr.Multiaddr(text)
    return RelayState(addr, ID.from_base58(addr.value_for_protocol("p2p")))


def listen_addresses_expanded(host: Any) -> list[multiaddr.Multiaddr]:
    """The host's transport addresses with wildcards (0.0.0.0, ::) expanded to interface IPs."""
    return compat.expand_wildcards(host.get_transport_addrs())


def _circuit_label(
    relay_addr: multiaddr.Multiaddr | None, relay_id: ID, peer: ID | None
) -> multiaddr.Multiaddr:
    """``<relay-addr>/p2p/<relay>/p2p-circuit[/p2p/<peer>]``."""
    prefix = str(relay_addr) if relay_addr is not None else ""
    suffix = f"/p2p/{peer}" if peer is not None else ""
    return multiaddr.Multiaddr(f"{prefix}/p2p/{relay_id}/p2p-circuit{suffix}")


def _label_circuit(host: Any, muxed: Any, address: multiaddr.Multiaddr) -> None:
    """Label the swarm connection over ``muxed`` with its circuit ``address``."""
    for conn in host.get_network().get_connections(muxed.peer_id):
        if conn.muxed_conn is muxed:
            conn.set_transport_info([address], ConnectionType.RELAYED)


def _tag_relayed(host: Any, peer: ID, address: multiaddr.Multiaddr) -> None:
    """Record the circuit address on the new swarm connection (the upgrader cannot know it)."""
    for conn in host.get_network().get_connections(peer):
        try:
            addrs = [str(a) for a in conn.get_transport_addresses()]
        except Exception:  # a half-built connection may not answer
            addrs = []
        if (
            not any("/p2p-circuit" in a for a in addrs)
            and getattr(conn.muxed_conn, "secured_conn", None) is not None
            and _is_relayed_muxed(conn.muxed_conn)
        ):
            conn.set_transport_info([address], ConnectionType.RELAYED)


def _peer_info(peer: ID, addr: multiaddr.Multiaddr | None) -> Any:
    from libp2p.peer.peerinfo import PeerInfo

    return PeerInfo(peer, [addr] if addr is not None else [])
