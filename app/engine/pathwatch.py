"""Liveness and round trip of the paths in use: a dead direct path falls back to the relay within
seconds, and every path shows a current RTT without the user pinging first.

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

A relayed connection gets the same ping, :data:`RELAYED_FIRST_PROBE` seconds after it appears (so
a fresh relayed path shows its RTT at once) and then only every :data:`RELAYED_PROBE_INTERVAL`
seconds, and only while the peer has no direct connection (new streams would not use it). It is
there for the RTT, not for liveness, and the relay carries its bytes: 740 per probe with
negotiation and framing, both ways (measured through our relay), so ~180 KB an hour against a
circuit data limit of 1 GiB on our relays, or ~6 KB of the 128 KiB a go-libp2p default relay
allows per 2-minute circuit.

A relayed ping that times out (:data:`RELAYED_PROBE_TIMEOUT`, longer: a relay far away or busy
with a transfer answers slowly) forgets the connection's RTT, so no figure is shown that the path
does not deliver now, and closes nothing: the relayed path is the fallback itself, and without it
the peer would have none until a new dial.

A probe uses only the connection it watches (a stream on it, never a dial), one stream at a time
per connection, each bounded in time.

Each answered probe's round trip (the ping exchange, not the stream's negotiation) is kept per
connection as its last RTT; :meth:`PathWatch.record_rtt` adds what other pings measured (a user's
``ping`` or ``traceroute``). An RTT older than :data:`STALE_AFTER_PROBES` probe intervals of its
connection (probes answered with errors, say) is no longer shown.

Front ends hear of RTTs through ``on_rtt`` (the node publishes ``rtt-changed``): when the path a
peer's new streams use gets its first RTT, loses it, or when it moves by more than
:data:`RTT_CHANGE_RATIO` and :data:`RTT_CHANGE_MS` from the last one told, at most once per
:data:`RTT_REPORT_INTERVAL` per peer (a jitter of a few percent is not news).
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
"""Seconds between two probes of a direct connection (how soon a dead one is noticed)."""
PROBE_TIMEOUT = 4.0
"""Seconds a direct connection's probe may take before the connection counts as dead."""
RELAYED_FIRST_PROBE = 1.0
"""Seconds from seeing a relayed connection to its first probe: its RTT shows within ~2 s, and a
connection that a hole punch replaces at once (about 0.3 s on a good NAT) is not pinged."""
RELAYED_PROBE_INTERVAL = 15.0
"""Seconds between two probes of a relayed connection: enough for a current RTT, little for the
relay to carry."""
RELAYED_PROBE_TIMEOUT = 10.0
"""Seconds a relayed connection's probe may take before its RTT is forgotten (never closed)."""
STALE_AFTER_PROBES = 3
"""An RTT older than this many probe intervals of its connection is not shown as current."""
SCAN_INTERVAL = 0.5
"""Seconds between two looks at the swarm's connections for new ones to watch."""
RTT_CHANGE_RATIO = 0.2
RTT_CHANGE_MS = 5.0
"""An RTT is told again once it differs from the last one told by more than both of these."""
RTT_REPORT_INTERVAL = 1.0
"""Seconds between two RTTs told for one peer, at the least."""


def rtt_change_noticeable(old: float | None, new: float | None) -> bool:
    """Whether a path's RTT moved enough to tell front ends.

    Known ↔ unknown always does; otherwise a move by more than :data:`RTT_CHANGE_RATIO` of the old
    value and more than :data:`RTT_CHANGE_MS`.
    """
    if old is None or new is None:
        return (old is None) != (new is None)
    delta = abs(new - old)
    return delta > RTT_CHANGE_MS and delta > RTT_CHANGE_RATIO * old


DeadPath = Callable[[ID, INetConn], Awaitable[None]]


class PathWatch:
    """Pings every connection in use periodically: reports dead direct ones, keeps RTTs.

    Args:
        host: The py-libp2p host whose connections are watched.
        on_dead: Awaited with the peer and the direct connection that stopped answering. It must
            bound its own time (the connection is not probed meanwhile). Never called for a
            relayed connection.
        interval: Seconds between two probes of a direct connection.
        timeout: Seconds a direct connection's probe may take before it counts as dead.
        relayed_first: Seconds from seeing a relayed connection to its first probe.
        relayed_interval: Seconds between two probes of a relayed connection.
        relayed_timeout: Seconds a relayed connection's probe may take before its RTT is forgotten.
        on_rtt: Called with a peer ID and the RTT (None: unknown) of the connection its new
            streams use, when it changed noticeably (see :func:`rtt_change_noticeable`).
    """

    def __init__(
        self,
        host: Any,
        on_dead: DeadPath,
        *,
        interval: float = PROBE_INTERVAL,
        timeout: float = PROBE_TIMEOUT,
        relayed_first: float = RELAYED_FIRST_PROBE,
        relayed_interval: float = RELAYED_PROBE_INTERVAL,
        relayed_timeout: float = RELAYED_PROBE_TIMEOUT,
        on_rtt: Callable[[str, float | None], None] = lambda _peer, _rtt: None,
    ) -> None:
        self._host = host
        self._on_rtt = on_rtt
        self._on_dead = on_dead
        self._interval = interval
        self._timeout = timeout
        self._relayed_first = relayed_first
        self._relayed_interval = relayed_interval
        self._relayed_timeout = relayed_timeout
        self._probes = 0
        self._relayed_probes = 0
        self._relayed_timeouts = 0
        self._dead = 0
        # Keyed by the connection's muxer, which a stream also knows (stream.muxed_conn).
        self._watched: weakref.WeakSet[Any] = weakref.WeakSet()
        # muxed connection → (last RTT in ms, trio time when it was measured)
        self._rtt: weakref.WeakKeyDictionary[Any, tuple[float, float]] = weakref.WeakKeyDictionary()
        # peer ID → (the connection's muxer, RTT told, trio time when told)
        self._told: dict[str, tuple[weakref.ref[Any], float | None, float]] = {}

    def statistics(self) -> dict[str, int]:
        """Counters: probes sent (of them relayed), relayed probes unanswered, dead direct paths."""
        return {
            "probes": self._probes,
            "relayed_probes": self._relayed_probes,
            "relayed_probe_timeouts": self._relayed_timeouts,
            "dead_direct_connections": self._dead,
        }

    def record_rtt(self, muxed_conn: Any, rtt_ms: float) -> None:
        """Keep ``rtt_ms`` as the last round trip measured on the connection of ``muxed_conn``."""
        self._rtt[muxed_conn] = (rtt_ms, trio.current_time())
        self._tell(muxed_conn)

    def _tell(self, muxed_conn: Any) -> None:
        """Call ``on_rtt`` if the RTT of a peer's path in use changed noticeably."""
        peer = muxed_conn.peer_id
        conns = list(self._host.get_network().get_connections(peer))
        best = next((c for c in conns if not compat.is_relayed(c)), conns[0] if conns else None)
        if best is None or best.muxed_conn is not muxed_conn:
            return  # not the connection new streams use: its RTT is no path's
        rtt = self.last_rtt_ms(best)
        pid = peer.to_base58()
        now = trio.current_time()
        told = self._told.get(pid)
        if (
            told is not None
            and told[0]() is muxed_conn  # a new path's first RTT is always news
            and (not rtt_change_noticeable(told[1], rtt) or now - told[2] < RTT_REPORT_INTERVAL)
        ):
            return
        self._told[pid] = (weakref.ref(muxed_conn), rtt, now)
        self._on_rtt(pid, rtt)

    def last_rtt_ms(self, conn: INetConn) -> float | None:
        """The last round trip measured on ``conn`` in milliseconds.

        None before the first, after a relayed probe went unanswered, and once it is older than
        :data:`STALE_AFTER_PROBES` of the connection's probe intervals.
        """
        entry = self._rtt.get(conn.muxed_conn)
        if entry is None:
            return None
        rtt_ms, measured = entry
        interval = self._relayed_interval if compat.is_relayed(conn) else self._interval
        if trio.current_time() - measured > STALE_AFTER_PROBES * interval:
            return None
        return rtt_ms

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Watch every connection the swarm has, each in its own task, until cancelled."""
        network = self._host.get_network()
        async with trio.open_nursery() as nursery:
            task_status.started()
            while True:
                for peer, conns in list(network.get_connections_map().items()):
                    for conn in conns:
                        if conn.muxed_conn not in self._watched and not _is_closed(conn):
                            self._watched.add(conn.muxed_conn)
                            nursery.start_soon(self._watch, peer, conn)
                await trio.sleep(SCAN_INTERVAL)

    async def _watch(self, peer: ID, conn: INetConn) -> None:
        """Probe ``conn`` on its own schedule while the swarm has it (one probe at a time)."""
        network = self._host.get_network()
        relayed = compat.is_relayed(conn)
        await trio.sleep(self._relayed_first if relayed else self._interval)
        while not _is_closed(conn) and conn in network.get_connections(peer):
            if not relayed:
                await self._check_direct(peer, conn)
            elif not any(not compat.is_relayed(c) for c in network.get_connections(peer)):
                # Beside a direct connection this one carries no new streams (and is closed
                # soon after a hole punch): its RTT would be no path's.
                await self._check_relayed(peer, conn)
            await trio.sleep(self._relayed_interval if relayed else self._interval)

    async def _probe_answered(self, peer: ID, conn: INetConn, *, relayed: bool) -> bool:
        """One probe; False if it got no answer in time (an error is an answer).

        A connection that received bytes meanwhile is alive: its ping waited behind a transfer
        (one busy process carries many streams), and closing it would cut them all.
        """
        self._probes += 1
        self._relayed_probes += relayed
        received = compat.received_bytes(conn)
        with trio.move_on_after(self._relayed_timeout if relayed else self._timeout) as scope:
            try:
                self.record_rtt(conn.muxed_conn, await probe(self._host, conn))
            except Exception as exc:  # an answer of any kind, or a closing connection: not dead
                log.debug("probe to %s ended: %s", peer, exc)
        receiving = received is not None and (compat.received_bytes(conn) or 0) > received
        if scope.cancelled_caught and receiving:
            log.debug("probe to %s unanswered, but the connection is receiving", peer)
            return True
        return not scope.cancelled_caught or _is_closed(conn)

    async def _check_direct(self, peer: ID, conn: INetConn) -> None:
        if await self._probe_answered(peer, conn, relayed=False):
            return
        self._dead += 1
        log.warning(
            "direct connection to %s did not answer a ping within %.0f s: falling back to relay",
            peer,
            self._timeout,
        )
        await self._on_dead(peer, conn)

    async def _check_relayed(self, peer: ID, conn: INetConn) -> None:
        if await self._probe_answered(peer, conn, relayed=True):
            return
        self._relayed_timeouts += 1
        self._rtt.pop(conn.muxed_conn, None)
        self._tell(conn.muxed_conn)
        log.info(
            "relayed connection to %s did not answer a ping within %.0f s: RTT unknown until one",
            peer,
            self._relayed_timeout,
        )


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
