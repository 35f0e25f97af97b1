"""Status snapshots and events: the closed set of facts the engine reports to front ends.

These are frozen dataclasses shared by the engine (which produces them) and the local API (which
serialises them with msgspec). They never carry secrets. Peer IDs are base58 strings here so
that the types serialise without custom hooks.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated

import msgspec

from app.core.circuitlimit import CircuitLimit
from app.core.peers.addrbook import RememberedAddress


class PathType(enum.StrEnum):
    """How bytes reach a peer."""

    DIRECT = "DIRECT"
    RELAYED = "RELAYED"


class ForwardState(enum.StrEnum):
    """Life cycle of one forward (a local listener bound to a peer's service)."""

    STARTING = "starting"
    LISTENING = "listening"  # accepting local connections; peer reachable or not yet tried
    FAILED = "failed"  # listener could not start; see ``last_error``
    STOPPED = "stopped"  # a saved forward switched off: still listed, no listener
    CLOSED = "closed"  # gone (closed, or its saved entry removed)


class Grade(enum.StrEnum):
    """How reachable this node is, best (A) to worst (F); see app.core.reach.reachability."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class NatMapping(enum.StrEnum):
    """How the NAT in front of us maps one local UDP port, as seen by STUN (RFC 4787 terms)."""

    NO_NAT = "no-nat"  # the mapped address is our own interface address and port
    ENDPOINT_INDEPENDENT = "endpoint-independent"  # same mapping whatever the destination
    ADDRESS_DEPENDENT = "address-dependent"  # a new mapping per destination ("symmetric")
    UNKNOWN = "unknown"  # not enough answers to tell


class LanDialOutcome(enum.StrEnum):
    """How a dial of a relayed peer's private (LAN) addresses went."""

    TRYING = "trying"
    WORKED = "worked"  # a direct connection came up (ours, or the peer's dial at the same time)
    FAILED = "failed"  # none of the addresses answered in time


@dataclass(frozen=True, slots=True)
class LanDial:
    """The last dial of a relayed peer's LAN addresses (app.core.reach.samenat.LanDialPlan)."""

    addresses: tuple[str, ...]  # the peer's own LAN addresses that were dialled
    same_nat: bool  # some lie on none of our subnets: dialled because we share its public IP
    outcome: LanDialOutcome
    at: float  # unix time of the outcome (of the start while "trying")
    address: str = ""  # the one that connected ("worked" by our dial)
    retry_at: float | None = None  # unix time from which the same addresses are dialled again


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
    verified: bool = False  # the peer's key was verified by a human (app.core.peers.trust)
    lan_dial: LanDial | None = None  # the last dial of the peer's LAN addresses, if any


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
    reachability: Reachability | None = None  # the grade the peer last told us
    expected_path: PathType | None = None  # what both grades predict, until a path is observed
    # Direct addresses it was last reached at (app/core/peers/addrbook.py), tried first on the
    # next dial.
    remembered_addresses: tuple[RememberedAddress, ...] = ()
    # "peer", or "relay": a relay in authorized_keys with role=relay (it carries circuits and
    # introduces its group's members; no peer: listed only among the others, never as a peer).
    role: str = "peer"
    # Its authorized_keys line has expired (``expires=``): listed, but ``authorized`` is False.
    expired: bool = False


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """A local TCP service exposed to peers, or configured and switched off.

    ``enabled`` is whether the node exposes it now: a service with ``enabled: false`` in the
    config is listed too, ``enabled`` False and its counters 0, so front ends can enable it.
    """

    name: str
    protocol_id: str
    local_address: str
    enabled: bool
    allowed_peers: tuple[str, ...] = ()  # empty: every authorized peer
    verified_only: bool = False  # only peers a human verified may use it
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
    # Stable kebab-case code of ``last_error`` (front ends translate by it), e.g.
    # "peer-unreachable", "connection-broken", "too-many-connections".
    last_error_code: str | None = None
    rate_up: float = 0.0  # bytes/s local client → peer, over the last second or so
    rate_down: float = 0.0  # bytes/s peer → local client; both 0 once the forward is idle
    # Saved in config.yaml (``forwards:``): opened at every start, its id (``cfg-<host>:<port>``)
    # stays the same across restarts.
    persistent: bool = False
    enabled: bool = True  # a saved forward switched off is STOPPED, enabled False


@dataclass(frozen=True, slots=True)
class ListenCheck:
    """Whether a forward could listen on an address (``POST forwards/check``).

    Attributes:
        listen: The address checked, as ``host:port``.
        free: Nothing (no program, no other forward) has it, and we may listen there.
        suggestion: When not free: a free address near it (the next ports up, same host), or
            None when none was found (or another port would not help).
        error: Why not, in English.
        error_code: Stable code of ``error``: ``used-by-forward``, ``address-in-use``,
            ``permission-denied``, ``address-not-available``, ``unknown-host``, ``cannot-listen``.
    """

    listen: str
    free: bool
    suggestion: str | None = None
    error: str | None = None
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceCheck:
    """Whether a local TCP service answers (``POST services/check``): one connect, closed at once.

    Attributes:
        local_address: The address checked, as ``host:port``.
        answers: A TCP connection was accepted.
        error: Why not, in English.
        error_code: Stable code of ``error``: ``connection-refused``, ``timeout``,
            ``unknown-host``, ``unreachable``.
        connect_ms: How long the connect took.
    """

    local_address: str
    answers: bool
    error: str | None = None
    error_code: str | None = None
    connect_ms: float | None = None


@dataclass(frozen=True, slots=True)
class RelayInfo:
    """One configured relay, as the node's relay client sees it."""

    address: str  # full multiaddr with /p2p/<relay>
    peer_id: str
    reserved: bool
    expires_at: float | None = None  # unix time the reservation ends
    error: str | None = None  # why the last reservation attempt failed
    # Stable code of ``error``: "relay-unreachable" or "reservation-refused".
    error_code: str | None = None
    # What the relay grants each relayed connection to us (circuit relay v2's ``Limit``): bytes
    # per direction and seconds; None when unlimited (or not reserved).
    limit_data: int | None = None
    limit_duration: int | None = None

    @property
    def limit(self) -> CircuitLimit | None:
        """The granted limit, None when unlimited."""
        if self.limit_data is None and self.limit_duration is None:
            return None
        return CircuitLimit(duration=self.limit_duration, data=self.limit_data)


@dataclass(frozen=True, slots=True)
class PortMappingInfo:
    """A port our router forwards to us, over UPnP IGD or NAT-PMP (``network.port_mapping``)."""

    protocol: str  # "TCP"
    external_address: str  # "ip:port" on the router's public side
    internal_address: str  # "ip:port" of this machine's listener
    gateway: str  # UPnP: the router's control URL; NAT-PMP: its IP address
    expires_at: float | None  # unix time the lease ends; None for a permanent mapping
    method: str = "upnp"  # how it was made: "upnp" or "nat-pmp"


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file the node refused to (re)load; it keeps what it had.

    Attributes:
        path: The file.
        code: Stable code of ``message``: ``unsafe-file`` (others could have written it) or
            ``authorized-keys-error`` (unreadable, not UTF-8, too large).
        message: What is wrong, in English.
        hint: How to fix it, e.g. ``fix with: chmod 600 …``.
    """

    path: str
    code: str
    message: str
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """A snapshot of the whole node."""

    peer_id: str
    version: str
    uptime_seconds: float
    listen_addresses: tuple[str, ...]
    connected_peers: int
    authorized_peers: int
    services: int  # exposed now (configured ones switched off do not count)
    forwards: int
    config_path: str
    network: str | None = None  # private DHT namespace, None for the global one
    quic_enabled: bool = False
    relays: tuple[RelayInfo, ...] = ()
    circuit_addresses: tuple[str, ...] = ()  # where peers can reach us through relays
    relay_service: bool = False  # whether this node relays for others
    reachability: Reachability | None = None  # None until the first probe finished
    key_changes: tuple[KeyChangeInfo, ...] = ()  # known names now pointing to another key
    port_mapping: PortMappingInfo | None = None  # None when off or no gateway made one
    # Connected peers that are not in authorized_keys: relays, DHT bootstrap peers, peers on
    # probation (connected_peers counts only authorized ones, as the peer list shows them).
    connected_others: int = 0
    refused_connections: int = 0  # connections the gate refused since the node started
    # The last reload of authorized_keys was refused (the node keeps the last good list); None
    # once a reload succeeds.
    authorized_keys_problem: FileProblem | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    """The preferences a front end edits while the node runs (``GET``/``POST settings``).

    Attributes:
        device_name: The name this device announces to peers it pairs with (invites, joins,
            relay pairing): ``identity.name``, or the host name when that is not set.
        network: The private network (``discovery.network``, the DHT namespace); None for the
            global peer-up network.
        mdns: Find peers on the local network by multicast DNS (``discovery.mdns``).
        port_mapping: Ask the router for a port, UPnP or NAT-PMP (``network.port_mapping``).
        hole_punching: Upgrade relayed connections to direct ones (``network.hole_punching``).
    """

    device_name: str
    network: str | None
    mdns: bool
    port_mapping: bool
    hole_punching: bool


class SettingsUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A change of preferences (``POST settings``); a member left out (or None) stays as it is.

    Attributes:
        device_name: The name this device announces to devices it pairs with; ``""`` goes back
            to the host name.
        network: The private network (DHT namespace) to use; ``""`` means the global peer-up
            network, like ``clear_network``.
        clear_network: Use the global peer-up network (``network`` must then be left out).
        mdns: LAN discovery by multicast DNS.
        port_mapping: Ask the router for a port (UPnP / NAT-PMP).
        hole_punching: Upgrade relayed connections to direct ones.
    """

    device_name: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    network: Annotated[str, msgspec.Meta(max_length=63)] | None = None
    clear_network: bool = False
    mdns: bool | None = None
    port_mapping: bool | None = None
    hole_punching: bool | None = None

    @property
    def changes_nothing(self) -> bool:
        """True when every member leaves its preference as it is."""
        values = (self.device_name, self.network, self.mdns, self.port_mapping, self.hole_punching)
        return not self.clear_network and all(v is None for v in values)


@dataclass(frozen=True, slots=True)
class PingResult:
    """One ping round trip, or its failure."""

    seq: int
    peer_id: str
    rtt_ms: float | None
    path: PathType | None
    error: str | None = None
    error_code: str | None = None  # stable code of ``error`` (front ends translate by it)


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
    verified: bool  # the verified= attribute matches this key (recomputed, app.core.peers.trust)
    attributes: tuple[tuple[str, str], ...]
    name: str | None  # the ``names:`` entry pointing at this peer, if any
    verified_value: str | None = None  # the raw verified= attribute, e.g. "sha256:9724b150"
    warning: str | None = None  # e.g. a key change for a known name, caused by this call
    warning_code: str | None = None  # stable code of ``warning``: "peer-key-changed"
    expires_at: float | None = None  # expires= as Unix seconds (None: none, or unreadable)
    expired: bool = False  # the line no longer authorizes (its expires= passed or is unreadable)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A peer name resolved to a peer ID."""

    name: str
    peer_id: str
    source: str  # "names" (config) or "peer-id" (the input was an ID)


@dataclass(frozen=True, slots=True)
class Reachability:
    """The reachability grade with its evidence (app.core.reach.reachability computes it)."""

    grade: Grade
    reason_code: str  # stable kebab-case, e.g. "symmetric-nat"; front ends translate by it
    reason: str  # English fallback
    hint: str  # how to improve; "" when there is nothing to do
    nat_mapping: NatMapping
    udp_blocked: bool
    cgnat: bool
    public_addresses: tuple[str, ...]  # global interface IPs and global STUN-mapped "ip:port"
    probed_at: float  # unix time of the probe this is based on
    # Private-network TCP multiaddrs, told only to authorized peers (see app.core.reach.lan).
    lan_addresses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TracerouteHop:
    """One hop on the way to a peer (the relay, then the peer; or just the peer)."""

    hop: int
    peer_id: str
    name: str | None
    address: str
    rtt_ms: float | None
    error: str | None = None
    error_code: str | None = None  # stable code of ``error`` (front ends translate by it)


@dataclass(frozen=True, slots=True)
class TracerouteResult:
    """The path to a peer, hop by hop."""

    target: str
    peer_id: str
    path: PathType
    hops: tuple[TracerouteHop, ...]


KEY_CHANGED = "peer-key-changed"
"""The stable code of every key-change warning (a known name now points to another key)."""


# ---- verification (app.core.pairing.verify, app.core.peers.trust) --------------------------------


class VerifyState(enum.StrEnum):
    """Where one ``peerup verify`` run stands."""

    EXCHANGING = "exchanging"  # keys are being exchanged
    ASKING = "waiting-for-answer"  # the SAS is known; this side's human has not answered
    WAITING_PEER = "waiting-for-peer"  # this side answered; the other side has not
    VERIFIED = "verified"  # both humans said the strings match: the peer is marked verified
    REJECTED = "rejected"  # both answered, at least one said they differ: nothing marked
    FAILED = "failed"  # aborted: tampered, expired, cancelled, connection lost


@dataclass(frozen=True, slots=True)
class SasInfo:
    """A short authentication string as front ends show it."""

    emoji: tuple[str, ...]
    names: tuple[str, ...]  # Unicode names, what people read aloud
    digits: str  # "123 456"


@dataclass(frozen=True, slots=True)
class FingerprintInfo:
    """The Go peer-up's static fingerprint of a pair of peers (detects only a mix-up)."""

    emoji: tuple[str, ...]
    names: tuple[str, ...]
    numeric: str  # "NNN-NNN"
    prefix: str  # "sha256:<8 hex>", the verified= value


@dataclass(frozen=True, slots=True)
class VerifySessionInfo:
    """One run of /peerup/verify/1.0.0, as the local API shows it."""

    id: str
    peer_id: str
    peer_name: str | None
    role: str  # "initiator" (we asked) or "responder" (the peer asked)
    state: VerifyState
    fingerprint: FingerprintInfo
    expires_at: float  # unix time
    sas: SasInfo | None = None
    suite: str | None = None
    local_match: bool | None = None
    peer_match: bool | None = None
    error_reason: str | None = None  # VerificationError.reason when FAILED
    error: str | None = None


@dataclass(frozen=True, slots=True)
class KeyChangeInfo:
    """A known name now points to a different key (the new key is unverified)."""

    name: str
    old_peer_id: str
    new_peer_id: str
    old_was_verified: bool
    message: str  # the English warning
    code: str = KEY_CHANGED  # stable code of the warning, for front ends to translate by


# ---- invites and joins (app.engine.invite, app.engine.relaypair) --------------------------------


class InviteState(enum.StrEnum):
    """Where an invite opened on this node stands."""

    OPEN = "open"  # its code works: waiting for a joiner
    JOINED = "joined"  # a peer joined with it (it works once)
    BURNED = "burned"  # too many wrong attempts: the code is dead
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # the client that opened it went away or cancelled it


@dataclass(frozen=True, slots=True)
class InviteInfo:
    """An invite opened on this node, as every front end may see it.

    It never holds the code, its password or its link (only the client that opened the invite
    gets them, on its own request's stream).
    """

    id: str  # a local handle ("inv-…"), unrelated to the code
    state: InviteState
    expires_at: float  # unix time
    attempts_left: int  # wrong attempts still allowed before the code burns
    failures: int = 0
    peer_id: str | None = None  # the peer of the last attempt, or the one that joined
    peer_name: str | None = None  # the name stored for the peer that joined
    lan: bool = False  # a short LAN code is advertised too


class JoinStep(enum.StrEnum):
    """The steps of a join (an invite code or a relay pairing code), in order."""

    CONNECTING = "connecting"  # reaching the inviter (or the relay)
    EXCHANGING_KEYS = "exchanging-keys"  # the PAKE (or the pairing request) is under way
    CONFIRMING = "confirming"  # keys agree; confirming them and exchanging names
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IntroducedPeer:
    """A group member a relay introduced to this node (authorized, named, unverified)."""

    peer_id: str
    name: str


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
    """A forward was opened, closed, or its counters or rates changed (a fresh snapshot).

    Counter changes are published at most about once a second per forward, and only while they
    change: a forward that goes idle sends one last event with its rates at 0.
    """

    forward: ForwardInfo
    kind: str = field(default="forward-changed", init=False)


@dataclass(frozen=True, slots=True)
class ServicesChanged:
    """The services changed: one exposed, unexposed, edited, added or removed (the whole list,
    switched-off ones too, as ``GET services`` gives it)."""

    services: tuple[ServiceInfo, ...]
    kind: str = field(default="services-changed", init=False)


@dataclass(frozen=True, slots=True)
class AuthorizedKeysChanged:
    """authorized_keys was reloaded (by an API call or an edit of the file)."""

    authorized_peers: int
    kind: str = field(default="authorized-keys-changed", init=False)


@dataclass(frozen=True, slots=True)
class AuthorizedKeysProblem:
    """A reload of authorized_keys was refused (e.g. the file became writable by others); the
    node keeps the last good list. ``status.authorized_keys_problem`` holds it until a reload
    succeeds (then ``authorized-keys-changed``)."""

    problem: FileProblem
    kind: str = field(default="authorized-keys-problem", init=False)


@dataclass(frozen=True, slots=True)
class PeerExpired:
    """An authorized peer's ``expires=`` came: it is no longer authorized, its connections were
    closed. It stays listed in authorized_keys (``expired`` in the peer and auth lists)."""

    peer_id: str
    name: str | None
    expires_at: float | None  # None: the value could not be read (which counts as expired)
    kind: str = field(default="peer-expired", init=False)


@dataclass(frozen=True, slots=True)
class ConnectionRefused:
    """Connections from peers not in authorized_keys were refused.

    At most one such event is published a second: ``count`` refusals since the previous one,
    ``peer_id`` and ``address`` those of the last (``NodeStatus.refused_connections`` has the
    total).
    """

    peer_id: str
    address: str
    count: int = 1
    kind: str = field(default="connection-refused", init=False)


@dataclass(frozen=True, slots=True)
class ReachabilityChanged:
    """A node's grade changed: ours (``peer_id`` is our own) or an authorized peer's."""

    peer_id: str
    reachability: Reachability
    kind: str = field(default="reachability-changed", init=False)


@dataclass(frozen=True, slots=True)
class RelaysChanged:
    """A relay reservation was made or lost."""

    relays: tuple[RelayInfo, ...]
    kind: str = field(default="relays-changed", init=False)


@dataclass(frozen=True, slots=True)
class VerifyRequested:
    """A peer started a verification: its SAS is ready and waits for this side's answer."""

    session: VerifySessionInfo
    kind: str = field(default="verify-requested", init=False)


@dataclass(frozen=True, slots=True)
class VerifyUpdated:
    """A verification changed state (answered, verified, rejected, failed)."""

    session: VerifySessionInfo
    kind: str = field(default="verify-updated", init=False)


@dataclass(frozen=True, slots=True)
class PeerKeyChanged:
    """A known name now points to a different key: it is unverified again (loud warning)."""

    change: KeyChangeInfo
    kind: str = field(default="peer-key-changed", init=False)


@dataclass(frozen=True, slots=True)
class VerificationChanged:
    """A peer was marked verified or unverified."""

    peer_id: str
    verified: bool
    kind: str = field(default="verification-changed", init=False)


@dataclass(frozen=True, slots=True)
class RttChanged:
    """The round trip on a connected peer's path changed noticeably (or became known/unknown).

    Published when the first RTT of the path in use is measured, when it is forgotten, and when
    it moves by more than 20 % and 5 ms from the last one published; at most about once a second
    per peer.
    """

    peer_id: str
    rtt_ms: float | None
    kind: str = field(default="rtt-changed", init=False)


@dataclass(frozen=True, slots=True)
class PortMappingChanged:
    """A router port mapping (UPnP or NAT-PMP) was made, moved or lost (None)."""

    mapping: PortMappingInfo | None
    kind: str = field(default="port-mapping-changed", init=False)


@dataclass(frozen=True, slots=True)
class ConfigChanged:
    """The daemon wrote config.yaml (it is the file's only writer while it runs).

    Attributes:
        keys: What changed: a section (``services``, ``names``, ``peer_addresses``,
            ``forwards``) or a ``section.key`` (``relay.addresses``, ``network.port_mapping``…).
        restart_needed: The keys among them that the running daemon does not apply until its next
            start (the rest took effect at once).
    """

    keys: tuple[str, ...]
    restart_needed: tuple[str, ...] = ()
    kind: str = field(default="config-changed", init=False)


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    """The preferences changed (``POST settings``, ``peerup config set``): the new values.

    A ``config-changed`` event follows, naming the keys and whether any needs a restart.
    """

    settings: Settings
    kind: str = field(default="settings-changed", init=False)


@dataclass(frozen=True, slots=True)
class InviteChanged:
    """An invite opened on this node changed: opened, attempted, failed, joined or ended."""

    invite: InviteInfo
    kind: str = field(default="invite-changed", init=False)


@dataclass(frozen=True, slots=True)
class JoinProgress:
    """One step of a join run by this node (``POST join`` or ``POST pairing/join``).

    Attributes:
        join_id: One per join, the same on each of its steps.
        via: ``invite`` (an invite code) or ``relay-pairing`` (a relay's pairing code).
        peer_id: The inviter, or the relay (None while a LAN code's inviter is looked for).
        step: Where the join is; ``done`` and ``failed`` end it.
        reason_code: Why it failed (stable kebab-case, e.g. ``wrong-code``, ``unreachable``,
            ``expired``, ``cancelled``); None unless ``failed``.
        reason: The same in English.
    """

    join_id: str
    via: str
    peer_id: str | None
    step: JoinStep
    reason_code: str | None = None
    reason: str | None = None
    kind: str = field(default="join-progress", init=False)


@dataclass(frozen=True, slots=True)
class PeersIntroduced:
    """A relay introduced members of a pairing group we joined (they are now authorized)."""

    group_id: str
    relay_peer_id: str
    peers: tuple[IntroducedPeer, ...]
    kind: str = field(default="peers-introduced", init=False)


Event = (
    PeerConnected
    | PeerDisconnected
    | PathChanged
    | ForwardChanged
    | ServicesChanged
    | AuthorizedKeysChanged
    | AuthorizedKeysProblem
    | PeerExpired
    | ConnectionRefused
    | ReachabilityChanged
    | RelaysChanged
    | VerifyRequested
    | VerifyUpdated
    | PeerKeyChanged
    | VerificationChanged
    | RttChanged
    | PortMappingChanged
    | ConfigChanged
    | SettingsChanged
    | InviteChanged
    | JoinProgress
    | PeersIntroduced
)
