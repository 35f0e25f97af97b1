"""Workarounds for py-libp2p 0.8.1 defects, all in one place.

Each workaround names the defect it covers. ``tests/unit/engine/test_compat.py`` has one test per
defect that proves the defect is present in the pinned py-libp2p; when upstream fixes a defect its
test fails, telling us to drop the workaround.

Defects covered:

* **PLAINTEXT-DEFAULT**: ``new_host()`` without ``sec_opt`` offers ``/plaintext/2.0.0`` and secio
  next to Noise, so a peer can negotiate an unauthenticated, unencrypted connection.
  Workaround: :func:`noise_only_security` is always passed as ``sec_opt``.
* **THREE-CONNS-PER-PEER**: ``ConnectionConfig.max_connections_per_peer`` defaults to 3; the extra
  dials add ~200 ms to every first connection. Workaround: :func:`connection_config` sets 1.
* **AUTO-DIAL**: the swarm's ``AutoConnector`` dials peers from the peerstore whenever the node has
  fewer than ``min_connections`` (default 50) connections, so a node would dial every peer it ever
  heard of. peer-up dials only the peers a user asks for. Workaround: :func:`disable_auto_dial`.
* **NO-PEER-GATE**: the only connection gate is by IP/CIDR; nothing lets an application refuse a
  peer by its ID. Workaround: :func:`install_peer_gate` wraps the upgrader's security step, so an
  inbound TCP connection from a refused peer is closed right after the Noise handshake, before any
  muxer or stream exists; and it wraps the swarm's ``add_conn``, which QUIC connections (secured
  by their own TLS, never passing the upgrader) go through before any stream is accepted.
  Nor can a host offer some protocols to some peers only (a peer admitted on probation during an
  invite may open the invite protocol and nothing else): :func:`install_stream_gate` negotiates
  the streams of restricted peers against a table holding only the protocols they may use, so any
  other protocol is answered "na", as if we did not speak it.
* **YAMUX-WINDOW-TIMEOUT**: ``YamuxStream.write`` gives up with ``MuxedStreamError("Timed out
  waiting for window update after 5 seconds.")`` when the reader has not consumed data for 5 s.
  For a port forward that means any client that stops reading for 5 s (a paused download, an
  ssh session in a suspended terminal) kills its connection. Workaround:
  :func:`patch_yamux_window_wait` replaces the wait with one that has no deadline and ends only
  when the window opens or the stream closes.
* **YAMUX-CREDIT-PER-READ**: by default (``PY_YAMUX_RELEASE_ON_READ``) a yamux reader sends a
  window update for every read, so a fast reader (a relay copying between two streams) hands out
  credit a few kilobytes at a time and the sender sends frames that small. Batched updates
  (half a window at a time, as go-yamux does) doubled relayed throughput in ``bench/relay.py``.
  :func:`batch_window_updates`.
* **MDNS-WILDCARD**: the mDNS broadcaster announces the host's listen addresses as they are, so a
  node listening on 0.0.0.0 tells its LAN to dial 0.0.0.0 — which each listener takes for itself
  (the Noise handshake then fails on the peer ID). :func:`patch_mdns_wildcard` expands wildcards.
* **QUIC-TAIL-LOSS**: ``QUICStream.read`` can report EOF while the last data sits in its buffer,
  so a QUIC stream ends short (QUIC is off by default for this). :func:`patch_quic_tail`.
* **YAMUX-FRAME-SPLIT**: yamux sends 64 KiB frames, but a Noise transport message holds at most
  65519 bytes of plaintext, so every full frame is encrypted and written as two Noise messages.
  The same patched ``write`` sends frames that fit one Noise message (+60% forwarded throughput
  on loopback, see docs/performance.md).
* **DHT-PREFIX-IGNORED**: ``KadDHT``'s ``protocol_prefix`` is stored but unused; every stream uses
  ``/ipfs/kad/1.0.0``. :class:`DHTHostView` translates it per DHT (and keeps the DHT to connected
  peers, with bounded peerstore writes).
* **CIRCUIT-ADDRS-MANGLED**: ``BasicHost.get_addrs`` cuts every address at its first ``/p2p/``, so
  circuit addresses are advertised as the relay's address with our ID.
  :func:`advertise_addresses`.
* **TCP-SMALL-READS**: every read of a TCP connection is one ``receive_some`` of exactly what the
  caller asked for, and Noise asks twice per message (the 2-byte length, then the body), yamux
  twice per frame: two socket reads and trio round trips per 64 KiB. :func:`patch_tcp_reads`
  reads up to 256 KiB at once and serves the small reads from that buffer.
* **READ-PATH-COPIES**: on its way in, every frame body is copied about five times on top of
  decryption: ``read_exactly`` collects even a complete read in a ``bytearray`` and copies it
  out again, and ``SecureSession`` copies the rest of a Noise message into a ``BytesIO`` and out
  again. :func:`patch_read_copies` returns complete reads as they are and keeps the rest of a
  message as it is, with an offset.
* **YAMUX-SHUTDOWN-EOF**: when a yamux session ends (closed by us, GO_AWAY, or the transport
  broke), a stream's pending or next ``read`` reports a clean end of stream, even for streams
  the peer never finished (and after buffered data was thrown away). A forwarded connection cut
  off by a dead path would look complete to the client. :func:`patch_yamux_shutdown_reset`
  makes such reads raise a reset; streams that got the peer's FIN and were read to the end keep
  their clean EOF.
* **YAMUX-CLOSE-BLOCKS**: ``Yamux.close`` first writes a GO_AWAY frame, with no deadline, and only
  then wakes the streams; on a dead path whose TCP send buffer is full (a transfer was running)
  the write never completes, so the connection is never closed and its streams hang.
  :func:`abort_transport` shuts the TCP socket down first (and makes its close a reset): pending
  writes fail at once and the muxer's reader sees the end, which ends every stream.
* **YAMUX-WRITE-PER-FRAME**: a yamux write goes out frame by frame, each frame through the
  connection's write lock, a Noise encryption and a socket write of its own, and
  ``Yamux._write_frame`` unpacks each frame's header to format a debug line whether debug logging
  is on or not. :func:`_yamux_write` builds up to four frames at a time and writes them at once;
  :func:`_write_frame` skips the formatting when debug logging is off.
* **NOISE-WRITE-PER-MESSAGE**: a Noise write longer than one message is encrypted chunk by chunk
  into new objects, each copied again behind its length prefix and written to the connection on
  its own. :func:`_noise_write_msg` encrypts every chunk in place into one buffer and writes it
  once (same bytes on the wire).
* **YAMUX-TIMER-PER-FRAME**: every DATA frame body is read inside ``trio.fail_after`` (a cancel
  scope with a deadline), even when the body is already decrypted in memory.
  :func:`_read_data_body` reads such a body directly.
* **YAMUX-BUFFER-COPIES**: each yamux stream keeps its received data in one ``bytearray``: every
  frame is copied in (with reallocations as it grows) and every read copies it out again.
  :class:`ReceiveBuffer` keeps the frames' own bytes; a read of whole frames copies nothing.

Together these are :func:`patch_write_batches`; bench/relay.py measured them in
docs/performance.md.

* **DCUTR-SOURCE-FAMILY**: DCUtR binds every hole-punch dial to the host's *first* TCP listen
  address, whatever the family of the address it dials; a node listening on IPv4 and IPv6 sends
  one of the two families' dials nowhere ("Source/destination IP family mismatch"). Behind a
  symmetric IPv4 NAT with global IPv6 behind a stateful firewall (common at home), IPv6 was the
  only path that could punch, and it was never tried (NAT lab, tests/lab/test_ipv6.py).
  :class:`InboundDrivenDCUtR` binds each dial to the listen address of the dialled family
  (:func:`hole_punch_source`).
* **TCP-IPV6-ADDRESS**: ``TrioTCPStream.get_remote_address`` accepts only a 2-tuple from
  ``getpeername()``, but an IPv6 socket gives 4 (host, port, flow info, scope ID), so every
  IPv6 TCP connection has no remote address and no transport address: DCUtR cannot verify the
  direct connection it made (it kept punching and never let the relay go) and paths showed no
  address. :func:`patch_tcp_ipv6_address`.
* **DCUTR-UNILATERAL-WAIT**: before hole punching, DCUtR dials the peer's advertised addresses
  directly (spec step 0) and waits up to its whole dial timeout, 10 s, for that to work. A
  global address behind a stateful firewall (most home IPv6) drops the SYN, so every hole punch
  with such a peer started 10 s late (NAT lab: DIRECT after 10.7 s instead of 0.9 s).
  :class:`InboundDrivenDCUtR` gives the direct dial :data:`UNILATERAL_DIAL_TIMEOUT`.
* **IDENTIFY-AGENT-VERSION**: identify announces a fixed ``py-libp2p/<version>`` (a module
  constant; neither ``new_host`` nor the host takes an agent version), and the agent version a
  peer announces is dropped: ``update_peerstore_from_identify`` stores its key, addresses,
  protocols and record, not its ``agent_version``. :func:`patch_identify_agent_version` announces
  ours and stores theirs, bounded (:func:`bounded_agent_version`), under the peerstore key
  ``AgentVersion`` as go-libp2p does.
* **LISTENER-LEAK**: leaving ``host.run`` stops the swarm without closing its TCP listeners: the
  listening sockets stay open in the process with nobody accepting. An engine started again in
  the same process (the tray, tests) listens beside the dead socket (SO_REUSEPORT), and the
  kernel hands it part of the new connections, which then hang. :func:`close_listeners`.
* **DCUTR-WILDCARD-DIAL**: DCUtR dials every address the peerstore holds for the peer, and a peer
  listening on 0.0.0.0 or :: announces that wildcard in identify. Dialled, a wildcard reaches
  the dialler itself: one wasted connection per hole punch that fails its Noise handshake on
  the peer ID ("failed to upgrade security" in the log). :class:`InboundDrivenDCUtR` skips
  unspecified targets.
* **NOISE-CANCELLED-WRITE**: ``NoiseTransportReadWriter.write_msg`` encrypts (spending a nonce)
  and then awaits the socket write, where a cancellation lands: the message never goes out, the
  next one carries the following nonce, and the peer fails to authenticate it ("Failed
  authentication of message") and drops the connection. A forward whose one direction ends
  cancels the other mid-write (a refused forward did), killing every stream of that connection.
  :func:`_noise_write_msg` shields the write of what it encrypted, for at most
  :data:`SPENT_WRITE_LIMIT` (then it closes the connection: a stalled path must not hold a
  cancelled task for good).
* **SWARM-ONE-ADDR-PER-CLASS**: ``Swarm.dial_peer`` (behind ``host.connect``) dials at most one
  address per transport class: of a peer's TCP addresses only the first is ever tried. An invite
  code's or a DHT record's second address (the public one after a LAN one, IPv6 after IPv4) and a
  relay's second configured address were never dialled. :func:`connect_each` dials them all.
* **NEGOTIATION-UNTYPED**: when the peer answers "na" to every protocol we offer,
  ``MultiselectClient.select_one_of`` raises a plain ``MultiselectClientError`` (the
  ``ProtocolNotSupportedError`` it caught per protocol is neither raised nor chained), as it does
  for a reset, an early end of stream, a garbled answer or its own negotiation timeout (no
  ``TimeoutError`` either); ``BasicHost.new_stream`` then wraps each in the same ``StreamFailure``.
  Only the message tells "the peer does not offer this protocol" from a broken or slow
  negotiation, or a stream broken before the peer saw our proposal from one broken after.
  :func:`is_protocol_refusal`, :func:`is_negotiation_timeout` and :func:`is_handshake_failure`.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import logging
import os
import socket
import struct
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import trio
from libp2p.abc import ISecureTransport
from libp2p.connection_types import ConnectionType
from libp2p.crypto.keys import KeyPair
from libp2p.crypto.x25519 import create_new_key_pair as create_x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.discovery.mdns import broadcaster as _mdns_broadcaster
from libp2p.exceptions import MultiError
from libp2p.host import basic_host as _basic_host
from libp2p.identity import update as _identify_update
from libp2p.identity.identify import identify as _identify
from libp2p.identity.identify_push import identify_push as _identify_push
from libp2p.io import msgio as _msgio
from libp2p.io import trio as _trio_io
from libp2p.io import utils as _io_utils
from libp2p.io.exceptions import ConnectionClosedError, IncompleteReadError
from libp2p.kad_dht import common as _kad_common
from libp2p.network.config import ConnectionConfig
from libp2p.network.connection.exceptions import RawConnError
from libp2p.network.exceptions import SwarmDialAllFailedError, SwarmException
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo
from libp2p.peer.peerstore import PeerStoreError
from libp2p.protocol_muxer.exceptions import MultiselectClientError, ProtocolNotSupportedError
from libp2p.protocol_muxer.multiselect import Multiselect
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator
from libp2p.relay.circuit_v2.dcutr import MAX_HOLE_PUNCH_ATTEMPTS, DCUtRProtocol
from libp2p.security import secure_session as _secure_session
from libp2p.security.exceptions import HandshakeFailure
from libp2p.security.noise import io as _noise_io
from libp2p.security.noise.io import MAX_PLAINTEXT_LENGTH as NOISE_MAX_PLAINTEXT
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_PROTOCOL_ID
from libp2p.security.noise.transport import Transport as NoiseTransport
from libp2p.stream_muxer.exceptions import MuxedStreamEOF, MuxedStreamError, MuxedStreamReset
from libp2p.stream_muxer.yamux import yamux as _yamux
from libp2p.transport.exceptions import SecurityUpgradeFailure
from libp2p.transport.quic import stream as _quic_stream
from libp2p.utils.address_validation import expand_wildcard_address
from multiaddr import Multiaddr
from multiaddr.protocols import P_P2P as _P_P2P
from noise.backends.default.ciphers import (  # type: ignore[import-untyped]
    ChaCha20Cipher as _ChaCha20Cipher,
)
from noise.exceptions import NoiseMaxNonceError  # type: ignore[import-untyped]

from app.core.reachability import is_global

log = logging.getLogger("peerup.engine.compat")


def noise_only_security(key_pair: KeyPair) -> dict[TProtocol, ISecureTransport]:
    """Security options offering Noise and nothing else (defect PLAINTEXT-DEFAULT)."""
    return {
        NOISE_PROTOCOL_ID: NoiseTransport(
            key_pair, noise_privkey=create_x25519_key_pair().private_key
        )
    }


def connection_config() -> ConnectionConfig:
    """Connection settings with one connection per peer (defect THREE-CONNS-PER-PEER)."""
    return ConnectionConfig(max_connections_per_peer=1)


def disable_auto_dial(host: Any) -> None:
    """Stop the swarm from dialing peers on its own (defect AUTO-DIAL)."""

    async def no_auto_dial() -> None:
        return None

    host.get_network().auto_connector.maybe_connect = no_auto_dial


PeerAllowed = Callable[[ID], bool]
PeerRefused = Callable[[ID, str], None]
StreamRestriction = Callable[[ID], "frozenset[str] | None"]
STREAM_NEGOTIATE_TIMEOUT = 10


def install_stream_gate(host: Any, restricted: StreamRestriction) -> None:
    """Let restricted peers open only some protocols (defect NO-PEER-GATE, for streams).

    Args:
        host: The libp2p host; its swarm's stream handler is wrapped in place.
        restricted: Called with the peer of every inbound stream; ``None`` means no restriction,
            a set means only those protocol IDs may be negotiated (empty: none at all).
    """
    swarm = host.get_network()
    original = swarm.common_stream_handler

    @functools.wraps(original)
    async def handle(net_stream: Any) -> None:
        peer = net_stream.muxed_conn.peer_id
        allowed = restricted(peer)
        if allowed is None:
            await original(net_stream)
            return
        table: dict[TProtocol | None, Any] = {
            p: h
            for p, h in host.multiselect.handlers.items()
            if p is not None and str(p) in allowed
        }
        try:
            with trio.fail_after(STREAM_NEGOTIATE_TIMEOUT):
                protocol, handler = await Multiselect(table).negotiate(
                    MultiselectCommunicator(net_stream), STREAM_NEGOTIATE_TIMEOUT
                )
        except Exception as exc:  # a refused or broken negotiation: one line, then reset
            log.info("refused a stream from restricted peer %s: %s", peer, exc)
            with contextlib.suppress(Exception):
                await net_stream.reset()
            return
        if protocol is None or handler is None:
            with contextlib.suppress(Exception):
                await net_stream.reset()
            return
        net_stream.set_protocol(protocol)
        await handler(net_stream)

    swarm.set_stream_handler(handle)


def install_peer_gate(host: Any, allowed: PeerAllowed, on_refused: PeerRefused) -> None:
    """Refuse inbound connections from peers ``allowed`` rejects (defect NO-PEER-GATE).

    Args:
        host: The libp2p host; its swarm's upgrader is wrapped in place.
        allowed: Called with the Noise-authenticated peer ID of every inbound connection.
        on_refused: Called with the peer ID and remote address of every refused connection.
    """
    upgrader = host.get_network().upgrader
    original = upgrader.upgrade_security

    @functools.wraps(original)
    async def upgrade_security(raw_conn: Any, is_initiator: bool, peer_id: ID | None = None) -> Any:
        secured = await original(raw_conn, is_initiator, peer_id)
        if is_initiator:
            return secured
        remote = secured.get_remote_peer()
        if allowed(remote):
            return secured
        address = _describe_remote(raw_conn)
        try:
            await secured.close()
        finally:
            on_refused(remote, address)
        raise SecurityUpgradeFailure(f"peer {remote} is not authorized") from HandshakeFailure(
            "not authorized"
        )

    upgrader.upgrade_security = upgrade_security

    swarm = host.get_network()
    original_add_conn = swarm.add_conn

    @functools.wraps(original_add_conn)
    async def add_conn(muxed_conn: Any, direction: str = "unknown") -> Any:
        if direction == "inbound" and not allowed(muxed_conn.peer_id):
            try:
                await muxed_conn.close()
            finally:
                on_refused(muxed_conn.peer_id, _describe_remote(muxed_conn))
            raise SwarmException(f"peer {muxed_conn.peer_id} is not authorized")
        return await original_add_conn(muxed_conn, direction)

    swarm.add_conn = add_conn


def _describe_remote(raw_conn: Any) -> str:
    try:
        remote = raw_conn.get_remote_address()
    except Exception:  # any transport may lack the method; the address is only for the log
        return "unknown"
    if remote is None:
        return "unknown"
    return f"{remote[0]}:{remote[1]}"


# A yamux frame whose header and payload fit one Noise transport message (65519 bytes of plaintext)
# costs one encryption and one socket write; upstream's 64 KiB frames need two of each. On a
# relayed connection the frames are smaller still, so that each inner Noise message (2-byte length,
# 16-byte tag) also fits one frame of the outer connection to the relay.
_NOISE_OVERHEAD = 2 + 16
_FRAME_PAYLOAD: int = min(_yamux.MAX_MESSAGE_SIZE, NOISE_MAX_PLAINTEXT) - _yamux.HEADER_SIZE
_RELAYED_FRAME_PAYLOAD: int = _FRAME_PAYLOAD - _NOISE_OVERHEAD - _yamux.HEADER_SIZE


def _frame_payload(muxed_conn: Any) -> int:
    """The largest frame payload for this yamux connection (cached on it)."""
    cached = getattr(muxed_conn, "_peerup_frame_payload", None)
    if isinstance(cached, int):
        return cached
    secured = getattr(muxed_conn, "secured_conn", None)
    noise_io = getattr(secured, "conn", None)
    packets = getattr(noise_io, "read_writer", None)
    raw = getattr(packets, "read_write_closer", None)
    relayed = getattr(raw, "_connection_type", None) == ConnectionType.RELAYED
    size = _RELAYED_FRAME_PAYLOAD if relayed else _FRAME_PAYLOAD
    with contextlib.suppress(AttributeError):  # slotted classes cannot cache; it is cheap anyway
        muxed_conn._peerup_frame_payload = size
    if isinstance(noise_io, _noise_io.NoiseTransportReadWriter):
        # A batch of frames is cut into Noise messages where frames end: one frame per message.
        noise_io._peerup_message_size = size + _yamux.HEADER_SIZE  # type: ignore[attr-defined]
    return size


_WINDOW_WAIT_FIRST = 0.0005
_WINDOW_WAIT_MAX = 0.01


async def _wait_for_send_window(stream: Any) -> None:
    """Wait, with no deadline, until ``stream`` may send again or is closed."""
    delay = _WINDOW_WAIT_FIRST
    while True:
        async with stream.window_lock:
            if stream.send_window > 0 or stream.closed or stream.reset_received:
                return
        await trio.sleep(delay)
        delay = min(delay * 2, _WINDOW_WAIT_MAX)


# One write of up to this many bytes goes out as one batch: its frames are encrypted into one
# buffer and handed to the socket in one call (see NOISE-WRITE-PER-MESSAGE).
_WRITE_BATCH = 4 * _FRAME_PAYLOAD


async def _yamux_write(self: Any, data: bytes) -> None:
    """``YamuxStream.write`` without the 5 s window deadline (defect YAMUX-WINDOW-TIMEOUT).

    The framing is the same as upstream: frames of at most ``MAX_MESSAGE_SIZE`` minus the header,
    never more than the peer's send window. Up to :data:`_WRITE_BATCH` bytes of frames are built
    at a time and written in one ``_write_frame`` (defect YAMUX-WRITE-PER-FRAME): one lock round,
    one encryption pass and one socket write per batch instead of per frame.
    """
    if self.send_closed:
        raise MuxedStreamError("Stream is closed for sending")
    view = memoryview(data)
    total = len(data)
    sent = 0
    max_payload = _frame_payload(self.conn)
    pack = struct.pack
    header_format = _yamux.YAMUX_HEADER_FORMAT
    stream_id = self.stream_id
    while sent < total:
        parts: list[bytes | memoryview] = []
        end = sent
        async with self.rw_lock.write_lock():
            if self.send_closed:
                raise MuxedStreamError("Stream is closed for sending")
            async with self.window_lock:
                if self.closed or self.reset_received:
                    raise MuxedStreamError("Stream is closed")
                batch_end = min(total, sent + _WRITE_BATCH)
                while end < batch_end and self.send_window > 0:
                    size = min(self.send_window, max_payload, batch_end - end)
                    self.send_window -= size
                    parts.append(pack(header_format, 0, _yamux.TYPE_DATA, 0, stream_id, size))
                    parts.append(view[end : end + size])
                    end += size
        if not parts:
            await _wait_for_send_window(self)
            continue
        await self.conn._write_frame(b"".join(parts))  # one copy of the payload, not two
        sent = end


_original_write_frame: Callable[[Any, bytes], Awaitable[None]] = _yamux.Yamux._write_frame


async def _write_frame(self: Any, data: bytes) -> None:
    """``Yamux._write_frame`` without formatting a debug line per frame (YAMUX-WRITE-PER-FRAME).

    Upstream unpacks every frame's header and formats a log line from it whether debug logging
    is on or not; with debug logging on, upstream's version runs.
    """
    if _yamux.logger.isEnabledFor(logging.DEBUG):
        await _original_write_frame(self, data)
        return
    async with self._write_lock:
        await self.secured_conn.write(data)
    await trio.lowlevel.checkpoint()


_original_noise_write_msg: Callable[..., Awaitable[None]] = (
    _noise_io.NoiseTransportReadWriter.write_msg
)
_NOISE_MAX_NONCE = 2**64 - 1


async def _noise_write_msg(self: Any, msg: bytes, prefix_encoded: bool = False) -> None:
    """Encrypt a write's Noise messages into one buffer and write it once (NOISE-WRITE-PER-MESSAGE).

    Upstream encrypts a write longer than one Noise message chunk by chunk, each into a new
    object, prefixes each with its length (another copy) and writes each to the socket on its
    own. Here every chunk is encrypted in place into one buffer that already holds the length
    prefixes, and the buffer goes to the connection in one write. The wire format is unchanged:
    the same messages with the same nonces. Anything but ChaCha20-Poly1305 (the only cipher
    py-libp2p negotiates) or the handshake's prefixed messages takes upstream's path.
    """
    protocol = getattr(self.noise_state, "noise_protocol", None)
    state: Any = getattr(protocol, "cipher_state_encrypt", None)
    cipher = getattr(state, "cipher", None)
    if (
        prefix_encoded
        or not isinstance(cipher, _ChaCha20Cipher)
        or not self.noise_state.handshake_finished
    ):
        await _original_noise_write_msg(self, msg, prefix_encoded)
        return
    aead = cipher.cipher
    # Cut where yamux frames end (set by _frame_payload), so that each message holds one frame.
    step: int = min(getattr(self, "_peerup_message_size", NOISE_MAX_PLAINTEXT), NOISE_MAX_PLAINTEXT)
    view = memoryview(msg)
    total = len(msg)
    count = max(1, -(-total // step))
    out = bytearray(total + count * _NOISE_OVERHEAD)
    target = memoryview(out)
    pos = 0
    for start in range(0, max(total, 1), step):
        chunk = view[start : start + step]
        size = len(chunk) + 16
        nonce = state.n
        if nonce >= _NOISE_MAX_NONCE:
            raise NoiseMaxNonceError("Nonce has depleted!")
        target[pos : pos + 2] = size.to_bytes(2, "big")
        aead.encrypt_into(b"\x00\x00\x00\x00" + nonce.to_bytes(8, "little"), chunk, None,
                          target[pos + 2 : pos + 2 + size])  # fmt: skip
        state.n = nonce + 1
        pos += 2 + size
    target.release()
    await _write_spent(self.read_writer.read_write_closer, out)


SPENT_WRITE_LIMIT = 30.0
"""Seconds the write of Noise messages already encrypted may take, cancelled or not
(NOISE-CANCELLED-WRITE); past it the connection is closed. A path that stalls longer is dead
(the liveness probes close a dead direct path after ~5 s), and even a 256 KiB batch needs no more
than this at 9 KB/s."""


async def _write_spent(conn: Any, data: bytes | bytearray) -> None:
    """Write Noise messages whose nonces are spent: whole, even if the writer is cancelled now.

    compat NOISE-CANCELLED-WRITE: a message left out (or cut) would make the peer fail every
    message after it, so a cancellation lands at the writer's next checkpoint instead. The shield
    is bounded (:data:`SPENT_WRITE_LIMIT`) so that a stalled path cannot hold a cancelled task
    (a daemon shutting down) for good: then the connection is closed and the write fails.
    """
    with trio.CancelScope(shield=True) as scope:
        scope.deadline = trio.current_time() + SPENT_WRITE_LIMIT
        await conn.write(data)
    if scope.cancelled_caught:
        with trio.CancelScope(shield=True), trio.move_on_after(1):
            await conn.close()
        raise RawConnError(
            f"a write did not finish in {SPENT_WRITE_LIMIT:.0f} s: connection closed"
        )


_original_read_data_body: Callable[[Any, int], Awaitable[bytes]] = _yamux.Yamux._read_data_body


async def _read_data_body(self: Any, length: int) -> bytes:
    """A DATA frame's body, without a timer when it is already decrypted (YAMUX-TIMER-PER-FRAME).

    Upstream bounds every body read with ``trio.fail_after`` (a cancel scope with a deadline per
    frame). With the frame's Noise message in hand (:func:`_secure_read` keeps it) the read cannot
    wait, so the bound is only set up when the body is still on the way.
    """
    secured = self.secured_conn
    pending: bytes = getattr(secured, "_peerup_pending", b"")
    if len(pending) - getattr(secured, "_peerup_offset", 0) >= length:
        return await _read_exactly(secured, length)
    return await _original_read_data_body(self, length)


_original_yamux_write: Callable[[Any, bytes], Awaitable[None]] = _yamux.YamuxStream.write


def patch_yamux_window_wait() -> None:
    """Install :func:`_yamux_write` on ``YamuxStream`` (idempotent)."""
    if _yamux.YamuxStream.write is not _yamux_write:
        _yamux.YamuxStream.write = _yamux_write  # type: ignore[method-assign]


class ReceiveBuffer:
    """A yamux stream's received data, kept as the frames' own ``bytes`` (YAMUX-BUFFER-COPIES).

    py-libp2p keeps each stream's received data in one ``bytearray``: every frame is copied into
    it (and the array reallocated as it grows) and every read copies out of it again. This holds
    the frames as they came and supports what py-libp2p does with the buffer (``len``, truth,
    ``extend``, ``bytes()``, ``[:n]``, ``del [:n]``, ``clear``); a read of whole frames copies
    nothing, a read of one whole frame returns that frame's object.
    """

    __slots__ = ("_chunks", "_size")

    def __init__(self, data: bytes | bytearray = b"") -> None:
        self._chunks: collections.deque[bytes] = collections.deque()
        self._size = 0
        self.extend(data)

    def __len__(self) -> int:
        return self._size

    def extend(self, data: bytes | bytearray | memoryview) -> None:
        """Append received data (``bytes`` is kept as it is, anything else copied once)."""
        if len(data):
            self._chunks.append(data if type(data) is bytes else bytes(data))
            self._size += len(data)

    def clear(self) -> None:
        """Drop everything."""
        self._chunks.clear()
        self._size = 0

    def __bytes__(self) -> bytes:
        return self._peek(self._size)

    def __getitem__(self, key: slice) -> bytes:
        if isinstance(key, slice) and key.step is None and not key.start:
            stop = self._size if key.stop is None else key.stop
            if stop >= 0:
                return self._peek(min(stop, self._size))
        return bytes(self)[key]

    def __delitem__(self, key: slice) -> None:
        if isinstance(key, slice) and key.step is None and not key.start:
            stop = self._size if key.stop is None else key.stop
            if stop >= 0:
                self._drop(min(stop, self._size))
                return
        rest = bytearray(bytes(self))
        del rest[key]
        self.clear()
        self.extend(bytes(rest))

    def _peek(self, n: int) -> bytes:
        chunks = self._chunks
        if not chunks or n <= 0:
            return b""
        first = chunks[0]
        if n == len(first):
            return first
        if n < len(first):
            return first[:n]
        parts: list[bytes] = []
        have = 0
        for chunk in chunks:
            parts.append(chunk)
            have += len(chunk)
            if have >= n:
                break
        joined = b"".join(parts)
        if len(parts) == len(chunks):  # everything: keep the joined copy for the next peek
            chunks.clear()
            chunks.append(joined)
        return joined if have == n else joined[:n]

    def _drop(self, n: int) -> None:
        chunks = self._chunks
        self._size -= n
        while n:
            first = chunks[0]
            if n >= len(first):
                chunks.popleft()
                n -= len(first)
            else:
                chunks[0] = first[n:]
                n = 0


class _ReceiveBuffers(dict[int, Any]):
    """``Yamux.stream_buffers``: every buffer py-libp2p stores becomes a :class:`ReceiveBuffer`."""

    def __setitem__(self, key: int, value: Any) -> None:
        if isinstance(value, (bytes, bytearray)):
            value = ReceiveBuffer(value)
        super().__setitem__(key, value)


_original_yamux_init: Callable[..., None] = _yamux.Yamux.__init__


def _yamux_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """``Yamux.__init__``, then buffers that keep frames as they are (YAMUX-BUFFER-COPIES)."""
    _original_yamux_init(self, *args, **kwargs)
    self.stream_buffers = _ReceiveBuffers(self.stream_buffers)


def patch_write_batches() -> None:
    """Install :func:`_write_frame`, :func:`_noise_write_msg` and :func:`_read_data_body`."""
    _yamux.Yamux._write_frame = _write_frame  # type: ignore[method-assign]
    _yamux.Yamux.__init__ = _yamux_init  # type: ignore[method-assign]
    _yamux.Yamux._read_data_body = _read_data_body  # type: ignore[method-assign]
    _noise_io.NoiseTransportReadWriter.write_msg = _noise_write_msg  # type: ignore[method-assign]


def original_yamux_write() -> Callable[[Any, bytes], Awaitable[None]]:
    """The upstream ``YamuxStream.write``, for the test that proves the defect."""
    return _original_yamux_write


UNILATERAL_DIAL_TIMEOUT = 0.5
"""Seconds DCUtR's direct dial before the hole punch may take (DCUTR-UNILATERAL-WAIT).

Nothing is lost when a slow but reachable peer misses it: the hole punch that follows dials the
same addresses again (go-libp2p allows 5 s). NAT lab over IPv6: DIRECT after 2.6 s with 2 s here,
1.0 s with 0.5 s (tests/lab/test_ipv6.py, 3 runs each)."""


class InboundDrivenDCUtR(DCUtRProtocol):
    """DCUtR where only the side that *accepted* the relayed connection starts the exchange.

    Defect DCUTR-BOTH-DRIVE: py-libp2p's auto-drive loop starts a hole punch on *every* relayed
    connection, so both peers start one at the same moment; each then dials with the handshake role
    its own session assigns, the simultaneous-open TCP connection gets two Noise initiators and
    the handshake fails ("failed to upgrade security", seen in the NAT lab). The spec gives the
    exchange to the peer that received the relayed connection; this loop does exactly that.
    """

    async def _auto_drive_loop(self) -> None:
        while True:
            await trio.sleep(2.0)
            try:
                for peer_id, conns in list(self.host.get_network().get_connections_map().items()):
                    if peer_id in self._in_progress or peer_id in self._direct_connections:
                        continue
                    if self._hole_punch_attempts.get(peer_id, 0) >= MAX_HOLE_PUNCH_ATTEMPTS:
                        continue
                    if any(is_inbound_relayed(c) for c in conns) and not any(
                        not is_relayed(c) for c in conns
                    ):
                        await self.initiate_hole_punch(peer_id)
            except trio.Cancelled:
                raise
            except Exception as exc:  # one failed attempt must not stop the loop
                log.debug("hole-punch loop: %s", exc)

    async def _try_unilateral_upgrade(self, peer_id: ID) -> bool:
        """Upstream's direct dial before hole punching, bounded by UNILATERAL_DIAL_TIMEOUT.

        Defect DCUTR-UNILATERAL-WAIT: upstream gives it the whole dial timeout (10 s), and a
        firewall that drops the SYN (home IPv6) makes it last that long. Same logic otherwise:
        every advertised non-relay address at once, then whether a direct connection exists.
        """
        try:
            addrs = [
                a for a in self.host.get_peerstore().addrs(peer_id) if "/p2p-circuit" not in str(a)
            ]
        except Exception:  # a peer the peerstore does not know: nothing to dial
            return False
        if not addrs:
            return False
        with trio.move_on_after(UNILATERAL_DIAL_TIMEOUT):
            async with trio.open_nursery() as nursery:
                for addr in addrs:
                    nursery.start_soon(self._dial_peer, peer_id, addr)
        return bool(await self._verify_direct_connection(peer_id))

    async def _dial_peer(
        self,
        peer_id: ID,
        addr: Multiaddr,
        source: tuple[str, int] | None = None,
        as_responder: bool = False,
    ) -> None:
        """Upstream's hole-punch dial, from the listen address of ``addr``'s family.

        Defect DCUTR-SOURCE-FAMILY: upstream passes the first TCP listen address as ``source``
        for every address it dials. A dial with a source (a hole punch; the unilateral dial
        has none) gets the listen address of its own family instead, or an ephemeral port when
        we listen on no address of that family.
        """
        if is_unspecified(addr):  # DCUTR-WILDCARD-DIAL: it would reach ourselves
            log.debug("hole punch: not dialling %s's wildcard address %s", peer_id, addr)
            return
        if source is not None:
            source = hole_punch_source(self.host.get_transport_addrs(), addr)
        await super()._dial_peer(peer_id, addr, source, as_responder)

    def allow_new_attempts(self, peer_id: ID) -> None:
        """Give ``peer_id`` a fresh hole-punch budget.

        Upstream resets the budget (MAX_HOLE_PUNCH_ATTEMPTS) only when a connection to the peer
        closes; a pair that fell back to the relay after its direct path died keeps its relayed
        connection, so without this it would never try again once the path works.
        """
        self._hole_punch_attempts.pop(peer_id, None)

    def close_relayed_after_grace(self, peer_id: ID) -> None:
        """Close the relayed connections to ``peer_id`` after the spec's grace period.

        As after a hole punch, for a direct connection made another way (on the LAN).
        """
        self._schedule_relay_close(peer_id)


def hole_punch_source(
    listen_addrs: Iterable[Multiaddr], target: Multiaddr
) -> tuple[str, int] | None:
    """The ``(ip, port)`` a hole-punch dial to ``target`` must leave from (DCUTR-SOURCE-FAMILY).

    TCP simultaneous open works only if each side's SYN leaves from the port the other side
    dials (its listen port), so the source is our first TCP listen address of ``target``'s
    family (a wildcard stays a wildcard: the kernel then picks the interface address).

    Args:
        listen_addrs: Our TCP listen addresses, in order.
        target: The address being dialled.

    Returns:
        ``(ip, port)``, or None for an ephemeral source (no listen address of that family, or
        a target with no /ip4 or /ip6 part).
    """
    family = _ip_family(target)
    if family is None:
        return None
    for addr in listen_addrs:
        if _ip_family(addr) != family or "/p2p-circuit" in str(addr):
            continue
        with contextlib.suppress(Exception):  # no TCP part: not a TCP listen address
            return str(addr.value_for_protocol(family)), int(addr.value_for_protocol("tcp"))
    return None


def is_unspecified(addr: Multiaddr) -> bool:
    """Whether ``addr`` starts with the wildcard 0.0.0.0 or :: (it names no host to dial)."""
    return str(addr).startswith(("/ip4/0.0.0.0/", "/ip6/::/"))


def _ip_family(addr: Multiaddr) -> str | None:
    """``"ip4"`` or ``"ip6"``: the protocol of the first part of ``addr``, if it is one of them."""
    first = str(addr).split("/", 2)[1:2]
    return first[0] if first and first[0] in ("ip4", "ip6") else None


def is_relayed(conn: Any) -> bool:
    """Whether a swarm connection runs through a relay (its address has /p2p-circuit)."""
    try:
        return any("/p2p-circuit" in str(a) for a in conn.get_transport_addresses())
    except Exception:  # a closing connection may not answer
        return False


def is_inbound_relayed(conn: Any) -> bool:
    """Whether we *accepted* this relayed connection (the DCUtR initiator's side)."""
    secured = getattr(conn.muxed_conn, "secured_conn", None)
    return is_relayed(conn) and getattr(secured, "is_initiator", True) is False


_original_quic_read: Callable[[Any, int | None], Awaitable[bytes]] = _quic_stream.QUICStream.read


async def _quic_read(self: Any, n: int | None = None) -> bytes:
    """``QUICStream.read`` that looks at the buffer once more before reporting EOF.

    Defect QUIC-TAIL-LOSS: upstream checks the buffer, then yields taking the state lock, then
    raises EOF if the read side closed meanwhile, without looking at the buffer again; when the
    last data and the FIN arrive during that yield, the tail of the stream is dropped.
    """
    try:
        return await _original_quic_read(self, n)
    except _quic_stream._QUICStreamEOF:
        async with self._receive_buffer_lock:
            if self._receive_buffer:
                return bytes(self._extract_data_from_buffer(-1 if n is None else n))
        raise


def patch_quic_tail() -> None:
    """Install :func:`_quic_read` on ``QUICStream`` (idempotent)."""
    if _quic_stream.QUICStream.read is not _quic_read:
        _quic_stream.QUICStream.read = _quic_read  # type: ignore[method-assign]


def original_quic_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``QUICStream.read``, for the test that proves the defect."""
    return _original_quic_read


_original_mdns_addrs: Callable[[Any], list[str]] = (
    _mdns_broadcaster.PeerBroadcaster._resolve_host_addrs
)


def expand_wildcards(addrs: Iterable[Multiaddr]) -> list[Multiaddr]:
    """Addresses with 0.0.0.0 and :: replaced by this machine's interface addresses."""
    result: list[Multiaddr] = []
    for addr in addrs:
        if is_unspecified(addr):
            result += expand_wildcard_address(addr)
        else:
            result.append(addr)
    return result


def _mdns_addrs(self: Any) -> list[str]:
    """The broadcaster's addresses with 0.0.0.0 / :: expanded (defect MDNS-WILDCARD)."""
    return [str(a) for a in expand_wildcards(Multiaddr(t) for t in _original_mdns_addrs(self))]


def patch_mdns_wildcard() -> None:
    """Install :func:`_mdns_addrs` on py-libp2p's mDNS broadcaster (idempotent)."""
    cls = _mdns_broadcaster.PeerBroadcaster
    if cls._resolve_host_addrs is not _mdns_addrs:
        cls._resolve_host_addrs = _mdns_addrs  # type: ignore[method-assign]


def original_mdns_addrs() -> Callable[[Any], list[str]]:
    """The upstream address resolution, for the test that proves the defect."""
    return _original_mdns_addrs


_original_yamux_close: Callable[..., Awaitable[None]] = _yamux.Yamux.close
_original_yamux_cleanup: Callable[[Any], Awaitable[None]] = _yamux.Yamux._cleanup_on_error
_original_yamux_read: Callable[[Any, int | None], Awaitable[bytes]] = _yamux.YamuxStream.read
_cut_streams: weakref.WeakSet[Any] = weakref.WeakSet()
_CUT_WAIT = 1.0


def _mark_cut_streams(session: Any) -> None:
    """Remember the streams a session is about to end before the peer finished them."""
    for stream in list(session.streams.values()):
        if not stream.recv_closed or session.stream_buffers.get(stream.stream_id):
            _cut_streams.add(stream)


async def _yamux_close(self: Any, *args: Any, **kwargs: Any) -> None:
    _mark_cut_streams(self)
    await _original_yamux_close(self, *args, **kwargs)


async def _yamux_cleanup_on_error(self: Any) -> None:
    _mark_cut_streams(self)
    await _original_yamux_cleanup(self)


async def _yamux_read(self: Any, n: int | None = None) -> bytes:
    """``YamuxStream.read`` that reports a stream cut off by its session's end as a reset."""
    try:
        return await _original_yamux_read(self, n)
    except MuxedStreamEOF:
        session = self.conn
        if session.event_shutting_down.is_set() and self not in _cut_streams:
            # The session flags its shutdown before it sorts out its streams; a reader that woke
            # in between waits (briefly) for that, so it can tell a cut stream from a finished one.
            with trio.move_on_after(_CUT_WAIT):
                while self.stream_id in session.streams:  # noqa: ASYNC110
                    await trio.sleep(0.01)
        if self in _cut_streams:
            raise MuxedStreamReset("the connection carrying this stream was lost") from None
        raise


_TRANSPORT_ATTRS = ("muxed_conn", "secured_conn", "conn", "read_writer", "stream")


def abort_transport(conn: Any) -> bool:
    """Shut down the TCP socket under a swarm connection (defect YAMUX-CLOSE-BLOCKS).

    Returns:
        Whether a socket was found (not for QUIC or relayed connections, which have none).
    """
    obj, seen = conn, 0
    while obj is not None and seen < 10:
        if isinstance(obj, trio.SocketStream):
            with contextlib.suppress(OSError):
                # Closing then sends a RST and frees the address pair at once: a graceful close
                # would keep the old connection retransmitting (for minutes on a dead path), and
                # a new hole punch between the same two ports could not bind until it gives up.
                obj.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                obj.socket.shutdown(socket.SHUT_RDWR)
            return True
        obj = next((getattr(obj, a) for a in _TRANSPORT_ATTRS if hasattr(obj, a)), None)
        seen += 1
    return False


def patch_yamux_shutdown_reset() -> None:
    """Install the YAMUX-SHUTDOWN-EOF workaround (idempotent)."""
    if _yamux.YamuxStream.read is not _yamux_read:
        _yamux.Yamux.close = _yamux_close  # type: ignore[method-assign]
        _yamux.Yamux._cleanup_on_error = _yamux_cleanup_on_error  # type: ignore[method-assign]
        _yamux.YamuxStream.read = _yamux_read  # type: ignore[method-assign]


def original_yamux_close() -> Callable[..., Awaitable[None]]:
    """The upstream ``Yamux.close``, for the test that proves YAMUX-CLOSE-BLOCKS."""
    return _original_yamux_close


def original_yamux_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``YamuxStream.read``, for the test that proves the defect."""
    return _original_yamux_read


def batch_window_updates() -> None:
    """Give yamux window credit in batches, not on every read (defect YAMUX-CREDIT-PER-READ).

    py-libp2p reads this setting from the environment at every window update; a value the user
    set explicitly is kept.
    """
    os.environ.setdefault("PY_YAMUX_RELEASE_ON_READ", "0")


_TCP_READ_SIZE = 256 * 1024

_original_tcp_read: Callable[[Any, int | None], Awaitable[bytes]] = _trio_io.TrioTCPStream.read


async def _tcp_read(self: Any, n: int | None = None) -> bytes:
    """``TrioTCPStream.read`` served from a buffer of one large socket read (TCP-SMALL-READS).

    Same contract as upstream: up to ``n`` bytes (any amount if ``n`` is None), ``b""`` at EOF or
    after a local close, ``ConnectionClosedError`` when the peer resets.
    """
    if n == 0:
        return b""
    buffer: bytes = getattr(self, "_peerup_buffer", b"")
    offset: int = getattr(self, "_peerup_offset", 0)
    if offset >= len(buffer):
        buffer = await _original_tcp_read(self, _TCP_READ_SIZE)
        offset = 0
        if not buffer:
            return buffer
    if n is None or n < 0 or offset + n >= len(buffer):
        data = buffer[offset:] if offset else buffer
        self._peerup_buffer = b""
        self._peerup_offset = 0
        return data
    self._peerup_buffer = buffer
    self._peerup_offset = offset + n
    return buffer[offset : offset + n]


def patch_tcp_reads() -> None:
    """Install :func:`_tcp_read` on ``TrioTCPStream`` (idempotent)."""
    if _trio_io.TrioTCPStream.read is not _tcp_read:
        _trio_io.TrioTCPStream.read = _tcp_read  # type: ignore[method-assign]


def original_tcp_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``TrioTCPStream.read``, for the test that proves the defect."""
    return _original_tcp_read


_original_tcp_remote_address: Callable[[Any], tuple[str, int] | None] = (
    _trio_io.TrioTCPStream.get_remote_address
)


def _tcp_remote_address(self: Any) -> tuple[str, int] | None:
    """``TrioTCPStream.get_remote_address`` for IPv4 and IPv6 sockets (TCP-IPV6-ADDRESS).

    Same contract as upstream: ``(host, port)``, cached after the first success, or None when
    the socket is gone or not connected.
    """
    cached: tuple[str, int] | None = getattr(self, "_cached_remote_address", None)
    if cached is not None:
        return cached
    try:
        peer = self.stream.socket.getpeername()
    except (AttributeError, OSError):
        return None
    if not isinstance(peer, tuple) or len(peer) < 2:
        return None
    result = (str(peer[0]), int(peer[1]))
    self._cached_remote_address = result
    return result


def patch_tcp_ipv6_address() -> None:
    """Install :func:`_tcp_remote_address` on ``TrioTCPStream`` (idempotent)."""
    if _trio_io.TrioTCPStream.get_remote_address is not _tcp_remote_address:
        _trio_io.TrioTCPStream.get_remote_address = _tcp_remote_address  # type: ignore[method-assign]


def original_tcp_remote_address() -> Callable[[Any], tuple[str, int] | None]:
    """The upstream ``TrioTCPStream.get_remote_address``, for the test that proves the defect."""
    return _original_tcp_remote_address


_original_read_exactly: Callable[..., Awaitable[bytes]] = _io_utils.read_exactly
_original_secure_read: Callable[[Any, int | None], Awaitable[bytes]] = (
    _secure_session.SecureSession.read
)


async def _read_exactly(
    reader: Any, n: int, retry_count: int = _io_utils.DEFAULT_RETRY_READ_COUNT
) -> bytes:
    """``read_exactly`` that returns a complete first read as it is (defect READ-PATH-COPIES)."""
    data: bytes = await reader.read(n)
    if len(data) == n:
        return data
    buffer = bytearray(data)
    for _ in range(retry_count):
        if len(buffer) >= n:
            return bytes(buffer)
        buffer.extend(await reader.read(n - len(buffer)))
    if len(buffer) >= n:
        return bytes(buffer)
    raise IncompleteReadError(
        f"Connection closed during read operation: expected {n} bytes but "
        f"received {len(buffer)} bytes",
        expected_bytes=n,
        received_bytes=len(buffer),
    )


async def _secure_read(self: Any, n: int | None = None) -> bytes:
    """``SecureSession.read`` keeping the unread rest of a message as it is, with an offset.

    Same contract as upstream: ``n`` None returns what is left of the current message or the
    next whole message; otherwise exactly ``n`` bytes across messages, or fewer when the
    connection closes after some data (``ConnectionClosedError`` when it closes before any).
    """
    if n == 0:
        return b""
    pending: bytes = getattr(self, "_peerup_pending", b"")
    offset: int = getattr(self, "_peerup_offset", 0)
    parts: list[bytes] = []
    have = 0
    if offset < len(pending):
        if n is not None and offset + n < len(pending):
            self._peerup_offset = offset + n
            return pending[offset : offset + n]
        rest = pending[offset:] if offset else pending
        self._peerup_pending = b""
        self._peerup_offset = 0
        if n is None or len(rest) == n:
            return rest
        parts.append(rest)
        have = len(rest)
    elif n is None:
        msg: bytes = await self.conn.read_msg()
        if msg == b"":
            raise ConnectionClosedError("Connection closed")
        return msg
    assert n is not None
    while have < n:
        msg = await self.conn.read_msg()
        if msg == b"":
            if parts:
                return b"".join(parts)
            raise ConnectionClosedError("Connection closed")
        need = n - have
        if len(msg) > need:
            self._peerup_pending = msg
            self._peerup_offset = need
            msg = msg[:need]
        parts.append(msg)
        have += len(msg)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def patch_read_copies() -> None:
    """Install :func:`_read_exactly` (in yamux and msgio) and :func:`_secure_read` (idempotent)."""
    _yamux.read_exactly = _read_exactly  # type: ignore[attr-defined]
    _msgio.read_exactly = _read_exactly  # type: ignore[attr-defined]
    _secure_session.SecureSession.read = _secure_read  # type: ignore[method-assign]


def original_read_exactly() -> Callable[..., Awaitable[bytes]]:
    """The upstream ``read_exactly``, for the test that proves the defect."""
    return _original_read_exactly


def original_secure_read() -> Callable[[Any, int | None], Awaitable[bytes]]:
    """The upstream ``SecureSession.read``, for the test that proves the defect."""
    return _original_secure_read


# ---- identify agent version (defect IDENTIFY-AGENT-VERSION) -----------------------------------

AGENT_VERSION_KEY = "AgentVersion"
MAX_AGENT_VERSION = 128

_original_update_from_identify: Callable[[Any, ID, Any], Awaitable[None]] = (
    _identify_update.update_peerstore_from_identify
)


def bounded_agent_version(text: str) -> str:
    """A peer's agent version fit to show: printable characters only, at most 128 of them.

    It comes from the network, so it may be long or hold control characters (terminal escapes).
    """
    return "".join(itertools.islice((ch for ch in text if ch.isprintable()), MAX_AGENT_VERSION))


async def _update_from_identify(peerstore: Any, peer_id: ID, identify_msg: Any) -> None:
    """py-libp2p's peerstore update, plus the peer's agent version (IDENTIFY-AGENT-VERSION)."""
    await _original_update_from_identify(peerstore, peer_id, identify_msg)
    if identify_msg.HasField("agent_version"):
        agent = bounded_agent_version(identify_msg.agent_version)
        with contextlib.suppress(Exception):  # a peerstore refusing must not break identify
            peerstore.put(peer_id, AGENT_VERSION_KEY, agent)


def patch_identify_agent_version(agent_version: str) -> None:
    """Announce ``agent_version`` in identify and store what peers announce (idempotent).

    Process-wide, like every patch here: all hosts of the process announce the same version.
    """
    _identify.AGENT_VERSION = agent_version
    _basic_host.update_peerstore_from_identify = _update_from_identify  # type: ignore[attr-defined]
    _identify_push.update_peerstore_from_identify = _update_from_identify  # type: ignore[attr-defined]


def original_update_from_identify() -> Callable[[Any, ID, Any], Awaitable[None]]:
    """The upstream ``update_peerstore_from_identify``, for the test that proves the defect."""
    return _original_update_from_identify


async def close_listeners(host: Any) -> None:
    """Close the host's transport listeners (defect LISTENER-LEAK); errors are ignored."""
    for listener in list(getattr(host.get_network(), "listeners", {}).values()):
        with contextlib.suppress(Exception):
            await listener.close()


def apply_all() -> None:
    """Apply every process-wide patch. Called once by the engine before creating a host."""
    patch_yamux_window_wait()
    patch_write_batches()
    patch_tcp_reads()
    patch_tcp_ipv6_address()
    patch_read_copies()
    patch_quic_tail()
    patch_mdns_wildcard()
    patch_yamux_shutdown_reset()
    batch_window_updates()


# ---- DHT and advertised addresses (defects DHT-PREFIX-IGNORED, CIRCUIT-ADDRS-MANGLED) ----------

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


CircuitAddresses = Callable[[], Iterable[str]]


def advertise_addresses(
    host: Any,
    circuit_addresses: CircuitAddresses,
    mapped_addresses: Callable[[], Iterable[str]] = tuple,
) -> None:
    """Make the host advertise its relay circuit, port-mapped and real interface addresses.

    Defect CIRCUIT-ADDRS-MANGLED: ``BasicHost.get_addrs`` strips every address at its first
    ``/p2p/`` and appends our ID, so a circuit address ``/ip4/R/tcp/P/p2p/RELAY/p2p-circuit``
    from an ``addrs_factory`` becomes ``/ip4/R/tcp/P/p2p/US``: the relay's address claimed as
    ours. Identify, identify-push and signed peer records (which the DHT hands out) all use
    ``get_addrs``, so it is replaced on this host: the upstream direct addresses, then the
    public interface addresses behind a 0.0.0.0 or :: among them (a wildcard is useless to a
    peer, see MDNS-WILDCARD), then ``<circuit>/p2p/US`` for each address ``circuit_addresses``
    returns. Private interface addresses are not added: a peer elsewhere cannot reach them, and
    DCUtR dials every address it knows of the peer (in the NAT lab, unreachable private ones
    delayed the hole punch from 1 s to 11 s); on one LAN, mDNS finds them. The public
    addresses our router forwards to us (UPnP/NAT-PMP, ``/ip4/<external>/tcp/<port>``) come
    after the interface addresses, global ones only, for the same reason.

    Args:
        host: The libp2p host; its ``get_addrs`` is replaced on the instance.
        circuit_addresses: Our circuit addresses, ``…/p2p/<relay>/p2p-circuit``, read on each call.
        mapped_addresses: Our port-mapped public addresses, read on each call.
    """
    original = host.get_addrs
    me = host.get_id()

    def get_addrs() -> list[Multiaddr]:
        suffix = Multiaddr(f"/p2p/{me}")
        upstream = [a for a in original() if "/p2p-circuit" not in str(a)]
        # The upstream list stays first, wildcards included: DCUtR binds its hole-punch dials to
        # the first address, and 0.0.0.0 routes from any interface (127.0.0.1 would not).
        result = list(upstream)
        seen = {str(a) for a in result}
        for addr in expand_wildcards(a.decapsulate_code(_P_P2P) for a in upstream):
            if not _is_global(addr):
                continue
            full = addr.encapsulate(suffix)
            if str(full) not in seen:
                seen.add(str(full))
                result.append(full)
        for text in mapped_addresses():
            with contextlib.suppress(Exception):  # a malformed entry must not break identify
                full = Multiaddr(text).encapsulate(suffix)
                if _is_global(full) and str(full) not in seen:
                    seen.add(str(full))
                    result.append(full)
        for text in circuit_addresses():
            with contextlib.suppress(Exception):  # a malformed entry must not break identify
                result.append(Multiaddr(text).encapsulate(suffix))
        return result

    host.get_addrs = get_addrs


def _is_global(addr: Multiaddr) -> bool:
    """Whether an /ip4 or /ip6 address is globally routable (see app.core.reachability)."""
    for code in ("ip4", "ip6"):
        with contextlib.suppress(Exception):  # the address has no such component
            return is_global(str(addr.value_for_protocol(code)))
    return False


# ---- negotiation failures (NEGOTIATION-UNTYPED) -------------------------------------------------

# The start of ``select_one_of``'s messages for "every protocol was answered na" and for its own
# timeout (libp2p/protocol_muxer/multiselect_client.py).
_ALL_REFUSED_PREFIX = "protocols not supported:"
_TIMED_OUT_PREFIX = "response timed out after"
_HANDSHAKE_PREFIXES = ("handshake read failed", "handshake write failed", "multiselect protocol ID")
_MAX_CAUSES = 64  # a cause chain is ours, but py-libp2p nests deep; stay bounded anyway


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, MultiError's and groups' members."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < _MAX_CAUSES:
        current = todo.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        todo.extend(getattr(current, "errors", None) or ())  # libp2p.exceptions.MultiError
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        elif current.__context__ is not None and not current.__suppress_context__:
            todo.append(current.__context__)
    return [c for c in seen if isinstance(c, BaseException)]


def is_protocol_refusal(exc: BaseException) -> bool:
    """Whether a failed ``new_stream`` means the peer answered "na" to every protocol we offered.

    Defect NEGOTIATION-UNTYPED: only the message of the ``MultiselectClientError`` that
    ``new_stream`` wraps says so; a reset, an early end of stream, a garbled answer or a timeout
    during the negotiation come as the same types. A ``ProtocolNotSupportedError`` anywhere in
    the chain counts too (what a fixed py-libp2p would raise or chain).

    Args:
        exc: What ``BasicHost.new_stream`` raised.

    Returns:
        True for a refusal by the peer; False for any other failure.
    """
    for cause in causes(exc):
        if isinstance(cause, ProtocolNotSupportedError):
            return True
        if isinstance(cause, MultiselectClientError) and str(cause).startswith(_ALL_REFUSED_PREFIX):
            return True
    return False


def is_negotiation_timeout(exc: BaseException) -> bool:
    """Whether a failed ``new_stream`` means the peer did not answer the negotiation in time.

    Defect NEGOTIATION-UNTYPED: ``select_one_of`` gives up after its ``negotiate_timeout`` (10 s
    by default, less than our own bound on opening a stream) with a ``MultiselectClientError``
    whose message is the only sign of it.

    Args:
        exc: What ``BasicHost.new_stream`` raised.

    Returns:
        True when the negotiation timed out.
    """
    for cause in causes(exc):
        if isinstance(cause, TimeoutError | trio.TooSlowError):
            return True
        if isinstance(cause, MultiselectClientError) and str(cause).startswith(_TIMED_OUT_PREFIX):
            return True
    return False


def is_handshake_failure(exc: BaseException) -> bool:
    """Whether a failed ``new_stream`` broke before the peer could see which protocol we want.

    ``select_one_of`` proposes a protocol only after reading the peer's multistream-select header,
    so a failure while exchanging headers means no handler of the peer ever got the stream
    (defect NEGOTIATION-UNTYPED: only the message says at which step it failed).

    Args:
        exc: What ``BasicHost.new_stream`` raised.

    Returns:
        True when the failure came before our proposal was sent.
    """
    return any(
        isinstance(cause, MultiselectClientError) and str(cause).startswith(_HANDSHAKE_PREFIXES)
        for cause in causes(exc)
    )


# ---- dialling every address (SWARM-ONE-ADDR-PER-CLASS) ------------------------------------------

CONNECT_STAGGER = 0.25
"""Seconds between starting the dials of two addresses (py-libp2p's own Happy Eyeballs delay); a
dial that fails starts the next one at once."""


MAX_CONNECT_ADDRS = 16
"""At most this many addresses of one peer are dialled by one :func:`connect_each`."""


def dialable_addrs(addrs: Iterable[Multiaddr]) -> list[Multiaddr]:
    """The direct addresses worth a dial, in order, once each, at most :data:`MAX_CONNECT_ADDRS`.

    No relay circuits (the relay client dials those) and no wildcards (DCUTR-WILDCARD-DIAL: they
    reach ourselves, and py-libp2p then forgets every address of the peer, its answer to a peer ID
    mismatch). Loopback ones only when there is nothing else, as upstream: a peer that announces
    127.0.0.1 elsewhere would lead us to ourselves as well.
    """
    result = [
        a for a in dict.fromkeys(addrs) if "/p2p-circuit" not in str(a) and not is_unspecified(a)
    ]
    outside = [a for a in result if not str(a).startswith(("/ip4/127.", "/ip6/::1/"))]
    return (outside or result)[:MAX_CONNECT_ADDRS]


async def connect_each(host: Any, peer_info: PeerInfo) -> None:
    """``host.connect`` that dials every address of ``peer_info``, not one per transport class.

    Defect SWARM-ONE-ADDR-PER-CLASS: upstream picks one TCP address of the peer and gives up when
    it fails. Here the addresses are dialled in their order, each :data:`CONNECT_STAGGER` seconds
    after the previous one started (or as soon as it failed); the first connection wins, the
    other dials are cancelled (one that connects in the same moment is closed). As upstream, the
    addresses go into the peerstore first, and an existing connection is used as it is; without
    addresses, the peerstore's are dialled.

    Which addresses are dialled is :func:`dialable_addrs`.

    Raises:
        SwarmDialAllFailedError: No address connected; every dial's error is in its cause.
    """
    peer = peer_info.peer_id
    network = host.get_network()
    peerstore = host.get_peerstore()
    peerstore.add_addrs(peer, list(peer_info.addrs), 120)
    if network.get_connections(peer):
        await host.connect(peer_info)  # upstream's path: waits for the connection to be ready
        return
    known = peer_info.addrs
    if not known:  # as upstream: then the addresses the peerstore has
        with contextlib.suppress(PeerStoreError):
            known = peerstore.addrs(peer)
    addrs = dialable_addrs(known)
    if not addrs:
        raise SwarmException(f"no dialable address known for peer {peer}")
    errors: list[Exception] = []
    winner: list[Any] = []

    async def attempt(addr: Multiaddr, failed: trio.Event) -> None:
        try:
            conn = await network.dial_addr(addr, peer)
        except Exception as exc:  # py-libp2p raises many unrelated types for a failed dial
            errors.append(exc)
            failed.set()
            return
        if winner:  # another address connected in the same moment: one connection is enough
            with (
                trio.CancelScope(shield=True),
                trio.move_on_after(2),
                contextlib.suppress(Exception),
            ):
                await conn.close()
            return
        winner.append(conn)
        nursery.cancel_scope.cancel()

    async with trio.open_nursery() as nursery:
        for addr in addrs:
            failed = trio.Event()
            nursery.start_soon(attempt, addr, failed)
            with trio.move_on_after(CONNECT_STAGGER):
                await failed.wait()
    if not winner:
        raise SwarmDialAllFailedError(
            f"unable to connect to {peer}, no addresses established a successful connection",
            peer_id=peer,
            num_addrs_tried=len(errors),
        ) from MultiError(errors)
    started = getattr(winner[0], "event_started", None)
    if started is not None:  # as upstream: ready for streams when we return
        await started.wait()
