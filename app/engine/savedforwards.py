"""Forwards saved in config.yaml (``forwards:``): opened at start, stopped and started, saved.

Each entry makes a forward whose id comes from its listen address (``cfg-127.0.0.1:2222``,
:func:`~app.core.config.saved_forward_ids`), so it is the same after a restart and a front end
can address it. An entry with ``enabled: false`` is listed ``stopped`` (no listener, its port
kept for it); one whose listener cannot start is listed ``failed`` with the reason.

:class:`SavedForwards` keeps the running forwards equal to the config: it opens them when the
node starts, applies its own changes (:meth:`~SavedForwards.save`,
:meth:`~SavedForwards.set_enabled`, :meth:`~SavedForwards.remove`, each listener first, then the
file, undone if the file cannot be written) and, after any other edit of the config (read again
at the next edit when changed by hand), brings the forwards in line with it. One lock orders all
of these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import trio

from app.core.config import ForwardConfig, saved_forward_ids
from app.core.errors import (
    AlreadyExistsError,
    ForwardNotFoundError,
    ForwardNotSavedError,
    NotFoundError,
    PeerupError,
)
from app.core.ids.netaddr import format_host_port, parse_host_port
from app.core.status import ForwardInfo, ForwardState
from app.engine.forwards import ForwardManager
from app.engine.listening import same_listen_address
from app.engine.settings import SettingsStore

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

__all__ = ["SavedForwards"]

log = logging.getLogger("peerup.engine.savedforwards")


class SavedForwards:
    """The forwards of config.yaml, kept in line with it.

    Args:
        settings: The config and its one writer.
        forwards: The forward manager that runs them.
        resolve_peer_id: A name or peer ID to a peer ID (raises for an unknown name).
    """

    def __init__(
        self,
        settings: SettingsStore,
        forwards: ForwardManager,
        resolve_peer_id: Callable[[str], str],
    ) -> None:
        self._settings = settings
        self._forwards = forwards
        self._resolve = resolve_peer_id
        self._running: dict[str, ForwardConfig] = {}  # forward id → the entry it was made from
        self._lock = trio.Lock()
        self._changed = trio.Event()

    def is_saved(self, forward_id: str) -> bool:
        """Whether the forward ``forward_id`` comes from the config."""
        return forward_id in self._running

    def taken(self) -> set[tuple[str, int]]:
        """``(host, port)`` of every saved forward, stopped ones included (port 0 left out)."""
        out = set()
        for entry in self._settings.config.forwards:
            host, port = parse_host_port(entry.listen)
            if port:
                out.add((host, port))
        return out

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Open the config's forwards, then follow its changes until cancelled."""
        await self.sync()
        task_status.started()
        while True:
            await self._changed.wait()
            self._changed = trio.Event()
            await self.sync()

    def config_changed(self) -> None:
        """The ``forwards`` of config.yaml changed: bring the running ones in line soon."""
        self._changed.set()

    async def sync(self) -> None:
        """Make the forwards what the config says (a no-op after this class's own edits)."""
        async with self._lock:
            wanted = saved_forward_ids(self._settings.config.forwards)
            for forward_id, entry in list(self._running.items()):
                if wanted.get(forward_id) != entry:
                    del self._running[forward_id]
                    await self._forwards.close_forward(forward_id)
            for forward_id, entry in wanted.items():
                if forward_id not in self._running:
                    await self._start(forward_id, entry)

    async def _start(self, forward_id: str, entry: ForwardConfig) -> ForwardInfo:
        """Open (or list, stopped or failed) the forward of ``entry``; never raises."""
        self._running[forward_id] = entry
        peer = entry.peer
        try:
            peer = self._resolve(entry.peer)
            if not entry.enabled:
                return self._list(forward_id, entry, peer, ForwardState.STOPPED)
            return await self._forwards.open_forward(
                peer, entry.service, entry.listen, forward_id=forward_id, persistent=True
            )
        except PeerupError as exc:
            log.error("forward %s → %s/%s failed: %s", entry.listen, entry.peer, entry.service, exc)
            state = ForwardState.FAILED if entry.enabled else ForwardState.STOPPED
            return self._list(forward_id, entry, peer, state, exc)

    def _list(
        self,
        forward_id: str,
        entry: ForwardConfig,
        peer: str,
        state: ForwardState,
        error: PeerupError | None = None,
    ) -> ForwardInfo:
        listen = format_host_port(*parse_host_port(entry.listen))
        return self._forwards.list_inactive(
            forward_id, peer, entry.service, listen, state=state, error=error
        )

    def _entry(self, forward_id: str) -> ForwardConfig:
        entry = self._running.get(forward_id)
        if entry is not None:
            return entry
        if any(f.id == forward_id for f in self._forwards.snapshot()):
            raise ForwardNotSavedError(
                f"forward {forward_id} is not saved, so it cannot be stopped and started",
                hint="close it instead, or open it again with persist",
            )
        raise ForwardNotFoundError(f"no forward with id {forward_id!r}")

    # ---- the API's changes ----------------------------------------------------------------------

    async def save(self, peer_id: str, service: str, listen: str) -> ForwardInfo:
        """Open a forward and save it in config.yaml (``listen`` on port 0: the port bound).

        Raises:
            InvalidAddressError: ``listen`` is not host:port.
            AlreadyExistsError: A saved forward (stopped ones too) has that address already.
            AddressInUseError: The port is taken.
            ConfigError: The config cannot be written (the forward is closed again).
        """
        host, port = parse_host_port(listen)
        async with self._lock:
            if port and any(same_listen_address((host, port), t) for t in self.taken()):
                raise AlreadyExistsError(
                    f"a saved forward already listens on {format_host_port(host, port)}",
                    hint="start that one, or choose another local port",
                )
            info = await self._forwards.open_forward(peer_id, service, listen, persistent=True)
            bound = format_host_port(host, int(info.listen_address.rsplit(":", 1)[1]))
            entry = ForwardConfig(peer=peer_id, service=service, listen=bound)
            self._running[info.id] = entry
            try:
                with self._settings.edit() as editor:
                    editor.add_forward(peer_id, service, bound)
            except PeerupError:
                del self._running[info.id]
                await self._forwards.close_forward(info.id)
                raise
            return info

    async def set_enabled(self, forward_id: str, enabled: bool) -> ForwardInfo:
        """Start (listen again) or stop (close the listener, stay listed) a saved forward.

        Raises:
            ForwardNotFoundError: No forward has that id.
            ForwardNotSavedError: The forward is not saved (it can only be closed).
            AddressInUseError: Starting: its port is taken now (it stays stopped).
            ConfigError: The config cannot be written (nothing changes).
        """
        async with self._lock:
            entry = self._entry(forward_id)
            current = next(f for f in self._forwards.snapshot() if f.id == forward_id)
            if entry.enabled == enabled and current.state is not ForwardState.FAILED:
                return current  # listening already, or stopped already
            changed = replace(entry, enabled=enabled)
            if enabled:
                info = await self._forwards.open_forward(
                    self._resolve(entry.peer),
                    entry.service,
                    entry.listen,
                    forward_id=forward_id,
                    persistent=True,
                )
            self._running[forward_id] = changed
            try:
                with self._settings.edit() as editor:
                    editor.set_forward_enabled(entry.listen, enabled, service=entry.service)
            except PeerupError:
                self._running[forward_id] = entry
                if enabled:
                    await self._forwards.stop_forward(forward_id)
                raise
            if not enabled:
                info = await self._forwards.stop_forward(forward_id)
            return info

    async def remove(self, forward_id: str) -> None:
        """Close a saved forward and remove its entry from config.yaml.

        Raises:
            ForwardNotFoundError: No saved forward has that id.
            ConfigError: The config cannot be written (the forward stays).
        """
        async with self._lock:
            entry = self._entry(forward_id)
            try:
                with self._settings.edit() as editor:
                    editor.remove_forward(entry.listen, service=entry.service)
            except NotFoundError:
                pass  # removed from the file by hand meanwhile: close it all the same
            del self._running[forward_id]
            await self._forwards.close_forward(forward_id)
