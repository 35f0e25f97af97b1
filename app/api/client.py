"""The typed asyncio client of the local control API, used by the CLI and the GUI.

Every failure becomes an :class:`~app.api.errors.ApiError` (or a subclass) with a plain message:
a missing socket or a refused connection is :class:`~app.api.errors.DaemonNotRunningError`, a
rejected token is :class:`~app.api.errors.AccessDeniedError`, and an error reply from the daemon
keeps the daemon's ``code``, ``message`` and ``hint``. No httpx or msgspec exception leaves here.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Final, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from app.api import models
from app.api.errors import AccessDeniedError, ApiError, DaemonNotRunningError
from app.api.transport import ApiEndpoint, read_cookie
from app.core.pairing.invite import InviteProgress, JoinResult
from app.core.status import (
    AuthEntry,
    Event,
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
)

T = TypeVar("T")

CONNECT_TIMEOUT: Final = 5.0
REQUEST_TIMEOUT: Final = 30.0
SLOW_REQUEST_TIMEOUT: Final = 60.0
"""For requests that measure the network (reachability probe, traceroute): several seconds."""

_BASE_URL = "http://peerup.local"
_TIMEOUT = httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT)
_SLOW_TIMEOUT = httpx.Timeout(SLOW_REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT)
_STREAM_TIMEOUT = httpx.Timeout(REQUEST_TIMEOUT, connect=CONNECT_TIMEOUT, read=None)


class LocalClient:
    """A connection to the local daemon's API.

    Prefer :func:`open_local_client`, which closes the client. Methods may be called
    concurrently: a client keeps no state of one request that another could see.

    Attributes:
        endpoint: The daemon's socket and cookie file.
    """

    def __init__(self, endpoint: ApiEndpoint, *, token: str | None = None) -> None:
        """Create a client; reads the cookie file unless ``token`` is given.

        Args:
            endpoint: The daemon's socket and cookie file.
            token: The bearer token; read from ``endpoint.cookie_path`` when None.

        Raises:
            DaemonNotRunningError: The socket or the cookie file does not exist.
            AccessDeniedError: The cookie file is not readable.
        """
        self.endpoint = endpoint
        if not endpoint.socket_path.exists():
            raise DaemonNotRunningError(
                f"The peer-up daemon is not running (no socket at {endpoint.socket_path})."
            )
        self._token_from_file = token is None
        self._token = token if token is not None else read_cookie(endpoint.cookie_path)
        self._http = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(endpoint.socket_path)),
            base_url=_BASE_URL,
            timeout=_TIMEOUT,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ---- plumbing --------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}", "Accept": models.JSON_TYPE}

    def _refresh_token(self) -> bool:
        """Re-read the cookie after a 401; True when it changed (the daemon restarted)."""
        if not self._token_from_file:
            return False
        try:
            token = read_cookie(self.endpoint.cookie_path)
        except ApiError:
            return False
        if token == self._token:
            return False
        self._token = token
        return True

    async def _request(
        self,
        method: str,
        path: str,
        type_: type[T],
        *,
        body: object = None,
        params: dict[str, str] | None = None,
        slow: bool = False,
    ) -> T:
        content = models.encode(body) if body is not None else None
        request_timeout = _SLOW_TIMEOUT if slow else _TIMEOUT
        for attempt in range(2):
            headers = self._headers()
            if content is not None:
                headers["Content-Type"] = models.JSON_TYPE
            try:
                response = await self._http.request(
                    method,
                    path,
                    content=content,
                    params=params,
                    headers=headers,
                    timeout=request_timeout,
                )
            except httpx.HTTPError as exc:
                raise self._transport_error(exc) from None
            if response.status_code == 401 and attempt == 0 and self._refresh_token():
                continue
            if response.status_code >= 400:
                raise self._error_from_reply(response.status_code, response.content)
            try:
                return models.decode_data(response.content, type_)
            except msgspec.DecodeError as exc:
                raise _bad_reply(str(exc)) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _transport_error(self, exc: httpx.HTTPError) -> ApiError:
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return DaemonNotRunningError(
                "The peer-up daemon is not running "
                f"(nobody answers on {self.endpoint.socket_path})."
            )
        if isinstance(exc, httpx.TimeoutException):
            return ApiError(
                "The daemon did not answer in time.",
                code="timeout",
                hint="It may be busy or stuck; check its log.",
            )
        return ApiError(
            f"The connection to the daemon broke ({type(exc).__name__}).",
            code="connection-lost",
            hint="The daemon may have stopped; check its log.",
        )

    def _error_from_reply(self, status: int, body: bytes) -> ApiError:
        error = models.decode_error(body)
        if status == 401:
            return AccessDeniedError(
                error.message if error else "The daemon refused our access token.",
                cookie_path=str(self.endpoint.cookie_path),
            )
        if error is None:
            return ApiError(
                f"The daemon answered with HTTP {status} and no readable error.",
                code="bad-reply",
                status=status,
            )
        return ApiError(error.message, code=error.code, hint=error.hint, status=status)

    @asynccontextmanager
    async def _stream(
        self, method: str, path: str, body: object = None
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        headers = self._headers()
        headers["Accept"] = models.NDJSON_TYPE
        content = None
        if body is not None:
            content = models.encode(body)
            headers["Content-Type"] = models.JSON_TYPE
        request = self._http.build_request(
            method, path, content=content, headers=headers, timeout=_STREAM_TIMEOUT
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        try:
            if response.status_code >= 400:
                try:
                    await response.aread()
                except httpx.HTTPError as exc:
                    raise self._transport_error(exc) from None
                raise self._error_from_reply(response.status_code, response.content)
            lines = self._lines(response)
            try:
                yield lines
            finally:
                await lines.aclose()
        finally:
            await response.aclose()

    async def _lines(self, response: httpx.Response) -> AsyncGenerator[bytes, None]:
        buffer = b""
        try:
            async for chunk in response.aiter_raw():
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield line
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from None
        if buffer.strip():
            yield buffer

    # ---- endpoints -------------------------------------------------------------------------------

    async def status(self) -> NodeStatus:
        """Return a snapshot of the node."""
        return await self._request("GET", models.STATUS, NodeStatus)

    async def peers(self, *, include_unauthorized: bool = False) -> list[PeerInfo]:
        """Return known peers; only authorized ones unless ``include_unauthorized``."""
        params = {"all": "true" if include_unauthorized else "false"}
        return await self._request("GET", models.PEERS, list[PeerInfo], params=params)

    async def peer_services(self, peer: str) -> list[str]:
        """The services ``peer`` (name or peer ID) offers, sorted: the ``/peerup/<name>/1.0.0``
        protocols it announces over identify, asked afresh.

        The daemon connects first if needed (up to about 10 s). A service listed may still
        refuse us (its allowed peers, verified-only): identify names them all.

        Raises:
            ApiError: ``peer-unreachable`` (502) when the peer cannot be reached,
                ``not-authorized`` for a peer not in authorized_keys, ``unknown-peer``.
        """
        path = _item(models.PEERS, peer) + "/services"
        return await self._request("GET", path, list[str], slow=True)

    async def paths(self) -> list[PathInfo]:
        """Return the path in use for every connected peer."""
        return await self._request("GET", models.PATHS, list[PathInfo])

    async def services(self) -> list[ServiceInfo]:
        """Return the local services: those exposed to peers (``enabled``) and the configured
        ones switched off (``enabled`` False)."""
        return await self._request("GET", models.SERVICES, list[ServiceInfo])

    async def expose_service(
        self,
        name: str,
        local_address: str,
        *,
        allowed_peers: Sequence[str] = (),
        persist: bool = False,
        verified_only: bool = False,
    ) -> ServiceInfo:
        """Expose ``local_address`` ("host:port") to peers as service ``name``.

        With ``persist``, a service of that name in config.yaml already is replaced (its
        address, allowed peers and ``verified_only``; its ``enabled`` stays): a front end's
        edit. Without, a name exposed already is ``already-exists``.

        Args:
            name: Service name (a DNS label such as ``ssh``).
            local_address: Where the service listens locally.
            allowed_peers: Peers allowed to use it; empty means every authorized peer.
            persist: Also write it to the config file.
            verified_only: Admit only peers a human verified.

        Returns:
            The new service.
        """
        body = models.ExposeServiceRequest(
            name=name,
            local_address=local_address,
            allowed_peers=tuple(allowed_peers),
            persist=persist,
            verified_only=verified_only,
        )
        return await self._request("POST", models.SERVICES, ServiceInfo, body=body)

    async def check_service(self, local_address: str) -> ServiceCheck:
        """Whether the local TCP service at ``local_address`` answers (before exposing it).

        The daemon connects once, within 2 s, and closes the connection at once; ``answers``
        false comes with ``error`` and ``error_code`` (``connection-refused``, ``timeout``,
        ``unknown-host``, ``unreachable``).

        Raises:
            ApiError: ``invalid-address`` when it is not host:port with a real port.
        """
        body = models.CheckServiceRequest(local_address=local_address)
        return await self._request("POST", models.SERVICES_CHECK, ServiceCheck, body=body)

    async def unexpose_service(self, name: str, *, persist: bool = False) -> None:
        """Stop exposing service ``name`` (and remove it from the config if ``persist``)."""
        params = {"persist": "true" if persist else "false"}
        await self._request("DELETE", _item(models.SERVICES, name), object, params=params)

    async def set_service_enabled(self, name: str, enabled: bool) -> ServiceInfo:
        """Enable (expose) or disable (unexpose) service ``name`` of config.yaml, in the file too.

        Raises:
            ApiError: ``not-found`` when the config has no such service.
        """
        path = _item(models.SERVICES, name) + "/enabled"
        if enabled:
            return await self._request("POST", path, ServiceInfo, body={})
        return await self._request("DELETE", path, ServiceInfo)

    async def add_relay(self, address: str) -> RelayInfo:
        """Add a relay (full multiaddr with ``/p2p/<id>``) to config.yaml; the daemon reserves
        on it at once.

        Raises:
            ApiError: ``already-exists``, ``invalid-address``.
        """
        body = models.AddRelayRequest(address=address)
        return await self._request("POST", models.RELAYS, RelayInfo, body=body)

    async def remove_relay(self, relay: str) -> str:
        """Remove a relay (full multiaddr or peer ID) from config.yaml; the daemon stops using it.

        Returns:
            The address removed.

        Raises:
            ApiError: ``not-found`` when no configured relay matches.
        """
        reply = await self._request("DELETE", _item(models.RELAYS, relay), models.RelayRemoved)
        return reply.address

    async def settings(self) -> Settings:
        """Return the preferences: device name, private network, mDNS, port mapping, hole
        punching (the watch stream's snapshot carries them too)."""
        return await self._request("GET", models.SETTINGS, Settings)

    async def update_settings(self, change: SettingsUpdate) -> Settings:
        """Change preferences; the daemon writes config.yaml and applies them at once.

        Args:
            change: The preferences to change (a member left None stays as it is).

        Returns:
            The preferences now (``settings-changed`` and ``config-changed`` events follow).

        Raises:
            ApiError: ``invalid-name`` (device name), ``invalid-network`` (network name, or
                ``network`` together with ``clear_network``); nothing is changed then.
        """
        return await self._request("POST", models.SETTINGS, Settings, body=change)

    async def forwards(self) -> list[ForwardInfo]:
        """Return the open forwards."""
        return await self._request("GET", models.FORWARDS, list[ForwardInfo])

    async def open_forward(
        self, peer: str, service: str, listen: str = "127.0.0.1:0", *, persist: bool = False
    ) -> ForwardInfo:
        """Listen on ``listen`` ("host:port", port 0 = any) and reach ``service`` on ``peer``.

        Args:
            peer: Name or peer ID (the daemon connects first: ``peer-unreachable`` when it
                cannot).
            service: The peer's service.
            listen: The local address.
            persist: Also save it in config.yaml: it opens at every start with the same id
                (``cfg-<host>:<port>``; port 0 saves the port it got), can be stopped and
                started (:meth:`set_forward_enabled`), and :meth:`close_forward` removes it
                from the config.

        Raises:
            ApiError: ``address-in-use``, ``invalid-address``, ``already-exists`` (a saved
                forward has that address), ``peer-unreachable``, ``not-authorized``,
                ``unknown-peer``.
        """
        body = models.OpenForwardRequest(peer=peer, service=service, listen=listen, persist=persist)
        return await self._request("POST", models.FORWARDS, ForwardInfo, body=body)

    async def check_listen(self, listen: str) -> ListenCheck:
        """Whether a forward could listen on ``listen`` ("host:port"), before opening one.

        Not free when another forward of the daemon (a stopped saved one too) or another
        program has it, or we may not listen there (``error_code``: ``used-by-forward``,
        ``address-in-use``, ``permission-denied``, ``address-not-available``,
        ``unknown-host``, ``cannot-listen``); then ``suggestion`` is a free address on the
        same host a few ports up (from 8000 + the port below 1024), when there is one.

        Raises:
            ApiError: ``invalid-address`` when it is not host:port or the port is out of range.
        """
        body = models.CheckListenRequest(listen=listen)
        return await self._request("POST", models.FORWARDS_CHECK, ListenCheck, body=body)

    async def close_forward(self, forward_id: str) -> None:
        """Close forward ``forward_id`` and its connections; a saved one leaves the config."""
        await self._request("DELETE", _item(models.FORWARDS, forward_id), object)

    async def set_forward_enabled(self, forward_id: str, enabled: bool) -> ForwardInfo:
        """Start (listen again) or stop a saved forward, without removing it.

        A stopped forward stays listed with state ``stopped`` and ``enabled`` false, its
        listener closed (and its connections); config.yaml keeps it with ``enabled: false``.

        Raises:
            ApiError: ``forward-not-found``, ``forward-not-saved`` (opened without persist:
                close it instead), ``address-in-use`` (starting: the port is taken now).
        """
        path = _item(models.FORWARDS, forward_id) + "/enabled"
        if enabled:
            return await self._request("POST", path, ForwardInfo, body={})
        return await self._request("DELETE", path, ForwardInfo)

    async def auth_entries(self) -> list[AuthEntry]:
        """Return the entries of authorized_keys."""
        return await self._request("GET", models.AUTH, list[AuthEntry])

    async def authorize(self, peer_id: str, comment: str = "") -> AuthEntry:
        """Add ``peer_id`` to authorized_keys."""
        body = models.AuthorizeRequest(peer_id=peer_id, comment=comment)
        return await self._request("POST", models.AUTH, AuthEntry, body=body)

    async def deauthorize(self, peer: str) -> None:
        """Remove ``peer`` (peer ID or name) from authorized_keys and drop its connections."""
        await self._request("DELETE", _item(models.AUTH, peer), object)

    async def rename_peer(self, peer: str, name: str) -> AuthEntry:
        """Give ``peer`` (peer ID or name) the name ``name``; its old names go.

        The name actually given is the entry's ``name`` (``name-2`` when another peer has it).
        """
        body = models.RenameRequest(name=name)
        return await self._request("POST", _item(models.AUTH, peer) + "/name", AuthEntry, body=body)

    async def resolve(self, name: str) -> Resolved:
        """Resolve a name (or a peer ID) to a peer ID."""
        body = models.ResolveRequest(name=name)
        return await self._request("POST", models.RESOLVE, Resolved, body=body)

    def ping(self, peer: str, *, count: int = 4, interval: float = 1.0) -> PingRun:
        """Ping ``peer``: iterate the returned run for each result as it arrives.

        Once the iteration ends, the run's ``stats`` holds the daemon's summary of this request.

        Args:
            peer: Name or peer ID.
            count: Number of pings (1 to 1000).
            interval: Seconds between pings (0.01 to 60).

        Returns:
            The request, an async iterator of one result per ping, failures included (``error``
            set).
        """
        body = models.PingRequest(peer=peer, count=count, interval_ms=round(interval * 1000))
        return PingRun(self._ping_lines(body))

    async def _ping_lines(
        self, body: models.PingRequest
    ) -> AsyncGenerator[PingResult | PingStats, None]:
        async with self._stream("POST", models.PING, body) as lines:
            async for raw in lines:
                try:
                    line = models.decode_ping_line(raw)
                except msgspec.DecodeError as exc:
                    raise _bad_reply(str(exc)) from None
                if line.error is not None:
                    raise ApiError(line.error.message, code=line.error.code, hint=line.error.hint)
                if line.result is not None:
                    yield line.result
                elif line.stats is not None:
                    yield line.stats

    async def connect(self, peer: str, addresses: Sequence[str] = ()) -> PathInfo:
        """Connect to ``peer`` (name, peer ID or /p2p/ multiaddr), optionally at ``addresses``."""
        body = models.ConnectRequest(peer=peer, addresses=tuple(addresses))
        return await self._request("POST", models.CONNECT, PathInfo, body=body)

    async def disconnect(self, peer: str) -> None:
        """Close every connection to ``peer``."""
        await self._request("POST", models.DISCONNECT, object, body=models.DisconnectRequest(peer))

    async def probe_reachability(self) -> Reachability:
        """Re-probe this node's reachability now (interfaces, STUN) and return the new grade.

        This measures the network, so it may take several seconds (timeout 60 s).
        """
        return await self._request("POST", models.REACHABILITY_PROBE, Reachability, slow=True)

    async def traceroute(self, peer: str) -> TracerouteResult:
        """Show the path to ``peer`` (name or peer ID) hop by hop, connecting first if needed.

        This may dial the peer and measures each hop, so it may take several seconds (timeout
        60 s).
        """
        body = models.TracerouteRequest(peer=peer)
        return await self._request(
            "POST", models.TRACEROUTE, TracerouteResult, body=body, slow=True
        )

    # ---- relay pairing ----

    async def relay_pair(self, request: models.RelayPairRequest) -> models.RelayPairCreated:
        """Open a pairing group on this relay."""
        return await self._request("POST", models.RELAY_PAIR, models.RelayPairCreated, body=request)

    async def relay_pair_groups(self) -> list[models.RelayPairGroup]:
        """The relay's pairing groups."""
        return await self._request("GET", models.RELAY_PAIR, list[models.RelayPairGroup])

    async def relay_pair_revoke(self, group_id: str) -> None:
        """Close a pairing group."""
        await self._request("DELETE", _item(models.RELAY_PAIR, group_id), object)

    async def pairing_join(self, code: str, name: str = "") -> models.PairingJoinReply:
        """Redeem a relay pairing code (waits for the relay: slow)."""
        body = models.PairingJoinRequest(code=code, name=name)
        return await self._request(
            "POST", models.PAIRING_JOIN, models.PairingJoinReply, body=body, slow=True
        )

    async def shutdown(self) -> None:
        """Ask the daemon to stop; returns once it has acknowledged."""
        await self._request("POST", models.SHUTDOWN, models.ShutdownReply)

    async def events(self) -> AsyncIterator[Event]:
        """Yield the node's events as they happen, until the daemon stops.

        The stream's greeting line is consumed here; event kinds this client does not know are
        skipped. Close the generator (or leave the ``async for``) to unsubscribe. To keep a
        state up to date, use :meth:`watch`, which recovers when events were lost.

        Yields:
            Events of :data:`app.core.status.Event`.

        Raises:
            ApiError: ``events-lost`` when this client fell too far behind and the daemon had to
                drop events for it.
        """
        async with self._stream("GET", models.EVENTS) as lines:
            async for raw in lines:
                try:
                    event = models.decode_event(raw)
                except msgspec.DecodeError as exc:
                    raise _bad_reply(str(exc)) from None
                if isinstance(event, models.Resync):
                    raise ApiError(
                        "Events were lost: this client did not keep up with the daemon.",
                        code="events-lost",
                        hint="Read the state again (or use the watch stream, which does).",
                    )
                if event is None or isinstance(event, models.Hello):
                    continue
                yield event

    async def watch(
        self,
    ) -> AsyncGenerator[models.Snapshot | models.WatchEvent | models.Resync, None]:
        """Yield the node's state, then every change, until the daemon stops.

        The first item is a :class:`~app.api.models.Snapshot`; then come numbered
        :class:`~app.api.models.WatchEvent` items (``seq`` one more each time, the first one
        ``snapshot.seq + 1``). After a :class:`~app.api.models.Resync` (this client fell behind
        and events were lost) and after some events (see
        :data:`~app.api.models.RESNAPSHOT_AFTER`) a fresh snapshot comes, which replaces the
        state; :func:`app.api.watch.apply_event` folds the events in between. Event kinds this
        client does not know are skipped. Close the generator (or leave the ``async for``) to
        stop watching.

        Raises:
            ApiError: The stream could not start, broke, or the daemon reported an error on it.
        """
        async with self._stream("GET", models.WATCH) as lines:
            async for raw in lines:
                try:
                    item = models.decode_watch_line(raw)
                except msgspec.DecodeError as exc:
                    raise _bad_reply(str(exc)) from None
                if isinstance(item, models.ErrorBody):
                    raise ApiError(item.message, code=item.code, hint=item.hint)
                if item is not None:
                    yield item

    # ---- verification (issue 4) -----------------------------------------------------------------

    async def start_verify(self, peer: str) -> VerifySessionInfo:
        """Start ``/peerup/verify/1.0.0`` with ``peer``; returns once the SAS is ready.

        Raises:
            ApiError: ``verify-unsupported`` (the peer does not speak it), ``peer-unreachable``,
                ``verification-failed``.
        """
        body = models.VerifyRequest(peer=peer)
        return await self._request("POST", models.VERIFY, VerifySessionInfo, body=body, slow=True)

    async def verify_sessions(self) -> list[VerifySessionInfo]:
        """Ongoing verifications (incoming ones wait for an answer) and recent results."""
        return await self._request("GET", models.VERIFY, list[VerifySessionInfo])

    async def answer_verify(self, session_id: str, match: bool) -> AsyncIterator[VerifySessionInfo]:
        """Send this side's answer; yields the run after each change until it is over."""
        path = _item(models.VERIFY, session_id) + "/answer"
        body = models.VerifyAnswerRequest(match=match)
        async with self._stream("POST", path, body) as lines:
            async for raw in lines:
                try:
                    line = models.decode_verify_line(raw)
                except msgspec.DecodeError as exc:
                    raise _bad_reply(str(exc)) from None
                if line.error is not None:
                    raise ApiError(line.error.message, code=line.error.code, hint=line.error.hint)
                if line.session is not None:
                    yield line.session

    async def cancel_verify(self, session_id: str) -> None:
        """Cancel a verification (the peer is told)."""
        await self._request("DELETE", _item(models.VERIFY, session_id), object)

    async def set_verified(self, peer: str, verified: bool) -> AuthEntry:
        """Mark ``peer`` verified (after comparing the static fingerprint) or unverified."""
        path = _item(models.AUTH, peer) + "/verified"
        if verified:
            return await self._request("POST", path, AuthEntry, body={})
        return await self._request("DELETE", path, AuthEntry)

    async def invite(
        self, *, name: str = "", ttl: float = 600.0, lan: bool = False
    ) -> AsyncGenerator[InviteProgress, None]:
        """Open an invite on the daemon and yield its progress (the code first) until it ends.

        Leaving the ``async for`` (or closing the generator) cancels the invite.
        """
        body = models.InviteRequest(name=name, ttl_s=ttl, lan=lan)
        async with self._stream("POST", models.INVITE, body) as lines:
            async for raw in lines:
                try:
                    line = models.decode_invite_line(raw)
                except msgspec.DecodeError as exc:
                    raise _bad_reply(str(exc)) from None
                if line.error is not None:
                    raise ApiError(line.error.message, code=line.error.code, hint=line.error.hint)
                if line.progress is not None:
                    yield line.progress

    async def invites(self) -> list[InviteInfo]:
        """The invites open on the daemon, whichever client opened them (never their codes)."""
        return await self._request("GET", models.INVITES, list[InviteInfo])

    async def join(self, code: str, *, name: str = "") -> JoinResult:
        """Join with an invite code or link (dials the inviter; up to a minute)."""
        body = models.JoinRequest(code=code, name=name)
        return await self._request("POST", models.JOIN, JoinResult, body=body, slow=True)

    async def confirm_invite(self, peer: str) -> None:
        """Tell the daemon the SAS matched for ``peer`` (marks it verified)."""
        body = models.ConfirmSasRequest(peer=peer)
        await self._request("POST", models.INVITE_CONFIRM, object, body=body)


class PingRun:
    """One ping request (:meth:`LocalClient.ping`): an async iterator of its results.

    Attributes:
        stats: The daemon's summary of this request, once the iteration has ended (None before,
            and when the stream broke off).
    """

    def __init__(self, lines: AsyncGenerator[PingResult | PingStats, None]) -> None:
        self.stats: PingStats | None = None
        self._lines = lines

    def __aiter__(self) -> PingRun:
        return self

    async def __anext__(self) -> PingResult:
        while True:
            item = await anext(self._lines)
            if isinstance(item, PingStats):
                self.stats = item
                continue
            return item

    async def aclose(self) -> None:
        """Stop pinging (the request is closed)."""
        await self._lines.aclose()


def _item(collection: str, key: str) -> str:
    return f"{collection}/{quote(key, safe='')}"


def _bad_reply(detail: str) -> ApiError:
    return ApiError(
        f"The daemon sent a reply this client does not understand: {detail}.",
        code="bad-reply",
        hint="Are the daemon and this program the same version?",
    )


@asynccontextmanager
async def _open(endpoint: ApiEndpoint) -> AsyncIterator[LocalClient]:
    client = LocalClient(endpoint)
    try:
        yield client
    finally:
        await client.aclose()


def open_local_client(endpoint: ApiEndpoint) -> AbstractAsyncContextManager[LocalClient]:
    """Open a client of the daemon at ``endpoint``; closes it on exit.

    Args:
        endpoint: The daemon's socket and cookie file (see
            :func:`app.api.transport.endpoint_for_config`).

    Returns:
        An async context manager yielding the client.

    Raises:
        DaemonNotRunningError: On entry, when the socket or cookie does not exist.
        AccessDeniedError: On entry, when the cookie file is not readable.
    """
    return _open(endpoint)
