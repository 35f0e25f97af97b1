"""NO-PEER-GATE: nothing lets an application refuse a peer, or a protocol to a peer, by its ID.

Upstream (``libp2p.network.connection_gate``, ``BasicHost.set_stream_handler``): the only
connection gate is by IP/CIDR, and a host's stream handlers are the same for every peer.

Workaround (per host):

* :func:`install_peer_gate` wraps the upgrader's security step, so an inbound TCP connection from
  a refused peer is closed right after the Noise handshake, before any muxer or stream exists;
  and it wraps the swarm's ``add_conn``, which QUIC connections (secured by their own TLS, never
  passing the upgrader) go through before any stream is accepted.
* :func:`install_stream_gate` lets each peer open only the protocols a policy allows it (the
  admission table of ``app/core/peers/admission.py``: a stranger we dialled may open identify,
  a peer admitted on probation during an invite the invite protocol): the host's protocol table
  is replaced by one that negotiates each stream against the protocols its peer may open, so
  any other is answered "na", as if we did not speak it; and a limited peer (one on probation)
  runs at most ``max_streams`` streams at once (more are reset), so one connection cannot run
  hundreds of handshakes in parallel. Upstream's own stream handling (its negotiation timeout,
  QUIC's semaphores) is kept.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from libp2p.custom_types import TProtocol
from libp2p.network.exceptions import SwarmException
from libp2p.peer.id import ID
from libp2p.protocol_muxer.multiselect import Multiselect
from libp2p.security.exceptions import HandshakeFailure
from libp2p.transport.exceptions import SecurityUpgradeFailure

from app.engine.compat.addresses import Origin, origin_of

log = logging.getLogger("peerup.engine.compat")


PeerAllowed = Callable[[ID, Origin], bool]
PeerRefused = Callable[[ID, str], None]
StreamPolicy = Callable[[ID], "Callable[[str], bool] | None"]
STREAM_NEGOTIATE_TIMEOUT = 10


class _GatedMultiselect(Multiselect):
    """A host's protocol table that each peer sees through its own filter."""

    def __init__(
        self,
        handlers: dict[TProtocol | None, Any],
        policy: StreamPolicy,
        limited: Callable[[ID], bool],
        max_streams: int | None,
    ) -> None:
        super().__init__(handlers)
        self._policy = policy
        self._limited = limited
        self._max_streams = max_streams
        self._running: dict[ID, int] = {}

    async def negotiate(
        self, communicator: Any, negotiate_timeout: int = STREAM_NEGOTIATE_TIMEOUT
    ) -> tuple[TProtocol | None, Any]:
        """Negotiate against the protocols the stream's peer may open (all, for most)."""
        peer = _stream_peer(communicator)
        may_open = self._policy(peer) if peer is not None else _nothing
        if may_open is None:
            return await super().negotiate(communicator, negotiate_timeout)
        table: dict[TProtocol | None, Any] = {
            p: h for p, h in self.handlers.items() if p is not None and may_open(str(p))
        }
        try:
            protocol, handler = await Multiselect(table).negotiate(communicator, negotiate_timeout)
        except Exception:  # a refused or broken negotiation: one line, and the host resets
            log.info("refused a stream from %s (not admitted to what it asked for)", peer)
            raise
        limit = self._max_streams
        if handler is not None and peer is not None and limit is not None and self._limited(peer):
            handler = self._capped(peer, handler, limit)
        return protocol, handler

    def _capped(self, peer: ID, handler: Any, max_streams: int) -> Any:
        """``handler``, run for at most ``max_streams`` streams of ``peer`` at once."""

        async def run(stream: Any) -> None:
            if self._running.get(peer, 0) >= max_streams:
                log.info("reset a stream of %s: %d of its streams already run", peer, max_streams)
                with contextlib.suppress(Exception):
                    await stream.reset()
                return
            self._running[peer] = self._running.get(peer, 0) + 1
            try:
                await handler(stream)
            finally:
                self._running[peer] -= 1
                if not self._running[peer]:
                    del self._running[peer]

        return run


def _nothing(_protocol: str) -> bool:
    return False


def _stream_peer(communicator: Any) -> ID | None:
    stream = getattr(communicator, "read_writer", None)
    conn = getattr(stream, "muxed_conn", None)
    peer = getattr(conn, "peer_id", None)
    return peer if isinstance(peer, ID) else None


def install_stream_gate(
    host: Any,
    policy: StreamPolicy,
    *,
    limited: Callable[[ID], bool] = lambda _peer: False,
    max_streams: int | None = None,
) -> None:
    """Let each peer open only the protocols ``policy`` allows it (defect NO-PEER-GATE, streams).

    The host's protocol table is replaced by one that negotiates every inbound stream against
    the protocols its peer may open, on inbound and outbound connections alike; a protocol the
    peer may not open is answered "na", as if we did not speak it, and ``ls`` lists only the
    others. Handlers registered later (``set_stream_handler``) land in the same table.

    Args:
        host: The libp2p host; its ``multiselect`` is replaced in place.
        policy: Called with the peer of every inbound stream: ``None`` lets it open every
            protocol, otherwise a predicate on protocol IDs.
        limited: Whether a peer's streams are bounded by ``max_streams`` (peers on probation).
        max_streams: How many negotiated streams of one limited peer may run at once (None: no
            bound); a stream beyond it is reset before its handler runs.
    """
    current = host.multiselect
    if isinstance(current, _GatedMultiselect):
        current._policy = policy
        current._limited = limited
        current._max_streams = max_streams
        return
    host.multiselect = _GatedMultiselect(current.handlers, policy, limited, max_streams)


def install_peer_gate(host: Any, allowed: PeerAllowed, on_refused: PeerRefused) -> None:
    """Refuse inbound connections from peers ``allowed`` rejects (defect NO-PEER-GATE).

    Args:
        host: The libp2p host; its swarm's upgrader is wrapped in place.
        allowed: Called with the Noise-authenticated peer ID of every inbound connection and
            where the connection comes from (its remote IP, whether it is relayed).
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
        if allowed(remote, origin_of(raw_conn)):
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
        if direction == "inbound" and not allowed(muxed_conn.peer_id, origin_of(muxed_conn)):
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
