"""What a valid config.yaml means: the frozen dataclasses, their defaults and the known keys.

Nothing here reads YAML: :mod:`app.core.config.parse` fills these in from the document, and
:func:`config_to_dict` turns a :class:`Config` back into plain data for ``peerup config show``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path

from app.core.ids.names import default_device_name, service_protocol_id
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.status import ServiceInfo, Settings

CONFIG_VERSION = 1
DEFAULT_PING_PROTOCOL = "/pingpong/1.0.0"
DEFAULT_RESERVATION_INTERVAL = 120.0
DEFAULT_PROBATION_TIMEOUT = 15.0  # a stranger's first (and each next) step while pairing


@dataclass(frozen=True)
class ServiceConfig:
    """A local TCP service exposed to peers as ``/peerup/<name>/1.0.0``.

    Attributes:
        name: DNS-label service name.
        local_address: ``host:port`` the service listens on.
        enabled: Registered when the daemon starts.
        allowed_peers: Peer IDs allowed to use it; empty means every authorized peer.
        protocol: Informational only (the reference ignores it at runtime too).
        verified_only: Admit only peers whose key a human verified (``peerup verify``);
            others get a clear "not verified" refusal.
    """

    name: str
    local_address: str
    enabled: bool = True
    allowed_peers: tuple[str, ...] = ()
    protocol: str = ""
    verified_only: bool = False

    def info(self) -> ServiceInfo:
        """This entry as front ends show a service (no counters: they belong to a daemon)."""
        return ServiceInfo(
            name=self.name,
            protocol_id=service_protocol_id(self.name),
            local_address=self.local_address,
            enabled=self.enabled,
            allowed_peers=self.allowed_peers,
            verified_only=self.verified_only,
        )


@dataclass(frozen=True)
class ForwardConfig:
    """A local port that forwards to a peer's service, opened when the daemon starts.

    Attributes:
        peer: A name from ``names`` or a peer ID.
        service: The remote service name.
        listen: Local ``host:port`` to listen on.
        enabled: Opened at start (false: listed, stopped, its port kept for it).
    """

    peer: str
    service: str
    listen: str
    enabled: bool = True

    @property
    def forward_id(self) -> str:
        """The id of the forward this entry makes (see :func:`saved_forward_id`)."""
        return saved_forward_id(self.listen)


def saved_forward_id(listen: str) -> str:
    """The id of a saved forward: ``cfg-`` and its listen address (``cfg-127.0.0.1:2222``).

    It stays the same across restarts, so front ends can address the forward.

    Raises:
        InvalidAddressError: ``listen`` is not host:port.
    """
    return "cfg-" + format_host_port(*parse_host_port(listen))


def saved_forward_ids(entries: tuple[ForwardConfig, ...]) -> dict[str, ForwardConfig]:
    """Each ``forwards:`` entry by the id of its forward, in order (``-2``, ``-3``… after an
    address seen before: only entries on port 0 may share one).

    Raises:
        InvalidAddressError: An entry's ``listen`` is not host:port (a parsed config's is).
    """
    ids: dict[str, ForwardConfig] = {}
    for entry in entries:
        base = saved_forward_id(entry.listen)
        forward_id, n = base, 1
        while forward_id in ids:
            n += 1
            forward_id = f"{base}-{n}"
        ids[forward_id] = entry
    return ids


@dataclass(frozen=True)
class AutoRelayConfig:
    """Limits of the relay a node runs by itself (``relay_service.auto:``).

    Every peer is a relay: a node that a relay confirmed publicly dialable (grade A) relays for
    its authorized peers without ``relay_service.enabled``. That hop is for a peer's circuit
    while hole punching upgrades it, and a fallback, not a relay service, so its limits are
    small, as the Go peer-up's (10 min and 128 KiB per circuit).
    """

    max_reservations: int = 32
    max_reservations_per_ip: int = 4
    max_circuits: int = 16
    max_circuits_per_peer: int = 4
    reservation_ttl: float = 3600.0
    session_duration: float = 600.0
    session_data_limit: int = 128 << 10


@dataclass(frozen=True)
class RelayServiceConfig:
    """Limits of this node's circuit relay service (``relay_service:``; used by ``relay serve``).

    The defaults carry real traffic (an hour and 1 GiB per circuit), unlike libp2p's 2 min and
    128 KiB, which only suffice for hole-punch signalling. ``auto`` holds the limits of the
    relay a publicly dialable node runs for its peers when ``enabled`` is false.
    """

    enabled: bool = False
    max_reservations: int = 128
    max_reservations_per_ip: int = 8
    max_circuits: int = 64
    max_circuits_per_peer: int = 16
    reservation_ttl: float = 3600.0
    session_duration: float = 3600.0
    session_data_limit: int = 1 << 30
    health_port: int = 0  # /healthz on 127.0.0.1:<port> while relaying; 0 = off
    # With enabled: reservations, circuits and dial-back for any peer that connects, not only
    # authorized ones (the gate then admits strangers; they may open the hop, dial-back and
    # identify only). Never for the automatic hop of a node that is publicly dialable.
    open_reservations: bool = False
    auto: AutoRelayConfig = field(default_factory=AutoRelayConfig)


@dataclass(frozen=True)
class Config:
    """A validated configuration with every default applied and every path absolute."""

    path: Path
    version: int
    key_file: Path
    listen_addresses: tuple[str, ...]
    identity_name: str | None = None  # identity.name: the device name announced; None: host name
    enable_quic: bool = False
    stun_servers: tuple[str, ...] = ()  # "host:port"; none by default (no third party is asked)
    hole_punching: bool = True  # upgrade relayed connections with DCUtR
    # Ask the router (UPnP IGD or NAT-PMP) to forward our TCP port. Off by default: it opens a
    # port on the user's router and multicasts SSDP on the LAN, neither should happen unasked.
    port_mapping: bool = False
    relay_addresses: tuple[str, ...] = ()
    reservation_interval: float = DEFAULT_RESERVATION_INTERVAL
    network: str | None = None
    bootstrap_peers: tuple[str, ...] = ()
    mdns: bool = False  # find peers on the local network (multicast DNS); off: it announces us
    authorized_keys_file: Path = field(default_factory=Path)
    enable_connection_gating: bool = True
    # A stranger admitted while an invite or a pairing group is open is dropped after this many
    # seconds without a protocol step (issue 15: nobody can hold the few slots).
    probation_timeout: float = DEFAULT_PROBATION_TIMEOUT
    ping_enabled: bool = True
    ping_protocol: str = DEFAULT_PING_PROTOCOL
    services: tuple[ServiceConfig, ...] = ()
    names: tuple[tuple[str, str], ...] = ()
    peer_addresses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    forwards: tuple[ForwardConfig, ...] = ()
    relay_service: RelayServiceConfig = field(default_factory=RelayServiceConfig)

    @property
    def device_name(self) -> str:
        """The name this device announces: ``identity.name``, else the host name's."""
        return self.identity_name or default_device_name()

    def settings(self) -> Settings:
        """The preferences front ends edit (see :class:`~app.core.status.Settings`)."""
        return Settings(
            device_name=self.device_name,
            network=self.network,
            mdns=self.mdns,
            port_mapping=self.port_mapping,
            hole_punching=self.hole_punching,
        )

    def name_for(self, peer_id: str) -> str | None:
        """Return the first name configured for ``peer_id``, or None."""
        for name, pid in self.names:
            if pid == peer_id:
                return name
        return None

    def peer_id_for(self, name: str) -> str | None:
        """Return the peer ID configured under ``name``, or None."""
        for n, pid in self.names:
            if n == name:
                return pid
        return None


SETTINGS_KEYS = frozenset(
    {
        "identity.name",
        "discovery.network",
        "discovery.mdns",
        "network.port_mapping",
        "network.hole_punching",
    }
)
"""The keys of :func:`changed_keys` that :meth:`Config.settings` shows."""

TOP_KEYS = (
    "version",
    "identity",
    "network",
    "relay",
    "discovery",
    "security",
    "protocols",
    "services",
    "names",
    "peer_addresses",
    "forwards",
    "relay_service",
)
RELAY_SERVICE_KEYS = tuple(f.name for f in fields(RelayServiceConfig))
AUTO_RELAY_KEYS = tuple(f.name for f in fields(AutoRelayConfig))
# Written by the Go peer-up; accepted so its configs load, but not used.
IGNORED_KEYS = {
    "": ("telemetry",),
    "network": ("force_private_reachability", "resource_limits_enabled"),
    "discovery": ("rendezvous",),
}


def config_to_dict(config: Config) -> dict[str, object]:
    """Return the resolved config as plain JSON-able data (paths as text)."""
    return {
        "path": str(config.path),
        "version": config.version,
        "identity": {"key_file": str(config.key_file), "name": config.identity_name},
        "network": {
            "listen_addresses": list(config.listen_addresses),
            "enable_quic": config.enable_quic,
            "stun_servers": list(config.stun_servers),
            "hole_punching": config.hole_punching,
            "port_mapping": config.port_mapping,
        },
        "relay": {
            "addresses": list(config.relay_addresses),
            "reservation_interval": config.reservation_interval,
        },
        "discovery": {
            "network": config.network,
            "bootstrap_peers": list(config.bootstrap_peers),
            "mdns": config.mdns,
        },
        "security": {
            "authorized_keys_file": str(config.authorized_keys_file),
            "enable_connection_gating": config.enable_connection_gating,
            "probation_timeout": config.probation_timeout,
        },
        "protocols": {
            "ping_pong": {"enabled": config.ping_enabled, "id": config.ping_protocol},
        },
        "services": {
            s.name: {
                "enabled": s.enabled,
                "local_address": s.local_address,
                "allowed_peers": list(s.allowed_peers),
                "protocol": s.protocol,
                "verified_only": s.verified_only,
            }
            for s in config.services
        },
        "names": dict(config.names),
        "peer_addresses": {peer: list(addrs) for peer, addrs in config.peer_addresses},
        "forwards": [
            {"peer": f.peer, "service": f.service, "listen": f.listen, "enabled": f.enabled}
            for f in config.forwards
        ],
        "relay_service": dataclasses.asdict(config.relay_service),
    }


_WHOLE_SECTIONS = frozenset({"services", "names", "peer_addresses", "forwards"})


def changed_keys(old: Config, new: Config) -> tuple[str, ...]:
    """What differs between two configs, as the ``config-changed`` event names it.

    Sections that are collections (``services``, ``names``, ``peer_addresses``, ``forwards``)
    are named whole; the others by ``section.key`` (``relay.addresses``,
    ``network.port_mapping``…). Top-level scalars (``version``, ``path``) by their own name.

    Returns:
        The changed keys, in the order of :func:`config_to_dict`.
    """
    before, after = config_to_dict(old), config_to_dict(new)
    keys: list[str] = []
    for section, value in after.items():
        previous = before.get(section)
        if previous == value:
            continue
        if section in _WHOLE_SECTIONS or not isinstance(value, dict):
            keys.append(section)
            continue
        assert isinstance(previous, dict)
        keys += [
            f"{section}.{key}"
            for key in dict.fromkeys([*previous, *value])
            if previous.get(key) != value.get(key)
        ]
    return tuple(keys)
