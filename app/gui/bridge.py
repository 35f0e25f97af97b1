"""The GUI's one link to the daemon: the API's watch stream in, typed Qt signals out.

The tray's own actions are methods here; a dialog runs its requests through
:meth:`Bridge.client` and shows their errors in place. :meth:`Bridge.run`
opens the engine (attaches to a daemon already answering for the config, else starts the
in-process engine through the callable the launcher gave), then follows ``watch()``: every
snapshot replaces the state, every event is folded in with :func:`app.api.watch.apply_event`, and
the new state goes out as ``state_changed``. When the stream ends (the daemon stopped, or paused)
it says so with ``connection_changed`` and reconnects after a short, growing wait; nothing here
polls the state.

Pause stops the in-process engine (its listeners, connections and forwards go away, so peers see
this device offline) and Resume starts it again; attached to a separate daemon, the tray does not
own the engine, so Pause is not offered (:attr:`Bridge.can_pause`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from app.api.client import LocalClient, open_local_client
from app.api.errors import ApiError, DaemonNotRunningError
from app.api.models import Resync, Snapshot, WatchEvent
from app.api.transport import ApiEndpoint, endpoint_for_config
from app.api.watch import apply_event
from app.core.errors import PeerupError
from app.gui.texts import reason_text
from app.gui.view import Connection

log = logging.getLogger("peerup.gui")

RETRY_FIRST = 0.5  # seconds before the first reconnection attempt
RETRY_MAX = 10.0


class EngineHandle(Protocol):
    """The in-process engine as the launcher hands it to the GUI."""

    async def stop(self) -> None:
        """Stop the engine (cancel it) and wait until it has stopped."""

    async def wait_stopped(self) -> None:
        """Wait until the engine has stopped, whoever stopped it."""


StartEngine = Callable[[Path], Awaitable[EngineHandle]]
"""Start the engine for a config in this process; returns once its API answers."""


class Bridge(QObject):
    """Follows the daemon's state over the API and runs the tray's actions.

    Signals:
        state_changed(Snapshot): The folded state after every snapshot and event.
        event_received(WatchEvent): Each event of the watch stream, after it was folded in.
        connection_changed(str): A :class:`~app.gui.view.Connection` value.
        error_raised(str, str, str): An API error's code, message and hint (from an action or
            from starting the engine).
        message(str, str): Something to tell the user (title, text): results of actions.
        ping_finished(str, object): A ping's peer ID and its round trip in ms (None: no answer).
        peer_renamed(str, str): A rename's peer ID and the name it got.
        peer_removed(str): A peer was removed from authorized_keys.
    """

    state_changed = Signal(object)
    event_received = Signal(object)
    connection_changed = Signal(str)
    error_raised = Signal(str, str, str)
    message = Signal(str, str)
    ping_finished = Signal(str, object)
    peer_renamed = Signal(str, str)
    peer_removed = Signal(str)

    def __init__(
        self,
        config_path: Path,
        start_engine: StartEngine | None,
        parent: QObject | None = None,
    ) -> None:
        """Create the bridge; nothing runs until :meth:`run`.

        Args:
            config_path: The node's config file (it names the API socket).
            start_engine: Starts the in-process engine; None to only ever attach.
            parent: The Qt parent.
        """
        super().__init__(parent)
        self.config_path = config_path
        self.endpoint: ApiEndpoint = endpoint_for_config(config_path)
        self._start_engine = start_engine
        self._engine: EngineHandle | None = None
        self._state: Snapshot | None = None
        self._connection = Connection.CONNECTING
        self._paused = False
        self._quitting = False
        self._wake = asyncio.Event()
        self._engine_watch: asyncio.Task[None] | None = None

    # ---- state -------------------------------------------------------------------------------

    @property
    def state(self) -> Snapshot | None:
        """The last folded state (None before the first snapshot, and while not connected)."""
        return self._state

    @property
    def connection(self) -> Connection:
        """The current connection state."""
        return self._connection

    @property
    def owns_engine(self) -> bool:
        """Whether the engine runs in this process (started by the tray)."""
        return self._engine is not None or (self._paused and self._start_engine is not None)

    @property
    def can_pause(self) -> bool:
        """Pause/Resume stops and starts the in-process engine; attached, there is none."""
        return self.owns_engine

    def client(self) -> AbstractAsyncContextManager[LocalClient]:
        """A client of the daemon for one dialog's requests (``async with bridge.client() as c``).

        Raises (on entry or on a request):
            ApiError: The daemon does not answer, or refused the request; a dialog shows it with
                :class:`~app.gui.widgets.banner.MessageBanner`.
        """
        return open_local_client(self.endpoint)

    def _set_connection(self, connection: Connection) -> None:
        if connection is not self._connection:
            self._connection = connection
            self.connection_changed.emit(connection.value)

    # ---- the watch loop ----------------------------------------------------------------------

    async def run(self) -> None:
        """Open the engine, then follow its state until :meth:`quit`.

        Errors starting the engine are reported with ``error_raised``, and the bridge keeps
        trying to attach (a daemon may be started by hand).
        """
        await self._open_engine()
        delay = RETRY_FIRST
        while not self._stopping():
            if self._paused:
                await self._wait_wake(None)
                continue
            if self._connection is not Connection.OFFLINE:  # offline stays so while retrying
                self._set_connection(Connection.CONNECTING)
            began = time.monotonic()
            try:
                await self._follow()
            except DaemonNotRunningError:
                pass
            except ApiError as exc:
                if not (self._stopping() or self._paused):
                    log.warning("watch stream ended: %s", exc)
            self._state = None
            if self._stopping():
                break
            if not self._paused:
                self._set_connection(Connection.OFFLINE)
                self.state_changed.emit(None)
            delay = (
                RETRY_FIRST if time.monotonic() - began > RETRY_MAX else min(delay * 2, RETRY_MAX)
            )
            await self._wait_wake(delay)

    def _stopping(self) -> bool:
        return self._quitting

    async def _wait_wake(self, delay: float | None) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), delay)

    async def _follow(self) -> None:
        async with (
            open_local_client(self.endpoint) as client,
            contextlib.aclosing(client.watch()) as items,
        ):
            async for item in items:
                if self._quitting or self._paused:
                    return
                if isinstance(item, Snapshot):
                    self._state = item
                    self._set_connection(Connection.ONLINE)
                    self.state_changed.emit(item)
                elif isinstance(item, WatchEvent) and self._state is not None:
                    self._state = apply_event(self._state, item)
                    self.state_changed.emit(self._state)
                    self.event_received.emit(item)
                elif isinstance(item, Resync):
                    log.info("watch stream resynchronises")

    async def _daemon_answers(self) -> bool:
        try:
            async with open_local_client(self.endpoint) as client:
                await client.status()
        except ApiError:
            return False
        return True

    async def _open_engine(self) -> None:
        if await self._daemon_answers():
            log.info("a daemon already runs for %s: attaching to it", self.config_path)
            return
        await self._start()

    async def _start(self) -> None:
        if self._start_engine is None:
            return
        try:
            self._engine = engine = await self._start_engine(self.config_path)
            self._engine_watch = asyncio.ensure_future(self._watch_engine(engine))
        except PeerupError as exc:  # bad config or identity, a port taken, another daemon
            log.error("the engine did not start: %s", exc)
            self.error_raised.emit(exc.code, exc.message, exc.hint or "")
        except Exception as exc:  # unexpected: told, and logged with its traceback
            log.exception("the engine did not start")
            self.error_raised.emit("engine-error", str(exc), "")

    async def _watch_engine(self, engine: EngineHandle) -> None:
        """An engine that stops by itself (``peerup daemon stop``) leaves the tray paused."""
        await engine.wait_stopped()
        if engine is self._engine and not self._stopping():
            log.info("the in-process engine stopped: paused")
            self._engine = None
            self._paused = True
            self._state = None
            self._set_connection(Connection.PAUSED)
            self.state_changed.emit(None)
            self._wake.set()

    def _report(self, exc: ApiError) -> None:
        self.error_raised.emit(exc.code, exc.message, exc.hint or "")

    # ---- actions -----------------------------------------------------------------------------

    async def test_reachability(self) -> None:
        """Re-probe this node's reachability now; the result comes as ``message``."""
        try:
            async with open_local_client(self.endpoint) as client:
                reach = await client.probe_reachability()
        except ApiError as exc:
            self._report(exc)
            return
        reason, hint = reason_text(reach.reason_code, reach.reason, reach.hint)
        self.message.emit(
            self.tr("Reachability %1").replace("%1", reach.grade.value),
            reason + (("\n" + hint) if hint else ""),
        )

    async def rename_peer(self, peer_id: str, name: str) -> None:
        """Give a peer a new name; the result comes as ``peer_renamed`` (or ``error_raised``)."""
        try:
            async with open_local_client(self.endpoint) as client:
                entry = await client.rename_peer(peer_id, name)
        except ApiError as exc:
            self._report(exc)
            return
        self.peer_renamed.emit(peer_id, entry.name or name)

    async def ping_peer(self, peer_id: str) -> None:
        """Ping a peer once; the round trip comes as ``ping_finished`` (None when it failed)."""
        rtt: float | None = None
        try:
            async with open_local_client(self.endpoint) as client:
                async for result in client.ping(peer_id, count=1):
                    rtt = result.rtt_ms if result.error is None else None
        except ApiError as exc:
            self._report(exc)
        self.ping_finished.emit(peer_id, rtt)

    async def remove_peer(self, peer_id: str) -> None:
        """Remove a peer from authorized_keys (its connections close); ``peer_removed`` follows."""
        try:
            async with open_local_client(self.endpoint) as client:
                await client.deauthorize(peer_id)
        except ApiError as exc:
            self._report(exc)
            return
        self.peer_removed.emit(peer_id)

    async def set_paused(self, paused: bool) -> None:
        """Pause (stop the in-process engine) or resume (start it again).

        Does nothing when attached to a separate daemon (see :attr:`can_pause`).
        """
        if not self.can_pause or paused == self._paused:
            return
        self._paused = paused
        if paused:
            engine, self._engine = self._engine, None
            if engine is not None:
                await engine.stop()
            self._state = None
            self._set_connection(Connection.PAUSED)  # once stopped: peers see us offline now
            self.state_changed.emit(None)
        else:
            self._set_connection(Connection.CONNECTING)
            await self._start()
        self._wake.set()

    async def quit(self) -> None:
        """Stop following the state, and stop the in-process engine if the tray started it.

        A separate daemon the tray attached to keeps running.
        """
        self._quitting = True
        self._wake.set()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.stop()
        if self._engine_watch is not None:
            await self._engine_watch

    def diagnostics(self) -> str:
        """A plain-text summary of the current state, for "Copy diagnostics"."""
        state = self._state
        lines = [f"peer-up tray · connection: {self._connection.value}"]
        lines.append(f"config: {self.config_path}")
        lines.append(f"engine: {'in this process' if self.owns_engine else 'separate daemon'}")
        if state is None:
            return "\n".join(lines) + "\n"
        status = state.status
        lines += [
            f"peer id: {status.peer_id}",
            f"version: {status.version}",
            f"listening: {', '.join(status.listen_addresses)}",
        ]
        if status.reachability is not None:
            r = status.reachability
            lines.append(f"reachability: {r.grade.value} ({r.reason_code}) {r.reason}")
        for relay in status.relays:
            lines.append(
                f"relay: {relay.address} reserved={relay.reserved}"
                + (f" error={relay.error_code}" if relay.error_code else "")
            )
        for peer in state.peers:
            path = peer.path
            how = (
                f"{path.path_type.value} {path.transport} rtt={path.rtt_ms}"
                if path is not None
                else "not connected"
            )
            lines.append(f"peer: {peer.name or '-'} {peer.peer_id} verified={peer.verified} {how}")
        for fwd in state.forwards:
            lines.append(
                f"forward: {fwd.service} -> {fwd.peer_id} @ {fwd.listen_address} {fwd.state.value}"
                + (f" error={fwd.last_error_code}" if fwd.last_error_code else "")
            )
        return "\n".join(lines) + "\n"
