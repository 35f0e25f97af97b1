"""Paths to peers: which connection carries a peer's traffic, and making it direct.

The tracker follows the swarm's connections (``peer-connected``, ``path-changed``,
``peer-disconnected`` on the bus), writes down where authorized peers were reached, moves a peer
whose direct path died to a relay (and tries the direct path again later, with back-off), and
dials a relayed peer's LAN addresses when it shares a subnet with us, or our public address
(two subnets behind one router; see :mod:`app.core.reach.samenat`).
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import multiaddr
import trio
from libp2p.abc import INetConn, INetStream, INetwork, INotifee
from libp2p.peer.id import ID
from libp2p.peer.peerstore import PeerStoreError

from app.core.errors import PeerupError
from app.core.reach.lan import is_lan_ip
from app.core.reach.samenat import LanDialPlan, lan_candidates
from app.core.status import (
    LanDial,
    PathChanged,
    PathInfo,
    PathType,
    PeerConnected,
    PeerDisconnected,
    Reachability,
    RttChanged,
)
from app.engine import compat
from app.engine.bus import EventBus
from app.engine.dialer import DIAL_TIMEOUT, Dialer, Target
from app.engine.gate import Gate
from app.engine.pathwatch import PathWatch
from app.engine.peerbook import PeerBook
from app.engine.reachability import ReachabilityMonitor
from app.engine.switches import HolePunching

if TYPE_CHECKING:
    from trio_typing import TaskStatus

__all__ = ["PathTracker", "classify_path"]

log = logging.getLogger("peerup.engine.paths")

REDIAL_GRACE = 3.0
UPGRADE_RETRY_TICK = 5.0
UPGRADE_RETRY_FIRST = 60.0
UPGRADE_RETRY_MAX = 600.0
# Both peers learn each other's LAN addresses at the same moment; one dials, the other gives it
# this long before dialling itself (both at once would make two connections).
LAN_DIAL_DEFER = 1.0


def classify_path(peer_id: str, conn: INetConn, connected_at: float) -> PathInfo:
    """Describe the path of one libp2p connection (relayed if its address has /p2p-circuit)."""
    addrs = _conn_addresses(conn)
    address = str(addrs[0]) if addrs else ""
    transport = "quic" if "/quic" in address else ("tcp" if "/tcp/" in address else "unknown")
    if address.startswith("/ip6/"):
        ip_version = "ipv6"
    elif address.startswith("/ip4/"):
        ip_version = "ipv4"
    else:
        ip_version = "unknown"
    path_type = PathType.RELAYED if "/p2p-circuit" in address else PathType.DIRECT
    if path_type is PathType.RELAYED:
        # The peer at the end of a circuit is the one its connection authenticated, whatever a
        # relay's message (or a label not finished yet) says.
        address = f"{address.split('/p2p-circuit')[0]}/p2p-circuit/p2p/{peer_id}"
    return PathInfo(
        peer_id=peer_id,
        path_type=path_type,
        address=address,
        transport=transport,
        ip_version=ip_version,
        connected_at=connected_at,
    )


def on_lan(address: str) -> bool:
    parts = address.split("/")
    try:
        return len(parts) > 2 and is_lan_ip(ipaddress.ip_address(parts[2]))
    except ValueError:
        return False


def _conn_addresses(conn: INetConn) -> list[multiaddr.Multiaddr]:
    try:
        return list(conn.get_transport_addresses())
    except Exception:  # a connection being torn down may not know its address any more
        return []


class _ConnectionWatcher(INotifee):
    """Turns swarm notifications into bus events and path bookkeeping."""

    def __init__(self, paths: PathTracker) -> None:
        self._paths = paths

    async def connected(self, network: INetwork, conn: INetConn) -> None:
        self._paths.on_connected(conn)

    async def disconnected(self, network: INetwork, conn: INetConn) -> None:
        self._paths.on_disconnected(conn)

    async def opened_stream(self, network: INetwork, stream: INetStream) -> None:
        return None

    async def closed_stream(self, network: INetwork, stream: INetStream) -> None:
        return None

    async def listen(self, network: INetwork, multiaddr: multiaddr.Multiaddr) -> None:
        return None

    async def listen_close(self, network: INetwork, multiaddr: multiaddr.Multiaddr) -> None:
        return None


class PathTracker:
    """Connections, paths and direct-path upgrades of one node.

    Args:
        peers: Who is authorized, and where peers were reached.
        gate: Told when a peer's last connection closes (its probation slot frees).
        dialer: Dials relays and LAN addresses.
        bus: Where path events go.
        own_peer_id: Ours (of two peers, the smaller ID acts first).
        peer_grade: The grade a peer told us (with its LAN and public addresses), None if none.
        our_reach: Our reachability monitor (None before the node runs): our interface
            addresses, and our grade's public addresses.
        on_peer_connected: Called with a peer's ID when its first connection comes up.
        on_lan_peers_changed: Called when an authorized peer came or went (the grade may say
            "reachable on your network only").
        clock: Wall clock, for when a peer connected (shown to users). Back-offs and retries
            run on trio's clock.
    """

    def __init__(
        self,
        peers: PeerBook,
        gate: Gate,
        dialer: Dialer,
        bus: EventBus,
        *,
        own_peer_id: str,
        peer_grade: Callable[[str], Reachability | None],
        our_reach: Callable[[], ReachabilityMonitor | None],
        on_peer_connected: Callable[[str], None],
        on_lan_peers_changed: Callable[[], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._peers = peers
        self._gate = gate
        self._dialer = dialer
        self._bus = bus
        self._peer_id = own_peer_id
        self._peer_grade = peer_grade
        self._our_reach = our_reach
        self._on_peer_connected = on_peer_connected
        self._regrade = on_lan_peers_changed
        self._clock = clock
        self._host: object | None = None
        self._nursery: trio.Nursery | None = None
        self._pathwatch: PathWatch | None = None
        self._dcutr: HolePunching | None = None
        self._connected_at: dict[str, float] = {}
        self._last_path: dict[str, tuple[PathType, str]] = {}
        self._upgrade_retry: dict[ID, tuple[float, float]] = {}  # peer → (next try, interval)
        self._lan_dials: set[str] = set()  # peers whose LAN addresses are being dialled
        # when LAN addresses are dialled again (on trio's clock), and how each peer's last went
        self._lan_plan = LanDialPlan()

    def install(self, host: object) -> None:
        """Follow ``host``'s connections."""
        self._host = host
        host.get_network().register_notifee(_ConnectionWatcher(self))  # type: ignore[attr-defined]
        # An inbound connection shows only the peer's IP; its listen addresses come with identify.
        compat.on_identified(host, lambda peer: self.remember_addresses(peer.to_base58()))

    async def run(
        self,
        dcutr: HolePunching | None,
        *,
        task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Watch direct paths and retry upgrades until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery, self._dcutr = nursery, dcutr
            self._pathwatch = PathWatch(
                self._dialer.require_host(), self.direct_path_died, on_rtt=self._rtt_changed
            )
            await nursery.start(self._pathwatch.run)
            nursery.start_soon(self.retry_upgrades, dcutr)
            task_status.started()

    def _rtt_changed(self, peer_id: str, rtt_ms: float | None) -> None:
        self._bus.publish(RttChanged(peer_id=peer_id, rtt_ms=rtt_ms))

    def connected_peers(self) -> list[str]:
        """Peers with at least one connection, in the order they connected."""
        return list(self._connected_at)

    def lan_changed(self, peer_id: str | None = None) -> None:
        """Our network (``peer_id`` None) or a peer's changed: its LAN deserves a new try."""
        self._lan_plan.changed(peer_id)

    def statistics(self) -> dict[str, int]:
        """The liveness prober's counters (empty before the node runs)."""
        return self._pathwatch.statistics() if self._pathwatch is not None else {}

    def record_rtt(self, stream: INetStream, rtt_ms: float) -> None:
        """Keep a ping's RTT as its connection's last (until the next liveness probe's)."""
        if self._pathwatch is not None:
            self._pathwatch.record_rtt(stream.muxed_conn, rtt_ms)

    def paths(self) -> list[PathInfo]:
        """The path in use for every connected peer."""
        host = self._host
        if host is None:
            return []
        result = []
        for peer, conns in host.get_network().get_connections_map().items():  # type: ignore[attr-defined]
            if conns:
                pid = peer.to_base58()
                # New streams prefer a direct connection; show that one while a relayed one
                # is still winding down after a hole punch.
                best = next((c for c in conns if not compat.is_relayed(c)), conns[0])
                path = classify_path(pid, best, self._connected_at.get(pid, self._clock()))
                rtt = self._pathwatch.last_rtt_ms(best) if self._pathwatch is not None else None
                result.append(
                    replace(
                        path,
                        verified=self._peers.is_verified(pid),
                        rtt_ms=rtt,
                        lan_dial=self._lan_plan.last(pid),
                    )
                )
        return result

    def path_of(self, peer_id: str) -> PathType | None:
        """The kind of path to ``peer_id`` now, None when not connected."""
        for path in self.paths():
            if path.peer_id == peer_id:
                return path.path_type
        return None

    def has_lan_peer(self) -> bool:
        """An authorized peer is connected to us directly over a private network (our LAN)."""
        host = self._host
        if host is None:
            return False
        network = host.get_network()  # type: ignore[attr-defined]
        for pid in self._connected_at:
            if not self._peers.is_listed(pid):
                continue
            for conn in network.get_connections(ID.from_base58(pid)):
                addrs = _conn_addresses(conn)
                if addrs and not compat.is_relayed(conn) and on_lan(str(addrs[0])):
                    return True
        return False

    def remember_addresses(self, peer_id: str, *, closing: INetConn | None = None) -> None:
        """Write down the direct addresses of our connections to an authorized peer."""
        host = self._host
        if host is None or not self._peers.is_listed(peer_id):
            return
        peer = ID.from_base58(peer_id)
        conns = list(host.get_network().get_connections(peer))  # type: ignore[attr-defined]
        if closing is not None and closing not in conns:
            conns.append(closing)
        try:
            announced = [str(a) for a in host.get_peerstore().addrs(peer)]  # type: ignore[attr-defined]
        except PeerStoreError:
            announced = []
        for conn in conns:
            if not compat.is_relayed(conn):
                self._peers.remembered.connection_seen(peer_id, conn, announced)

    def on_connected(self, conn: INetConn) -> None:
        """The swarm added a connection."""
        pid = conn.muxed_conn.peer_id.to_base58()
        self.remember_addresses(pid)
        if pid in self._connected_at:
            self._publish_path_change(pid)
            return
        self._connected_at[pid] = self._clock()
        path = classify_path(pid, conn, self._connected_at[pid])
        self._last_path[pid] = (path.path_type, path.address)
        self._bus.publish(PeerConnected(peer_id=pid, path=path))
        if self._peers.is_listed(pid):
            self._regrade()  # maybe the first peer reaching us over the LAN
        self._on_peer_connected(pid)

    def on_disconnected(self, conn: INetConn) -> None:
        """The swarm closed a connection."""
        peer = conn.muxed_conn.peer_id
        # identify has long finished: an inbound connection's announced addresses are known now
        self.remember_addresses(peer.to_base58(), closing=conn)
        host = self._host
        if host is not None and host.get_network().get_connections(peer):  # type: ignore[attr-defined]
            self._publish_path_change(peer.to_base58(), closing=conn)
            return
        pid = peer.to_base58()
        self._gate.forget(pid)
        self._last_path.pop(pid, None)
        if self._connected_at.pop(peer.to_base58(), None) is not None:
            self._bus.publish(PeerDisconnected(peer_id=peer.to_base58()))
            if self._peers.is_listed(pid):
                self._regrade()

    def _publish_path_change(self, peer_id: str, closing: INetConn | None = None) -> None:
        """Publish PathChanged when the best connection to a peer is now of another kind."""
        host = self._host
        if host is None:
            return
        conns = [
            c
            for c in host.get_network().get_connections(ID.from_base58(peer_id))  # type: ignore[attr-defined]
            if c is not closing
        ]
        if not conns:
            return
        best = next((c for c in conns if not compat.is_relayed(c)), conns[0])
        path = classify_path(peer_id, best, self._connected_at.get(peer_id, self._clock()))
        if self._last_path.get(peer_id) == (path.path_type, path.address):
            return
        self._last_path[peer_id] = (path.path_type, path.address)
        self._bus.publish(PathChanged(peer_id=peer_id, path=path))

    async def direct_path_died(self, peer: ID, conn: INetConn) -> None:
        """A direct connection stopped answering: move the peer to a relayed path, then close it.

        Only one side dials the relay (the one with the smaller peer ID, at once; the other after
        :data:`REDIAL_GRACE` if no circuit arrived by then): two circuits would give both sides
        an accepted relayed connection, and both would start DCUtR (compat DCUTR-BOTH-DRIVE).
        """
        network = self._dialer.require_host().get_network()  # type: ignore[attr-defined]
        routes = self._dialer.relay_routes(Target(peer, ()))

        def has_circuit() -> bool:
            return any(compat.is_relayed(c) for c in network.get_connections(peer))

        # No relay leads to it (it is our relay, say): nothing to wait for, close it now, so a
        # reservation made on it is made again at once and its peer is not sent to a dead end.
        if routes and self._peer_id > peer.to_base58():
            # Polled: the swarm has no per-peer "connected" event to wait on.
            with trio.move_on_after(REDIAL_GRACE):
                while not has_circuit():  # noqa: ASYNC110
                    await trio.sleep(0.1)
        if routes and not has_circuit():
            with trio.move_on_after(DIAL_TIMEOUT):
                for relay_addr, relay_id in routes:
                    try:
                        await self._dialer.require_relay_client().dial(relay_addr, relay_id, peer)
                        break
                    except PeerupError as exc:
                        log.info("fallback to relay %s for %s failed: %s", relay_id, peer, exc)
        # Closing resets the streams still open on it: their forwards fail instead of hanging.
        # The socket goes first: a plain close can block forever on a dead path (compat
        # YAMUX-CLOSE-BLOCKS).
        compat.abort_transport(conn)
        with trio.move_on_after(2):
            await conn.close()
        self._upgrade_retry[peer] = (trio.current_time() + UPGRADE_RETRY_FIRST, UPGRADE_RETRY_FIRST)

    async def retry_upgrades(self, dcutr: HolePunching | None) -> None:
        """Try direct paths again for relayed peers.

        A path may work again later (the NAT came back, the laptop is home again). Pairs whose
        direct path died get a new DCUtR attempt budget with back-off (upstream's would be spent);
        every relayed peer's LAN addresses worth a dial get a new one after
        :data:`~app.core.reach.samenat.LAN_RETRY_FIRST`, doubling up to
        :data:`~app.core.reach.samenat.LAN_RETRY_MAX` (a dial may have lost a race with a dying
        connection, say).
        """
        network = self._dialer.require_host().get_network()  # type: ignore[attr-defined]
        while True:
            await trio.sleep(UPGRADE_RETRY_TICK)
            for pid in list(self._connected_at):
                self.dial_lan_soon(pid)
            now = trio.current_time()
            for peer, (due, interval) in list(self._upgrade_retry.items()):
                conns = network.get_connections(peer)
                if not conns or any(not compat.is_relayed(c) for c in conns):
                    del self._upgrade_retry[peer]  # gone, or direct again
                elif now >= due:
                    if dcutr is not None:
                        dcutr.allow_new_attempts(peer)
                    interval = min(interval * 2, UPGRADE_RETRY_MAX)
                    self._upgrade_retry[peer] = (now + interval, interval)

    def dial_lan_soon(self, peer_id: str) -> None:
        """Dial a relayed peer's LAN addresses on our subnets, or behind our public address.

        Two devices behind one home router stay relayed otherwise: hole punching goes through
        the router's public address, which most routers do not loop back to their own LAN. On
        two subnets of one router they share no subnet, but the public address (see
        :mod:`app.core.reach.samenat`): then a few of the peer's other LAN addresses are dialled
        too. Only an authorized peer's own addresses (its grade message), spaced by
        :class:`~app.core.reach.samenat.LanDialPlan`.
        """
        theirs = self._peer_grade(peer_id)
        reach = self._our_reach()
        host = self._host
        if (
            theirs is None
            or not theirs.lan_addresses
            or host is None
            or reach is None
            or self._nursery is None
            or peer_id in self._lan_dials
            or not self._peers.is_authorized(peer_id)
        ):
            return
        conns = host.get_network().get_connections(ID.from_base58(peer_id))  # type: ignore[attr-defined]
        if not conns or any(not compat.is_relayed(c) for c in conns):
            return  # not connected (a dial finds these addresses itself), or direct already
        ours = reach.current()
        candidates = lan_candidates(
            theirs.lan_addresses,
            reach.interfaces(),
            our_public=ours.public_addresses if ours is not None else (),
            their_public=theirs.public_addresses,
        )
        now, wall = trio.current_time(), self._clock()
        dial = self._lan_plan.begin(peer_id, candidates, now=now, wall=wall)
        if dial is None:
            return
        self._lan_dials.add(peer_id)
        self._nursery.start_soon(self._dial_lan, peer_id, dial)

    async def _dial_lan(self, peer_id: str, dial: LanDial) -> None:
        """Dial a peer's LAN addresses (see :meth:`dial_lan_soon`); one dial task per peer."""
        peer = ID.from_base58(peer_id)
        try:
            if self._peer_id > peer_id:
                await trio.sleep(LAN_DIAL_DEFER)
            won = await self._dialer.dial_first(peer, list(dial.addresses))
            if won is None:  # maybe the peer's own dial got through first
                won = self._direct_address(peer)
        finally:
            self._lan_dials.discard(peer_id)
        record = self._lan_plan.end(peer_id, won, wall=self._clock())
        across = " across subnets (same public address)" if dial.same_nat else ""
        if won is not None:
            log.info("direct LAN path%s to %s at %s", across, peer_id, won)
            if self._dcutr is not None:  # streams already on the relayed one finish first
                self._dcutr.close_relayed_after_grace(peer)
        elif record is not None:
            log.info(
                "LAN dial%s of %s failed (%s); next try in %.0f s or when a network changes",
                across,
                peer_id,
                ", ".join(dial.addresses),
                (record.retry_at or record.at) - record.at,
            )

    def _direct_address(self, peer: ID) -> str | None:
        """The remote address of a direct connection to ``peer``, None if there is none."""
        host = self._host
        if host is None:
            return None
        for conn in host.get_network().get_connections(peer):  # type: ignore[attr-defined]
            addrs = _conn_addresses(conn)
            if addrs and not compat.is_relayed(conn):
                return str(addrs[0])
        return None

    def agent_version(self, peer_id: str) -> str | None:
        """What ``peer_id`` announced in identify, None until identify ran."""
        host = self._host
        if host is None:
            return None
        try:
            peerstore = host.get_peerstore()  # type: ignore[attr-defined]
            value = peerstore.get(ID.from_base58(peer_id), compat.AGENT_VERSION_KEY)
        except Exception:  # the peerstore raises when the key is unknown
            return None
        return str(value) if value else None
