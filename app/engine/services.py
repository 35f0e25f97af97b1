"""Local TCP services exposed to peers on ``/peerup/<name>/1.0.0``.

There is no header on the stream (as in the reference): after protocol negotiation it carries the
raw bytes of one TCP connection. A stream from a peer that is not authorized (or not in the
service's ``allowed_peers``) is reset before any byte of the service is touched.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import trio
from libp2p.abc import INetStream
from libp2p.custom_types import TProtocol

from app.core.errors import AlreadyExistsError, InvalidAddressError, NotFoundError
from app.core.ids.names import service_protocol_id, validate_service_name
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.ids.peerid import PeerId
from app.core.status import ServiceCheck, ServiceInfo
from app.engine.splice import Counters, SpliceError, refuse, reset_quietly, splice

log = logging.getLogger("peerup.engine.services")

LOCAL_DIAL_TIMEOUT = 10.0
CHECK_TIMEOUT = 2.0
"""How long :func:`check_local_service` waits for the service to accept (seconds)."""


@dataclass(slots=True)
class _Service:
    name: str
    local_address: str
    allowed_peers: frozenset[str]
    verified_only: bool = False
    streams_total: int = 0
    streams_active: int = 0
    errors: int = 0
    counters: list[Counters] = field(default_factory=list)

    def info(self) -> ServiceInfo:
        return ServiceInfo(
            name=self.name,
            protocol_id=service_protocol_id(self.name),
            local_address=self.local_address,
            enabled=True,
            allowed_peers=tuple(sorted(self.allowed_peers)),
            verified_only=self.verified_only,
            streams_total=self.streams_total,
            streams_active=self.streams_active,
            errors=self.errors,
        )


class ServiceRegistry:
    """The services this node exposes, and the stream handler that serves them.

    Args:
        host: The libp2p host to register protocol handlers on.
        is_authorized: Whether a peer ID (base58) is in authorized_keys right now.
        on_change: Called after every expose/unexpose (once for a :meth:`batch`).
        is_verified: Whether a peer ID's key was verified by a human (for ``verified_only``).
    """

    def __init__(
        self,
        host: object,
        is_authorized: Callable[[str], bool],
        on_change: Callable[[], None],
        *,
        is_verified: Callable[[str], bool] = lambda _peer: False,
    ) -> None:
        self._host = host
        self._is_authorized = is_authorized
        self._is_verified = is_verified
        self._on_change = on_change
        self._services: dict[str, _Service] = {}
        self._batches = 0
        self._pending = False

    def snapshot(self) -> list[ServiceInfo]:
        """Snapshot of every exposed service, sorted by name."""
        return [s.info() for _, s in sorted(self._services.items())]

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Changes made within count as one: ``on_change`` is called once at the end, if any.

        An edit of a service unexposes and exposes it again; watchers should see the edit, not
        the service gone for a moment. Batches nest.
        """
        self._batches += 1
        try:
            yield
        finally:
            self._batches -= 1
            if not self._batches and self._pending:
                self._pending = False
                self._on_change()

    def changed(self) -> None:
        """The services as listed changed (also from outside: their config): call ``on_change``,
        now or at the end of the batch."""
        if self._batches:
            self._pending = True
        else:
            self._on_change()

    def expose(
        self,
        name: str,
        local_address: str,
        allowed_peers: Sequence[str] = (),
        *,
        verified_only: bool = False,
    ) -> ServiceInfo:
        """Expose ``local_address`` ("host:port") as service ``name``.

        Raises:
            InvalidNameError: ``name`` breaks the service naming rule.
            InvalidAddressError: ``local_address`` is not host:port.
            InvalidPeerIdError: an entry of ``allowed_peers`` is not a peer ID.
            AlreadyExistsError: a service of that name is exposed already.
        """
        validate_service_name(name)
        parse_host_port(local_address, default_host="localhost")
        allowed = frozenset(str(PeerId.parse(p)) for p in allowed_peers)
        if name in self._services:
            raise AlreadyExistsError(
                f"service {name!r} is already exposed",
                hint=f"remove it first with: peerup service remove {name}",
            )
        service = _Service(
            name=name,
            local_address=local_address,
            allowed_peers=allowed,
            verified_only=verified_only,
        )
        self._services[name] = service
        self._host.set_stream_handler(  # type: ignore[attr-defined]
            TProtocol(service_protocol_id(name)), self._make_handler(service)
        )
        self.changed()
        return service.info()

    def unexpose(self, name: str) -> None:
        """Stop offering service ``name``; streams already open finish normally.

        Raises:
            NotFoundError: no such service is exposed.
        """
        if self._services.pop(name, None) is None:
            raise NotFoundError(f"service {name!r} is not exposed")
        self._host.get_mux().remove_handler(TProtocol(service_protocol_id(name)))  # type: ignore[attr-defined]
        self.changed()

    def _make_handler(self, service: _Service) -> Callable[[INetStream], Awaitable[None]]:
        async def handle(stream: INetStream) -> None:
            await self._serve(service, stream)

        return handle

    async def _serve(self, service: _Service, stream: INetStream) -> None:
        remote = str(stream.muxed_conn.peer_id)
        if self._services.get(service.name) is not service or not self._permitted(service, remote):
            log.warning("refused %s stream from %s", service.name, remote)
            service.errors += 1
            await reset_quietly(stream)
            return
        if service.verified_only and not self._is_verified(remote):
            # Tell the client why (it can fix it), instead of a bare reset.
            log.warning("refused %s stream from unverified peer %s", service.name, remote)
            service.errors += 1
            await refuse(
                stream,
                "not-verified",
                f"service {service.name!r} admits verified peers only, and this peer has not "
                "verified your key. Run: peerup verify <peer> (on both devices)",
            )
            return
        host, port = parse_host_port(service.local_address, default_host="localhost")
        try:
            with trio.fail_after(LOCAL_DIAL_TIMEOUT):
                tcp = await trio.open_tcp_stream(host, port)
        except (OSError, trio.TooSlowError) as exc:
            log.warning("service %s: cannot reach %s: %s", service.name, service.local_address, exc)
            service.errors += 1
            await reset_quietly(stream)
            return
        service.streams_total += 1
        service.streams_active += 1
        counters = Counters()
        try:
            await splice(tcp, stream, counters)
        except SpliceError as exc:
            service.errors += 1
            log.info("service %s stream from %s ended: %s", service.name, remote, exc)
        finally:
            service.streams_active -= 1

    def _permitted(self, service: _Service, remote: str) -> bool:
        if not self._is_authorized(remote):
            return False
        return not service.allowed_peers or remote in service.allowed_peers


def _errnos(exc: BaseException) -> set[int | None]:
    """The errnos of a failed connect (trio's happy eyeballs raise one error for all tries)."""
    cause = exc.__cause__
    if isinstance(cause, BaseExceptionGroup):
        return {getattr(e, "errno", None) for e in cause.exceptions}
    return {getattr(exc, "errno", None)}


async def check_local_service(local_address: str) -> ServiceCheck:
    """Whether a local TCP service answers: one connect within :data:`CHECK_TIMEOUT`, closed
    at once (nothing is sent).

    Raises:
        InvalidAddressError: ``local_address`` is not host:port with a real port.
    """
    host, port = parse_host_port(local_address, default_host="localhost")
    if port == 0:
        raise InvalidAddressError(f"{local_address!r}: a service needs a real port, not 0")
    address = format_host_port(host, port)
    started = trio.current_time()
    try:
        with trio.fail_after(CHECK_TIMEOUT):
            stream = await trio.open_tcp_stream(host, port)
    except trio.TooSlowError:
        return ServiceCheck(
            address, False, f"{address} did not answer within {CHECK_TIMEOUT:.0f} s", "timeout"
        )
    except trio.socket.gaierror as exc:
        return ServiceCheck(address, False, f"unknown host {host} ({exc.strerror})", "unknown-host")
    except OSError as exc:
        if _errnos(exc) == {errno.ECONNREFUSED}:
            return ServiceCheck(
                address, False, f"nothing listens on {address}", "connection-refused"
            )
        return ServiceCheck(address, False, f"cannot reach {address}: {exc}", "host-unreachable")
    connect_ms = round((trio.current_time() - started) * 1000, 2)
    await stream.aclose()
    return ServiceCheck(address, True, connect_ms=connect_ms)
