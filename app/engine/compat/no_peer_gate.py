"""NO-PEER-GATE: nothing lets an application refuse a peer, or a protocol to a peer, by its ID.

Upstream (``libp2p.network.connection_gate``, ``BasicHost.set_stream_handler``): the only
connection gate is by IP/CIDR, and a host's stream handlers are the same for every peer.

Workaround (per host):

* :func:`install_peer_gate` wraps the upgrader's security step, so an inbound TCP connection from
  a refused peer is closed right after the Noise handshake, before any muxer or stream exists;
  and it wraps the swarm's ``add_conn``, which QUIC connections (secured by their own TLS, never
  passing the upgrader) go through before any stream is accepted.
* :func:`install_stream_gate` lets restricted peers open some protocols only (a peer admitted on
  probation during an invite may open the invite protocol and nothing else): their streams are
  negotiated against a table holding only those protocols, so any other is answered "na", as if
  we did not speak it; and at most ``max_streams`` of their streams run at once (more are
  reset), so one connection cannot run hundreds of handshakes in parallel.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

import trio
from libp2p.custom_types import TProtocol
from libp2p.network.exceptions import SwarmException
from libp2p.peer.id import ID
from libp2p.protocol_muxer.multiselect import Multiselect
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator
from libp2p.security.exceptions import HandshakeFailure
from libp2p.transport.exceptions import SecurityUpgradeFailure

from app.engine.compat.addresses import Origin, origin_of

log = logging.getLogger("peerup.engine.compat")


PeerAllowed = Callable[[ID, Origin], bool]
PeerRefused = Callable[[ID, str], None]
StreamRestriction = Callable[[ID], "frozenset[str] | None"]
STREAM_NEGOTIATE_TIMEOUT = 10


def install_stream_gate(
    host: Any, restricted: StreamRestriction, *, max_streams: int | None = None
) -> None:
    """Let restricted peers open only some protocols (defect NO-PEER-GATE, for streams).

    Args:
        host: The libp2p host; its swarm's stream handler is wrapped in place.
        restricted: Called with the peer of every inbound stream; ``None`` means no restriction,
            a set means only those protocol IDs may be negotiated (empty: none at all).
        max_streams: How many negotiated streams of one restricted peer may run at once (None:
            no bound); a stream beyond it is reset before its handler runs.
    """
    swarm = host.get_network()
    original = swarm.common_stream_handler
    running: dict[ID, int] = {}

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
        if max_streams is not None and running.get(peer, 0) >= max_streams:
            log.info("reset a stream of restricted peer %s: %d already run", peer, max_streams)
            with contextlib.suppress(Exception):
                await net_stream.reset()
            return
        running[peer] = running.get(peer, 0) + 1
        try:
            net_stream.set_protocol(protocol)
            await handler(net_stream)
        finally:
            running[peer] -= 1
            if not running[peer]:
                del running[peer]

    swarm.set_stream_handler(handle)


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
