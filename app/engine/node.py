"""The Node: one libp2p host plus everything peer-up runs on it.

A Node owns its host, the peer gate (authorized_keys), exposed services, forwards, the line ping,
path tracking and the event bus. Every task it starts lives in its own nursery (``run``); nothing
is fire-and-forget. :func:`open_node` is the usual way in: it yields a running node and stops it,
closing every forward cleanly, when the block ends.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Literal

import multiaddr
import trio
from libp2p import new_host
from libp2p.abc import INetConn, INetStream, INetwork, INotifee
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.host.ping import ID as LIBP2P_PING_ID
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo as Libp2pPeerInfo
from libp2p.peer.peerstore import PeerStoreError
from libp2p.tools.anyio_service import background_trio_service

from app import __version__
from app.core.codes.invitecode import parse_invite_code
from app.core.codes.lancode import is_lan_code, parse_lan_code
from app.core.config import Config, ConfigEditor
from app.core.errors import (
    AddressInUseError,
    InvalidAddressError,
    NotAuthorizedError,
    NotFoundError,
    PeerUnreachableError,
    PeerupError,
    ServiceNotFoundError,
    UnknownPeerError,
    VerifyUnsupportedError,
)
from app.core.ids.identity import Identity
from app.core.ids.names import service_protocol_id, validate_service_name
from app.core.ids.peerid import PeerId
from app.core.pairing.invite import JoinResult
from app.core.pairing.verify import PROTOCOL_ID as VERIFY_PROTOCOL
from app.core.peers import trust
from app.core.peers.authkeys import AuthorizedKey, AuthorizedKeysFile
from app.core.reach.gradewire import MAX_MESSAGE as GRADE_MAX_MESSAGE
from app.core.reach.gradewire import PROTOCOL_ID as GRADE_PROTOCOL
from app.core.reach.gradewire import decode_grade, encode_grade
from app.core.reach.lan import is_lan_ip, lan_dial_candidates
from app.core.reach.reachability import expected_path
from app.core.status import (
    AuthEntry,
    AuthorizedKeysChanged,
    ConnectionRefused,
    Event,
    ForwardInfo,
    Grade,
    KeyChangeInfo,
    NodeStatus,
    PathChanged,
    PathInfo,
    PathType,
    PeerConnected,
    PeerDisconnected,
    PeerInfo,
    PeerKeyChanged,
    PingResult,
    Reachability,
    ReachabilityChanged,
    RelayInfo,
    RelaysChanged,
    Resolved,
    ServiceInfo,
    ServicesChanged,
    TracerouteHop,
    TracerouteResult,
    VerificationChanged,
    VerifySessionInfo,
)
from app.engine import compat
from app.engine.addrmemory import PeerAddressMemory
from app.engine.bus import EventBus
from app.engine.dht import AddressPusher, DHTRole, PeerDHT
from app.engine.forwards import ForwardManager
from app.engine.invite import InviteService, OpenInvite
from app.engine.pathwatch import PathWatch
from app.engine.ping import PING_TIMEOUT, make_responder, ping_once, ping_protocols
from app.engine.portmap import PortMapper
from app.engine.reachability import ReachabilityMonitor
from app.engine.relay import RelayClient, RelayHop, RelayLimits, listen_addresses_expanded
from app.engine.relaypair import PairingService
from app.engine.services import ServiceRegistry
from app.engine.splice import (
    connection_broke,
    dial_failure_text,
    first_line,
    negotiation_failure_text,
    read_to_eof,
    stream_ended,
)
from app.engine.verify import VerifyManager

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.node")

DIAL_TIMEOUT = 10.0
REDIAL_GRACE = 3.0
UPGRADE_RETRY_TICK = 5.0
UPGRADE_RETRY_FIRST = 60.0
UPGRADE_RETRY_MAX = 600.0
RELAY_HEAD_START = 0.25
GRADE_TIMEOUT = 10.0
# A peer on our subnet answers a TCP dial within milliseconds; a stale LAN address (the peer
# moved) must not keep the attempt alive for long.
LAN_DIAL_TIMEOUT = 3.0
# Both peers learn each other's LAN addresses at the same moment; one dials, the other gives it
# this long before dialling itself (both at once would make two connections).
LAN_DIAL_DEFER = 1.0
# The same LAN addresses of a peer are dialled again after 30 s, then 60, 120 … 600 s while
# neither side's network changes: a look-alike subnet in another home (192.168.1.0/24 is in
# most) costs a failed dial now and then, not one per message or tick.
LAN_RETRY_FIRST = 30.0
LAN_RETRY_MAX = 600.0
STREAM_OPEN_TIMEOUT = 15.0
DROP_CONNECTION_TIMEOUT = 2.0
AUTHKEYS_POLL_INTERVAL = 1.0
PROBATION_CONNECT_GRACE = 15.0
PROBATION_DISMISS_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class _Target:
    peer_id: ID
    addresses: tuple[multiaddr.Multiaddr, ...]


_Route = tuple[multiaddr.Multiaddr, ID]  # a relay's address and peer ID


def _is_circuit(addr: multiaddr.Multiaddr) -> bool:
    return "/p2p-circuit" in str(addr)


class _TryOnceMore(Exception):
    """A stream open that failed in a way that cannot have reached a handler of the peer
    (internal to :meth:`Node._open_stream`), so trying once more is safe.

    Attributes:
        error: What to raise if the next try fails too.
        drop: Which connections to the peer to close first: ``"closing"`` (those on their way
            out), ``"all"`` (a write failed on one that still looks alive) or ``None``.
    """

    def __init__(self, error: PeerupError, *, drop: Literal["closing", "all"] | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.drop = drop


def _is_closing(conn: INetConn) -> bool:
    """Whether a connection the swarm still lists is closed or on its way out."""
    muxed = getattr(conn, "muxed_conn", None)
    shutting_down = getattr(muxed, "event_shutting_down", None)
    return bool(
        getattr(conn, "is_closed", False)
        or getattr(muxed, "is_closed", False)
        or (shutting_down is not None and shutting_down.is_set())
    )


def _no_address_known(peer: ID) -> PeerUnreachableError:
    return PeerUnreachableError(
        f"no address known for peer {peer}",
        hint="add a relay (peerup relay add …) or the peer's address under peer_addresses:",
    )


class _DialRace:
    """Direct dials, relay circuits and a DHT lookup racing to connect to one peer.

    The first connection wins and cancels the rest, the lookup too. Relay attempts wait
    :data:`RELAY_HEAD_START` while a direct dial or the lookup may still win (a direct path is
    better, and on a LAN it wins anyway), and no longer: a dial to a private address behind
    someone's NAT only times out, and a DHT peer may answer late or never. They start at once
    when nothing is left that could win first (the direct dials failed, the lookup found no
    direct address). What the lookup finds joins the race when it arrives: direct addresses as a
    direct dial at once (with a head start of its own if the relay attempts have not started
    yet), circuits not tried yet as relay attempts.

    Args:
        peer: The peer to connect to.
        connect: Dials direct addresses (the host's ``connect``).
        relay_dial: Dials through a relay: ``relay_dial(relay_addr, relay_id, peer)``.
        relay_routes: The relay routes for a list of the peer's addresses (see
            :meth:`Node._relay_routes`); routes already tried are skipped.

    Attributes:
        won: A dial connected.
        dials: How many dials were started (0: no address was known, not even from the DHT).
        errors: Why each attempt that failed failed, and what the lookup did not find.
    """

    def __init__(
        self,
        peer: ID,
        *,
        connect: Callable[[Libp2pPeerInfo], Awaitable[None]],
        relay_dial: Callable[[multiaddr.Multiaddr, ID, ID], Awaitable[None]],
        relay_routes: Callable[[Sequence[multiaddr.Multiaddr]], list[_Route]],
    ) -> None:
        self._peer = peer
        self._connect = connect
        self._relay_dial = relay_dial
        self._relay_routes = relay_routes
        self._relays_tried: list[_Route] = []
        self._relays_from = 0.0
        self._relays_released = trio.Event()  # nothing else can win: relays need not wait
        self._direct_pending = 0
        self._lookup_pending = False
        self.won = False
        self.dials = 0
        self.errors: list[str] = []

    async def run(
        self,
        direct: Sequence[multiaddr.Multiaddr],
        relays: Sequence[_Route],
        look_up: Callable[[], Awaitable[list[multiaddr.Multiaddr]]] | None,
    ) -> None:
        """Race until a dial connects, every contender is done, or :data:`DIAL_TIMEOUT` passes."""
        head_start = RELAY_HEAD_START if direct or look_up is not None else 0.0
        self._relays_from = trio.current_time() + head_start
        with trio.move_on_after(DIAL_TIMEOUT) as timeout:
            async with trio.open_nursery() as nursery:
                if direct:
                    self._start_direct(nursery, direct)
                for route in relays:
                    self._start_relay(nursery, route)
                if look_up is not None:
                    self._lookup_pending = True
                    nursery.start_soon(self._look_up, nursery, look_up)
        if timeout.cancelled_caught:
            self.errors.append(f"no path within {DIAL_TIMEOUT:.0f} s")

    def _start_direct(self, nursery: trio.Nursery, addrs: Sequence[multiaddr.Multiaddr]) -> None:
        dial = partial(self._connect, Libp2pPeerInfo(self._peer, list(addrs)))
        self.dials += 1
        self._direct_pending += 1
        nursery.start_soon(self._attempt, nursery, "direct", dial)

    def _start_relay(self, nursery: trio.Nursery, route: _Route) -> None:
        relay_addr, relay_id = route
        self._relays_tried.append(route)
        dial = partial(self._relay_dial, relay_addr, relay_id, self._peer)
        self.dials += 1
        nursery.start_soon(partial(self._attempt, nursery, f"relay {relay_id}", dial, relayed=True))

    async def _attempt(
        self,
        nursery: trio.Nursery,
        kind: str,
        dial: Callable[[], Awaitable[None]],
        *,
        relayed: bool = False,
    ) -> None:
        # Not one sleep: the head start grows when the lookup finds a direct address in it.
        while relayed and trio.current_time() < self._relays_from:
            with trio.move_on_at(self._relays_from):
                await self._relays_released.wait()
            if self._relays_released.is_set():
                break
        try:
            await dial()
        except Exception as exc:  # py-libp2p raises many unrelated types for a failed dial
            # A relay dial's error already says why (RelayClient.dial); a direct one's is
            # py-libp2p's "no addresses established a successful connection" over its cause.
            self.errors.append(f"{kind}: {first_line(exc) if relayed else dial_failure_text(exc)}")
            if not relayed:
                self._direct_pending -= 1
                self._release_relays_if_idle()
            return
        self.won = True
        nursery.cancel_scope.cancel()

    def _release_relays_if_idle(self) -> None:
        if not self._direct_pending and not self._lookup_pending:
            self._relays_released.set()

    async def _look_up(
        self, nursery: trio.Nursery, look_up: Callable[[], Awaitable[list[multiaddr.Multiaddr]]]
    ) -> None:
        try:
            found = await look_up()
        except Exception as exc:  # a failed lookup is one contender out, not the race's end
            self.errors.append(f"DHT: {first_line(exc)}")
            found = None
        finally:
            self._lookup_pending = False
        if found is None:
            self._release_relays_if_idle()
            return
        direct = [a for a in found if not _is_circuit(a)]
        routes = [r for r in self._relay_routes(found) if r not in self._relays_tried]
        if direct:
            now = trio.current_time()
            if now < self._relays_from:  # no relay attempt started: the head start is the dial's
                self._relays_from = now + RELAY_HEAD_START
            self._start_direct(nursery, direct)
        for route in routes:
            self._start_relay(nursery, route)
        if not direct:
            self._release_relays_if_idle()
            if not routes:
                self.errors.append("DHT: no new address found")


@dataclass
class Probation:
    """An open admission window for unknown peers (see :meth:`Node.open_probation`).

    Attributes:
        protocols: The only protocol IDs a peer on probation may open.
        limit: How many peers may be on probation at once.
        peers: Peers admitted now (peer ID → when they were admitted, monotonic seconds).
        admitted_total: How many admissions there were since it opened.
        refused_total: How many unknown peers were refused because it was full.
    """

    protocols: frozenset[str]
    limit: int
    peers: dict[str, float] = field(default_factory=dict)
    admitted_total: int = 0
    refused_total: int = 0


def listen_addresses(configured: Sequence[str], *, quic: bool) -> list[str]:
    """The addresses to listen on, given the QUIC switch.

    With QUIC off, QUIC addresses are dropped (with a warning). With QUIC on and no QUIC address
    configured, each TCP address gets a QUIC twin on a free UDP port, because py-libp2p ends up
    listening on nothing when QUIC is enabled with TCP addresses only (platform notes).
    """
    tcp = [a for a in configured if "/quic" not in a]
    quic_addrs = [a for a in configured if "/quic" in a]
    if not quic:
        if quic_addrs:
            log.warning(
                "ignoring QUIC listen addresses (network.enable_quic is false): %s", quic_addrs
            )
        return tcp
    if not quic_addrs:
        quic_addrs = [
            "/".join(a.split("/")[:3]) + "/udp/0/quic-v1"
            for a in tcp
            if a.split("/")[3:4] == ["tcp"]
        ]
    return tcp + quic_addrs


LISTENER_PROBE_TIMEOUT = 0.5
_LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "::1"}


async def check_listen_ports_free(listen: Sequence[multiaddr.Multiaddr]) -> None:
    """Refuse to start when something already listens on a fixed TCP listen port.

    py-libp2p listens with SO_REUSEPORT (hole punching dials from the listen port), so a second
    daemon on the same port would start too and the kernel would split incoming connections
    between the two. A test bind cannot tell a listener from the sockets an earlier run left
    closing on that port (a restart would be refused), so this connects to the port instead
    (wildcards through loopback): only a listener accepts. Port 0 is not checked.

    Raises:
        AddressInUseError: a socket already listens on one of the ports.
    """
    for addr in listen:
        parts = str(addr).split("/")
        if len(parts) != 5 or parts[1] not in ("ip4", "ip6") or parts[3] != "tcp":
            continue
        if not parts[4].isdigit() or int(parts[4]) == 0:
            continue
        port = int(parts[4])
        with trio.move_on_after(LISTENER_PROBE_TIMEOUT):
            try:
                stream = await trio.open_tcp_stream(_LOOPBACK_FOR.get(parts[2], parts[2]), port)
            except OSError:
                continue  # refused (nobody listens), or an address the listener will report
            await stream.aclose()
            raise AddressInUseError(
                f"Cannot listen on {addr}: TCP port {port} is already in use.",
                hint="Another peerup daemon or program uses it: stop it, or set another "
                "port in network.listen_addresses (port 0 picks a free one).",
            )


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
    return PathInfo(
        peer_id=peer_id,
        path_type=path_type,
        address=address,
        transport=transport,
        ip_version=ip_version,
        connected_at=connected_at,
    )


def _on_lan(address: str) -> bool:
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

    def __init__(self, node: Node) -> None:
        self._node = node

    async def connected(self, network: INetwork, conn: INetConn) -> None:
        self._node._on_connected(conn)

    async def disconnected(self, network: INetwork, conn: INetConn) -> None:
        self._node._on_disconnected(conn)

    async def opened_stream(self, network: INetwork, stream: INetStream) -> None:
        return None

    async def closed_stream(self, network: INetwork, stream: INetStream) -> None:
        return None

    async def listen(self, network: INetwork, multiaddr: multiaddr.Multiaddr) -> None:
        return None

    async def listen_close(self, network: INetwork, multiaddr: multiaddr.Multiaddr) -> None:
        return None


class Node:
    """A running peer-up node (implements :class:`app.engine.facade.NodeFacade`).

    Args:
        config: The validated configuration.
        identity: This node's Ed25519 identity.
    """

    def __init__(self, config: Config, identity: Identity) -> None:
        self.config = config
        self.identity = identity
        self.bus = EventBus()
        self._peer_id = str(identity.peer_id)
        self._authkeys_file = AuthorizedKeysFile(config.authorized_keys_file)
        self._authorized: dict[str, AuthorizedKey] = {}
        self._authkeys_signature: tuple[int, int, int] | None = None
        self._connected_at: dict[str, float] = {}
        self._started_at = time.time()
        self._host: object | None = None
        self._services: ServiceRegistry | None = None
        self._relay_client: RelayClient | None = None
        self._relay_hop: RelayHop | None = None
        self._reach: ReachabilityMonitor | None = None
        self._peer_reach: dict[str, Reachability] = {}
        self._lan_dials: set[str] = set()  # peers whose LAN addresses are being dialled
        # peer → (LAN addresses last dialled, when they may be dialled again, back-off interval)
        self._lan_tried: dict[str, tuple[tuple[str, ...], float, float]] = {}
        self._nursery: trio.Nursery | None = None
        self._dcutr: compat.InboundDrivenDCUtR | None = None
        self._dht: PeerDHT | None = None
        self._address_pusher: AddressPusher | None = None
        self._pathwatch: PathWatch | None = None
        self._portmap: PortMapper | None = None
        self._last_path: dict[str, tuple[PathType, str]] = {}
        self._upgrade_retry: dict[ID, tuple[float, float]] = {}  # peer → (next try, interval)
        self._forwards = ForwardManager(self._open_service_stream, self.bus, self._describe_peer)
        self._remembered = PeerAddressMemory(config.path.parent)
        self._names: dict[str, str] = dict(config.names)
        self._key_changes: list[KeyChangeInfo] = []
        self._verify = VerifyManager(
            identity.peer_id,
            self.bus,
            self._open_verify_stream,
            self._name_for,
            self._store_verified,
        )
        self._probations: list[Probation] = []
        self.pairing: PairingService | None = None
        self._restricted: set[str] = set()
        self._invites = InviteService(self)
        self._reload_authorized_keys(publish=False)
        self._check_names_at_start()

    # ---- life cycle -----------------------------------------------------------------------------

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the node until cancelled; ``task_status.started()`` once it listens.

        Raises:
            PeerupError: the host could not listen on its configured addresses.
            CompatNotInstalledError: ``compat.install()`` was not called (a composition root's
                job, once per process).
        """
        compat.require_installed()
        key_pair = create_new_key_pair(self.identity.seed)
        listen = [
            self._parse_multiaddr(a, "network.listen_addresses")
            for a in listen_addresses(self.config.listen_addresses, quic=self.config.enable_quic)
        ]
        await check_listen_ports_free(listen)
        host = new_host(
            key_pair=key_pair,
            sec_opt=compat.noise_only_security(key_pair),
            listen_addrs=listen,
            connection_config=compat.connection_config(),
            enable_quic=self.config.enable_quic,
            enable_mDNS=self.config.mdns,
        )
        self._host = host
        compat.disable_auto_dial(host)
        compat.install_peer_gate(host, self._gate_allows, self._on_refused)
        compat.install_stream_gate(host, self._probation_protocols)
        host.get_network().register_notifee(_ConnectionWatcher(self))
        if self.config.ping_enabled:
            host.set_stream_handler(
                TProtocol(self.config.ping_protocol), make_responder(self.is_authorized)
            )
        self._services = ServiceRegistry(
            host, self.is_authorized, self._services_changed, is_verified=self.is_verified
        )
        host.set_stream_handler(TProtocol(VERIFY_PROTOCOL), self._verify.handle_stream)
        self._relay_client = RelayClient(
            host,
            self.config.relay_addresses,
            on_change=self._relays_changed,
            on_inbound=self._accepted_relayed,
            extra_addresses=self._mapped_addresses,
        )
        self._relay_client.install()
        # ---- DHT and advertised addresses (app/engine/dht.py) ----
        compat.advertise_addresses(
            host, self._relay_client.circuit_addresses, self._mapped_addresses
        )
        self._address_pusher = AddressPusher(host)
        self._dht = PeerDHT(
            host,
            self.config.network,
            DHTRole.SERVER if self.config.relay_service.enabled else DHTRole.AUTO_SERVER,
            self.config.bootstrap_peers or self.config.relay_addresses,
            is_public=lambda: bool(self._relay_client and self._relay_client.confirmed_addresses),
        )
        # ---- end DHT ----
        self._reach = ReachabilityMonitor(
            has_relay_reservation=self._reachable_via_relay,
            confirmed_public=lambda: bool(
                self._relay_client and self._relay_client.confirmed_addresses
            ),
            port_mapping=lambda: self._portmap is not None and self._portmap.current() is not None,
            relays_configured=lambda: bool(self.config.relay_addresses),
            lan_peers=self._has_lan_peer,
            tcp_listeners=self._tcp_listeners,
            stun_servers=self.config.stun_servers,
            on_change=self._reachability_changed,
        )
        host.set_stream_handler(TProtocol(GRADE_PROTOCOL), self._receive_grade)
        # Relay pairing: introductions on every node, redemption on a relay (app/engine/relaypair).
        self.pairing = PairingService(self)
        self.pairing.install(host)
        self._invites.install(host)
        if self.config.relay_service.enabled:
            self._start_relay_hop()
        for service in self.config.services:
            if service.enabled:
                self._services.expose(
                    service.name,
                    service.local_address,
                    service.allowed_peers,
                    verified_only=service.verified_only,
                )
        try:
            async with host.run(listen), trio.open_nursery() as nursery:
                self._nursery = nursery
                await nursery.start(self._forwards.run)
                await nursery.start(self._verify.run)
                await nursery.start(self._relay_client.run)
                await nursery.start(self._address_pusher.run)
                await nursery.start(self._dht.run)
                await nursery.start(self._reach.run)
                await nursery.start(self.pairing.run)
                if self.config.hole_punching:
                    self._dcutr = compat.InboundDrivenDCUtR(host)
                    nursery.start_soon(self._run_dcutr, self._dcutr)
                self._pathwatch = PathWatch(host, self._direct_path_died)
                await nursery.start(self._pathwatch.run)
                nursery.start_soon(self._retry_upgrades, self._dcutr)
                if self.config.port_mapping:
                    self._portmap = PortMapper(self._tcp_listen_port, self._port_mapping_changed)
                    await nursery.start(self._portmap.run)
                nursery.start_soon(self._watch_authorized_keys)
                for spec in self.config.forwards:
                    await self._open_configured_forward(spec.peer, spec.service, spec.listen)
                self._started_at = time.time()
                log.info("node %s listening on %s", self._peer_id, self._dialable_addresses())
                task_status.started()
                try:
                    await trio.sleep_forever()
                finally:
                    with trio.CancelScope(shield=True), trio.move_on_after(5):
                        await compat.close_listeners(host)  # no new connections from here on
                        await self._forwards.close_all()
                    nursery.cancel_scope.cancel()
        except OSError as exc:
            raise PeerupError(f"cannot listen on {self.config.listen_addresses}: {exc}") from exc
        finally:
            self.bus.close()
            self._host = None

    async def _run_dcutr(self, dcutr: compat.InboundDrivenDCUtR) -> None:
        """Hole punching: py-libp2p's DCUtR upgrades relayed connections to direct ones."""
        async with background_trio_service(dcutr):
            await trio.sleep_forever()

    async def _open_configured_forward(self, peer: str, service: str, listen: str) -> None:
        try:
            target = self._resolve_target(peer)
            await self._forwards.open_forward(str(target.peer_id), service, listen)
        except PeerupError as exc:
            log.error("forward %s → %s/%s from the config failed: %s", listen, peer, service, exc)

    # ---- authorization --------------------------------------------------------------------------

    def is_authorized(self, peer_id: str) -> bool:
        """Whether ``peer_id`` may open streams to us (always true with gating off)."""
        return not self.config.enable_connection_gating or peer_id in self._authorized

    def _gate_allows(self, peer_id: ID) -> bool:
        pid = peer_id.to_base58()
        return self.is_authorized(pid) or self._admit_on_probation(pid)

    # ---- probation ------------------------------------------------------------------------------

    @asynccontextmanager
    async def open_probation(
        self, *, protocols: Collection[str], limit: int
    ) -> AsyncIterator[Probation]:
        """Admit unknown peers on probation while the block runs.

        While open, a peer not in authorized_keys may connect (at most ``limit`` such peers at
        once) but may open only ``protocols``; every other stream from it is refused (services,
        ping, relay hop, identify, everything). When the block ends, peers admitted by it that
        did not become authorized meanwhile are disconnected. Used by invites and relay pairing.
        """
        if limit < 1:
            raise ValueError("a probation admits at least one peer")
        probation = Probation(frozenset(protocols), limit)
        self._probations.append(probation)
        try:
            yield probation
        finally:
            self._probations.remove(probation)
            with trio.CancelScope(shield=True), trio.move_on_after(PROBATION_DISMISS_TIMEOUT):
                await self._dismiss(probation)

    def _admit_on_probation(self, pid: str) -> bool:
        if not self._probations:
            return False
        if any(pid in p.peers for p in self._probations):
            return True
        now = time.monotonic()
        for probation in self._probations:
            self._forget_stalled(probation, now)
            if len(probation.peers) < probation.limit:
                probation.peers[pid] = now
                probation.admitted_total += 1
                self._restricted.add(pid)
                log.info("admitted %s on probation (may open %s)", pid, sorted(probation.protocols))
                return True
        for probation in self._probations:
            probation.refused_total += 1
        return False

    def _forget_stalled(self, probation: Probation, now: float) -> None:
        """Free the slots of admitted peers whose connection never came up."""
        if self._host is None:
            return
        network = self._host.get_network()  # type: ignore[attr-defined]
        for pid, since in list(probation.peers.items()):
            if now - since > PROBATION_CONNECT_GRACE and not network.get_connections(
                ID.from_base58(pid)
            ):
                del probation.peers[pid]

    def _probation_protocols(self, peer_id: ID) -> frozenset[str] | None:
        """The protocols a peer admitted on probation may open; None for everyone else."""
        pid = peer_id.to_base58()
        if pid not in self._restricted or self.is_authorized(pid):
            return None
        allowed: frozenset[str] = frozenset()
        for probation in self._probations:
            if pid in probation.peers:
                allowed |= probation.protocols
        return allowed

    def _on_probation(self, pid: str) -> bool:
        return any(pid in p.peers for p in self._probations)

    async def _dismiss(self, probation: Probation) -> None:
        host = self._host
        if host is None:
            return
        network = host.get_network()  # type: ignore[attr-defined]
        for pid in list(probation.peers):
            if self.is_authorized(pid) or self._on_probation(pid):
                continue
            log.info("probation over: disconnecting %s", pid)
            with contextlib.suppress(Exception):  # a connection may be closing already
                await network.close_peer(ID.from_base58(pid))

    def _on_refused(self, peer_id: ID, address: str) -> None:
        log.warning("refused connection from unauthorized peer %s at %s", peer_id, address)
        self.bus.publish(ConnectionRefused(peer_id=peer_id.to_base58(), address=address))

    def _reload_authorized_keys(self, *, publish: bool = True) -> list[KeyChangeInfo]:
        entries = self._authkeys_file.load()
        self._authkeys_signature = self._authkeys_file.signature()
        old = list(self._authorized.values())
        self._authorized = {str(e.peer_id): e for e in entries}
        changes = self._detect_key_changes(old, entries) if old else []
        self._remembered.retain(self._authorized)
        for pid in self._authorized.keys() - {str(e.peer_id) for e in old}:
            self._remember_addresses(pid)  # a peer just paired: where we reached it
        if publish:
            self.bus.publish(AuthorizedKeysChanged(authorized_peers=len(self._authorized)))
        return changes

    async def _watch_authorized_keys(self) -> None:
        """Hot reload: poll the file's signature (portable; inotify is not everywhere)."""
        while True:
            await trio.sleep(AUTHKEYS_POLL_INTERVAL)
            if self._authkeys_file.signature() == self._authkeys_signature:
                continue
            try:
                self._reload_authorized_keys()
            except PeerupError as exc:
                log.error("authorized_keys reload failed, keeping the previous list: %s", exc)
                continue
            await self._drop_unauthorized()

    async def _drop_unauthorized(self) -> None:
        if not self.config.enable_connection_gating or self._host is None:
            return
        network = self._host.get_network()  # type: ignore[attr-defined]
        for peer in list(network.get_connections_map()):
            pid = peer.to_base58()
            if not self.is_authorized(pid) and not self._on_probation(pid):
                log.info("closing connections of deauthorized peer %s", peer)
                await network.close_peer(peer)

    # ---- verified state and key changes (issue 4) -----------------------------------------------

    def is_verified(self, peer_id: str) -> bool:
        """Whether a human verified ``peer_id``'s key (its verified= value matches, recomputed)."""
        entry = self._authorized.get(peer_id)
        return entry is not None and trust.is_verified(entry, self.identity.peer_id)

    def _report_key_change(self, change: trust.KeyChange) -> KeyChangeInfo:
        info = KeyChangeInfo(
            name=change.name,
            old_peer_id=str(change.old),
            new_peer_id=str(change.new),
            old_was_verified=change.old_was_verified,
            message=change.message(),
        )
        log.warning("%s", info.message)
        kept = [c for c in self._key_changes if c.name != info.name][-15:]
        self._key_changes = [*kept, info]
        self.bus.publish(PeerKeyChanged(info))
        return info

    def _detect_key_changes(
        self, old: list[AuthorizedKey], new: list[AuthorizedKey]
    ) -> list[KeyChangeInfo]:
        """A new line whose name (comment) belonged to another key is a key change."""
        before = {e.peer_id for e in old}
        found = []
        for entry in new:
            if entry.peer_id in before or not entry.comment:
                continue
            name = self._name_for(str(entry.peer_id)) or entry.comment
            change = trust.bind_name(
                name,
                entry.peer_id,
                names=self._names.items(),
                entries=old,
                own=self.identity.peer_id,
            )
            if change is not None:
                found.append(self._report_key_change(change))
        return found

    def _check_names_at_start(self) -> None:
        """A names: entry pointing to a key while an older key still carries that name."""
        for name, pid in self._names.items():
            try:
                peer = PeerId.parse(pid)
            except PeerupError:
                continue
            change = trust.bind_name(
                name, peer, names=(), entries=self._authorized.values(), own=self.identity.peer_id
            )
            if change is not None and str(change.old) in self._authorized:
                self._report_key_change(change)

    def _store_verified(self, peer_id: str) -> None:
        trust.mark_verified(self._authkeys_file, self.identity.peer_id, PeerId.parse(peer_id))
        self._reload_authorized_keys()
        self.bus.publish(VerificationChanged(peer_id=peer_id, verified=True))

    def set_verified(self, peer: str, verified: bool) -> AuthEntry:
        """Mark a peer verified (after comparing the static fingerprint) or unverified.

        Raises:
            NotFoundError: The peer is not authorized.
        """
        peer_id = PeerId.parse(self._resolve_peer_id(peer))
        if verified:
            trust.mark_verified(self._authkeys_file, self.identity.peer_id, peer_id)
        else:
            trust.clear_verified(self._authkeys_file, peer_id)
        self._reload_authorized_keys()
        self.bus.publish(VerificationChanged(peer_id=str(peer_id), verified=verified))
        return self._auth_entry(self._authorized[str(peer_id)])

    async def _open_verify_stream(self, peer_id: str) -> INetStream:
        if self.config.enable_connection_gating and peer_id not in self._authorized:
            raise NotAuthorizedError(
                f"peer {peer_id} is not in authorized_keys",
                hint=f"authorize it first: peerup auth add {peer_id}",
            )
        target = self._resolve_target(peer_id)
        try:
            return await self._open_stream(target, VERIFY_PROTOCOL)
        except ServiceNotFoundError:
            raise VerifyUnsupportedError(
                f"peer {peer_id} does not support {VERIFY_PROTOCOL} (the Go peer-up, or an old "
                "version)",
                hint="compare the static fingerprint instead",
            ) from None

    async def start_verify(self, peer: str) -> VerifySessionInfo:
        """Start /peerup/verify/1.0.0 with a peer; returns once the SAS is ready."""
        return await self._verify.start(self._resolve_peer_id(peer))

    def verify_sessions(self) -> list[VerifySessionInfo]:
        """Verify runs: ongoing (incoming ones wait for an answer) and recently finished."""
        return self._verify.sessions()

    async def answer_verify(self, session_id: str, match: bool) -> VerifySessionInfo:
        """Send this side's human answer."""
        return await self._verify.answer(session_id, match)

    async def wait_verify_change(self, session_id: str) -> VerifySessionInfo:
        """Wait until a verify run changes state."""
        return await self._verify.wait_change(session_id)

    async def cancel_verify(self, session_id: str) -> None:
        """Cancel a verify run (the peer is told)."""
        await self._verify.cancel(session_id)

    def auth_entries(self) -> list[AuthEntry]:
        """authorized_keys as shown to users."""
        return [self._auth_entry(e) for e in self._authorized.values()]

    def _auth_entry(self, entry: AuthorizedKey) -> AuthEntry:
        peer_id = str(entry.peer_id)
        return AuthEntry(
            peer_id=peer_id,
            comment=entry.comment,
            verified=trust.is_verified(entry, self.identity.peer_id),
            attributes=entry.attributes,
            name=self._name_for(peer_id),
            verified_value=entry.verified,
        )

    def authorize(self, peer: str, comment: str = "") -> AuthEntry:
        """Add a peer to authorized_keys and reload at once.

        When ``comment`` (or the peer's name) belonged to another key, the returned entry's
        ``warning`` says so (and a ``peer-key-changed`` event is published).
        """
        peer_id = PeerId.parse(peer)
        entry = self._authkeys_file.add(peer_id, comment)
        changes = self._reload_authorized_keys()
        mine = [c.message for c in changes if c.new_peer_id == str(peer_id)]
        return replace(self._auth_entry(entry), warning=mine[0] if mine else None)

    def deauthorize(self, peer: str) -> None:
        """Remove a peer from authorized_keys; its connections close within a second."""
        peer_id = self._resolve_peer_id(peer)
        self._authkeys_file.remove(PeerId.parse(peer_id))
        self._reload_authorized_keys()
        # Forces the watcher to run _drop_unauthorized on its next tick.
        self._authkeys_signature = None

    # ---- names and peers ------------------------------------------------------------------------

    def _name_for(self, peer_id: str) -> str | None:
        for name, pid in self._names.items():
            if pid == peer_id:
                return name
        return None

    def _describe_peer(self, peer_id: str) -> tuple[str | None, bool]:
        return self._name_for(peer_id), self.is_verified(peer_id)

    def resolve(self, name: str) -> Resolved:
        """Resolve a ``names:`` entry or a peer ID."""
        name = name.strip()
        if name in self._names:
            return Resolved(name=name, peer_id=self._names[name], source="names")
        try:
            return Resolved(name=name, peer_id=str(PeerId.parse(name)), source="peer-id")
        except PeerupError:
            known = ", ".join(sorted(self._names)) or "none"
            raise UnknownPeerError(
                f"unknown peer {name!r}: not in names and not a valid peer ID",
                hint=f"known names: {known}",
            ) from None

    def _resolve_peer_id(self, peer: str) -> str:
        return self._resolve_target(peer).peer_id.to_base58()

    def _resolve_target(self, peer: str, extra: Sequence[str] = ()) -> _Target:
        peer = peer.strip()
        addresses: list[multiaddr.Multiaddr] = []
        if peer.startswith("/"):
            maddr = self._parse_multiaddr(peer, "peer")
            try:
                peer_text = maddr.value_for_protocol("p2p")
            except Exception:
                peer_text = None
            if not peer_text:
                raise InvalidAddressError(f"{peer} has no /p2p/<peer-id> part")
            addresses.append(maddr.decapsulate(multiaddr.Multiaddr(f"/p2p/{peer_text}")))
            resolved = self.resolve(peer_text)
        else:
            resolved = self.resolve(peer)
        keys = {resolved.name, resolved.peer_id, self._name_for(resolved.peer_id)}
        for known_peer, addrs in self.config.peer_addresses:
            if known_peer in keys:
                addresses.extend(self._parse_multiaddr(a, "peer_addresses") for a in addrs)
        # After the pinned ones: where the peer was last reached (checked when remembered).
        addresses.extend(
            multiaddr.Multiaddr(a) for a in self._remembered.addresses(resolved.peer_id)
        )
        addresses.extend(self._parse_multiaddr(a, "addresses") for a in extra)
        return _Target(ID.from_base58(resolved.peer_id), tuple(addresses))

    @staticmethod
    def _parse_multiaddr(text: str, what: str) -> multiaddr.Multiaddr:
        try:
            return multiaddr.Multiaddr(text)
        except Exception as exc:
            raise InvalidAddressError(f"{what}: {text!r} is not a valid multiaddr ({exc})") from exc

    @property
    def peer_id(self) -> str:
        """This node's peer ID (base58)."""
        return self._peer_id

    def _require_host(self) -> object:
        if self._host is None:
            raise PeerupError("the node is not running")
        return self._host

    def status(self) -> NodeStatus:
        """A snapshot of the node."""
        host = self._host
        addrs = tuple(self._dialable_addresses()) if host is not None else ()
        # Counted like peers() lists them: an authorized peer is connected when it has a path.
        connected = {p.peer_id for p in self.paths()}
        authorized_connected = len(connected & self._authorized.keys())
        return NodeStatus(
            peer_id=self._peer_id,
            version=__version__,
            uptime_seconds=time.time() - self._started_at,
            listen_addresses=addrs,
            connected_peers=authorized_connected,
            connected_others=len(connected) - authorized_connected,
            authorized_peers=len(self._authorized),
            services=len(self.services()),
            forwards=len(self._forwards.snapshot()),
            config_path=str(self.config.path),
            network=self.config.network,
            quic_enabled=self.config.enable_quic,
            relays=tuple(self._relay_infos()),
            circuit_addresses=tuple(
                f"{a}/p2p/{self._peer_id}"
                for a in (self._relay_client.circuit_addresses() if self._relay_client else [])
            ),
            relay_service=self._relay_hop is not None,
            reachability=self._reach.current() if self._reach is not None else None,
            key_changes=tuple(self._key_changes),
            port_mapping=self._portmap.current() if self._portmap is not None else None,
        )

    def _relay_infos(self) -> list[RelayInfo]:
        if self._relay_client is None:
            return []
        now = time.time()
        return [
            RelayInfo(
                address=str(r.address),
                peer_id=r.peer_id.to_base58(),
                reserved=r.expires > now,
                expires_at=r.expires if r.expires > now else None,
                error=r.error,
            )
            for r in self._relay_client.relays
        ]

    def _dialable_addresses(self) -> list[str]:
        """Listen addresses as a peer would dial them: wildcards expanded to interface addresses."""
        suffix = f"/p2p/{self._peer_id}"
        return [f"{a}{suffix}" for a in listen_addresses_expanded(self._require_host())]

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
                path = classify_path(pid, best, self._connected_at.get(pid, time.time()))
                rtt = self._pathwatch.last_rtt_ms(best) if self._pathwatch is not None else None
                result.append(replace(path, verified=self.is_verified(pid), rtt_ms=rtt))
        return result

    def peers(self, *, include_unauthorized: bool = False) -> list[PeerInfo]:
        """Authorized peers (connected or not), plus connected strangers if asked."""
        paths = {p.peer_id: p for p in self.paths()}
        peer_ids = list(self._authorized)
        if include_unauthorized:
            peer_ids += [p for p in paths if p not in self._authorized]
        result = []
        for pid in peer_ids:
            entry = self._authorized.get(pid)
            path = paths.get(pid)
            result.append(
                PeerInfo(
                    peer_id=pid,
                    name=self._name_for(pid),
                    authorized=entry is not None,
                    verified=self.is_verified(pid),
                    connected=path is not None,
                    comment=entry.comment if entry else "",
                    addresses=(path.address,) if path else (),
                    agent_version=self._agent_version(pid),
                    path=path,
                    reachability=self._peer_reach.get(pid),
                    expected_path=self._expected_path(pid),
                    remembered_addresses=self._remembered.entries(pid) if entry else (),
                )
            )
        return result

    def _expected_path(self, peer_id: str) -> PathType | None:
        ours = self._reach.current() if self._reach is not None else None
        theirs = self._peer_reach.get(peer_id)
        if ours is None or theirs is None or self._reach is None:
            return None
        if lan_dial_candidates(theirs.lan_addresses, self._reach.interfaces()):
            return PathType.DIRECT  # on a shared subnet the LAN dial connects whatever the grades
        return expected_path(ours.grade, theirs.grade)

    def _agent_version(self, peer_id: str) -> str | None:
        host = self._host
        if host is None:
            return None
        try:
            peerstore = host.get_peerstore()  # type: ignore[attr-defined]
            value = peerstore.get(ID.from_base58(peer_id), compat.AGENT_VERSION_KEY)
        except Exception:  # the peerstore raises when the key is unknown
            return None
        return str(value) if value else None

    def _remember_addresses(self, peer_id: str, *, closing: INetConn | None = None) -> None:
        """Write down the direct addresses of our connections to an authorized peer."""
        host = self._host
        if host is None or peer_id not in self._authorized:
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
                self._remembered.connection_seen(peer_id, conn, announced)

    def _on_connected(self, conn: INetConn) -> None:
        pid = conn.muxed_conn.peer_id.to_base58()
        self._remember_addresses(pid)
        if pid in self._connected_at:
            self._publish_path_change(pid)
            return
        self._connected_at[pid] = time.time()
        if self.pairing is not None:
            self.pairing.peer_connected(pid)
        path = classify_path(pid, conn, self._connected_at[pid])
        self._last_path[pid] = (path.path_type, path.address)
        self.bus.publish(PeerConnected(peer_id=pid, path=path))
        if pid in self._authorized:
            self._regrade()  # maybe the first peer reaching us over the LAN
        ours = self._reach.current() if self._reach is not None else None
        if ours is not None and pid in self._authorized and self._nursery is not None:
            self._nursery.start_soon(self._send_grade, pid, ours)

    # ---- path changes and fallback to the relay (see engine/pathwatch.py) -----------------------

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
        path = classify_path(peer_id, best, self._connected_at.get(peer_id, time.time()))
        if self._last_path.get(peer_id) == (path.path_type, path.address):
            return
        self._last_path[peer_id] = (path.path_type, path.address)
        self.bus.publish(PathChanged(peer_id=peer_id, path=path))

    async def _direct_path_died(self, peer: ID, conn: INetConn) -> None:
        """A direct connection stopped answering: move the peer to a relayed path, then close it.

        Only one side dials the relay (the one with the smaller peer ID, at once; the other after
        :data:`REDIAL_GRACE` if no circuit arrived by then): two circuits would give both sides
        an accepted relayed connection, and both would start DCUtR (compat DCUTR-BOTH-DRIVE).
        """
        network = self._require_host().get_network()  # type: ignore[attr-defined]

        def has_circuit() -> bool:
            return any(compat.is_relayed(c) for c in network.get_connections(peer))

        if self._peer_id > peer.to_base58():
            # Polled: the swarm has no per-peer "connected" event to wait on.
            with trio.move_on_after(REDIAL_GRACE):
                while not has_circuit():  # noqa: ASYNC110
                    await trio.sleep(0.1)
        if not has_circuit():
            with trio.move_on_after(DIAL_TIMEOUT):
                for relay_addr, relay_id in self._relay_routes(_Target(peer, ())):
                    try:
                        await self._require_relay_client().dial(relay_addr, relay_id, peer)
                        break
                    except PeerupError as exc:
                        log.info("fallback to relay %s for %s failed: %s", relay_id, peer, exc)
        # Closing resets the streams still open on it: their forwards fail instead of hanging.
        # The socket goes first: a plain close can block forever on a dead path (compat
        # YAMUX-CLOSE-BLOCKS).
        compat.abort_transport(conn)
        with trio.move_on_after(2):
            await conn.close()
        self._upgrade_retry[peer] = (time.monotonic() + UPGRADE_RETRY_FIRST, UPGRADE_RETRY_FIRST)

    async def _retry_upgrades(self, dcutr: compat.InboundDrivenDCUtR | None) -> None:
        """Try direct paths again for relayed peers.

        A path may work again later (the NAT came back, the laptop is home again). Pairs whose
        direct path died get a new DCUtR attempt budget with back-off (upstream's would be spent);
        every relayed peer's LAN addresses on our subnets get a new dial after
        :data:`LAN_RETRY_FIRST`, doubling up to :data:`LAN_RETRY_MAX` (a dial may have lost a
        race with a dying connection, say).
        """
        network = self._require_host().get_network()  # type: ignore[attr-defined]
        while True:
            await trio.sleep(UPGRADE_RETRY_TICK)
            for pid in list(self._connected_at):
                self._dial_lan_soon(pid)
            now = time.monotonic()
            for peer, (due, interval) in list(self._upgrade_retry.items()):
                conns = network.get_connections(peer)
                if not conns or any(not compat.is_relayed(c) for c in conns):
                    del self._upgrade_retry[peer]  # gone, or direct again
                elif now >= due:
                    if dcutr is not None:
                        dcutr.allow_new_attempts(peer)
                    interval = min(interval * 2, UPGRADE_RETRY_MAX)
                    self._upgrade_retry[peer] = (now + interval, interval)

    # ---- UPnP / NAT-PMP port mapping (see engine/portmap.py) ------------------------------------

    def _tcp_listen_port(self) -> int | None:
        """The port of our first IPv4 TCP listener (the one a router maps)."""
        return next((port for ip, port in self._tcp_listeners() if ":" not in ip), None)

    def _mapped_addresses(self) -> list[str]:
        return self._portmap.external_addresses() if self._portmap is not None else []

    def _port_mapping_changed(self) -> None:
        """A mapping appeared or went: tell peers, have a relay dial it back, then re-grade."""
        if self._address_pusher is not None:
            self._address_pusher.changed()
        if self._relay_client is not None and self._nursery is not None:
            self._nursery.start_soon(self._confirm_mapping)
        elif self._reach is not None:
            self._reach.refresh()

    async def _confirm_mapping(self) -> None:
        if self._relay_client is not None:
            await self._relay_client.confirm_public_now()
        if self._reach is not None:
            self._reach.refresh()

    # ---- reachability ---------------------------------------------------------------------------

    def _reachable_via_relay(self) -> bool:
        """A relay reservation, or being a relay ourselves (a relay needs none)."""
        return self._relay_hop is not None or bool(
            self._relay_client is not None and self._relay_client.has_reservation()
        )

    def _has_lan_peer(self) -> bool:
        """An authorized peer is connected to us directly over a private network (our LAN)."""
        host = self._host
        if host is None:
            return False
        network = host.get_network()  # type: ignore[attr-defined]
        for pid in self._connected_at:
            if pid not in self._authorized:
                continue
            for conn in network.get_connections(ID.from_base58(pid)):
                addrs = _conn_addresses(conn)
                if addrs and not compat.is_relayed(conn) and _on_lan(str(addrs[0])):
                    return True
        return False

    def _regrade(self) -> None:
        """Re-grade now (a LAN peer came or went), once the first probe has finished."""
        if self._reach is not None and self._reach.current() is not None:
            self._reach.refresh()

    def _confirmed_public(self) -> bool:
        return bool(self._relay_client is not None and self._relay_client.confirmed_addresses)

    def _accepted_relayed(self, peer: ID) -> None:
        """We accepted a relayed connection: per DCUtR we start the hole punch, at once rather
        than at the next tick of py-libp2p's 2-second loop."""
        if self._dcutr is not None and self._nursery is not None:
            self._nursery.start_soon(self._dcutr.initiate_hole_punch, peer)

    def _relays_changed(self) -> None:
        self.bus.publish(RelaysChanged(relays=tuple(self._relay_infos())))
        if self._address_pusher is not None:
            self._address_pusher.changed()
        if self._reach is not None:
            self._reach.refresh()

    def relay_statistics(self) -> dict[str, int]:
        """The relay service's counters (empty when this node does not relay)."""
        return self._relay_hop.statistics() if self._relay_hop is not None else {}

    def _start_relay_hop(self) -> None:
        self._relay_hop = RelayHop(
            self._require_host(), RelayLimits.from_config(self.config.relay_service)
        )
        self._relay_hop.install()

    def _reachability_changed(self, value: Reachability) -> None:
        self.bus.publish(ReachabilityChanged(peer_id=self._peer_id, reachability=value))
        # Every peer is a relay: a node confirmed publicly dialable relays for its authorized peers
        # (the gate admits no one else), as long as it stays that way.
        if self._host is not None and not self.config.relay_service.enabled:
            if value.grade is Grade.A and self._relay_hop is None:
                log.info("publicly dialable: relaying for authorized peers")
                self._start_relay_hop()
            elif value.grade is not Grade.A and self._relay_hop is not None:
                log.info("no longer publicly dialable: not relaying any more")
                self._relay_hop.uninstall()
                self._relay_hop = None
        if self._relay_client is not None:
            self._relay_client.refresh_soon()  # a new network may need a new reservation
        if self._portmap is not None and value.reason_code != "port-mapping-confirmed":
            self._portmap.refresh_soon()  # and maybe another router to ask for a mapping
        if self._nursery is None:
            return
        self._lan_tried.clear()  # our interfaces may now share a subnet with theirs
        for pid in self._connected_at:
            if pid in self._authorized:
                self._nursery.start_soon(self._send_grade, pid, value)
                self._dial_lan_soon(pid)

    async def _send_grade(self, peer_id: str, value: Reachability) -> None:
        """Tell one peer our grade; failures only cost that peer an outdated grade."""
        try:
            with trio.fail_after(GRADE_TIMEOUT):
                stream = await self._require_host().new_stream(  # type: ignore[attr-defined]
                    ID.from_base58(peer_id), [TProtocol(GRADE_PROTOCOL)]
                )
                await stream.write(encode_grade(value))
                await stream.close()
        except Exception as exc:  # the peer may be gone or not speak the protocol (Go peer-up)
            log.debug("could not send our grade to %s: %s", peer_id, exc)

    async def _receive_grade(self, stream: INetStream) -> None:
        pid = stream.muxed_conn.peer_id.to_base58()
        try:
            if not self.is_authorized(pid):
                await stream.reset()
                return
            with trio.fail_after(GRADE_TIMEOUT):
                data = await read_to_eof(stream, GRADE_MAX_MESSAGE)
            value = decode_grade(data)
        except Exception as exc:  # a peer's message is untrusted: log and drop it
            log.info("ignored a reachability message from %s: %s", pid, exc)
            with contextlib.suppress(Exception):
                await stream.reset()
            return
        with contextlib.suppress(Exception):
            await stream.close()
        self._remember_addresses(pid)  # identify has run by the time a peer tells its grade
        if self._peer_reach.get(pid) != value:
            self._peer_reach[pid] = value
            self._lan_tried.pop(pid, None)  # its network changed: its LAN is worth a new try
            self.bus.publish(ReachabilityChanged(peer_id=pid, reachability=value))
        self._dial_lan_soon(pid)

    # ---- direct paths on a shared LAN (app/core/reach/lan.py) ------------------------------------

    def _tcp_listeners(self) -> list[tuple[str, int]]:
        """``(bind address, port)`` of each TCP listener, wildcards as they are."""
        host = self._host
        if host is None:
            return []
        result = []
        for addr in host.get_transport_addrs():  # type: ignore[attr-defined]
            parts = str(addr).split("/")
            if len(parts) == 5 and parts[1] in ("ip4", "ip6") and parts[3] == "tcp":
                result.append((parts[2], int(parts[4])))
        return result

    def _dial_lan_soon(self, peer_id: str) -> None:
        """Dial a relayed peer's LAN addresses if one of our interfaces is on their subnet.

        Two devices behind one home router stay relayed otherwise: hole punching goes through
        the router's public address, which most routers do not loop back to their own LAN.
        """
        theirs = self._peer_reach.get(peer_id)
        host = self._host
        if (
            theirs is None
            or not theirs.lan_addresses
            or host is None
            or self._reach is None
            or self._nursery is None
            or peer_id in self._lan_dials
        ):
            return
        conns = host.get_network().get_connections(ID.from_base58(peer_id))  # type: ignore[attr-defined]
        if not conns or any(not compat.is_relayed(c) for c in conns):
            return  # not connected (a dial finds these addresses itself), or direct already
        candidates = tuple(lan_dial_candidates(theirs.lan_addresses, self._reach.interfaces()))
        now = trio.current_time()
        tried, due, interval = self._lan_tried.get(peer_id, ((), now, LAN_RETRY_FIRST))
        if not candidates or (candidates == tried and now < due):
            return
        interval = min(interval * 2, LAN_RETRY_MAX) if candidates == tried else LAN_RETRY_FIRST
        self._lan_tried[peer_id] = (candidates, now + interval, interval)
        self._lan_dials.add(peer_id)
        self._nursery.start_soon(self._dial_lan, peer_id, list(candidates))

    async def _dial_lan(self, peer_id: str, candidates: list[str]) -> None:
        """Dial a peer's LAN addresses (see :meth:`_dial_lan_soon`); one dial task per peer."""
        try:
            if self._peer_id > peer_id:
                await trio.sleep(LAN_DIAL_DEFER)
            won = await self._dial_first(ID.from_base58(peer_id), candidates)
        finally:
            self._lan_dials.discard(peer_id)
        if won is not None:
            log.info("direct LAN path to %s at %s", peer_id, won)

    async def _dial_first(self, peer: ID, candidates: list[str]) -> str | None:
        """Dial every candidate at once unless a direct connection exists; the first one wins.

        Returns:
            The address that connected, or None (the relayed connection stays).
        """
        network = self._require_host().get_network()  # type: ignore[attr-defined]
        if any(not compat.is_relayed(c) for c in network.get_connections(peer)):
            return None  # the other side's dial got through first
        peerstore = self._require_host().get_peerstore()  # type: ignore[attr-defined]
        try:
            known = list(peerstore.addrs(peer))
        except PeerStoreError:
            known = []
        won: list[str] = []

        async def attempt(address: str) -> None:
            try:
                await network.dial_addr(multiaddr.Multiaddr(address), peer)
            except Exception as exc:  # wrong host on a look-alike subnet, gone, firewalled
                log.debug("LAN dial of %s at %s failed: %s", peer, address, first_line(exc))
                return
            won.append(address)
            nursery.cancel_scope.cancel()

        with trio.move_on_after(LAN_DIAL_TIMEOUT):
            async with trio.open_nursery() as nursery:
                for address in candidates:
                    nursery.start_soon(attempt, address)
        if not won:
            if known:  # py-libp2p forgets every address of a peer after one dial reached another
                peerstore.add_addrs(peer, known, 3600)
            return None
        if self._dcutr is not None:
            self._dcutr.close_relayed_after_grace(peer)  # streams already on it finish first
        return won[0]

    async def probe_reachability(self) -> Reachability:
        """Re-probe now (``peerup status --probe``)."""
        if self._reach is None:
            raise PeerupError("the node is not running")
        return await self._reach.probe_now()

    def _on_disconnected(self, conn: INetConn) -> None:
        peer = conn.muxed_conn.peer_id
        # identify has long finished: an inbound connection's announced addresses are known now
        self._remember_addresses(peer.to_base58(), closing=conn)
        host = self._host
        if host is not None and host.get_network().get_connections(peer):  # type: ignore[attr-defined]
            self._publish_path_change(peer.to_base58(), closing=conn)
            return
        pid = peer.to_base58()
        self._restricted.discard(pid)
        for probation in self._probations:
            probation.peers.pop(pid, None)
        self._last_path.pop(pid, None)
        if self._connected_at.pop(peer.to_base58(), None) is not None:
            self.bus.publish(PeerDisconnected(peer_id=peer.to_base58()))
            if pid in self._authorized:
                self._regrade()

    # ---- connections ----------------------------------------------------------------------------

    async def connect(self, peer: str, addresses: Sequence[str] = ()) -> PathInfo:
        """Connect to a peer (no-op if connected) and return the path in use."""
        target = self._resolve_target(peer, addresses)
        await self._ensure_connected(target)
        for path in self.paths():
            if path.peer_id == target.peer_id.to_base58():
                return path
        raise PeerUnreachableError(f"connection to {peer} closed right after opening")

    async def _ensure_connected(self, target: _Target) -> None:
        """Connect to a peer unless connected: direct dials, relay circuits and, when no direct
        address is known, a DHT lookup race; the first connection wins (see :class:`_DialRace`).

        Raises:
            PeerUnreachableError: no address of the peer is known (given, learned, configured or
                found in the DHT), or every way to it failed.
        """
        host = self._require_host()
        network = host.get_network()  # type: ignore[attr-defined]
        if network.get_connections(target.peer_id):
            return
        direct = [a for a in target.addresses if not _is_circuit(a)]
        if direct:
            host.get_peerstore().add_addrs(target.peer_id, direct, 3600)  # type: ignore[attr-defined]
        try:
            peerstore = host.get_peerstore().addrs(target.peer_id)  # type: ignore[attr-defined]
            known = [a for a in peerstore if not _is_circuit(a)]
        except PeerStoreError:
            known = []
        look_up = None
        if not known and self._dht is not None:
            # Addresses to try, nothing more: the dial authenticates the peer.
            look_up = partial(self._dht.find_addresses, target.peer_id)
        relays = self._relay_routes(target)
        if not known and not relays and look_up is None:
            raise _no_address_known(target.peer_id)
        # Every dial of ours is asked for by a user (or a client behind a forward), so py-libp2p's
        # 60 s negative cache of failed peers must not turn "authorize me, then retry" into a
        # minute of instant failures.
        network.unblock_peer(target.peer_id)
        race = _DialRace(
            target.peer_id,
            connect=partial(compat.connect_each, host),
            relay_dial=self._require_relay_client().dial,
            relay_routes=lambda found: self._relay_routes(_Target(target.peer_id, tuple(found))),
        )
        await race.run(known, relays, look_up)
        if race.won or network.get_connections(target.peer_id):
            return
        if not race.dials:
            raise _no_address_known(target.peer_id)
        raise PeerUnreachableError(f"could not reach {target.peer_id}: " + "; ".join(race.errors))

    def _relay_routes(self, target: _Target) -> list[_Route]:
        """Relays through which ``target`` may be reachable: its circuit addresses, then ours."""
        routes: list[_Route] = []
        candidates = [str(a) for a in target.addresses if _is_circuit(a)]
        with contextlib.suppress(PeerStoreError):  # circuits the peer advertised (identify, DHT)
            learned = self._require_host().get_peerstore().addrs(target.peer_id)  # type: ignore[attr-defined]
            candidates += [str(a) for a in learned if _is_circuit(a)]
        candidates += [f"{a}/p2p-circuit" for a in self.config.relay_addresses]
        for text in candidates:
            relay_part = text.split("/p2p-circuit")[0]
            if "/p2p/" not in relay_part:
                continue
            base, relay_text = relay_part.rsplit("/p2p/", 1)
            try:
                route = (multiaddr.Multiaddr(base), ID.from_base58(relay_text))
            except Exception:  # a malformed address from a peer or the config: skip it
                continue
            if route[1] != target.peer_id and route not in routes:
                routes.append(route)
        return routes

    def _require_relay_client(self) -> RelayClient:
        if self._relay_client is None:
            raise PeerupError("the node is not running")
        return self._relay_client

    async def disconnect(self, peer: str) -> None:
        """Close every connection to a peer."""
        target = self._resolve_target(peer)
        network = self._require_host().get_network()  # type: ignore[attr-defined]
        if not network.get_connections(target.peer_id):
            raise NotFoundError(f"not connected to {peer}")
        await network.close_peer(target.peer_id)

    async def _open_stream(self, target: _Target, *protocols: str) -> INetStream:
        """A stream to ``target`` speaking the first of ``protocols`` it accepts (connects first).

        Tried once more, transparently, when the first try cannot have reached a handler of the
        peer: its connection turned out to be gone or broken (the swarm still listed it), or the
        peer broke the stream before it saw our proposal.

        Raises:
            ServiceNotFoundError: The peer answered that it does not speak any of ``protocols``
                (to us: it may offer some protocols to some peers only).
            NotAuthorizedError: The peer ended the stream once it saw which protocol we want (as
                a service refusing us by authorized_keys or allowed_peers does).
            PeerUnreachableError: No connection could be made, the connection broke again, or
                the negotiation broke or timed out on a live connection (the message says which).
        """
        try:
            return await self._open_stream_once(target, protocols)
        except _TryOnceMore as failure:
            log.info("%s; trying once more", failure.error.message)
            if failure.drop is not None:
                await self._drop_connections(target.peer_id, only_closing=failure.drop != "all")
        try:
            return await self._open_stream_once(target, protocols)
        except _TryOnceMore as failure:
            raise failure.error from failure.__cause__

    async def _open_stream_once(self, target: _Target, protocols: tuple[str, ...]) -> INetStream:
        await self._ensure_connected(target)
        host = self._require_host()
        peer, protocol = target.peer_id, protocols[0]
        try:
            with trio.fail_after(STREAM_OPEN_TIMEOUT):
                return await host.new_stream(peer, [TProtocol(p) for p in protocols])  # type: ignore[attr-defined, no-any-return]
        except trio.TooSlowError:
            raise PeerUnreachableError(f"opening {protocol} to {peer} timed out") from None
        except Exception as exc:  # negotiation failures come as several unrelated exception types
            text = negotiation_failure_text(exc)
            network = host.get_network()  # type: ignore[attr-defined]
            live = [c for c in network.get_connections(peer) if not _is_closing(c)]
            broke = connection_broke(exc)
            if not live or broke:
                # Whatever the peer did with the stream ended with its connection.
                lost = PeerUnreachableError(f"connection to {peer} lost: {text}")
                raise _TryOnceMore(lost, drop="all" if broke else "closing") from exc
            if compat.is_protocol_refusal(exc):
                raise ServiceNotFoundError(
                    f"peer {peer} does not offer {protocol} to us",
                    hint="check the service name, that it is exposed on the peer, and that the "
                    "peer authorized us (and lists us in allowed_peers if it uses that)",
                ) from exc
            if compat.is_negotiation_timeout(exc):
                raise PeerUnreachableError(f"opening {protocol} to {peer} timed out") from exc
            failed = PeerUnreachableError(
                f"opening {protocol} to {peer} failed: {text}",
                hint="try again; if it keeps failing, the peer's log says why",
            )
            if compat.is_handshake_failure(exc):
                raise _TryOnceMore(failed, drop=None) from exc
            if stream_ended(exc):
                # The peer saw the protocol we asked for, then ended the stream: a handler
                # refusing us resets the stream right after accepting it, and py-libp2p drops
                # the acceptance with the reset. Not tried again: it would run that handler twice.
                raise NotAuthorizedError(
                    f"peer {peer} ended the stream when asked for {protocol}",
                    hint="it may not let us use it: check that it authorized us (and lists us in "
                    "allowed_peers if it uses that); if it does, try again (its log says why)",
                ) from exc
            raise failed from exc

    async def _drop_connections(self, peer: ID, *, only_closing: bool) -> None:
        """Close ``peer``'s broken connections now and wait (briefly) until the swarm forgets them.

        Args:
            peer: The peer.
            only_closing: Only the connections already closing; otherwise all of them (a write
                failed on one that still looks alive, and the swarm tried each of them).
        """
        network = self._require_host().get_network()  # type: ignore[attr-defined]
        with trio.move_on_after(DROP_CONNECTION_TIMEOUT):
            doomed = [
                c for c in network.get_connections(peer) if not only_closing or _is_closing(c)
            ]
            for conn in doomed:
                compat.abort_transport(conn)  # a plain close can block (YAMUX-CLOSE-BLOCKS)
                with contextlib.suppress(Exception):  # it is broken: closing may fail too
                    await conn.close()
            while any(c in doomed for c in network.get_connections(peer)):  # noqa: ASYNC110
                await trio.sleep(0.01)  # the swarm has no per-connection "forgotten" event

    async def _open_service_stream(self, peer_id: str, service: str) -> INetStream:
        validate_service_name(service)
        target = self._resolve_target(peer_id)
        return await self._open_stream(target, service_protocol_id(service))

    # ---- services and forwards ------------------------------------------------------------------

    def _require_services(self) -> ServiceRegistry:
        if self._services is None:
            raise PeerupError("the node is not running")
        return self._services

    def services(self) -> list[ServiceInfo]:
        """Exposed services."""
        return self._services.snapshot() if self._services is not None else []

    def _services_changed(self) -> None:
        self.bus.publish(ServicesChanged(services=tuple(self.services())))

    def expose_service(
        self,
        name: str,
        local_address: str,
        allowed_peers: Sequence[str] = (),
        *,
        persist: bool = False,
        verified_only: bool = False,
    ) -> ServiceInfo:
        """Expose a local TCP service; with ``persist`` also write it to the config file."""
        allowed = [self._resolve_peer_id(p) for p in allowed_peers]
        info = self._require_services().expose(
            name, local_address, allowed, verified_only=verified_only
        )
        if persist:
            editor = ConfigEditor.open(self.config.path)
            editor.add_service(
                name, local_address, allowed_peers=allowed, verified_only=verified_only
            )
            self.config = editor.save()
        return info

    def unexpose_service(self, name: str, *, persist: bool = False) -> None:
        """Stop exposing a service; with ``persist`` also remove it from the config file."""
        self._require_services().unexpose(name)
        if persist:
            editor = ConfigEditor.open(self.config.path)
            editor.remove_service(name)
            self.config = editor.save()

    def forwards(self) -> list[ForwardInfo]:
        """Open forwards with live counters (and the peer's current verified state)."""
        return [replace(f, verified=self.is_verified(f.peer_id)) for f in self._forwards.snapshot()]

    async def open_forward(self, peer: str, service: str, listen: str) -> ForwardInfo:
        """Open a forward; the peer is connected lazily, on the first local connection."""
        validate_service_name(service)
        target = self._resolve_target(peer)
        pid = target.peer_id.to_base58()
        if self.config.enable_connection_gating and pid not in self._authorized:
            raise NotAuthorizedError(
                f"peer {pid} is not in authorized_keys",
                hint=f"authorize it first: peerup auth add {pid}",
            )
        # Connect first: the user learns at once that the peer is unreachable, and the first client
        # does not pay for the dial. (Forwards from the config open without this, so a daemon can
        # start while the peer is offline; their connections retry on their own.)
        await self._ensure_connected(target)
        return await self._forwards.open_forward(pid, service, listen)

    async def close_forward(self, forward_id: str) -> None:
        """Close a forward and its connections."""
        await self._forwards.close_forward(forward_id)

    # ---- invites ---------------------------------------------------------------------------------

    def open_invite(
        self, *, name: str = "", ttl: float = 600.0, lan: bool = False
    ) -> AbstractAsyncContextManager[OpenInvite]:
        """Open an invite (``/peerup/invite/2.0.0``) for the block; see :mod:`app.engine.invite`.

        With ``lan``, also a short ``7-word-word-word`` code, advertised by mDNS.
        """
        return self._invites.open_invite(name=name, ttl=ttl, lan=lan)

    async def join_invite(self, code: str, *, name: str = "") -> JoinResult:
        """Join with an invite code, link or short LAN code; stores the inviter (unverified)."""
        if is_lan_code(code):
            return await self._invites.join_short(parse_lan_code(code), name=name)
        return await self._invites.join(parse_invite_code(code), name=name)

    def confirm_invite_sas(self, peer: str) -> None:
        """Mark a peer paired by an invite here verified (both humans saw the same SAS)."""
        self._invites.confirm_sas(peer)

    # ---- ping and events ------------------------------------------------------------------------

    async def ping(self, peer: str, *, count: int, interval: float) -> AsyncIterator[PingResult]:
        """Ping a peer with the line protocol, ``count`` times, ``interval`` seconds apart."""
        target = self._resolve_target(peer)
        pid = target.peer_id.to_base58()
        for seq in range(1, count + 1):
            if seq > 1:
                await trio.sleep(interval)
            try:
                stream = await self._open_stream(target, *ping_protocols(self.config.ping_protocol))
                path = self._path_of(pid)
                with trio.fail_after(PING_TIMEOUT):
                    rtt = await ping_once(stream)
                self._record_rtt(stream, rtt)
                yield PingResult(seq=seq, peer_id=pid, rtt_ms=rtt, path=path)
            except (PeerupError, ValueError, trio.TooSlowError) as exc:
                text = str(exc) or "timed out"
                yield PingResult(seq=seq, peer_id=pid, rtt_ms=None, path=None, error=text)
            except Exception as exc:  # a stream broken mid-ping raises libp2p-specific types
                yield PingResult(
                    seq=seq, peer_id=pid, rtt_ms=None, path=None, error=first_line(exc)
                )

    async def traceroute(self, peer: str) -> TracerouteResult:
        """The path to a peer hop by hop: the relay (if relayed) and the peer, each with an RTT."""
        target = self._resolve_target(peer)
        await self._ensure_connected(target)
        pid = target.peer_id.to_base58()
        path = next((p for p in self.paths() if p.peer_id == pid), None)
        if path is None:
            raise PeerUnreachableError(f"connection to {peer} closed right after opening")
        hops: list[TracerouteHop] = []
        if path.path_type is PathType.RELAYED:
            # The hop's peer ID has its own column: its address goes without /p2p/<relay>.
            relay_addr, _, relay_text = path.address.split("/p2p-circuit")[0].rpartition("/p2p/")
            relay = _Target(ID.from_base58(relay_text), ())
            rtt, error = await self._measure(relay, str(LIBP2P_PING_ID))
            hops.append(
                TracerouteHop(
                    hop=1,
                    peer_id=relay_text,
                    # Not the agent version (as the Go peer-up shows): ours reads `peerup/<v>`,
                    # which does not say that this hop is the relay.
                    name=self._name_for(relay_text) or "relay",
                    address=relay_addr,
                    rtt_ms=rtt,
                    error=error,
                )
            )
        rtt, error = await self._measure(target, *ping_protocols(self.config.ping_protocol))
        hops.append(
            TracerouteHop(
                hop=len(hops) + 1,
                peer_id=pid,
                name=self._name_for(pid),
                address=path.address,
                rtt_ms=rtt,
                error=error,
            )
        )
        return TracerouteResult(target=peer, peer_id=pid, path=path.path_type, hops=tuple(hops))

    async def _measure(self, target: _Target, *protocols: str) -> tuple[float | None, str | None]:
        try:
            stream = await self._open_stream(target, *protocols)
            with trio.fail_after(PING_TIMEOUT):
                rtt = await ping_once(stream)
            self._record_rtt(stream, rtt)
            return rtt, None
        except (PeerupError, ValueError, trio.TooSlowError) as exc:
            return None, str(exc) or "timed out"
        except Exception as exc:  # a stream broken mid-ping raises libp2p-specific types
            return None, first_line(exc)

    def _record_rtt(self, stream: INetStream, rtt_ms: float) -> None:
        """Keep a ping's RTT as its connection's last (until the next liveness probe's)."""
        if self._pathwatch is not None:
            self._pathwatch.record_rtt(stream.muxed_conn, rtt_ms)

    def _path_of(self, peer_id: str) -> PathType | None:
        for path in self.paths():
            if path.peer_id == peer_id:
                return path.path_type
        return None

    def subscribe(self) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Subscribe to engine events."""
        return self.bus.subscribe()


@asynccontextmanager
async def open_node(config: Config, identity: Identity) -> AsyncIterator[Node]:
    """Start a node, yield it once it listens, and stop it (closing forwards) on exit."""
    node = Node(config, identity)
    async with trio.open_nursery() as nursery:
        await nursery.start(node.run)
        try:
            yield node
        finally:
            nursery.cancel_scope.cancel()
