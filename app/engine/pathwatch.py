"""Liveness of direct connections: a dead direct path falls back to the relay within seconds.

A hole-punched (or plain) direct TCP connection can die silently: the NAT forgets its mapping or a
middlebox starts dropping packets, and no FIN or RST ever arrives. TCP itself notices only after
minutes of retransmissions, and meanwhile every new stream is opened on the dead connection
(py-libp2p prefers direct connections) and hangs. So while a peer's preferred path is direct, we
ping it on that very connection (``/ipfs/ping/1.0.0``: one stream, 32 bytes each way) every
:data:`PROBE_INTERVAL` seconds. A ping that gets no answer within :data:`PROBE_TIMEOUT` marks the
connection dead: the owner re-establishes the relayed path and closes the dead connection, which
resets the streams still open on it (a forwarded TCP connection fails instead of hanging).

Only a *timeout* counts. A peer that answers anything (even "protocol not supported") is alive,
and a connection already closing is the swarm's business.

Each answered probe's round trip (the ping exchange, not the stream's negotiation) is kept per
connection as its last RTT; :meth:`DirectPathWatch.record_rtt` adds what other pings measured
(a user's ``ping`` or ``traceroute``), which is how a relayed connection gets one.
"""

from __future__ import annotations

import logging
import secrets
import weakref
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import trio
from libp2p.abc import INetConn
from libp2p.host.ping import ID as LIBP2P_PING_ID
from libp2p.host.ping import PING_LENGTH
from libp2p.io.utils import read_exactly
from libp2p.peer.id import ID
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator

from app.engine import compat

if TYPE_CHECKING:
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.pathwatch")

PROBE_INTERVAL = 2.0
PROBE_TIMEOUT = 4.0

DeadPath = Callable[[ID, INetConn], Awaitable[None]]


class DirectPathWatch:
    """Pings every direct connection periodically; reports the ones that stop answering.

    Args:
        host: The py-libp2p host whose connections are watched.
        on_dead: Awaited with the peer and the connection that stopped answering. It must bound
            its own time (it runs in the watch loop's round).
        interval: Seconds between two probes of one connection.
        timeout: Seconds a probe may take before the connection counts as dead.
    """

    def __init__(
        self,
        host: Any,
        on_dead: DeadPath,
        *,
        interval: float = PROBE_INTERVAL,
        timeout: float = PROBE_TIMEOUT,
    ) -> None:
        self._host = host
        self._on_dead = on_dead
        self._interval = interval
        self._timeout = timeout
        self._probes = 0
        self._dead = 0
        # Keyed by the connection's muxer, which a stream also knows (stream.muxed_conn).
        self._rtt_ms: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    def statistics(self) -> dict[str, int]:
        """Counters: probes sent and direct connections found dead."""
        return {"probes": self._probes, "dead_direct_connections": self._dead}

    def record_rtt(self, muxed_conn: Any, rtt_ms: float) -> None:
        """Keep ``rtt_ms`` as the last round trip measured on the connection of ``muxed_conn``."""
        self._rtt_ms[muxed_conn] = rtt_ms

    def last_rtt_ms(self, conn: INetConn) -> float | None:
        """The last round trip measured on ``conn`` in milliseconds, None before the first."""
        return self._rtt_ms.get(conn.muxed_conn)

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Probe until cancelled (one round every ``interval`` seconds)."""
        task_status.started()
        while True:
            await trio.sleep(self._interval)
            async with trio.open_nursery() as nursery:
                for peer, conns in list(self._host.get_network().get_connections_map().items()):
                    for conn in conns:
                        if not compat.is_relayed(conn):
                            nursery.start_soon(self._check, peer, conn)

    async def _check(self, peer: ID, conn: INetConn) -> None:
        self._probes += 1
        with trio.move_on_after(self._timeout) as scope:
            try:
                self.record_rtt(conn.muxed_conn, await probe(self._host, conn))
            except Exception as exc:  # an answer of any kind, or a closing connection: not dead
                log.debug("liveness probe to %s ended: %s", peer, exc)
        if not scope.cancelled_caught or _is_closed(conn):
            return
        self._dead += 1
        log.warning(
            "direct connection to %s did not answer a ping within %.0f s: falling back to relay",
            peer,
            self._timeout,
        )
        await self._on_dead(peer, conn)


async def probe(host: Any, conn: INetConn) -> float:
    """One ``/ipfs/ping/1.0.0`` exchange on ``conn`` itself (not on whichever the swarm picks).

    Returns:
        The exchange's round trip in milliseconds.

    Raises:
        Exception: the stream could not be opened or negotiated, or the echo was wrong; all mean
            the peer (or its connection) answered something.
    """
    stream = await conn.new_stream()
    try:
        await host.multiselect_client.select_one_of(
            [LIBP2P_PING_ID], MultiselectCommunicator(stream)
        )
        payload = secrets.token_bytes(PING_LENGTH)
        start = trio.current_time()
        await stream.write(payload)
        echo = await read_exactly(stream, PING_LENGTH)
        rtt_ms = (trio.current_time() - start) * 1000.0
        if echo != payload:
            raise ValueError("ping echo mismatch")
        return rtt_ms
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(1):
            try:
                await stream.reset()
            except Exception:  # the stream (or its connection) is already gone
                log.debug("probe stream reset failed", exc_info=True)


def _is_closed(conn: INetConn) -> bool:
    return bool(getattr(conn, "is_closed", False) or getattr(conn.muxed_conn, "is_closed", False))
