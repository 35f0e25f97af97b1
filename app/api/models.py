"""The wire contract of the local control API: endpoints, request bodies, envelopes, events.

Responses are JSON. A success is ``{"data": …}`` and a failure is
``{"error": {"code": …, "message": …, "hint": …}}``. Streams (``ping``, ``events``, ``watch``,
…) are NDJSON: one JSON object per line. Request bodies decode into the strict :mod:`msgspec`
structs below, so a wrong type or a missing field gives a precise message such as
``Expected `int`, got `str` - at `$.count```. Response payloads are the frozen dataclasses of
:mod:`app.core.status`, encoded as they are.
"""

from __future__ import annotations

from typing import Annotated, Final, Generic, TypeVar

import msgspec

from app.core.pairing.invite import InviteProgress, JoinResult
from app.core.status import (
    AuthorizedKeysChanged,
    AuthorizedKeysProblem,
    ConfigChanged,
    ConnectionRefused,
    Event,
    ForwardChanged,
    ForwardInfo,
    InviteChanged,
    InviteInfo,
    JoinProgress,
    NodeStatus,
    PathChanged,
    PathInfo,
    PeerConnected,
    PeerDisconnected,
    PeerExpired,
    PeerInfo,
    PeerKeyChanged,
    PeersIntroduced,
    PingResult,
    PingStats,
    PortMappingChanged,
    ReachabilityChanged,
    RelaysChanged,
    RttChanged,
    ServiceInfo,
    ServicesChanged,
    Settings,
    SettingsChanged,
    VerificationChanged,
    VerifyRequested,
    VerifySessionInfo,
    VerifyUpdated,
)

API_VERSION: Final = 1
PREFIX: Final = f"/v{API_VERSION}"

# ---- endpoints (paths relative to the socket; names kebab-case) ---------------------------------

STATUS: Final = f"{PREFIX}/status"
PEERS: Final = f"{PREFIX}/peers"  # GET; GET peers/{peer}/services: what the peer offers us
PATHS: Final = f"{PREFIX}/paths"
SERVICES: Final = f"{PREFIX}/services"  # GET, POST; DELETE services/{name}
# POST services/{name}/enabled enables a configured service (exposes it); DELETE disables it.
RELAYS: Final = f"{PREFIX}/relays"  # POST adds a relay to config.yaml; DELETE relays/{relay}
FORWARDS: Final = f"{PREFIX}/forwards"  # GET, POST; DELETE forwards/{id}
FORWARDS_CHECK: Final = f"{PREFIX}/forwards/check"  # POST: could a forward listen there?
SERVICES_CHECK: Final = f"{PREFIX}/services/check"  # POST: does a local service answer?
# POST forwards/{id}/enabled starts a saved forward (listens again); DELETE stops it (listed).
AUTH: Final = f"{PREFIX}/auth"  # GET, POST; DELETE auth/{peer}
RESOLVE: Final = f"{PREFIX}/resolve"
CONNECT: Final = f"{PREFIX}/connect"
DISCONNECT: Final = f"{PREFIX}/disconnect"
PING: Final = f"{PREFIX}/ping"
REACHABILITY_PROBE: Final = f"{PREFIX}/reachability/probe"
TRACEROUTE: Final = f"{PREFIX}/traceroute"
SHUTDOWN: Final = f"{PREFIX}/shutdown"
EVENTS: Final = f"{PREFIX}/events"
WATCH: Final = f"{PREFIX}/watch"  # GET: a snapshot, then numbered events (front ends)
# Verification (issue 4): POST verify starts a run and returns once the SAS is ready; GET verify
# lists runs (incoming ones wait there for an answer); POST verify/{id}/answer streams the outcome;
# DELETE verify/{id} cancels; POST/DELETE auth/{peer}/verified marks/unmarks a peer by hand.
VERIFY: Final = f"{PREFIX}/verify"
RELAY_PAIR: Final = f"{PREFIX}/relay/pair"  # GET, POST; DELETE relay/pair/{id} (relay admin)
PAIRING_JOIN: Final = f"{PREFIX}/pairing/join"
INVITE: Final = f"{PREFIX}/invite"  # POST: open an invite; the reply streams its progress
INVITES: Final = f"{PREFIX}/invites"  # GET: the open invites, whoever opened them (no codes)
INVITE_CONFIRM: Final = f"{PREFIX}/invite/confirm"  # POST: the SAS matched, mark verified
JOIN: Final = f"{PREFIX}/join"  # POST: join with an invite code
SETTINGS: Final = f"{PREFIX}/settings"  # GET the preferences; POST changes them (applied live)

MAX_BODY_BYTES: Final = 64 * 1024
"""Largest request body the daemon accepts."""

JSON_TYPE: Final = "application/json"
NDJSON_TYPE: Final = "application/x-ndjson"

# ---- request bodies ------------------------------------------------------------------------------

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Text = Annotated[str, msgspec.Meta(max_length=1024)]
Address = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class ExposeServiceRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST services: expose a local TCP service to peers."""

    name: Name
    local_address: Address
    allowed_peers: Annotated[tuple[Name, ...], msgspec.Meta(max_length=1000)] = ()
    persist: bool = False
    verified_only: bool = False


class AddRelayRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST relays: use one more relay (it is written to config.yaml)."""

    address: Address  # the full multiaddr, ending in /p2p/<relay peer ID>


class RelayRemoved(msgspec.Struct, frozen=True):
    """The ``data`` of DELETE relays/{relay}: the address removed from config.yaml."""

    address: str


class OpenForwardRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST forwards: listen locally and reach a service on a peer.

    With ``persist`` the forward is saved in config.yaml (``forwards:``): opened at every start
    with the same id, stopped and started with ``forwards/{id}/enabled``, removed from the
    config when closed. Port 0 saves the port it got.
    """

    peer: Name
    service: Name
    listen: Address = "127.0.0.1:0"
    persist: bool = False


class CheckListenRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST forwards/check: could a forward listen on ``listen`` (``host:port``)?"""

    listen: Address


class CheckServiceRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST services/check: does the local TCP service at ``local_address`` answer?"""

    local_address: Address


class AuthorizeRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST auth: add a peer to authorized_keys."""

    peer_id: Name
    comment: Text = ""


class RenameRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST auth/{peer}/name: give an authorized peer a new name (its ``names:`` entry)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class ResolveRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST resolve: turn a name into a peer ID."""

    name: Name


class ConnectRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST connect: open a connection to a peer, optionally at given multiaddrs."""

    peer: Address
    addresses: Annotated[tuple[Address, ...], msgspec.Meta(max_length=64)] = ()


class DisconnectRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST disconnect: close every connection to a peer."""

    peer: Name


class PingRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST ping: ping a peer ``count`` times, ``interval_ms`` apart; the reply streams."""

    peer: Name
    count: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 4
    interval_ms: Annotated[int, msgspec.Meta(ge=10, le=60000)] = 1000


class TracerouteRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST traceroute: show the path to a peer hop by hop (connecting first if needed)."""

    peer: Name


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST verify: start /peerup/verify/1.0.0 with a peer."""

    peer: Name


class VerifyAnswerRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST verify/{id}/answer: what the local human said (true: the strings match)."""

    match: bool


class VerifyLine(msgspec.Struct, omit_defaults=True):
    """One line of the verify answer stream: the session after each change, or an error."""

    session: VerifySessionInfo | None = None
    error: ErrorBody | None = None


# ---- relay pairing (relay admin and join) --------------------------------------------------------


class RelayPairRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST relay/pair: open a group of pairing codes."""

    count: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    ttl_seconds: Annotated[int, msgspec.Meta(ge=1, le=30 * 86400)] = 3600
    namespace: Annotated[str, msgspec.Meta(max_length=63)] | None = None
    expires_seconds: Annotated[int, msgspec.Meta(ge=0, le=3650 * 86400)] = 0


class RelayPairCreated(msgspec.Struct, frozen=True):
    """The new group: its codes exist only in this reply."""

    group_id: str
    codes: tuple[str, ...]
    reference_codes: tuple[str, ...]
    expires_at: float
    namespace: str | None


class PairMember(msgspec.Struct, frozen=True):
    """A group member."""

    peer_id: str
    name: str


class RelayPairGroup(msgspec.Struct, frozen=True):
    """GET relay/pair: one group as the admin sees it."""

    id: str
    namespace: str | None
    created_at: float
    expires_at: float
    total: int
    used: int
    failed_attempts: int
    state: str
    members: tuple[PairMember, ...]


class PairingJoinRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST pairing/join: redeem a relay pairing code."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    name: Annotated[str, msgspec.Meta(max_length=64)] = ""


class JoinedPeer(msgspec.Struct, frozen=True):
    """A member the join authorized, with the local name it got."""

    peer_id: str
    name: str
    renamed_from: str | None = None
    warning: str | None = None
    warning_code: str | None = None  # stable code of ``warning``: "peer-key-changed"


class PairingJoinReply(msgspec.Struct, frozen=True):
    """The outcome of a join."""

    group_id: str
    relay: str
    group_size: int
    members: tuple[JoinedPeer, ...]
    proofs_verified: bool
    relay_added: bool


class EmptyRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A body that must be empty or ``{}``."""


# Invites (/peerup/invite/2.0.0).


class InviteRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST invite: open an invite for ``ttl_s`` seconds; progress streams until it ends."""

    name: Annotated[str, msgspec.Meta(max_length=64)] = ""
    ttl_s: Annotated[float, msgspec.Meta(ge=10, le=86400)] = 600.0
    lan: bool = False


class JoinRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST join: redeem an invite code or ``peerup://join/`` link."""

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    name: Annotated[str, msgspec.Meta(max_length=64)] = ""


class ConfirmSasRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """POST invite/confirm: both humans saw the same SAS for this peer."""

    peer: Name


class InviteLine(msgspec.Struct, omit_defaults=True):
    """One line of the invite stream: ``progress`` or ``error``."""

    progress: InviteProgress | None = None
    error: ErrorBody | None = None


def decode_invite_line(line: bytes) -> InviteLine:
    """Decode one line of the invite stream.

    Raises:
        msgspec.DecodeError: The line is not an invite line.
    """
    return msgspec.json.decode(line, type=InviteLine)


JoinReply = JoinResult


# ---- envelopes -----------------------------------------------------------------------------------

T = TypeVar("T")


class DataEnvelope(msgspec.Struct, Generic[T]):
    """A successful reply: ``{"data": …}``."""

    data: T


class ErrorBody(msgspec.Struct):
    """The ``error`` member of a failed reply (also a stream line ``{"error": …}``)."""

    code: str
    message: str
    hint: str | None = None


class ErrorEnvelope(msgspec.Struct):
    """A failed reply: ``{"error": {"code", "message", "hint"}}``."""

    error: ErrorBody


class PingLine(msgspec.Struct, omit_defaults=True):
    """One line of the ping stream: exactly one of the members is set."""

    result: PingResult | None = None
    stats: PingStats | None = None
    error: ErrorBody | None = None


class ShutdownReply(msgspec.Struct):
    """The ``data`` of POST shutdown."""

    status: str


class Hello(msgspec.Struct, tag_field="kind", tag="hello"):
    """The first line of the event stream: the stream is live, and whose node it is."""

    peer_id: str


# ---- the watch stream (GET watch) ----------------------------------------------------------------


class Snapshot(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag="snapshot"):
    """The whole state of the node, consistent with the events numbered up to ``seq``.

    The first line of ``GET watch``; another one follows every ``resync`` and every event whose
    effect the event alone does not describe (see :data:`RESNAPSHOT_AFTER`). A snapshot replaces
    whatever state the watcher had; the next event is numbered ``seq + 1``.

    Attributes:
        seq: The sequence number of the last event this state includes (0 before the first).
        status: As ``GET status``.
        peers: As ``GET peers`` (authorized peers, with their path, grade and verified badge).
        paths: As ``GET paths`` (one per connected peer, relays included, with the RTT).
        services: As ``GET services``.
        forwards: As ``GET forwards``.
        verify_sessions: As ``GET verify`` (incoming requests waiting for an answer among them).
        invites: As ``GET invites``: the open invites, whichever client opened them (never
            their codes).
        settings: As ``GET settings``: the preferences (``settings-changed`` carries new ones).
    """

    seq: int
    status: NodeStatus
    settings: Settings
    peers: tuple[PeerInfo, ...] = ()
    paths: tuple[PathInfo, ...] = ()
    services: tuple[ServiceInfo, ...] = ()
    forwards: tuple[ForwardInfo, ...] = ()
    verify_sessions: tuple[VerifySessionInfo, ...] = ()
    invites: tuple[InviteInfo, ...] = ()


class Resync(msgspec.Struct, frozen=True, tag_field="kind", tag="resync"):
    """The watcher fell behind and events were lost; a fresh :class:`Snapshot` follows.

    On ``GET events`` (which has no snapshots) it only says that events were lost.
    """


class WatchEvent(msgspec.Struct, frozen=True):
    """One event of the watch stream with its sequence number (the line is the event's object
    with a ``seq`` member added).

    Attributes:
        seq: Per daemon run, one more than the previous event's (or the snapshot's ``seq``).
        event: The event.
    """

    seq: int
    event: Event


RESNAPSHOT_AFTER: Final = frozenset(
    {
        "authorized-keys-changed",
        "authorized-keys-problem",
        "peer-expired",
        "verification-changed",
        "peer-key-changed",
        "relays-changed",
        "config-changed",
    }
)
"""Event kinds after which the watch stream sends a fresh snapshot, once it has caught up.

They change state the event does not carry in full (the peer list, verified badges on peers,
paths and forwards, circuit addresses, names)."""


def watch_event_line(seq: int, event: Event) -> dict[str, object]:
    """The JSON object of one watch event line: the event's members plus ``seq``."""
    line: dict[str, object] = {"seq": seq}
    line.update(msgspec.to_builtins(event))
    return line


EVENT_TYPES: Final[dict[str, type[Event]]] = {
    cls.__dataclass_fields__["kind"].default: cls  # type: ignore[misc]
    for cls in (
        PeerConnected,
        PeerDisconnected,
        PathChanged,
        ForwardChanged,
        ServicesChanged,
        AuthorizedKeysChanged,
        AuthorizedKeysProblem,
        PeerExpired,
        ConnectionRefused,
        ReachabilityChanged,
        RelaysChanged,
        VerifyRequested,
        VerifyUpdated,
        PeerKeyChanged,
        VerificationChanged,
        RttChanged,
        PortMappingChanged,
        ConfigChanged,
        SettingsChanged,
        InviteChanged,
        JoinProgress,
        PeersIntroduced,
    )
}
"""Every event class by its ``kind``."""


class _Kind(msgspec.Struct):
    kind: str


class _WatchHead(msgspec.Struct):
    kind: str | None = None
    seq: int | None = None
    error: ErrorBody | None = None


# ---- encoding and decoding -----------------------------------------------------------------------

_encoder = msgspec.json.Encoder()
_kind_decoder = msgspec.json.Decoder(_Kind)
_error_decoder = msgspec.json.Decoder(ErrorEnvelope)
_ping_line_decoder = msgspec.json.Decoder(PingLine)
_verify_line_decoder = msgspec.json.Decoder(VerifyLine)
_watch_head_decoder = msgspec.json.Decoder(_WatchHead)
_snapshot_decoder = msgspec.json.Decoder(Snapshot)


def encode(obj: object) -> bytes:
    """Encode a status dataclass, struct, or plain JSON value.

    Args:
        obj: What to encode; tuples become arrays, enums their values.

    Returns:
        Compact UTF-8 JSON.
    """
    return _encoder.encode(obj)


def data_bytes(obj: object) -> bytes:
    """Encode a successful reply ``{"data": obj}``."""
    return _encoder.encode(DataEnvelope(obj))


def error_bytes(code: str, message: str, hint: str | None = None) -> bytes:
    """Encode a failed reply ``{"error": {…}}``."""
    return _encoder.encode(ErrorEnvelope(ErrorBody(code=code, message=message, hint=hint)))


def decode_data(body: bytes, type_: type[T]) -> T:
    """Decode a successful reply into ``type_``.

    Args:
        body: The reply body.
        type_: What ``data`` holds, e.g. ``list[PeerInfo]``.

    Returns:
        The decoded ``data``.

    Raises:
        msgspec.DecodeError: The body is not JSON, or does not match ``type_`` (a
            :class:`msgspec.ValidationError`).
    """
    envelope: DataEnvelope[T] = msgspec.json.decode(body, type=DataEnvelope[type_])  # type: ignore[valid-type]
    return envelope.data


def decode_error(body: bytes) -> ErrorBody | None:
    """Decode a failed reply, or return None when the body is not an error envelope."""
    try:
        return _error_decoder.decode(body).error
    except msgspec.DecodeError:
        return None


def decode_ping_line(line: bytes) -> PingLine:
    """Decode one line of the ping stream.

    Raises:
        msgspec.DecodeError: The line is not a ping line.
    """
    return _ping_line_decoder.decode(line)


def decode_verify_line(line: bytes) -> VerifyLine:
    """Decode one line of the verify answer stream.

    Raises:
        msgspec.DecodeError: The line is not a verify line.
    """
    return _verify_line_decoder.decode(line)


def decode_event(line: bytes) -> Event | Hello | Resync | None:
    """Decode one line of the event stream by its ``kind``.

    Args:
        line: One NDJSON line.

    Returns:
        The event, the :class:`Hello` greeting, a :class:`Resync` (events were lost), or None for
        a kind this client does not know (a newer daemon may send more kinds; old clients skip
        them).

    Raises:
        msgspec.DecodeError: The line is not JSON, has no ``kind``, or a known kind is malformed.
    """
    kind = _kind_decoder.decode(line).kind
    if kind == "hello":
        return msgspec.json.decode(line, type=Hello)
    if kind == "resync":
        return Resync()
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        return None
    decoded: Event = msgspec.json.decode(line, type=cls)
    return decoded


def decode_watch_line(line: bytes) -> Snapshot | WatchEvent | Resync | ErrorBody | None:
    """Decode one line of the watch stream.

    Args:
        line: One NDJSON line.

    Returns:
        A snapshot, a numbered event, a resync, the error that ended the stream, or None for an
        event kind this client does not know (a newer daemon may send more kinds).

    Raises:
        msgspec.DecodeError: The line is not JSON, or a known kind is malformed or has no ``seq``.
    """
    head = _watch_head_decoder.decode(line)
    if head.error is not None:
        return head.error
    if head.kind == "snapshot":
        return _snapshot_decoder.decode(line)
    if head.kind == "resync":
        return Resync()
    if head.kind is None:
        raise msgspec.ValidationError("Object missing required field `kind`")
    cls = EVENT_TYPES.get(head.kind)
    if cls is None:
        return None
    if head.seq is None:
        raise msgspec.ValidationError("Object missing required field `seq`")
    event: Event = msgspec.json.decode(line, type=cls)
    return WatchEvent(seq=head.seq, event=event)
