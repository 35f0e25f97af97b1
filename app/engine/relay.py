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
* :class:`~app.engine.relayclient.RelayClient` (its own module) keeps a reservation on each
  configured relay, accepts STOP streams as inbound connections, and dials through a relay.

A relayed connection is labelled ``<relay-addr>/p2p/<relay>/p2p-circuit/p2p/<peer>`` on both ends,
which is how :func:`app.engine.node.classify_path` sees RELAYED.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import multiaddr
import trio
from libp2p.abc import INetStream
from libp2p.connection_types import ConnectionType
from libp2p.custom_types import TProtocol
from libp2p.io.abc import ReadWriteCloser
from libp2p.peer.id import ID
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator
from libp2p.relay.circuit_v2.pb.circuit_pb2 import HopMessage, Limit, Reservation, StopMessage
from libp2p.relay.circuit_v2.pb.circuit_pb2 import PeerId as PbPeer
from libp2p.relay.circuit_v2.utils import read_delimited_msg, write_delimited_msg

from app.core.config import AutoRelayConfig, RelayServiceConfig
from app.core.reach import dialback
from app.engine import compat, keepalive
from app.engine.splice import (
    READ_ALL,
    close_quietly,
    read_to_eof,
    reset_quietly,
)
from app.util.ratelimit import RateLimiter

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
    muxed: Any = None  # the connection the peer reserved over: circuits to it go there


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
        self._reservations[peer] = _Reservation(expires=expires, ip=ip, muxed=stream.muxed_conn)
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
        # A client reserves over a new connection when its old one is gone on its side (its
        # address changed): circuits on an old one that is silent now must end, not hang. A
        # renewal over the same connection doubts nothing.
        if existing is None or existing.muxed is not stream.muxed_conn:
            await keepalive.close_silent(self._host, peer, keep=stream.muxed_conn)

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
                dst = await self._open_stop(target)
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

    async def _open_stop(self, target: ID) -> INetStream:
        """A STOP stream to ``target``, over the connection it reserved on while that lives."""
        reservation = self._reservations.get(target)
        muxed = reservation.muxed if reservation is not None else None
        for conn in self._host.get_network().get_connections(target):
            if muxed is not None and conn.muxed_conn is muxed and not muxed.is_closed:
                stream = await conn.new_stream()
                try:
                    await self._host.multiselect_client.select_one_of(
                        [STOP_PROTOCOL], MultiselectCommunicator(stream)
                    )
                except BaseException:
                    await reset_quietly(stream)
                    raise
                stream.set_protocol(STOP_PROTOCOL)
                return stream  # type: ignore[no-any-return]
        log.debug("STOP to %s: its reservation's connection is gone; any will do", target)
        return await self._host.new_stream(target, [STOP_PROTOCOL])  # type: ignore[no-any-return]

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


async def _send_hop_status(stream: INetStream, status: int) -> None:
    try:
        await write_delimited_msg(stream, HopMessage(type=HopMessage.STATUS, status=status))  # type: ignore[arg-type]
    except Exception:  # the client may already be gone
        log.debug("could not send hop status", exc_info=True)
