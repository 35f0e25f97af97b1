"""Circuit relay v2: our hop (relay server) and client (reservations, relayed dials and accepts).

Theory of operation
-------------------
The wire protocol is libp2p's circuit relay v2 (``/libp2p/circuit/relay/0.2.0/hop`` and
``…/stop``, varint-delimited protobufs), so our relay serves go/js/rust clients and our client uses
go/js relays.
py-libp2p ships both halves, but its hop keys active circuits by peer (a second circuit of the same
peer clobbers the first), closes both directions when either ends (no half-close), drops a circuit
after 15 s of a slow reader, makes a reservation on every relayed dial, and labels relayed
connections with the node's own ID instead of the relay's (platform notes). So both halves are
written here, on top of py-libp2p's protobuf messages and connection upgrader:

* :class:`RelayHop` answers RESERVE (a reservation per peer, with TTL and limits per peer, per IP
  and in total) and CONNECT (opens STOP to the reserved destination, then splices the two streams
  with half-close, a duration limit and a data limit per circuit).
* :class:`RelayClient` keeps a reservation on each configured relay, accepts STOP streams as
  inbound connections, and dials through a relay (a CONNECT, then the normal Noise+yamux upgrade
  inside the relayed stream). A reservation is trusted only while the connection it was made on
  lives: when that connection closes (the relay restarted, our network changed) it is dropped at
  once and made again at once, then with a jittered back-off from 0.5 s doubling to 30 s (a
  restarted relay is not met by all its clients in the same instant); a held one is renewed at
  80 % of its time.

A relayed connection is labelled ``<relay-addr>/p2p/<relay>/p2p-circuit/p2p/<peer>`` on both ends,
which is how :func:`app.engine.node.classify_path` sees RELAYED.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import multiaddr
import trio
from libp2p.abc import INetConn, INetStream, INetwork, INotifee
from libp2p.connection_types import ConnectionType
from libp2p.custom_types import TProtocol
from libp2p.io.abc import ReadWriteCloser
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.peer.id import ID
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage, Limit, Reservation, StopMessage
from libp2p.relay.circuit_v2.pb.circuit_pb2 import PeerId as PbPeer
from libp2p.relay.circuit_v2.utils import read_delimited_msg, write_delimited_msg

from app.core.config import AutoRelayConfig, RelayServiceConfig
from app.core.errors import PeerUnreachableError
from app.core.reach import dialback
from app.engine import compat
from app.engine.splice import (
    READ_ALL,
    close_quietly,
    dial_failure_text,
    first_line,
    read_to_eof,
    reset_quietly,
)
from app.util.ratelimit import RateLimiter

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.relay")

HOP_PROTOCOL = TProtocol("/libp2p/circuit/relay/0.2.0/hop")
STOP_PROTOCOL = TProtocol("/libp2p/circuit/relay/0.2.0/stop")

# Status codes of the spec.
OK = 100
RESERVATION_REFUSED = 200
RESOURCE_LIMIT_EXCEEDED = 201
PERMISSION_DENIED = 202
CONNECTION_FAILED = 203
NO_RESERVATION = 204
MALFORMED_MESSAGE = 400
UNEXPECTED_MESSAGE = 401

MESSAGE_TIMEOUT = 10.0

# Dial-back requests (each dials up to 8 ports for up to 3 s each): a client asks after each
# reservation and when a port mapping is made, a few times an hour; per peer 4 at once, then
# one per 30 s; in total 32 at once, then one a second; at most 8 running at once.
DIALBACK_PEER_BURST = 4
DIALBACK_PEER_RATE = 1 / 30
DIALBACK_TOTAL_BURST = 32
DIALBACK_TOTAL_RATE = 1.0
DIALBACK_MAX_ACTIVE = 8


@dataclass(frozen=True, slots=True)
class RelayLimits:
    """Limits of a relay (hop): defaults that carry real traffic, not just hole-punch signalling.

    The libp2p defaults (2 min and 128 KiB per circuit) only carry DCUtR's coordination; peer-up
    forwards ssh sessions and file copies through the relay when no direct path exists, so the
    defaults here are an hour and 1 GiB per circuit, with few circuits per peer.
    """

    max_reservations: int = 128
    max_reservations_per_ip: int = 8
    max_circuits: int = 64
    max_circuits_per_peer: int = 16
    reservation_ttl: float = 3600.0
    session_duration: float = 3600.0  # seconds per circuit; 0 = unlimited
    session_data_limit: int = 1 << 30  # bytes per circuit (both directions); 0 = unlimited

    @classmethod
    def from_config(cls, section: RelayServiceConfig | AutoRelayConfig) -> RelayLimits:
        """The limits set in the config's ``relay_service:`` section, or its ``auto:`` one.

        Each field here has a namesake of the same type in both (``enabled``, ``health_port``
        and ``auto`` are the config's alone), so they map by name;
        tests/unit/engine/test_relay_limits.py holds the classes to that, defaults included.
        """
        return cls(**{f.name: getattr(section, f.name) for f in fields(cls)})


@dataclass(slots=True)
class _Reservation:
    expires: float
    ip: str | None


def _remote_ip(stream: INetStream) -> str | None:
    """The IP the peer's connection comes from; None when unknown.

    A relayed connection's address is the relay's, not the peer's: unknown too.
    """
    if _is_relayed_stream(stream):
        return None
    try:
        remote = stream.muxed_conn.get_remote_address()  # type: ignore[attr-defined]
    except Exception:  # exotic connections may not know their address
        return None
    return str(remote[0]) if remote else None


def _is_relayed_stream(stream: INetStream) -> bool:
    """Whether ``stream`` runs on a connection through a relay (a circuit of ours)."""
    return _is_relayed_muxed(stream.muxed_conn)


def _is_relayed_muxed(muxed: Any) -> bool:
    # The type our RawConnection of a circuit was made with, through Noise and yamux.
    try:
        return bool(muxed.get_connection_type() == ConnectionType.RELAYED)
    except Exception:  # a closing connection may not answer
        return False


class RelayHop:
    """A circuit relay v2 hop ("relay serve", or a public node relaying for its peers).

    Args:
        host: The libp2p host.
        limits: Resource limits.
        may_reserve: Whether a peer may reserve (e.g. only authorized peers on a private relay).
        clock: Wall clock, injectable for tests.
    """

    def __init__(
        self,
        host: Any,
        limits: RelayLimits,
        *,
        may_reserve: Callable[[ID], bool] = lambda _peer: True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._host = host
        self.limits = limits
        self._may_reserve = may_reserve
        self._clock = clock
        self._reservations: dict[ID, _Reservation] = {}
        self._circuits: Counter[ID] = Counter()
        self.circuits_total = 0
        self.bytes_relayed = 0
        self.reservations_refused = 0
        self.dialbacks_refused = 0
        self._dialbacks_active = 0
        self._dialback_per_peer = RateLimiter(
            rate=DIALBACK_PEER_RATE,
            burst=DIALBACK_PEER_BURST,
            max_keys=max(limits.max_reservations * 4, 64),
        )
        self._dialback_total = RateLimiter(rate=DIALBACK_TOTAL_RATE, burst=DIALBACK_TOTAL_BURST)

    def install(self) -> None:
        """Register the hop protocol (and our dial-back service) on the host."""
        self._host.set_stream_handler(HOP_PROTOCOL, self._handle_hop)
        self._host.set_stream_handler(TProtocol(dialback.PROTOCOL_ID), self._handle_dialback)

    def installed(self) -> bool:
        """Whether the host offers the hop protocol now (RESERVE and CONNECT are answered)."""
        return HOP_PROTOCOL in self._host.get_mux().get_protocols()

    def uninstall(self) -> None:
        """Stop offering the hop (circuits already running finish)."""
        mux = self._host.get_mux()
        mux.remove_handler(HOP_PROTOCOL)
        mux.remove_handler(TProtocol(dialback.PROTOCOL_ID))

    async def _handle_dialback(self, stream: INetStream) -> None:
        """Dial each address back on a fresh TCP connection (see app.core.reach.dialback).

        Refused (a reset, before anything is dialled): a requester whose connection comes
        through a relay (the IP we see is the relay's: we would dial the relay), and requests
        beyond the rate limits, per peer and in total, or beyond the dial-backs running at once.
        """
        peer: ID = stream.muxed_conn.peer_id
        observed = _remote_ip(stream)
        refusal = self._dialback_refusal(peer, observed)
        if refusal is not None:
            self.dialbacks_refused += 1
            log.info("refused a dial-back for %s: %s", peer, refusal)
            await reset_quietly(stream)
            return
        assert observed is not None
        self._dialbacks_active += 1
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                request = dialback.decode_request(await read_to_eof(stream, dialback.MAX_MESSAGE))
            reachable: list[str] = []
            for addr in request.addrs:
                target = dialback.tcp_target(addr)
                if target is None or target[0] != observed:
                    continue
                if await answers_multistream(*target):
                    reachable.append(addr)
            await stream.write(dialback.encode_response(reachable))
            await close_quietly(stream)
        except Exception as exc:  # a client's request is untrusted; it gets a reset
            log.info("dial-back for %s failed: %s", peer, exc)
            await reset_quietly(stream)
        finally:
            self._dialbacks_active -= 1

    def _dialback_refusal(self, peer: ID, observed: str | None) -> str | None:
        """Why a dial-back for ``peer`` (seen at ``observed``) is refused now; None: it is not."""
        if observed is None:
            return "its connection comes through a relay (or from an unknown address)"
        if self._dialbacks_active >= DIALBACK_MAX_ACTIVE:
            return f"{DIALBACK_MAX_ACTIVE} dial-backs are running"
        now = trio.current_time()
        if not self._dialback_per_peer.allow(peer, now):
            return "too many requests from this peer"
        if not self._dialback_total.allow(None, now):
            return "too many requests"
        return None

    def statistics(self) -> dict[str, int]:
        """Current reservations and circuits."""
        self._expire()
        return {
            "reservations": len(self._reservations),
            "circuits": sum(self._circuits.values()),
            "circuits_total": self.circuits_total,
            "bytes_relayed": self.bytes_relayed,
            "reservations_refused": self.reservations_refused,
            "dialbacks_refused": self.dialbacks_refused,
        }

    def _expire(self) -> None:
        now = self._clock()
        for peer in [p for p, r in self._reservations.items() if r.expires <= now]:
            del self._reservations[peer]

    def _limit_pb(self) -> Limit:
        return Limit(
            duration=int(self.limits.session_duration), data=int(self.limits.session_data_limit)
        )

    async def _handle_hop(self, stream: INetStream) -> None:
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                msg = await read_delimited_msg(stream, HopMessage)
            if msg.type == HopMessage.RESERVE:
                await self._reserve(stream)
            elif msg.type == HopMessage.CONNECT:
                await self._connect(stream, msg)
            else:
                await _send_hop_status(stream, UNEXPECTED_MESSAGE)
                await close_quietly(stream)
        except Exception as exc:  # a misbehaving client must never take the relay down
            log.info("hop stream from %s failed: %s", stream.muxed_conn.peer_id, exc)
            await reset_quietly(stream)

    async def _reserve(self, stream: INetStream) -> None:
        peer = stream.muxed_conn.peer_id
        self._expire()
        ip = _remote_ip(stream)
        existing = self._reservations.get(peer)
        if not self._may_reserve(peer):
            status = PERMISSION_DENIED
        elif (existing is None and len(self._reservations) >= self.limits.max_reservations) or (
            # Peers whose IP we do not know (through a relay) share one bucket of that size.
            existing is None
            and sum(1 for r in self._reservations.values() if r.ip == ip)
            >= self.limits.max_reservations_per_ip
        ):
            status = RESOURCE_LIMIT_EXCEEDED
        else:
            status = OK
        if status != OK:
            self.reservations_refused += 1
            log.info("refused reservation of %s (status %d)", peer, status)
            await _send_hop_status(stream, status)
            await close_quietly(stream)
            return
        expires = self._clock() + self.limits.reservation_ttl
        self._reservations[peer] = _Reservation(expires=expires, ip=ip)
        addrs = [a.to_bytes() for a in self._public_addrs()]
        response = HopMessage(
            type=HopMessage.STATUS,
            status=OK,  # type: ignore[arg-type]
            reservation=Reservation(expire=int(expires), addrs=addrs),
            limit=self._limit_pb(),
        )
        await write_delimited_msg(stream, response)
        await close_quietly(stream)
        log.info(
            "reservation for %s until %s", peer, time.strftime("%H:%M:%S", time.localtime(expires))
        )

    def _public_addrs(self) -> list[multiaddr.Multiaddr]:
        me = self._host.get_id()
        result = []
        for addr in self._host.get_transport_addrs():
            if compat.is_unspecified(addr):
                continue
            result.append(multiaddr.Multiaddr(f"{addr}/p2p/{me}"))
        return result

    async def _connect(self, stream: INetStream, msg: HopMessage) -> None:
        source: ID = stream.muxed_conn.peer_id
        try:
            target = ID(msg.peer.id)
        except Exception:
            await _send_hop_status(stream, MALFORMED_MESSAGE)
            await close_quietly(stream)
            return
        self._expire()
        if target not in self._reservations:
            await _send_hop_status(stream, NO_RESERVATION)
            await close_quietly(stream)
            return
        if (
            sum(self._circuits.values()) >= self.limits.max_circuits
            or self._circuits[source] >= self.limits.max_circuits_per_peer
            or self._circuits[target] >= self.limits.max_circuits_per_peer
        ):
            await _send_hop_status(stream, RESOURCE_LIMIT_EXCEEDED)
            await close_quietly(stream)
            return
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                dst = await self._host.new_stream(target, [STOP_PROTOCOL])
                await write_delimited_msg(dst, self._stop_message(source))
                reply = await read_delimited_msg(dst, StopMessage)
        except Exception as exc:  # the destination may be gone or speak nonsense
            log.info("circuit %s → %s: destination failed: %s", source, target, exc)
            await _send_hop_status(stream, CONNECTION_FAILED)
            await close_quietly(stream)
            return
        if reply.type != StopMessage.STATUS or reply.status != OK:
            await _send_hop_status(stream, CONNECTION_FAILED)
            await close_quietly(stream)
            await reset_quietly(dst)
            return
        await write_delimited_msg(
            stream,
            HopMessage(type=HopMessage.STATUS, status=OK, limit=self._limit_pb()),  # type: ignore[arg-type]
        )
        self._circuits[source] += 1
        self._circuits[target] += 1
        self.circuits_total += 1
        try:
            await self._splice(stream, dst)
        finally:
            self._circuits[source] -= 1
            self._circuits[target] -= 1

    def _stop_message(self, source: ID) -> StopMessage:
        """The STOP CONNECT that tells the destination who opens the circuit."""
        return StopMessage(
            type=StopMessage.CONNECT, peer=PbPeer(id=source.to_bytes()), limit=self._limit_pb()
        )

    async def _splice(self, a: INetStream, b: INetStream) -> None:
        budget = [self.limits.session_data_limit or math.inf]
        duration = self.limits.session_duration or math.inf

        broken = [False]

        async def copy(src: INetStream, dst: INetStream) -> None:
            # Stream errors end the circuit here rather than escaping the nursery: when the
            # relay shuts down they arrive together with trio's Cancelled, and a group of both
            # would not be caught by ``except Exception`` below (a crash on shutdown).
            while True:
                try:
                    data = await src.read(READ_ALL)
                except Exception:  # EOF or reset both end this direction
                    break
                if not data:
                    break
                budget[0] -= len(data)
                if budget[0] < 0:
                    log.info("circuit ended: data limit")
                    broken[0] = True
                    nursery.cancel_scope.cancel()
                    return
                try:
                    await dst.write(data)
                except Exception:
                    broken[0] = True
                    return
                self.bytes_relayed += len(data)
            try:
                await dst.close_write()  # type: ignore[attr-defined]
            except Exception:
                broken[0] = True

        with trio.move_on_after(duration) as deadline:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(copy, a, b)
                nursery.start_soon(copy, b, a)
        if deadline.cancelled_caught:
            log.info("circuit ended: duration limit")
            broken[0] = True
        if broken[0]:
            await reset_quietly(a)
            await reset_quietly(b)
            return
        await close_quietly(a)
        await close_quietly(b)


class CircuitStream(ReadWriteCloser):
    """A relayed stream as the byte stream under a relayed connection's Noise session.

    Noise reads each message as two exact reads (2-byte length, then the body), and yamux reads
    each frame as two more (header, then body); on a relayed connection every one of them would
    be a read of the relayed yamux stream, with its locks, window accounting and log formatting.
    This reads everything the stream has buffered at once and serves the small reads from it.
    """

    def __init__(self, stream: INetStream) -> None:
        self.stream = stream
        self._buffer = b""
        self._offset = 0

    async def read(self, n: int | None = None) -> bytes:
        """Up to ``n`` bytes (all buffered if ``n`` is None or -1); EOF and resets propagate."""
        if self._offset >= len(self._buffer):
            self._buffer = await self.stream.read(READ_ALL)
            self._offset = 0
        start = self._offset
        if n is None or n < 0 or start + n >= len(self._buffer):
            data = self._buffer[start:] if start else self._buffer
            self._buffer = b""
            self._offset = 0
            return data
        self._offset = start + n
        return self._buffer[start : start + n]

    async def write(self, data: bytes) -> None:
        """Write to the relayed stream."""
        await self.stream.write(data)

    async def close(self) -> None:
        """Close the relayed stream."""
        await self.stream.close()

    def get_remote_address(self) -> tuple[str, int] | None:
        """The relayed stream's remote address (that of the relay)."""
        return self.stream.get_remote_address()


DIALBACK_TIMEOUT = 3.0


async def answers_multistream(ip: str, port: int) -> bool:
    """Whether a libp2p listener answers multistream-select on a new TCP connection."""
    try:
        with trio.fail_after(DIALBACK_TIMEOUT):
            tcp = await trio.open_tcp_stream(ip, port)
            async with tcp:
                await tcp.send_all(dialback.MULTISTREAM_HEADER)
                reply = b""
                while len(reply) < len(dialback.MULTISTREAM_HEADER):
                    chunk = await tcp.receive_some(64)
                    if not chunk:
                        break
                    reply += chunk
    except (OSError, trio.TooSlowError, trio.BrokenResourceError):
        return False
    return reply.startswith(dialback.MULTISTREAM_HEADER)


# Re-reserving on a relay that is gone: the first try at once (jittered up to the minimum),
# then after a back-off doubling from the minimum to the maximum, each wait jittered by ±25 %.
RESERVE_BACKOFF_MIN = 0.5
RESERVE_BACKOFF_MAX = 30.0
# A reservation that lived this long before its connection closed starts the back-off afresh;
# a relay that accepts and then hangs up at once is retried ever more slowly.
RESERVE_STABLE = 30.0
# A held reservation is renewed when this share of its time has passed.
RENEW_AT = 0.8


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

    def _due(self, relay: RelayState) -> bool:
        if self.holds(relay):
            return self._clock() >= relay.renew_at
        return trio.current_time() >= relay.retry_at

    def _next_attempt(self, relay: RelayState) -> float:
        """When (trio clock) ``relay`` needs the next reservation attempt."""
        if self.holds(relay):
            # Woken at the renewal, or when the reservation ends (say, a clock jump).
            left = min(relay.renew_at, relay.expires) - self._clock()
            return trio.current_time() + max(1.0, left)
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
        relay.retry_at = trio.current_time() + relay.backoff * random.uniform(0.75, 1.25)
        relay.backoff = min(relay.backoff * 2, RESERVE_BACKOFF_MAX)

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
            raise PeerUnreachableError(f"relay {relay_id}: {dial_failure_text(exc)}") from exc
        if reply.type != HopMessage.STATUS or reply.status != OK:
            await close_quietly(stream)
            reason = {
                NO_RESERVATION: "the peer has no reservation on this relay (is it running?)",
                PERMISSION_DENIED: "the relay does not allow us",
                RESOURCE_LIMIT_EXCEEDED: "the relay is at its limits",
                CONNECTION_FAILED: "the relay could not reach the peer",
            }.get(reply.status, f"status {reply.status}")
            raise PeerUnreachableError(f"relay {relay_id}: {reason}")
        address = _circuit_label(relay_addr, relay_id, target)
        raw = RawConnection(
            stream=CircuitStream(stream),
            initiator=True,
            connection_type=ConnectionType.RELAYED,
            addresses=[address],
        )
        try:
            with trio.fail_after(MESSAGE_TIMEOUT):
                await self._host.upgrade_outbound_connection(raw, target)
        except Exception as exc:  # Noise or muxer negotiation failed inside the circuit
            await reset_quietly(stream)
            raise PeerUnreachableError(f"through relay {relay_id}: {first_line(exc)}") from exc
        _tag_relayed(self._host, target, address)


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


async def _send_hop_status(stream: INetStream, status: int) -> None:
    try:
        await write_delimited_msg(stream, HopMessage(type=HopMessage.STATUS, status=status))  # type: ignore[arg-type]
    except Exception:  # the client may already be gone
        log.debug("could not send hop status", exc_info=True)
