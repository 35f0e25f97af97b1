"""Status snapshots and events: the closed set of facts the engine reports to front ends.

These are frozen dataclasses shared by the engine (which produces them) and the local API (which
serialises them with msgspec). They never carry secrets. Peer IDs are base58 strings here so
that the types serialise without custom hooks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class PathType(enum.StrEnum):
    """How bytes reach a peer."""

    DIRECT = "DIRECT"
    RELAYED = "RELAYED"


class ForwardState(enum.StrEnum):
    """Life cycle of one forward (a local listener bound to a peer's service)."""

    STARTING = "starting"
    LISTENING = "listening"  # accepting local connections; peer reachable or not yet tried
    FAILED = "failed"  # listener could not start; see ``last_error``
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class PathInfo:
    """The path currently used for one connected peer."""

    peer_id: str
    path_type: PathType
    address: str  # remote multiaddr of the connection in use
    transport: str  # "tcp", "quic", "unknown"
    ip_version: str  # "ipv4", "ipv6", "unknown"
    connected_at: float  # unix time
    rtt_ms: float | None = None


@dataclass(frozen=True, slots=True)
class PeerInfo:
    """A peer we know of: authorized, connected, or both."""

    peer_id: str
    name: str | None
    authorized: bool
    verified: bool
    connected: bool
    comment: str = ""
    addresses: tuple[str, ...] = ()
    agent_version: str | None = None
    path: PathInfo | None = None


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """A local TCP service exposed to peers."""

    name: str
    protocol_id: str
    local_address: str
    enabled: bool
    allowed_peers: tuple[str, ...] = ()  # empty: every authorized peer
    streams_total: int = 0
    streams_active: int = 0
    errors: int = 0


@dataclass(frozen=True, slots=True)
class ForwardInfo:
    """A local TCP listener whose connections reach a service on a peer."""

    id: str
    peer_id: str
    peer_name: str | None
    service: str
    listen_address: str  # "127.0.0.1:2222"
    state: ForwardState
    connections_total: int = 0
    connections_active: int = 0
    bytes_up: int = 0  # local client → peer
    bytes_down: int = 0  # peer → local client
    errors: int = 0
    last_error: str | None = None
    verified: bool = False


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """A snapshot of the whole node."""

    peer_id: str
    version: str
    uptime_seconds: float
    listen_addresses: tuple[str, ...]
    connected_peers: int
    authorized_peers: int
    services: int
    forwards: int
    config_path: str
    network: str | None = None  # private DHT namespace, None for the global one
    quic_enabled: bool = False


@dataclass(frozen=True, slots=True)
class PingResult:
    """One ping round trip, or its failure."""

    seq: int
    peer_id: str
    rtt_ms: float | None
    path: PathType | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PingStats:
    """Summary of a ping run (only successful pings count towards min/avg/max)."""

    sent: int
    received: int
    lost: int
    loss_pct: float
    min_ms: float | None
    avg_ms: float | None
    max_ms: float | None

    @classmethod
    def from_results(cls, results: list[PingResult]) -> PingStats:
        """Summarise ping results."""
        rtts = [r.rtt_ms for r in results if r.error is None and r.rtt_ms is not None]
        sent = len(results)
        lost = sent - len(rtts)
        return cls(
            sent=sent,
            received=len(rtts),
            lost=lost,
            loss_pct=(100.0 * lost / sent) if sent else 0.0,
            min_ms=min(rtts) if rtts else None,
            avg_ms=(sum(rtts) / len(rtts)) if rtts else None,
            max_ms=max(rtts) if rtts else None,
        )


@dataclass(frozen=True, slots=True)
class AuthEntry:
    """One line of authorized_keys, as shown to users."""

    peer_id: str
    comment: str
    verified: str | None  # e.g. "sha256:9724b150", None when unverified
    attributes: tuple[tuple[str, str], ...]
    name: str | None  # the ``names:`` entry pointing at this peer, if any


@dataclass(frozen=True, slots=True)
class Resolved:
    """A peer name resolved to a peer ID."""

    name: str
    peer_id: str
    source: str  # "names" (config) or "peer-id" (the input was an ID)


# ---- events (past-tense facts) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeerConnected:
    """A connection to a peer was established (first connection only)."""

    peer_id: str
    path: PathInfo | None = None
    kind: str = field(default="peer-connected", init=False)


@dataclass(frozen=True, slots=True)
class PeerDisconnected:
    """The last connection to a peer closed."""

    peer_id: str
    kind: str = field(default="peer-disconnected", init=False)


@dataclass(frozen=True, slots=True)
class PathChanged:
    """The path used for a peer changed (e.g. relayed → direct)."""

    peer_id: str
    path: PathInfo
    kind: str = field(default="path-changed", init=False)


@dataclass(frozen=True, slots=True)
class ForwardChanged:
    """A forward was opened, changed state, or closed; counters are a fresh snapshot."""

    forward: ForwardInfo
    kind: str = field(default="forward-changed", init=False)


@dataclass(frozen=True, slots=True)
class ServicesChanged:
    """The set of exposed services changed."""

    services: tuple[ServiceInfo, ...]
    kind: str = field(default="services-changed", init=False)


@dataclass(frozen=True, slots=True)
class AuthorizedKeysChanged:
    """authorized_keys was reloaded (by an API call or an edit of the file)."""

    authorized_peers: int
    kind: str = field(default="authorized-keys-changed", init=False)


@dataclass(frozen=True, slots=True)
class ConnectionRefused:
    """An inbound connection from a peer not in authorized_keys was refused."""

    peer_id: str
    address: str
    kind: str = field(default="connection-refused", init=False)


Event = (
    PeerConnected
    | PeerDisconnected
    | PathChanged
    | ForwardChanged
    | ServicesChanged
    | AuthorizedKeysChanged
    | ConnectionRefused
)
