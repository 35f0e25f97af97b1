"""In-memory fakes for unit tests of one layer.

``FakeNode`` implements :class:`app.engine.facade.NodeFacade` for the local API's tests only; the
end-to-end tests drive the real node.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager

import trio

from app.core.errors import (
    AlreadyExistsError,
    ForwardNotFoundError,
    ForwardNotSavedError,
    InvalidAddressError,
    InvalidNameError,
    InvalidNetworkError,
    NotFoundError,
    PeerUnreachableError,
    ServiceNotFoundError,
    UnknownPeerError,
    VerificationError,
    VerifyUnsupportedError,
)
from app.core.ids.netaddr import parse_host_port
from app.core.status import (
    AuthEntry,
    AuthorizedKeysChanged,
    Event,
    ForwardChanged,
    ForwardInfo,
    ForwardState,
    Grade,
    InviteInfo,
    ListenCheck,
    NatMapping,
    NodeStatus,
    PathInfo,
    PathType,
    PeerInfo,
    PingResult,
    Reachability,
    ReachabilityChanged,
    RelayInfo,
    RelaysChanged,
    Resolved,
    ServiceCheck,
    ServiceInfo,
    ServicesChanged,
    Settings,
    SettingsChanged,
    SettingsUpdate,
    TracerouteHop,
    TracerouteResult,
    VerifySessionInfo,
)
from app.engine.bus import EventBus, Subscription
from app.engine.listening import check_listen
from app.engine.services import check_local_service

ME = "12D3KooWFakeSelf000000000000000000000000000000000000"
HOME = "12D3KooWFakeHome000000000000000000000000000000000000"
LAPTOP = "12D3KooWPFGkL3yuqH6W4YmhpfNdrkk4hT1RpGYXi3JbS7dCLMy6"
"""A valid peer ID (CLI tests type it); reached through the relay."""
STRANGER = "12D3KooWFakeStranger00000000000000000000000000000000"
DOWN = "12D3KooWHa1ZL7eFxtBNhzaLLwsUP9PTwomRTZCQkUQq2Yfue86Z"
"""A peer that is authorized but never reachable (a valid peer ID, for CLI tests)."""
RELAY = "12D3KooW9tHTtS3inCZiYykw4u5G4frbjVFqhkmJX12gSNCVeH3e"
"""The relay the fake node is configured with (reserved); LAPTOP is reached through it."""
RELAY_ADDR = f"/ip4/203.0.113.7/tcp/7777/p2p/{RELAY}"
BROKEN_RELAY = "12D3KooW9xCm2jWjNVrwh51SWCQBMYdMyeU3NpT85QhLVkF6PcNM"
"""A configured relay whose reservation failed."""
BROKEN_RELAY_ADDR = f"/ip4/198.51.100.9/tcp/7777/p2p/{BROKEN_RELAY}"


def reachability(grade: Grade = Grade.D, *, probed_at: float = 1_700_000_000.0) -> Reachability:
    """A plausible grade with its evidence (symmetric NAT for D, else endpoint-independent)."""
    symmetric = grade is Grade.D
    return Reachability(
        grade=grade,
        reason_code="symmetric-nat" if symmetric else "endpoint-independent",
        reason="Your NAT picks a new port for every destination (symmetric NAT)."
        if symmetric
        else "Your NAT keeps one mapping for every destination.",
        hint="Enable UPnP on your router." if symmetric else "",
        nat_mapping=NatMapping.ADDRESS_DEPENDENT if symmetric else NatMapping.ENDPOINT_INDEPENDENT,
        udp_blocked=False,
        cgnat=False,
        public_addresses=("203.0.113.50:40000",),
        probed_at=probed_at,
    )


class FakeNode:
    """A NodeFacade held in memory; mutations emit the events the real node would.

    Attributes:
        calls: Every facade call, as ``(method, args…)``, for assertions.
        names: The ``names:`` map (name → peer ID).
    """

    def __init__(self, *, bus_buffer: int = 100) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.names: dict[str, str] = {"home": HOME, "laptop": LAPTOP, "down": DOWN}
        self._auth: dict[str, AuthEntry] = {}
        for peer, comment in ((HOME, "home server"), (LAPTOP, "laptop"), (DOWN, "")):
            self._auth[peer] = self._entry(peer, comment)
        self._services: dict[str, ServiceInfo] = {}
        self._added_relays: list[RelayInfo] = []
        self._forwards: dict[str, ForwardInfo] = {}
        self._next_forward = 1
        self._next_port = 40000
        self.bus = EventBus(buffer=bus_buffer)
        self._started = time.time()
        self.reachability: Reachability | None = reachability(Grade.D)
        """Our grade in ``status()``; ``probe_reachability`` turns it into C."""
        self._settings = Settings(
            device_name="fake", network=None, mdns=False, port_mapping=False, hole_punching=True
        )

    # ---- test controls ---------------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Publish ``event`` on the node's (real) event bus."""
        self.bus.publish(event)

    def stop(self) -> None:
        """End every event subscription, as a stopping node does."""
        self.bus.close()

    @property
    def subscriber_count(self) -> int:
        """Number of live event subscriptions."""
        return self.bus.statistics()["subscribers"]

    # ---- helpers ---------------------------------------------------------------------------------

    def _entry(self, peer: str, comment: str) -> AuthEntry:
        name = next((n for n, p in self.names.items() if p == peer), None)
        return AuthEntry(peer_id=peer, comment=comment, verified=False, attributes=(), name=name)

    def _peer_id(self, peer: str) -> str:
        if peer in self.names:
            return self.names[peer]
        if peer.startswith("12D3KooW"):
            return peer
        raise UnknownPeerError(
            f"Unknown peer {peer!r}.", hint="Use a name from `names:` or a peer ID."
        )

    def _path(self, peer_id: str) -> PathInfo:
        return PathInfo(
            peer_id=peer_id,
            path_type=PathType.DIRECT,
            address="/ip4/192.0.2.7/tcp/4001",
            transport="tcp",
            ip_version="ipv4",
            connected_at=self._started,
            rtt_ms=1.5,
        )

    # ---- NodeFacade ------------------------------------------------------------------------------

    @property
    def peer_id(self) -> str:
        return ME

    def status(self) -> NodeStatus:
        self.calls.append(("status",))
        return NodeStatus(
            peer_id=ME,
            version="0.0.0-test",
            uptime_seconds=time.time() - self._started,
            listen_addresses=("/ip4/127.0.0.1/tcp/4001",),
            connected_peers=1,
            authorized_peers=len(self._auth),
            services=sum(1 for s in self._services.values() if s.enabled),
            forwards=len(self._forwards),
            config_path="/tmp/peerup/config.yaml",
            relays=(
                RelayInfo(
                    address=RELAY_ADDR,
                    peer_id=RELAY,
                    reserved=True,
                    expires_at=self._started + 3600,
                ),
                RelayInfo(
                    address=BROKEN_RELAY_ADDR,
                    peer_id=BROKEN_RELAY,
                    reserved=False,
                    error="connection refused",
                    error_code="relay-unreachable",
                ),
                *self._added_relays,
            ),
            circuit_addresses=(f"{RELAY_ADDR}/p2p-circuit/p2p/{ME}",),
            relay_service=False,
            reachability=self.reachability,
        )

    def peers(self, *, include_unauthorized: bool = False) -> list[PeerInfo]:
        self.calls.append(("peers", include_unauthorized))
        result = [
            PeerInfo(
                peer_id=entry.peer_id,
                name=entry.name,
                authorized=True,
                verified=False,
                connected=entry.peer_id == HOME,
                comment=entry.comment,
                path=self._path(HOME) if entry.peer_id == HOME else None,
                reachability=reachability(Grade.B) if entry.peer_id == HOME else None,
                expected_path=PathType.RELAYED if entry.peer_id == DOWN else None,
            )
            for entry in self._auth.values()
        ]
        if include_unauthorized:
            result.append(
                PeerInfo(
                    peer_id=STRANGER, name=None, authorized=False, verified=False, connected=True
                )
            )
        return result

    def paths(self) -> list[PathInfo]:
        self.calls.append(("paths",))
        return [self._path(HOME)]

    def services(self) -> list[ServiceInfo]:
        self.calls.append(("services",))
        return list(self._services.values())

    def expose_service(
        self,
        name: str,
        local_address: str,
        allowed_peers: Sequence[str] = (),
        *,
        persist: bool = False,
        verified_only: bool = False,
    ) -> ServiceInfo:
        self.calls.append(("expose_service", name, local_address, tuple(allowed_peers), persist))
        if name in self._services:
            raise AlreadyExistsError(f"Service {name!r} is already exposed.")
        if ":" not in local_address:
            raise InvalidAddressError(
                f"{local_address!r} is not host:port.", hint="For example localhost:22."
            )
        info = ServiceInfo(
            name=name,
            protocol_id=f"/peerup/{name}/1.0.0",
            local_address=local_address,
            enabled=True,
            allowed_peers=tuple(self._peer_id(p) for p in allowed_peers),
            verified_only=verified_only,
        )
        self._services[name] = info
        self.emit(ServicesChanged(services=tuple(self._services.values())))
        return info

    def unexpose_service(self, name: str, *, persist: bool = False) -> None:
        self.calls.append(("unexpose_service", name, persist))
        if self._services.pop(name, None) is None:
            raise ServiceNotFoundError(f"No service named {name!r} is exposed.")
        self.emit(ServicesChanged(services=tuple(self._services.values())))

    def set_service_enabled(self, name: str, enabled: bool) -> ServiceInfo:
        """A disabled service stays listed, ``enabled`` False (as the node lists it)."""
        self.calls.append(("set_service_enabled", name, enabled))
        info = self._services.get(name)
        if info is None:
            raise NotFoundError(f"service {name!r} is not configured")
        if info.enabled != enabled:
            info = self._services[name] = dataclasses.replace(info, enabled=enabled)
            self.emit(ServicesChanged(services=tuple(self._services.values())))
        return info

    def add_relay(self, address: str) -> RelayInfo:
        self.calls.append(("add_relay", address))
        if "/p2p/" not in address:
            raise InvalidAddressError(f"{address} must end with /p2p/<relay peer ID>")
        if any(r.address == address for r in self.status().relays):
            raise AlreadyExistsError(f"relay {address} is configured already")
        info = RelayInfo(address=address, peer_id=address.rsplit("/p2p/", 1)[1], reserved=False)
        self._added_relays.append(info)
        self.emit(RelaysChanged(relays=self.status().relays))
        return info

    def remove_relay(self, relay: str) -> str:
        self.calls.append(("remove_relay", relay))
        for info in self._added_relays:
            if relay in (info.address, info.peer_id):
                self._added_relays.remove(info)
                self.emit(RelaysChanged(relays=self.status().relays))
                return info.address
        raise NotFoundError(f"no relay {relay} in relay.addresses")

    def invites(self) -> list[InviteInfo]:
        return []

    def settings(self) -> Settings:
        self.calls.append(("settings",))
        return self._settings

    def update_settings(self, change: SettingsUpdate) -> Settings:
        """Names with a space are refused (``invalid-name``), networks in capitals
        (``invalid-network``), as the real node's naming rules would."""
        device_name, network, clear_network = (
            change.device_name,
            change.network,
            change.clear_network,
        )
        mdns, port_mapping, hole_punching = change.mdns, change.port_mapping, change.hole_punching
        self.calls.append(("update_settings", device_name, network, clear_network))
        if device_name is not None and " " in device_name:
            raise InvalidNameError(f"invalid peer name {device_name!r}")
        if (network and network != network.lower()) or (network and clear_network):
            raise InvalidNetworkError(f"invalid network name {network!r}")
        current = self._settings
        self._settings = dataclasses.replace(
            current,
            device_name=current.device_name if device_name is None else device_name or "fake",
            network=None if clear_network or network == "" else network or current.network,
            mdns=current.mdns if mdns is None else mdns,
            port_mapping=current.port_mapping if port_mapping is None else port_mapping,
            hole_punching=current.hole_punching if hole_punching is None else hole_punching,
        )
        self.emit(SettingsChanged(settings=self._settings))
        return self._settings

    def forwards(self) -> list[ForwardInfo]:
        self.calls.append(("forwards",))
        return list(self._forwards.values())

    async def open_forward(
        self, peer: str, service: str, listen: str, *, persist: bool = False
    ) -> ForwardInfo:
        """A saved forward (``persist``) gets the id ``cfg-<host>:<port>``."""
        self.calls.append(("open_forward", peer, service, listen, persist))
        await trio.lowlevel.checkpoint()
        peer_id = self._peer_id(peer)
        if peer_id == DOWN:
            raise PeerUnreachableError(f"Cannot reach {peer}.", hint="Is it online?")
        host, _, port = listen.rpartition(":")
        if port == "0":
            port = str(self._next_port)
            self._next_port += 1
        info = ForwardInfo(
            id=f"cfg-{host}:{port}" if persist else f"fwd-{self._next_forward}",
            peer_id=peer_id,
            peer_name=peer if peer in self.names else None,
            service=service,
            listen_address=f"{host}:{port}",
            state=ForwardState.LISTENING,
            persistent=persist,
        )
        self._next_forward += 1
        self._forwards[info.id] = info
        self.emit(ForwardChanged(forward=info))
        return info

    async def close_forward(self, forward_id: str) -> None:
        self.calls.append(("close_forward", forward_id))
        await trio.lowlevel.checkpoint()
        info = self._forwards.pop(forward_id, None)
        if info is None:
            raise ForwardNotFoundError(f"No forward {forward_id!r}.")
        self.emit(ForwardChanged(forward=dataclasses.replace(info, state=ForwardState.CLOSED)))

    async def peer_services(self, peer: str) -> list[str]:
        """HOME offers ssh and web; DOWN cannot be reached; the others offer nothing."""
        self.calls.append(("peer_services", peer))
        await trio.lowlevel.checkpoint()
        peer_id = self._peer_id(peer)
        if peer_id == DOWN:
            raise PeerUnreachableError(f"Cannot reach {peer}.", hint="Is it online?")
        return ["ssh", "web"] if peer_id == HOME else []

    async def check_listen(self, listen: str) -> ListenCheck:
        """The engine's own check, on this machine; the fake's forwards count as used."""
        self.calls.append(("check_listen", listen))
        taken = [parse_host_port(f.listen_address) for f in self._forwards.values()]
        return await check_listen(listen, taken)

    async def check_service(self, local_address: str) -> ServiceCheck:
        """The engine's own check, on this machine."""
        self.calls.append(("check_service", local_address))
        return await check_local_service(local_address)

    async def set_forward_enabled(self, forward_id: str, enabled: bool) -> ForwardInfo:
        self.calls.append(("set_forward_enabled", forward_id, enabled))
        await trio.lowlevel.checkpoint()
        info = self._forwards.get(forward_id)
        if info is None:
            raise ForwardNotFoundError(f"No forward {forward_id!r}.")
        if not info.persistent:
            raise ForwardNotSavedError(f"forward {forward_id} is not saved")
        state = ForwardState.LISTENING if enabled else ForwardState.STOPPED
        info = dataclasses.replace(info, state=state, enabled=enabled)
        self._forwards[forward_id] = info
        self.emit(ForwardChanged(forward=info))
        return info

    def auth_entries(self) -> list[AuthEntry]:
        self.calls.append(("auth_entries",))
        return list(self._auth.values())

    def authorize(self, peer: str, comment: str = "") -> AuthEntry:
        self.calls.append(("authorize", peer, comment))
        peer_id = self._peer_id(peer)
        if peer_id in self._auth:
            raise AlreadyExistsError(f"{peer_id} is already authorized.")
        entry = self._entry(peer_id, comment)
        self._auth[peer_id] = entry
        self.emit(AuthorizedKeysChanged(authorized_peers=len(self._auth)))
        return entry

    def deauthorize(self, peer: str) -> None:
        self.calls.append(("deauthorize", peer))
        peer_id = self._peer_id(peer)
        if self._auth.pop(peer_id, None) is None:
            raise NotFoundError(f"{peer_id} is not authorized.")
        self.emit(AuthorizedKeysChanged(authorized_peers=len(self._auth)))

    def rename_peer(self, peer: str, name: str) -> AuthEntry:
        self.calls.append(("rename_peer", peer, name))
        peer_id = self._peer_id(peer)
        if peer_id not in self._auth:
            raise NotFoundError(f"{peer_id} is not authorized.")
        for old in [n for n, p in self.names.items() if p == peer_id]:
            del self.names[old]
        self.names[name] = peer_id
        self._auth[peer_id] = dataclasses.replace(self._auth[peer_id], name=name)
        self.emit(AuthorizedKeysChanged(authorized_peers=len(self._auth)))
        return self._auth[peer_id]

    # ---- verification (the protocol itself runs only between real nodes) ------------------------

    def set_verified(self, peer: str, verified: bool) -> AuthEntry:
        self.calls.append(("set_verified", peer, verified))
        peer_id = self._peer_id(peer)
        if peer_id not in self._auth:
            raise NotFoundError(f"{peer_id} is not authorized.")
        entry = dataclasses.replace(
            self._auth[peer_id],
            verified=verified,
            verified_value="sha256:00000000" if verified else None,
        )
        self._auth[peer_id] = entry
        return entry

    async def start_verify(self, peer: str) -> VerifySessionInfo:
        self.calls.append(("start_verify", peer))
        raise VerifyUnsupportedError(f"peer {self._peer_id(peer)} does not support verify")

    def verify_sessions(self) -> list[VerifySessionInfo]:
        return []

    async def answer_verify(self, session_id: str, match: bool) -> VerifySessionInfo:
        raise VerificationError("not-found", f"no verification with id {session_id!r}")

    async def wait_verify_change(self, session_id: str) -> VerifySessionInfo:
        raise VerificationError("not-found", f"no verification with id {session_id!r}")

    async def cancel_verify(self, session_id: str) -> None:
        raise VerificationError("not-found", f"no verification with id {session_id!r}")

    def resolve(self, name: str) -> Resolved:
        self.calls.append(("resolve", name))
        peer_id = self._peer_id(name)
        return Resolved(
            name=name, peer_id=peer_id, source="names" if name in self.names else "peer-id"
        )

    def ping(self, peer: str, *, count: int, interval: float) -> AsyncIterator[PingResult]:
        self.calls.append(("ping", peer, count, interval))
        peer_id = self._peer_id(peer)  # fails before the first result, like the real node
        return self._ping(peer_id, count, interval)

    async def _ping(self, peer_id: str, count: int, interval: float) -> AsyncIterator[PingResult]:
        for seq in range(1, count + 1):
            if seq > 1:
                await trio.sleep(interval)
            if peer_id == DOWN:
                yield PingResult(seq=seq, peer_id=peer_id, rtt_ms=None, path=None, error="timeout")
            else:
                yield PingResult(seq=seq, peer_id=peer_id, rtt_ms=float(seq), path=PathType.DIRECT)

    async def connect(self, peer: str, addresses: Sequence[str] = ()) -> PathInfo:
        self.calls.append(("connect", peer, tuple(addresses)))
        await trio.lowlevel.checkpoint()
        peer_id = self._peer_id(peer)
        if peer_id == DOWN:
            raise PeerUnreachableError(f"Cannot reach {peer}.")
        return self._path(peer_id)

    async def disconnect(self, peer: str) -> None:
        self.calls.append(("disconnect", peer))
        await trio.lowlevel.checkpoint()
        self._peer_id(peer)

    async def probe_reachability(self) -> Reachability:
        self.calls.append(("probe_reachability",))
        await trio.lowlevel.checkpoint()
        self.reachability = dataclasses.replace(
            reachability(Grade.B),
            grade=Grade.C,
            reason_code="tcp-only",
            reason="UDP is blocked, but your TCP port keeps one mapping.",
            hint="Allow outbound UDP on your network.",
            probed_at=time.time(),
        )
        self.emit(ReachabilityChanged(peer_id=ME, reachability=self.reachability))
        return self.reachability

    async def traceroute(self, peer: str) -> TracerouteResult:
        """HOME is direct (one hop), LAPTOP relayed (two hops), DOWN unreachable."""
        self.calls.append(("traceroute", peer))
        await trio.lowlevel.checkpoint()
        peer_id = self._peer_id(peer)
        name = peer if peer in self.names else None
        if peer_id == DOWN:
            raise PeerUnreachableError(f"Cannot reach {peer}.", hint="Is it online?")
        if peer_id == LAPTOP:
            hops = (
                TracerouteHop(1, RELAY, "relay-server/0.1.0", "/ip4/203.0.113.7/tcp/7777", 12.25),
                TracerouteHop(2, LAPTOP, name, f"{RELAY_ADDR}/p2p-circuit/p2p/{LAPTOP}", 30.5),
            )
            return TracerouteResult(target=peer, peer_id=peer_id, path=PathType.RELAYED, hops=hops)
        hop = TracerouteHop(1, peer_id, name, "/ip4/192.0.2.7/tcp/4001", 1.5)
        return TracerouteResult(target=peer, peer_id=peer_id, path=PathType.DIRECT, hops=(hop,))

    def subscribe(self) -> AbstractAsyncContextManager[Subscription]:
        return self.bus.subscribe()
