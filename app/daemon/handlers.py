"""One small function per local API endpoint, each a thin call into the node.

A handler receives the node and a :class:`Call` (path parameters, query, raw body) and returns
what goes into ``{"data": …}``, or a :class:`Streamed` for the NDJSON endpoints. Handlers decode
their own body with :meth:`Call.json`, so a bad body is reported with msgspec's precise path.
Expected failures are :class:`~app.core.errors.PeerupError`; the router maps them to statuses.
The route table, :data:`ROUTES`, is at the bottom.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeVar

import msgspec

from app.api import models
from app.api.errors import ApiError
from app.core.status import (
    AuthEntry,
    ForwardInfo,
    InviteInfo,
    ListenCheck,
    NodeStatus,
    PathInfo,
    PeerInfo,
    PingResult,
    PingStats,
    Reachability,
    RelayInfo,
    Resolved,
    ServiceCheck,
    ServiceInfo,
    Settings,
    SettingsUpdate,
    TracerouteResult,
    VerifySessionInfo,
    VerifyState,
)
from app.engine.bus import Resync
from app.engine.facade import NodeFacade
from app.engine.relaypair import PairingService

T = TypeVar("T")

Emit = Callable[[object], Awaitable[None]]
"""Send one NDJSON line (the object is encoded with :func:`app.api.models.encode`)."""


@dataclass(frozen=True, slots=True)
class Streamed:
    """A streamed reply: ``run(emit)`` emits lines until the stream ends.

    Nothing is sent before the first ``emit``, so an error raised before it still becomes a
    normal error reply with its HTTP status.
    """

    run: Callable[[Emit], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Call:
    """One request, as a handler sees it.

    Attributes:
        params: Path parameters (already percent-decoded), e.g. ``{"name": "ssh"}``.
        query: Query parameters; the last value wins when one repeats.
        body: The raw request body (at most :data:`app.api.models.MAX_BODY_BYTES`).
    """

    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self, type_: type[T]) -> T:
        """Decode the body into ``type_``; an empty body counts as ``{}``.

        Raises:
            ApiError: ``bad-request`` naming the offending field, e.g.
                ``Expected `int`, got `str` - at `$.count```.
        """
        try:
            return msgspec.json.decode(self.body or b"{}", type=type_)
        except msgspec.ValidationError as exc:
            raise ApiError(f"Invalid request: {exc}", code="bad-request", status=400) from None
        except msgspec.DecodeError as exc:
            raise ApiError(
                f"The request body is not valid JSON: {exc}", code="bad-request", status=400
            ) from None

    def flag(self, name: str, *, default: bool = False) -> bool:
        """Read a boolean query parameter (``true``/``false``, ``1``/``0``).

        Raises:
            ApiError: ``bad-request`` for any other value.
        """
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        value = raw.lower()
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise ApiError(
            f"Query parameter `{name}` must be true or false, not {raw!r}.",
            code="bad-request",
            status=400,
        )


# ---- handlers ------------------------------------------------------------------------------------


async def get_status(node: NodeFacade, call: Call) -> NodeStatus:
    """GET status."""
    return node.status()


async def get_peers(node: NodeFacade, call: Call) -> list[PeerInfo]:
    """GET peers?all=true|false."""
    return node.peers(include_unauthorized=call.flag("all"))


async def get_peer_services(node: NodeFacade, call: Call) -> list[str]:
    """GET peers/{peer}/services: the service names the peer offers (connects first)."""
    return await node.peer_services(call.params["peer"])


async def get_paths(node: NodeFacade, call: Call) -> list[PathInfo]:
    """GET paths."""
    return node.paths()


async def get_services(node: NodeFacade, call: Call) -> list[ServiceInfo]:
    """GET services."""
    return node.services()


async def expose_service(node: NodeFacade, call: Call) -> ServiceInfo:
    """POST services."""
    req = call.json(models.ExposeServiceRequest)
    return node.expose_service(
        req.name,
        req.local_address,
        req.allowed_peers,
        persist=req.persist,
        verified_only=req.verified_only,
    )


async def check_service(node: NodeFacade, call: Call) -> ServiceCheck:
    """POST services/check: one connect to the local service, within 2 s."""
    return await node.check_service(call.json(models.CheckServiceRequest).local_address)


async def unexpose_service(node: NodeFacade, call: Call) -> None:
    """DELETE services/{name}?persist=true|false."""
    node.unexpose_service(call.params["name"], persist=call.flag("persist"))


async def enable_service(node: NodeFacade, call: Call) -> ServiceInfo:
    """POST services/{name}/enabled: set ``enabled: true`` in config.yaml and expose it."""
    call.json(models.EmptyRequest)
    return node.set_service_enabled(call.params["name"], True)


async def disable_service(node: NodeFacade, call: Call) -> ServiceInfo:
    """DELETE services/{name}/enabled: set ``enabled: false`` in config.yaml and unexpose it."""
    return node.set_service_enabled(call.params["name"], False)


async def add_relay(node: NodeFacade, call: Call) -> RelayInfo:
    """POST relays: add a relay to config.yaml; the node reserves on it at once."""
    return node.add_relay(call.json(models.AddRelayRequest).address)


async def remove_relay(node: NodeFacade, call: Call) -> models.RelayRemoved:
    """DELETE relays/{relay}: by full multiaddr (percent-encoded) or peer ID."""
    return models.RelayRemoved(address=node.remove_relay(call.params["relay"]))


async def get_settings(node: NodeFacade, call: Call) -> Settings:
    """GET settings."""
    return node.settings()


async def update_settings(node: NodeFacade, call: Call) -> Settings:
    """POST settings: change preferences (see :class:`app.core.status.SettingsUpdate`)."""
    return node.update_settings(call.json(SettingsUpdate))


async def get_forwards(node: NodeFacade, call: Call) -> list[ForwardInfo]:
    """GET forwards."""
    return node.forwards()


async def open_forward(node: NodeFacade, call: Call) -> ForwardInfo:
    """POST forwards."""
    req = call.json(models.OpenForwardRequest)
    return await node.open_forward(req.peer, req.service, req.listen, persist=req.persist)


async def check_listen(node: NodeFacade, call: Call) -> ListenCheck:
    """POST forwards/check: could a forward listen there (else a free address near it)?"""
    return await node.check_listen(call.json(models.CheckListenRequest).listen)


async def close_forward(node: NodeFacade, call: Call) -> None:
    """DELETE forwards/{id}: a saved forward leaves config.yaml too."""
    await node.close_forward(call.params["id"])


async def start_forward(node: NodeFacade, call: Call) -> ForwardInfo:
    """POST forwards/{id}/enabled: a saved forward listens again (``enabled: true``)."""
    call.json(models.EmptyRequest)
    return await node.set_forward_enabled(call.params["id"], True)


async def stop_forward(node: NodeFacade, call: Call) -> ForwardInfo:
    """DELETE forwards/{id}/enabled: a saved forward stops listening, stays listed."""
    return await node.set_forward_enabled(call.params["id"], False)


async def get_auth(node: NodeFacade, call: Call) -> list[AuthEntry]:
    """GET auth."""
    return node.auth_entries()


async def authorize(node: NodeFacade, call: Call) -> AuthEntry:
    """POST auth."""
    req = call.json(models.AuthorizeRequest)
    return node.authorize(req.peer_id, req.comment)


async def deauthorize(node: NodeFacade, call: Call) -> None:
    """DELETE auth/{peer}."""
    node.deauthorize(call.params["peer"])


async def rename_peer(node: NodeFacade, call: Call) -> AuthEntry:
    """POST auth/{peer}/name."""
    return node.rename_peer(call.params["peer"], call.json(models.RenameRequest).name)


async def resolve(node: NodeFacade, call: Call) -> Resolved:
    """POST resolve."""
    return node.resolve(call.json(models.ResolveRequest).name)


async def connect(node: NodeFacade, call: Call) -> PathInfo:
    """POST connect."""
    req = call.json(models.ConnectRequest)
    return await node.connect(req.peer, req.addresses)


async def disconnect(node: NodeFacade, call: Call) -> None:
    """POST disconnect."""
    await node.disconnect(call.json(models.DisconnectRequest).peer)


async def ping(node: NodeFacade, call: Call) -> Streamed:
    """POST ping: one ``{"result": …}`` line per ping as it happens, then ``{"stats": …}``."""
    req = call.json(models.PingRequest)

    async def run(emit: Emit) -> None:
        results: list[PingResult] = []
        pings = node.ping(req.peer, count=req.count, interval=req.interval_ms / 1000)
        try:
            async for result in pings:
                results.append(result)
                await emit(models.PingLine(result=result))
        finally:
            aclose = getattr(pings, "aclose", None)
            if aclose is not None:
                await aclose()
        await emit(models.PingLine(stats=PingStats.from_results(results)))

    return Streamed(run)


async def probe_reachability(node: NodeFacade, call: Call) -> Reachability:
    """POST reachability/probe: re-probe interfaces and STUN now (takes seconds)."""
    call.json(models.EmptyRequest)
    return await node.probe_reachability()


async def traceroute(node: NodeFacade, call: Call) -> TracerouteResult:
    """POST traceroute."""
    return await node.traceroute(call.json(models.TracerouteRequest).peer)


async def shutdown(node: NodeFacade, call: Call) -> models.ShutdownReply:
    """POST shutdown: the router calls the daemon's ``on_shutdown`` once this reply is sent."""
    call.json(models.EmptyRequest)
    return models.ShutdownReply(status="shutting down")


async def events(node: NodeFacade, call: Call) -> Streamed:
    """GET events: a ``hello`` line, then one line per event until the node stops.

    A client that fell behind gets a ``resync`` line where events were lost, and the stream goes
    on (``watch`` is the stream that recovers the state).
    """

    async def run(emit: Emit) -> None:
        async with node.subscribe() as stream:
            await emit(models.Hello(peer_id=node.peer_id))
            async for item in stream:
                await emit(models.Resync() if isinstance(item, Resync) else item.event)

    return Streamed(run)


def _snapshot(node: NodeFacade, seq: int) -> models.Snapshot:
    """The node's state, consistent with event ``seq``: read ``seq`` with no await before."""
    return models.Snapshot(
        seq=seq,
        status=node.status(),
        settings=node.settings(),
        peers=tuple(node.peers()),
        paths=tuple(node.paths()),
        services=tuple(node.services()),
        forwards=tuple(node.forwards()),
        verify_sessions=tuple(node.verify_sessions()),
        invites=tuple(node.invites()),
    )


async def watch(node: NodeFacade, call: Call) -> Streamed:
    """GET watch: a snapshot, then every event with its number until the node stops.

    A watcher that fell behind gets a ``resync`` line and a fresh snapshot, then live events
    again. After an event in :data:`app.api.models.RESNAPSHOT_AFTER` a fresh snapshot follows as
    soon as the watcher has caught up (its number is that of the last event sent).
    """

    async def run(emit: Emit) -> None:
        # Subscribe first, then build the snapshot with no await in between: an event published
        # meanwhile cannot be missed, and none can be both in the snapshot and sent after it
        # (skipping events numbered up to the snapshot's ``seq`` guards that too).
        async with node.subscribe() as subscription:
            snapshot = _snapshot(node, subscription.latest_seq)
            await emit(snapshot)
            seq = snapshot.seq
            refresh = False
            async for item in subscription:
                if isinstance(item, Resync):
                    await emit(models.Resync())
                elif item.seq <= seq:
                    continue  # already in the snapshot
                else:
                    await emit(models.watch_event_line(item.seq, item.event))
                    seq = item.seq
                    refresh = refresh or item.event.kind in models.RESNAPSHOT_AFTER
                    if not refresh or subscription.pending:
                        continue
                snapshot = _snapshot(node, subscription.latest_seq)
                await emit(snapshot)
                seq, refresh = snapshot.seq, False

    return Streamed(run)


# ---- verification (issue 4) ----------------------------------------------------------------------

_FINAL_STATES = (VerifyState.VERIFIED, VerifyState.REJECTED, VerifyState.FAILED)


async def start_verify(node: NodeFacade, call: Call) -> VerifySessionInfo:
    """POST verify: start a run; the reply comes once the SAS is ready."""
    return await node.start_verify(call.json(models.VerifyRequest).peer)


async def get_verify(node: NodeFacade, call: Call) -> list[VerifySessionInfo]:
    """GET verify: ongoing runs (incoming ones wait for an answer) and recent results."""
    return node.verify_sessions()


async def answer_verify(node: NodeFacade, call: Call) -> Streamed:
    """POST verify/{id}/answer: one ``{"session": …}`` line per change until the run is over."""
    req = call.json(models.VerifyAnswerRequest)
    first = await node.answer_verify(call.params["id"], req.match)

    async def run(emit: Emit) -> None:
        info = first
        await emit(models.VerifyLine(session=info))
        while info.state not in _FINAL_STATES:
            info = await node.wait_verify_change(info.id)
            await emit(models.VerifyLine(session=info))

    return Streamed(run)


async def cancel_verify(node: NodeFacade, call: Call) -> None:
    """DELETE verify/{id}."""
    await node.cancel_verify(call.params["id"])


async def mark_verified(node: NodeFacade, call: Call) -> AuthEntry:
    """POST auth/{peer}/verified: the human compared the static fingerprint and said yes."""
    call.json(models.EmptyRequest)
    return node.set_verified(call.params["peer"], True)


async def unmark_verified(node: NodeFacade, call: Call) -> AuthEntry:
    """DELETE auth/{peer}/verified: ``peerup verify --reset``."""
    return node.set_verified(call.params["peer"], False)


# ---- invites ------------------------------------------------------------------------------------


async def invite(node: NodeFacade, call: Call) -> Streamed:
    """POST invite: ``{"progress": …}`` lines (the code first) until the invite ends.

    The invite lives as long as the request: a client that goes away cancels it.
    """
    req = call.json(models.InviteRequest)

    async def run(emit: Emit) -> None:
        async with node.open_invite(name=req.name, ttl=req.ttl_s, lan=req.lan) as opened:
            async for progress in opened.receive:
                await emit(models.InviteLine(progress=progress))
                if progress.final:
                    return

    return Streamed(run)


async def get_invites(node: NodeFacade, call: Call) -> list[InviteInfo]:
    """GET invites: the open invites, whichever client opened them (never their codes)."""
    return node.invites()


async def join(node: NodeFacade, call: Call) -> models.JoinReply:
    """POST join: run the invite handshake with the code's inviter (takes seconds)."""
    req = call.json(models.JoinRequest)
    return await node.join_invite(req.code, name=req.name)


async def confirm_invite(node: NodeFacade, call: Call) -> None:
    """POST invite/confirm: the humans compared the SAS and it matched."""
    node.confirm_invite_sas(call.json(models.ConfirmSasRequest).peer)


# ---- routes --------------------------------------------------------------------------------------

Handler = Callable[[NodeFacade, Call], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint.

    Attributes:
        method: HTTP method.
        pattern: Path under the API prefix; ``{x}`` matches one non-empty segment.
        handler: The function to call.
        shuts_down: Call the daemon's ``on_shutdown`` after the reply is sent.
        cancellable: Cancel the handler when the client goes away before the reply (a long
            request whose work should stop with it: a join, a forward whose dial is under way,
            the checks and the question a dialog's Cancel gives up on).
    """

    method: str
    pattern: str
    handler: Handler
    shuts_down: bool = False
    cancellable: bool = False


# ---- relay pairing -------------------------------------------------------------------------------


def _pairing(node: NodeFacade) -> PairingService:
    if node.pairing is None:
        raise ApiError("The node is not running.", code="not-running", status=503)
    return node.pairing


async def relay_pair(node: NodeFacade, call: Call) -> models.RelayPairCreated:
    """POST relay/pair: open a group of pairing codes (relay admin)."""
    req = call.json(models.RelayPairRequest)
    group = _pairing(node).create_group(
        count=req.count,
        ttl=float(req.ttl_seconds),
        namespace=req.namespace,
        peer_ttl=float(req.expires_seconds),
    )
    return models.RelayPairCreated(
        group_id=group.group_id,
        codes=group.codes,
        reference_codes=group.reference_codes,
        expires_at=group.expires_at,
        namespace=group.namespace,
    )


async def relay_pair_groups(node: NodeFacade, call: Call) -> list[models.RelayPairGroup]:
    """GET relay/pair."""
    return [
        models.RelayPairGroup(
            id=g.id,
            namespace=g.namespace,
            created_at=g.created_at,
            expires_at=g.expires_at,
            total=g.total,
            used=g.used,
            failed_attempts=g.failed_attempts,
            state=g.state,
            members=tuple(models.PairMember(str(m.peer_id), m.name) for m in g.members),
        )
        for g in _pairing(node).groups()
    ]


async def relay_pair_revoke(node: NodeFacade, call: Call) -> None:
    """DELETE relay/pair/{id}."""
    _pairing(node).revoke(call.params["id"])


async def pairing_join(node: NodeFacade, call: Call) -> models.PairingJoinReply:
    """POST pairing/join: redeem a relay pairing code."""
    req = call.json(models.PairingJoinRequest)
    result = await _pairing(node).join(req.code, req.name)
    return models.PairingJoinReply(
        group_id=result.group_id,
        relay=result.relay,
        group_size=result.group_size,
        members=tuple(
            models.JoinedPeer(m.peer_id, m.name, m.renamed_from, m.warning, m.warning_code)
            for m in result.members
        ),
        proofs_verified=result.proofs_verified,
        relay_added=result.relay_added,
    )


ROUTES: Final[tuple[Route, ...]] = (
    Route("GET", "status", get_status),
    Route("GET", "peers", get_peers),
    Route("GET", "peers/{peer}/services", get_peer_services, cancellable=True),
    Route("GET", "paths", get_paths),
    Route("GET", "services", get_services),
    Route("POST", "services", expose_service),
    Route("POST", "services/check", check_service, cancellable=True),
    Route("DELETE", "services/{name}", unexpose_service),
    Route("POST", "services/{name}/enabled", enable_service),
    Route("DELETE", "services/{name}/enabled", disable_service),
    Route("POST", "relays", add_relay),
    Route("DELETE", "relays/{relay}", remove_relay),
    Route("GET", "forwards", get_forwards),
    Route("POST", "forwards", open_forward, cancellable=True),
    Route("POST", "forwards/check", check_listen, cancellable=True),
    Route("DELETE", "forwards/{id}", close_forward),
    Route("POST", "forwards/{id}/enabled", start_forward),
    Route("DELETE", "forwards/{id}/enabled", stop_forward),
    Route("GET", "auth", get_auth),
    Route("POST", "auth", authorize),
    Route("DELETE", "auth/{peer}", deauthorize),
    Route("POST", "auth/{peer}/name", rename_peer),
    Route("POST", "resolve", resolve),
    Route("POST", "connect", connect),
    Route("POST", "disconnect", disconnect),
    Route("POST", "ping", ping),
    Route("POST", "reachability/probe", probe_reachability),
    Route("POST", "traceroute", traceroute),
    Route("POST", "shutdown", shutdown, shuts_down=True),
    Route("GET", "events", events),
    Route("GET", "watch", watch),
    # verification (issue 4)
    Route("POST", "verify", start_verify),
    Route("GET", "verify", get_verify),
    Route("POST", "verify/{id}/answer", answer_verify),
    Route("DELETE", "verify/{id}", cancel_verify),
    Route("POST", "auth/{peer}/verified", mark_verified),
    Route("DELETE", "auth/{peer}/verified", unmark_verified),
    Route("POST", "relay/pair", relay_pair),
    Route("GET", "relay/pair", relay_pair_groups),
    Route("DELETE", "relay/pair/{id}", relay_pair_revoke),
    Route("POST", "pairing/join", pairing_join, cancellable=True),
    Route("POST", "invite", invite),
    Route("GET", "invites", get_invites),
    Route("POST", "invite/confirm", confirm_invite),
    Route("POST", "join", join, cancellable=True),
    Route("GET", "settings", get_settings),
    Route("POST", "settings", update_settings),
)
"""Every endpoint of API version :data:`app.api.models.API_VERSION`."""
