"""Forwards: a local TCP listener whose every connection reaches a service on a peer.

Each forward has its own cancel scope inside the manager's nursery, and each accepted connection
runs in the forward's nursery, so closing a forward (or stopping the node) cancels exactly its
listener and connections. Opening the stream to the peer is retried with exponential back-off while
the peer is unreachable; a refused or unknown service fails at once (retrying cannot fix it).

A forward saved in the config (``persistent``, see :mod:`app.engine.savedforwards`) has a
stable id and may also be listed without a listener: ``stopped`` (switched off) or ``failed``
(its listener could not start). :meth:`ForwardManager.stop_forward` closes a forward's listener
and connections but keeps it listed, stopped; :meth:`ForwardManager.open_forward` with its id
opens it again.

The splice counts bytes in plain integers and publishes nothing. One ticker per manager publishes
each forward's counters and rates about once a second, and only while they change: opening and
closing a forward are published at once, everything else (bytes, connections, errors) on the next
tick, so a burst of connections or a fast transfer costs one event a second, not one per chunk.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import trio
from libp2p.abc import INetStream

from app.core.config import saved_forward_id
from app.core.errors import (
    AddressInUseError,
    AlreadyExistsError,
    ForwardNotFoundError,
    InvalidAddressError,
    PeerUnreachableError,
    PeerupError,
)
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.status import ForwardChanged, ForwardInfo, ForwardState
from app.engine.bus import EventBus
from app.engine.splice import Counters, SpliceError, reset_on_close, splice

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.forwards")

# Waits between stream attempts while the peer is unreachable (the reference waits 1, 2, 4 s;
# shorter first waits make a briefly flapping path invisible to the user).
RETRY_DELAYS = (0.25, 1.0, 2.0, 4.0)

# py-libp2p carries at most 256 streams on one connection and then hangs new_stream() without an
# error (platform notes); keep room for pings and other protocols and refuse clearly beyond this.
MAX_CONNECTIONS_PER_PEER = 200

# How often the ticker publishes a busy forward's counters and rates (seconds).
TICK = 1.0

OpenStream = Callable[[str, str], Awaitable[INetStream]]


@dataclass(slots=True)
class _Forward:
    info: ForwardInfo
    cancel_scope: trio.CancelScope = field(default_factory=trio.CancelScope)
    live: list[Counters] = field(default_factory=list)
    done_up: int = 0
    done_down: int = 0
    closed: trio.Event = field(default_factory=trio.Event)
    active: bool = True  # it has a listener (a task); else it is only listed, stopped or failed
    stopping: bool = False  # stop_forward: keep it listed, stopped, once its listener is closed
    # What the last tick saw: the byte totals and when; whether anything else changed since.
    tick_up: int = 0
    tick_down: int = 0
    tick_time: float = 0.0
    dirty: bool = False

    def totals(self) -> tuple[int, int]:
        """Bytes up and down so far, the connections still open included."""
        up, down = self.done_up, self.done_down
        for counters in self.live:
            up += counters.up
            down += counters.down
        return up, down

    def busy(self) -> bool:
        """Whether the ticker may have something to say about this forward."""
        return bool(self.live or self.dirty or self.info.rate_up or self.info.rate_down)

    def snapshot(self) -> ForwardInfo:
        up, down = self.totals()
        return replace(self.info, bytes_up=up, bytes_down=down, connections_active=len(self.live))


class ForwardManager:
    """Owns every forward of a node.

    Args:
        open_stream: Opens a stream to (peer ID, service name); raises PeerUnreachableError when the
            peer cannot be reached (retried) and other PeerupErrors when retrying cannot help.
        bus: Where ForwardChanged events go.
        describe_peer: Returns (name, verified) of a peer ID, for the forward's display fields.
    """

    def __init__(
        self,
        open_stream: OpenStream,
        bus: EventBus,
        describe_peer: Callable[[str], tuple[str | None, bool]],
    ) -> None:
        self._open_stream = open_stream
        self._bus = bus
        self._describe_peer = describe_peer
        self._forwards: dict[str, _Forward] = {}
        self._next_id = 1
        self._nursery: trio.Nursery | None = None
        self._wake = trio.Event()

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Own the nursery every forward and the ticker run in; runs until cancelled."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                nursery.start_soon(self._run_ticker)
                task_status.started()
                await trio.sleep_forever()
        finally:
            self._nursery = None

    def snapshot(self) -> list[ForwardInfo]:
        """Snapshot of every forward, in opening order."""
        return [f.snapshot() for f in self._forwards.values()]

    def addresses(self) -> list[tuple[str, int]]:
        """``(host, port)`` of every forward listed, saved ones without a listener too."""
        return [parse_host_port(f.info.listen_address) for f in self._forwards.values()]

    async def open_forward(
        self,
        peer_id: str,
        service: str,
        listen: str,
        *,
        forward_id: str | None = None,
        persistent: bool = False,
    ) -> ForwardInfo:
        """Start listening on ``listen`` and forward each connection to ``service`` on ``peer_id``.

        Args:
            peer_id: The peer.
            service: Its service.
            listen: ``host:port`` (port 0: any free port).
            forward_id: The id to use (a saved forward's; one listed without a listener is
                opened again). Default: ``fwd-<n>``, or for a persistent forward
                ``cfg-<host>:<port bound>``.
            persistent: The forward is saved in the config.

        Raises:
            InvalidAddressError: ``listen`` is not host:port.
            AddressInUseError: the port is taken.
            AlreadyExistsError: a forward with ``forward_id`` listens already.
        """
        if self._nursery is None:
            raise PeerupError("the node is not running")
        existing = self._forwards.get(forward_id) if forward_id is not None else None
        if existing is not None and existing.active:
            raise AlreadyExistsError(f"forward {forward_id} is open already")
        host, port = parse_host_port(listen)
        try:
            listeners = await trio.open_tcp_listeners(port, host=host)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AddressInUseError(
                    f"{format_host_port(host, port)} is already in use",
                    hint="choose another local port, or close what uses it",
                ) from exc
            raise InvalidAddressError(
                f"cannot listen on {format_host_port(host, port)}: {exc.strerror or exc}"
            ) from exc
        bound = listeners[0].socket.getsockname()
        if forward_id is None and persistent:
            forward_id = saved_forward_id(format_host_port(host, bound[1]))
        if forward_id is None:
            forward_id = f"fwd-{self._next_id}"
            self._next_id += 1
        name, verified = self._describe_peer(peer_id)
        forward = _Forward(
            ForwardInfo(
                id=forward_id,
                peer_id=peer_id,
                peer_name=name,
                service=service,
                listen_address=format_host_port(bound[0], bound[1]),
                state=ForwardState.LISTENING,
                verified=verified,
                persistent=persistent,
            ),
            tick_time=trio.current_time(),
        )
        self._forwards[forward_id] = forward  # replaces one listed without a listener
        self._nursery.start_soon(self._run_forward, forward, listeners)
        self._publish(forward)
        return forward.snapshot()

    def list_inactive(
        self,
        forward_id: str,
        peer_id: str,
        service: str,
        listen: str,
        *,
        state: ForwardState,
        error: PeerupError | None = None,
    ) -> ForwardInfo:
        """List a saved forward that has no listener: ``stopped``, or ``failed`` with ``error``.

        It replaces a forward of that id that has no listener either.

        Raises:
            AlreadyExistsError: a forward with ``forward_id`` listens.
        """
        existing = self._forwards.get(forward_id)
        if existing is not None and existing.active:
            raise AlreadyExistsError(f"forward {forward_id} is open already")
        name, verified = self._describe_peer(peer_id)
        forward = _Forward(
            ForwardInfo(
                id=forward_id,
                peer_id=peer_id,
                peer_name=name,
                service=service,
                listen_address=listen,
                state=state,
                verified=verified,
                last_error=error.message if error is not None else None,
                last_error_code=error.code if error is not None else None,
                errors=1 if error is not None else 0,
                persistent=True,
                enabled=state is not ForwardState.STOPPED,
            ),
            active=False,
        )
        forward.closed.set()
        self._forwards[forward_id] = forward
        self._publish(forward)
        return forward.snapshot()

    def _require(self, forward_id: str) -> _Forward:
        forward = self._forwards.get(forward_id)
        if forward is None:
            raise ForwardNotFoundError(
                f"no forward with id {forward_id!r}", hint="list them with: peerup daemon forwards"
            )
        return forward

    async def stop_forward(self, forward_id: str) -> ForwardInfo:
        """Close a forward's listener and connections but keep it listed, ``stopped``.

        Raises:
            ForwardNotFoundError: no forward has that id.
        """
        forward = self._require(forward_id)
        if forward.active:
            forward.stopping = True
            forward.cancel_scope.cancel()
            await forward.closed.wait()
            return forward.snapshot()
        forward.info = replace(forward.info, state=ForwardState.STOPPED, enabled=False)
        self._publish(forward)
        return forward.snapshot()

    async def close_forward(self, forward_id: str) -> None:
        """Close the listener and every connection of a forward; waits until they are gone.

        Raises:
            ForwardNotFoundError: no forward has that id.
        """
        forward = self._require(forward_id)
        if not forward.active:
            del self._forwards[forward_id]
            forward.info = replace(forward.info, state=ForwardState.CLOSED)
            self._publish(forward)
            return
        forward.stopping = False
        forward.cancel_scope.cancel()
        await forward.closed.wait()

    async def close_all(self) -> None:
        """Close every forward (graceful shutdown)."""
        for forward_id in list(self._forwards):
            if forward_id in self._forwards:
                await self.close_forward(forward_id)

    def _publish(self, forward: _Forward) -> None:
        self._bus.publish(ForwardChanged(forward.snapshot()))

    def _changed(self, forward: _Forward) -> None:
        """Note a change for the next tick (and wake the ticker if it sleeps)."""
        if not forward.busy() and forward.totals() == (forward.tick_up, forward.tick_down):
            # Idle until now (the ticker may have slept long): the next rate window starts here.
            forward.tick_time = trio.current_time()
        forward.dirty = True
        self._wake.set()

    async def _run_ticker(self) -> None:
        """Publish busy forwards about once a second; sleep while every forward is idle.

        Bytes move only through open connections, and opening one marks its forward changed,
        so a forward with no connection, no change and rates at 0 has nothing to report.
        """
        while True:
            if not any(f.busy() for f in self._forwards.values()):
                self._wake = trio.Event()
                await self._wake.wait()
            await trio.sleep(TICK)
            self._tick(trio.current_time())

    def _tick(self, now: float) -> None:
        """Update every forward's rates over the window since the last tick; publish changes."""
        for forward in list(self._forwards.values()):
            up, down = forward.totals()
            moved = (up, down) != (forward.tick_up, forward.tick_down)
            if moved or forward.busy():
                elapsed = now - forward.tick_time
                rates = (0.0, 0.0)
                if elapsed > 0:
                    rates = (
                        round((up - forward.tick_up) / elapsed, 1),
                        round((down - forward.tick_down) / elapsed, 1),
                    )
                info = forward.info
                changed = moved or forward.dirty or rates != (info.rate_up, info.rate_down)
                forward.info = replace(info, rate_up=rates[0], rate_down=rates[1])
                forward.dirty = False
                if changed:
                    self._publish(forward)
            forward.tick_up, forward.tick_down, forward.tick_time = up, down, now

    async def _run_forward(self, forward: _Forward, listeners: list[trio.SocketListener]) -> None:
        try:
            with forward.cancel_scope:
                async with trio.open_nursery() as nursery:
                    for listener in listeners:
                        nursery.start_soon(self._accept_loop, forward, listener, nursery)
        finally:
            for listener in listeners:
                with trio.CancelScope(shield=True):
                    await listener.aclose()
            forward.active = False
            if forward.stopping:  # stop_forward: listed, stopped
                state, enabled = ForwardState.STOPPED, False
            else:
                state, enabled = ForwardState.CLOSED, forward.info.enabled
                if self._forwards.get(forward.info.id) is forward:
                    del self._forwards[forward.info.id]
            forward.info = replace(
                forward.info, state=state, enabled=enabled, rate_up=0.0, rate_down=0.0
            )
            self._publish(forward)
            forward.closed.set()

    async def _accept_loop(
        self, forward: _Forward, listener: trio.SocketListener, nursery: trio.Nursery
    ) -> None:
        while True:
            try:
                tcp = await listener.accept()
            except OSError as exc:
                # EMFILE and friends: keep the forward, tell the user, back off a little.
                self._record_error(forward, f"accept failed: {exc}", "accept-failed")
                await trio.sleep(0.1)
                continue
            nursery.start_soon(self._handle_connection, forward, tcp)

    async def _handle_connection(self, forward: _Forward, tcp: trio.SocketStream) -> None:
        forward.info = replace(forward.info, connections_total=forward.info.connections_total + 1)
        self._changed(forward)
        peer = forward.info.peer_id
        if self._live_connections(peer) >= MAX_CONNECTIONS_PER_PEER:
            self._record_error(
                forward,
                f"too many connections to this peer at once (limit {MAX_CONNECTIONS_PER_PEER});"
                " closed the new one",
                "too-many-connections",
            )
            with trio.CancelScope(shield=True):
                await tcp.aclose()
            return
        counters = Counters()
        forward.live.append(counters)
        try:
            stream = await self._open_with_retry(forward)
            if stream is None:
                # The client may have sent its request already: a clean close would read as an
                # empty reply (a truncation, to a client that expects one); a reset says that
                # nothing went through.
                reset_on_close(tcp)
                await tcp.aclose()
                return
            await splice(tcp, stream, counters)
        except SpliceError as exc:
            self._record_error(forward, str(exc), exc.code)
        finally:
            forward.live.remove(counters)
            forward.done_up += counters.up
            forward.done_down += counters.down
            with trio.CancelScope(shield=True):
                await tcp.aclose()
            self._changed(forward)

    def _live_connections(self, peer_id: str) -> int:
        return sum(len(f.live) for f in self._forwards.values() if f.info.peer_id == peer_id)

    async def _open_with_retry(self, forward: _Forward) -> INetStream | None:
        info = forward.info
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                return await self._open_stream(info.peer_id, info.service)
            except PeerUnreachableError as exc:
                if delay is None:
                    self._record_error(
                        forward, f"{exc} (gave up after {attempt + 1} attempts)", exc.code
                    )
                    return None
                log.info("forward %s: %s; retrying in %.2fs", info.id, exc, delay)
                await trio.sleep(delay)
            except PeerupError as exc:
                self._record_error(forward, str(exc), exc.code)
                return None
        return None

    def _record_error(self, forward: _Forward, message: str, code: str) -> None:
        log.warning("forward %s: %s", forward.info.id, message)
        forward.info = replace(
            forward.info,
            errors=forward.info.errors + 1,
            last_error=message,
            last_error_code=code,
        )
        self._changed(forward)
