"""The Node: the composition root that wires one libp2p host to peer-up's capabilities.

Each concern is a capability that owns its state: the :class:`~app.engine.peerbook.PeerBook`
(who our peers are), the :class:`~app.engine.gate.Gate` (who may connect), the
:class:`~app.engine.dialer.Dialer` (reaching a peer, opening streams), the
:class:`~app.engine.paths.PathTracker` (paths and direct upgrades),
:class:`~app.engine.grades.GradeSharing`, :class:`~app.engine.diagnostics.Diagnostics`, the
relay client and hop, the DHT, reachability, services, forwards, invites, relay pairing and
verification, and the settings store (the one writer of config.yaml) with
:class:`~app.engine.liveconfig.LiveConfig`, which applies each edit to them. The node builds
them, hands each only the capabilities it uses, runs their tasks in its nursery (``run``) and
offers the facade the daemon serves (:class:`~app.engine.facade.NodeFacade`).
:func:`open_node` yields a running node and stops it, closing every forward cleanly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

import trio
from libp2p import new_host
from libp2p.abc import INetStream
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID

from app import __version__
from app.core.codes.invitecode import parse_invite_code
from app.core.codes.lancode import is_lan_code, parse_lan_code
from app.core.config import Config
from app.core.errors import (
    NotAuthorizedError,
    PeerUnreachableError,
    PeerupError,
    ServiceNotFoundError,
    VerifyUnsupportedError,
)
from app.core.ids.identity import Identity
from app.core.ids.names import validate_service_name
from app.core.pairing.invite import JoinResult
from app.core.pairing.verify import PROTOCOL_ID as VERIFY_PROTOCOL
from app.core.status import (
    AuthEntry,
    ForwardInfo,
    Grade,
    InviteInfo,
    ListenCheck,
    NodeStatus,
    PathInfo,
    PeerInfo,
    PingResult,
    PortMappingChanged,
    Reachability,
    ReachabilityChanged,
    RelayInfo,
    RelaysChanged,
    Resolved,
    ServiceCheck,
    ServiceInfo,
    ServicesChanged,
    Settings,
    SettingsUpdate,
    TracerouteResult,
    VerifySessionInfo,
)
from app.engine import compat, keepalive
from app.engine.bus import EventBus, Subscription
from app.engine.dht import AddressPusher, DHTRole, PeerDHT
from app.engine.diagnostics import Diagnostics
from app.engine.dialer import Dialer
from app.engine.forwards import ForwardManager
from app.engine.gate import Gate
from app.engine.grades import GradeSharing
from app.engine.invite import InviteService, OpenInvite
from app.engine.limitguard import LimitGuard
from app.engine.listening import check_listen, check_listen_ports_free, listen_addresses
from app.engine.liveconfig import LiveConfig
from app.engine.memtrim import run_trimmer
from app.engine.pairingctx import PairingContext
from app.engine.paths import PathTracker
from app.engine.peerbook import PeerBook
from app.engine.peerservices import offered_services
from app.engine.ping import make_responder
from app.engine.reachability import ReachabilityMonitor
from app.engine.relay import HOP_PROTOCOL, RelayHop, RelayLimits
from app.engine.relayclient import RelayClient, listen_addresses_expanded
from app.engine.relaypair import PairingService
from app.engine.savedforwards import SavedForwards
from app.engine.services import ServiceRegistry, check_local_service
from app.engine.settings import SettingsStore
from app.engine.switches import HolePunching, LanDiscovery, PortMapping
from app.engine.verify import VerifyManager

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.node")


class Node:
    """A running peer-up node (implements :class:`app.engine.facade.NodeFacade`).

    Args:
        config: The validated configuration.
        identity: This node's Ed25519 identity.
        clock: The wall clock every capability reads for timestamps that users see, files keep
            or peers exchange (tests pass a fake one). Durations, timeouts, back-offs and polls
            run on trio's clock.

    Attributes:
        settings_store: The config, and its one writer.
        bus: Engine events.
        peerbook: Who our peers are.
        gate: Who may connect.
        dialer: Reaching peers.
        path_tracker: Paths to peers.
        grades: Our grade told to peers, and theirs.
        pairing: Relay pairing (None until the node runs).
    """

    def __init__(
        self, config: Config, identity: Identity, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.identity = identity
        self._clock = clock
        self.bus = EventBus()
        self.settings_store = SettingsStore(config, on_change=self._config_changed)
        self._peer_id = str(identity.peer_id)
        self._started_at: float | None = None  # trio time, once the node listens
        self.peerbook = PeerBook(
            self.settings_store,
            identity.peer_id,
            self.bus,
            on_new_peers=self._peers_added,
            clock=clock,
        )
        self.gate = Gate(
            self.peerbook,
            self.bus,
            gating=config.enable_connection_gating,
            idle_timeout=config.probation_timeout,
        )
        self.dialer = Dialer(self.settings_store, self.peerbook)
        self._live = LiveConfig(
            self.settings_store,
            self.bus,
            resolve_peer_id=self.dialer.resolve_peer_id,
            relay_infos=self._relay_infos,
        )
        self.grades = GradeSharing(self.peerbook, self.bus, on_peer_grade=self._peer_grade)
        self.path_tracker = PathTracker(
            self.peerbook,
            self.gate,
            self.dialer,
            self.bus,
            own_peer_id=self._peer_id,
            peer_grade=self.grades.of,
            our_reach=lambda: self._reach,
            on_peer_connected=self._peer_connected,
            on_lan_peers_changed=self._regrade,
            clock=clock,
        )
        self._diagnostics = Diagnostics(
            self.settings_store, self.peerbook, self.dialer, self.path_tracker
        )
        guard = LimitGuard(self.dialer, lambda: self._hole_punching)  # forwards avoid tight relays
        self._forwards = ForwardManager(guard.open_forward_stream, self.bus, self.peerbook.describe)
        self._saved = SavedForwards(
            self.settings_store, self._forwards, self.dialer.resolve_peer_id
        )
        self._verify = VerifyManager(
            identity.peer_id,
            self.bus,
            self._open_verify_stream,
            self.peerbook.name_for,
            self._store_verified,
            clock=clock,
        )
        # Built once the host exists (run):
        self._host: object | None = None
        self._nursery: trio.Nursery | None = None
        self._services: ServiceRegistry | None = None
        self._relay_client: RelayClient | None = None
        self._relay_hop: RelayHop | None = None
        self._reach: ReachabilityMonitor | None = None
        self._hole_punching: HolePunching | None = None
        self._dht: PeerDHT | None = None
        self._address_pusher: AddressPusher | None = None
        self._portmap: PortMapping | None = None
        self._invites: InviteService | None = None
        self.pairing: PairingService | None = None

    @property
    def config(self) -> Config:
        """The current config (the settings store's)."""
        return self.settings_store.config

    # ---- life cycle -----------------------------------------------------------------------------

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the node until cancelled; ``task_status.started()`` once it listens.

        Raises:
            PeerupError: the host could not listen on its configured addresses.
            CompatNotInstalledError: ``compat.install()`` was not called (a composition root's
                job, once per process).
        """
        compat.require_installed()
        config = self.config
        key_pair = create_new_key_pair(self.identity.seed)
        listen = [
            self.dialer.parse_multiaddr(a, "network.listen_addresses")
            for a in listen_addresses(config.listen_addresses, quic=config.enable_quic)
        ]
        await check_listen_ports_free(listen)
        host = new_host(
            key_pair=key_pair,
            sec_opt=compat.noise_only_security(key_pair),
            listen_addrs=listen,
            connection_config=compat.connection_config(),
            enable_quic=config.enable_quic,
            enable_mDNS=config.mdns,
        )
        self._host = host
        compat.disable_auto_dial(host)
        self.gate.install(
            host,
            relays=self._relays_in_use,
            dht_peers=lambda: self._dht.bootstrap_ids if self._dht is not None else (),
            # Only a relay run on purpose opens up, never the automatic hop of a public node.
            open_relay=lambda: (
                self._relay_hop is not None
                and self.config.relay_service.enabled
                and self.config.relay_service.open_reservations
            ),
        )
        self.path_tracker.install(host)
        if config.ping_enabled:
            host.set_stream_handler(
                TProtocol(config.ping_protocol), make_responder(self.peerbook.is_authorized)
            )
        self._services = ServiceRegistry(
            host,
            self.peerbook.is_authorized,
            self._services_changed,
            is_verified=self.peerbook.is_verified,
        )
        host.set_stream_handler(TProtocol(VERIFY_PROTOCOL), self._verify.handle_stream)
        self._relay_client = relay_client = RelayClient(
            host,
            config.relay_addresses,
            on_change=self._relays_changed,
            on_inbound=self._accepted_relayed,
            clock=self._clock,
            extra_addresses=self._mapped_addresses,
            still_needed=self._relay_still_needed,
        )
        relay_client.install()
        # ---- DHT and advertised addresses (app/engine/dht.py) ----
        compat.advertise_addresses(host, relay_client.circuit_addresses, self._mapped_addresses)
        self._address_pusher = AddressPusher(host)
        self._dht = PeerDHT(
            host,
            config.network,
            DHTRole.SERVER if config.relay_service.enabled else DHTRole.AUTO_SERVER,
            config.bootstrap_peers or config.relay_addresses,
            is_public=lambda: bool(relay_client.confirmed_addresses),
        )
        self.dialer.start(host, relay_client, self._dht)
        self._hole_punching = HolePunching(host)
        self._portmap = PortMapping(
            self._tcp_listen_port, self._port_mapping_changed, clock=self._clock
        )
        self._live.attach(
            self._services,
            relay_client,
            self._dht,
            hole_punching=self._hole_punching,
            port_mapping=self._portmap,
            lan_discovery=LanDiscovery(host),
            saved_forwards=self._saved,
        )
        self._reach = ReachabilityMonitor(
            has_relay_reservation=self._reachable_via_relay,
            confirmed_public=lambda: bool(relay_client.confirmed_addresses),
            port_mapping=lambda: self._portmap is not None and self._portmap.current() is not None,
            gateway_external=lambda: self._portmap.external_ip() if self._portmap else None,
            relays_configured=lambda: bool(self.config.relay_addresses),
            lan_peers=self.path_tracker.has_lan_peer,
            tcp_listeners=self._tcp_listeners,
            stun_servers=config.stun_servers,
            on_change=self._reachability_changed,
            on_network_change=lambda ips: keepalive.network_changed(host, relay_client, ips),
            clock=self._clock,
        )
        self.grades.install(host)
        context = PairingContext(
            own_peer_id=self._peer_id,
            bus=self.bus,
            settings=self.settings_store,
            peers=self.peerbook,
            gate=self.gate,
            dialer=self.dialer,
            relay_client=relay_client,
            own_addresses=self._dialable_addresses,
            clock=self._clock,
        )
        # Relay pairing: introductions on every node, redemption on a relay (app/engine/relaypair).
        self.pairing = PairingService(context)
        self.pairing.install(host)
        self._invites = InviteService(
            context, service_names=lambda: [s.name for s in self._exposed_services()]
        )
        self._invites.install(host)
        if config.relay_service.enabled:
            self._start_relay_hop()
        with self._services.batch():  # one services-changed: all of them exposed
            for service in config.services:
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
                await nursery.start(self.gate.refusals.run)
                await nursery.start(self._verify.run)
                await nursery.start(relay_client.run)
                await nursery.start(self._address_pusher.run)
                await nursery.start(self._dht.run)
                await nursery.start(self.grades.run)
                await nursery.start(self._reach.run)
                await nursery.start(self.pairing.run)
                await nursery.start(self._hole_punching.run, config.hole_punching)
                await nursery.start(self.path_tracker.run, self._hole_punching)
                await nursery.start(self._portmap.run, config.port_mapping)
                nursery.start_soon(self.peerbook.watch, self.gate.drop_unauthorized)
                await nursery.start(self._saved.run)  # the config's forwards
                await nursery.start(run_trimmer)  # keeps RSS flat under forwarding (memtrim.py)
                self._started_at = trio.current_time()
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
            raise PeerupError(f"cannot listen on {config.listen_addresses}: {exc}") from exc
        finally:
            self.bus.close()
            self._host = None
            self.dialer.stop()

    def _require_host(self) -> object:
        return self.dialer.require_host()

    # ---- wiring between capabilities ------------------------------------------------------------

    def _peers_added(self, peer_ids: set[str]) -> None:
        for pid in peer_ids:
            self.path_tracker.remember_addresses(pid)  # a peer just paired: where we reached it

    def _peer_connected(self, peer_id: str) -> None:
        if self.pairing is not None:
            self.pairing.peer_connected(peer_id)
        ours = self._reach.current() if self._reach is not None else None
        if ours is not None:
            self.grades.send_soon([peer_id], ours)

    def _peer_grade(self, peer_id: str, changed: bool) -> None:
        self.path_tracker.remember_addresses(peer_id)  # identify has run by now
        if changed:
            self.path_tracker.lan_changed(peer_id)  # its network changed: its LAN is worth a try
        self.path_tracker.dial_lan_soon(peer_id)

    def _regrade(self) -> None:
        """Re-grade now (a LAN peer came or went), once the first probe has finished."""
        if self._reach is not None and self._reach.current() is not None:
            self._reach.refresh()

    def _reachability_changed(self, value: Reachability) -> None:
        self.bus.publish(ReachabilityChanged(peer_id=self._peer_id, reachability=value))
        # A node confirmed publicly dialable relays for its authorized peers while it stays so.
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
        self.path_tracker.lan_changed()  # our interfaces may now share a subnet with theirs
        connected = self.path_tracker.connected_peers()
        self.grades.send_soon(connected, value)
        for pid in connected:
            if self.peerbook.is_listed(pid):
                self.path_tracker.dial_lan_soon(pid)

    def _reachable_via_relay(self) -> bool:
        """A relay reservation, or being a relay ourselves (a relay needs none)."""
        return self._relay_hop is not None or bool(
            self._relay_client is not None and self._relay_client.has_reservation()
        )

    def _accepted_relayed(self, peer: ID) -> None:
        """We accepted a relayed connection: per DCUtR we start the hole punch, at once rather
        than at the next tick of py-libp2p's 2-second loop."""
        if self._hole_punching is not None:
            self._hole_punching.initiate_soon(peer)

    def _config_changed(self, old: Config, new: Config) -> None:
        self._live.changed(old, new)

    def _relays_changed(self) -> None:
        self.bus.publish(RelaysChanged(relays=tuple(self._relay_infos())))
        if self._address_pusher is not None:
            self._address_pusher.changed()
        if self._reach is not None:
            self._reach.refresh()

    def _relay_still_needed(self, relay: ID) -> bool:
        """Whether a relay removed from ``relay.addresses`` keeps its connection for another role.

        A pairing group's relay, a listed peer and a bootstrap node do.
        """
        pid = relay.to_base58()
        if self.pairing is not None and pid in self.pairing.group_relays():
            return True
        if self.peerbook.is_listed(pid):
            return True
        return any(a.rsplit("/p2p/", 1)[-1] == pid for a in self.config.bootstrap_peers)

    def _relays_in_use(self) -> set[str]:
        """The peer IDs of the relays we reserve on, and of our pairing groups' relays."""
        relays: set[str] = set()
        if self._relay_client is not None:
            relays.update(r.peer_id.to_base58() for r in self._relay_client.relays)
        if self.pairing is not None:
            relays.update(self.pairing.group_relays())
        return relays

    def _start_relay_hop(self) -> None:
        section = self.config.relay_service
        # A relay by configuration has its limits; every peer is a relay with small ones.
        limits = RelayLimits.from_config(section if section.enabled else section.auto)
        self._relay_hop = RelayHop(
            self._require_host(),
            limits,
            may_reserve=lambda peer: self.gate.may_open(peer, HOP_PROTOCOL),
            clock=self._clock,
        )
        self._relay_hop.install()

    def relay_statistics(self) -> dict[str, int]:
        """The relay service's counters (empty when this node does not relay)."""
        return self._relay_hop.statistics() if self._relay_hop is not None else {}

    def relay_serving(self) -> bool:
        """Whether this node's relay hop runs and its host offers the hop protocol."""
        return self._relay_hop is not None and self._relay_hop.installed()

    # ---- UPnP / NAT-PMP port mapping (see engine/portmap.py) ------------------------------------

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

    def _tcp_listen_port(self) -> int | None:
        """The port of our first IPv4 TCP listener (the one a router maps)."""
        return next((port for ip, port in self._tcp_listeners() if ":" not in ip), None)

    def _mapped_addresses(self) -> list[str]:
        return self._portmap.external_addresses() if self._portmap is not None else []

    def _port_mapping_changed(self) -> None:
        """A mapping appeared or went: tell peers, have a relay dial it back, then re-grade."""
        if self._portmap is not None:
            self.bus.publish(PortMappingChanged(mapping=self._portmap.current()))
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

    async def probe_reachability(self) -> Reachability:
        """Re-probe now (``peerup status --probe``)."""
        if self._reach is None:
            raise PeerupError("the node is not running")
        return await self._reach.probe_now()

    # ---- snapshots ------------------------------------------------------------------------------

    @property
    def peer_id(self) -> str:
        """This node's peer ID (base58)."""
        return self._peer_id

    def status(self) -> NodeStatus:
        """A snapshot of the node."""
        host = self._host
        addrs = tuple(self._dialable_addresses()) if host is not None else ()
        # Counted like peers() lists them: an authorized peer is connected when it has a path.
        connected = {p.peer_id for p in self.paths()}
        authorized_connected = len([p for p in connected if self.peerbook.is_listed(p)])
        return NodeStatus(
            peer_id=self._peer_id,
            version=__version__,
            uptime_seconds=(
                trio.current_time() - self._started_at if self._started_at is not None else 0.0
            ),
            listen_addresses=addrs,
            connected_peers=authorized_connected,
            connected_others=len(connected) - authorized_connected,
            refused_connections=self.gate.refusals.total,
            authorized_peers=len(self.peerbook.authorized_ids()),
            services=len(self._exposed_services()),
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
            key_changes=self.peerbook.key_changes,
            port_mapping=self._portmap.current() if self._portmap is not None else None,
            authorized_keys_problem=self.peerbook.problem,
        )

    def _relay_infos(self) -> list[RelayInfo]:
        return self._relay_client.infos() if self._relay_client is not None else []

    def _dialable_addresses(self) -> list[str]:
        """Listen addresses as a peer would dial them: wildcards expanded to interface addresses."""
        suffix = f"/p2p/{self._peer_id}"
        return [f"{a}{suffix}" for a in listen_addresses_expanded(self._require_host())]

    def paths(self) -> list[PathInfo]:
        """The path in use for every connected peer."""
        return self.path_tracker.paths()

    def peers(self, *, include_unauthorized: bool = False) -> list[PeerInfo]:
        """Peers in authorized_keys (connected or not; expired ones flagged and not
        authorized), plus the other connected peers if asked (relays with ``role="relay"``,
        strangers)."""
        paths = {p.peer_id: p for p in self.paths()}
        peer_ids = self.peerbook.listed_ids()
        listed = set(peer_ids)  # peer lines, expired ones too (relay lines are no peers)
        if include_unauthorized:
            peer_ids += [p for p in paths if p not in listed]
        ours = self._reach.current() if self._reach is not None else None
        interfaces = self._reach.interfaces() if self._reach is not None else None
        result = []
        for pid in peer_ids:
            entry = self.peerbook.entry(pid)
            path = paths.get(pid)
            result.append(
                PeerInfo(
                    peer_id=pid,
                    name=self.peerbook.name_for(pid),
                    authorized=self.peerbook.is_listed(pid),
                    role="relay" if entry is not None and pid not in listed else "peer",
                    verified=self.peerbook.is_verified(pid),
                    connected=path is not None,
                    comment=entry.comment if entry else "",
                    addresses=(path.address,) if path else (),
                    agent_version=self.path_tracker.agent_version(pid),
                    path=path,
                    reachability=self.grades.of(pid),
                    expected_path=(
                        self.grades.expected_path(pid, ours, interfaces)
                        if interfaces is not None
                        else None
                    ),
                    # A peer's own: an expired one's too (it may be authorized again).
                    remembered_addresses=(
                        self.peerbook.remembered.entries(pid) if pid in listed else ()
                    ),
                    expired=self.peerbook.is_expired(pid),
                )
            )
        return result

    def subscribe(self) -> AbstractAsyncContextManager[Subscription]:
        """Subscribe to engine events (numbered; see :mod:`app.engine.bus`)."""
        return self.bus.subscribe()

    # ---- peers: authorization, names, verification ----------------------------------------------

    def is_authorized(self, peer_id: str) -> bool:
        """Whether ``peer_id`` may open streams to us (always true with gating off)."""
        return self.peerbook.is_authorized(peer_id)

    def is_verified(self, peer_id: str) -> bool:
        """Whether a human verified ``peer_id``'s key."""
        return self.peerbook.is_verified(peer_id)

    def auth_entries(self) -> list[AuthEntry]:
        """authorized_keys as shown to users."""
        return self.peerbook.auth_entries()

    def authorize(self, peer: str, comment: str = "") -> AuthEntry:
        """Add a peer to authorized_keys (see :meth:`PeerBook.authorize`)."""
        return self.peerbook.authorize(peer, comment)

    def deauthorize(self, peer: str) -> None:
        """Remove a peer from authorized_keys; its connections close within a second."""
        self.peerbook.deauthorize(self.resolve(peer).peer_id)

    def resolve(self, name: str) -> Resolved:
        """Resolve a ``names:`` entry or a peer ID."""
        return self.peerbook.resolve(name)

    def rename_peer(self, peer: str, name: str) -> AuthEntry:
        """Give an authorized peer (name or peer ID) a new ``names:`` entry (see
        :meth:`PeerBook.rename`)."""
        return self.peerbook.rename(self.dialer.resolve_peer_id(peer), name)

    def set_verified(self, peer: str, verified: bool) -> AuthEntry:
        """Mark a peer verified (after comparing the static fingerprint) or unverified.

        Raises:
            NotFoundError: The peer is not authorized.
        """
        return self.peerbook.set_verified(self.dialer.resolve_peer_id(peer), verified)

    def _store_verified(self, peer_id: str) -> None:
        self.peerbook.set_verified(peer_id, True)

    def _require_authorized(self, peer_id: str) -> None:
        if not self.peerbook.is_authorized(peer_id):
            raise NotAuthorizedError(
                f"peer {peer_id} is not in authorized_keys",
                hint=f"authorize it first: peerup auth add {peer_id}",
            )

    async def _open_verify_stream(self, peer_id: str) -> INetStream:
        self._require_authorized(peer_id)
        try:
            return await self.dialer.open_stream(
                self.dialer.resolve_target(peer_id), VERIFY_PROTOCOL
            )
        except ServiceNotFoundError:
            raise VerifyUnsupportedError(
                f"peer {peer_id} does not support {VERIFY_PROTOCOL} (the Go peer-up, or an old "
                "version)",
                hint="compare the static fingerprint instead",
            ) from None

    async def start_verify(self, peer: str) -> VerifySessionInfo:
        """Start /peerup/verify/1.0.0 with a peer; returns once the SAS is ready."""
        return await self._verify.start(self.dialer.resolve_peer_id(peer))

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

    # ---- connections and diagnostics ------------------------------------------------------------

    async def connect(self, peer: str, addresses: Sequence[str] = ()) -> PathInfo:
        """Connect to a peer (no-op if connected) and return the path in use."""
        target = self.dialer.resolve_target(peer, addresses)
        await self.dialer.ensure_connected(target)
        for path in self.paths():
            if path.peer_id == target.peer_id.to_base58():
                return path
        raise PeerUnreachableError(f"connection to {peer} closed right after opening")

    async def disconnect(self, peer: str) -> None:
        """Close every connection to a peer."""
        await self.dialer.disconnect(peer)

    def ping(self, peer: str, *, count: int, interval: float) -> AsyncIterator[PingResult]:
        """Ping a peer with the line protocol, ``count`` times, ``interval`` seconds apart."""
        return self._diagnostics.ping(peer, count=count, interval=interval)

    async def traceroute(self, peer: str) -> TracerouteResult:
        """The path to a peer hop by hop: the relay (if relayed) and the peer, each with an RTT."""
        return await self._diagnostics.traceroute(peer)

    # ---- services and forwards ------------------------------------------------------------------

    def services(self) -> list[ServiceInfo]:
        """The exposed services and the configured ones switched off (``enabled`` False); see
        :meth:`LiveConfig.services`."""
        return self._live.services()

    def _exposed_services(self) -> list[ServiceInfo]:
        """The services exposed now, by name."""
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
        """Expose a local TCP service; with ``persist`` it goes into config.yaml (and stays)."""
        return self._live.expose_service(
            name, local_address, allowed_peers, persist=persist, verified_only=verified_only
        )

    def unexpose_service(self, name: str, *, persist: bool = False) -> None:
        """Stop exposing a service; with ``persist`` also remove it from config.yaml."""
        self._live.unexpose_service(name, persist=persist)

    def set_service_enabled(self, name: str, enabled: bool) -> ServiceInfo:
        """Enable (expose) or disable (unexpose) a configured service, in config.yaml too."""
        return self._live.set_service_enabled(name, enabled)

    def add_relay(self, address: str) -> RelayInfo:
        """Add a relay to the config; the node reserves on it at once."""
        return self._live.add_relay(address)

    def remove_relay(self, relay: str) -> str:
        """Remove a relay (multiaddr or peer ID) from the config and stop using it."""
        return self._live.remove_relay(relay)

    def settings(self) -> Settings:
        """The preferences (see :meth:`LiveConfig.settings`)."""
        return self._live.settings()

    def update_settings(self, change: SettingsUpdate) -> Settings:
        """Change preferences in config.yaml and apply them live (see
        :meth:`LiveConfig.update_settings`)."""
        return self._live.update_settings(change)

    def forwards(self) -> list[ForwardInfo]:
        """Open forwards with live counters (and the peer's current verified state)."""
        return [
            replace(f, verified=self.peerbook.is_verified(f.peer_id))
            for f in self._forwards.snapshot()
        ]

    async def open_forward(
        self, peer: str, service: str, listen: str, *, persist: bool = False
    ) -> ForwardInfo:
        """Open a forward (with ``persist`` also saved in config.yaml, see
        :meth:`SavedForwards.save`); connecting first, so an unreachable peer is told at once."""
        validate_service_name(service)
        target = self.dialer.resolve_target(peer)
        pid = target.peer_id.to_base58()
        self._require_authorized(pid)
        # Connect first: the user learns at once that the peer is unreachable, and the first client
        # does not pay for the dial. (Forwards from the config open without this, so a daemon can
        # start while the peer is offline; their connections retry on their own.)
        await self.dialer.ensure_connected(target)
        if persist:
            return await self._saved.save(pid, service, listen)
        return await self._forwards.open_forward(pid, service, listen)

    async def close_forward(self, forward_id: str) -> None:
        """Close a forward and its connections; a saved one leaves config.yaml too."""
        if self._saved.is_saved(forward_id):
            await self._saved.remove(forward_id)
        else:
            await self._forwards.close_forward(forward_id)

    async def peer_services(self, peer: str) -> list[str]:
        """The services an authorized peer offers us (see :func:`offered_services`)."""
        target = self.dialer.resolve_target(peer)
        self._require_authorized(target.peer_id.to_base58())
        return await offered_services(self.dialer, target)

    async def check_listen(self, listen: str) -> ListenCheck:
        """Whether a forward could listen on ``listen`` (our forwards' addresses count as used),
        and if not a free address near it."""
        return await check_listen(listen, self._forwards.addresses())

    async def check_service(self, local_address: str) -> ServiceCheck:
        """Whether a local service answers (one connect within 2 s, closed at once)."""
        return await check_local_service(local_address)

    async def set_forward_enabled(self, forward_id: str, enabled: bool) -> ForwardInfo:
        """Start or stop a saved forward (see :meth:`SavedForwards.set_enabled`)."""
        info = await self._saved.set_enabled(forward_id, enabled)
        return replace(info, verified=self.peerbook.is_verified(info.peer_id))

    # ---- invites ---------------------------------------------------------------------------------

    def _require_invites(self) -> InviteService:
        if self._invites is None:
            raise PeerupError("the node is not running")
        return self._invites

    def open_invite(
        self, *, name: str = "", ttl: float = 600.0, lan: bool = False
    ) -> AbstractAsyncContextManager[OpenInvite]:
        """Open an invite (``/peerup/invite/2.0.0``) for the block; see :mod:`app.engine.invite`.

        With ``lan``, also a short ``7-word-word-word`` code, advertised by mDNS.
        """
        return self._require_invites().open_invite(name=name, ttl=ttl, lan=lan)

    def invites(self) -> list[InviteInfo]:
        """The open invites, as every client may see them (never their codes)."""
        return self._invites.invites() if self._invites is not None else []

    async def join_invite(self, code: str, *, name: str = "") -> JoinResult:
        """Join with an invite code, link or short LAN code; stores the inviter (unverified)."""
        invites = self._require_invites()
        if is_lan_code(code):
            return await invites.join_short(parse_lan_code(code), name=name)
        return await invites.join(parse_invite_code(code), name=name)

    def confirm_invite_sas(self, peer: str) -> None:
        """Mark a peer paired by an invite here verified (both humans saw the same SAS)."""
        self._require_invites().confirm_sas(peer)


@asynccontextmanager
async def open_node(
    config: Config, identity: Identity, *, clock: Callable[[], float] = time.time
) -> AsyncIterator[Node]:
    """Start a node, yield it once it listens, and stop it (closing forwards) on exit.

    ``clock`` is the node's wall clock (see :class:`Node`).
    """
    node = Node(config, identity, clock=clock)
    async with trio.open_nursery() as nursery:
        await nursery.start(node.run)
        try:
            yield node
        finally:
            nursery.cancel_scope.cancel()
