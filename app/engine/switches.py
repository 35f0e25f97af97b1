"""The parts of a node that preferences switch on and off while it runs.

Hole punching (DCUtR), the router port mapping (UPnP / NAT-PMP) and LAN discovery (mDNS) each
start with the node as configured; :class:`~app.engine.liveconfig.LiveConfig` turns them on or
off when ``network.hole_punching``, ``network.port_mapping`` or ``discovery.mdns`` changes, with
no restart:

* :class:`HolePunching`: the DCUtR service runs in its own cancel scope. Off, its protocol handler
  is gone (a peer's hole punch is refused) and no relayed connection is upgraded any more;
  connections already direct stay.
* :class:`PortMapping`: the :class:`~app.engine.portmap.PortMapper` runs in its own cancel scope.
  Off, the mapping is no longer announced at once and is deleted from the router (bounded, as at
  a node's stop); turned on again, the new mapper waits for that deletion first.
* :class:`LanDiscovery`: py-libp2p's mDNS service of the host, started or stopped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import trio
from libp2p.discovery.mdns.mdns import create_mdns_discovery
from libp2p.peer.id import ID
from libp2p.tools.anyio_service import background_trio_service

from app.core.status import PortMappingInfo
from app.engine import compat
from app.engine.portmap import PortMapper

if TYPE_CHECKING:
    # trio-typing's stubs (a py-libp2p dependency) shadow trio's own types: see daemon/server.py.
    from trio_typing import TaskStatus

__all__ = ["HolePunching", "LanDiscovery", "PortMapping"]

log = logging.getLogger("peerup.engine.switches")


class HolePunching:
    """Hole punching (DCUtR, :class:`~app.engine.compat.InboundDrivenDCUtR`) while switched on.

    Args:
        host: The libp2p host.
    """

    def __init__(self, host: Any) -> None:
        self._host = host
        self._nursery: trio.Nursery | None = None
        self._dcutr: compat.InboundDrivenDCUtR | None = None
        self._scope: trio.CancelScope | None = None
        self._punches: trio.Nursery | None = None  # the running DCUtR's hole punches

    @property
    def enabled(self) -> bool:
        """Whether relayed connections are upgraded now."""
        return self._dcutr is not None

    async def run(
        self, enabled: bool, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Own the DCUtR service (on if ``enabled``) until cancelled."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                self.set_enabled(enabled)
                task_status.started()
                await trio.sleep_forever()
        finally:
            self._nursery = self._dcutr = self._scope = self._punches = None

    def set_enabled(self, enabled: bool) -> None:
        """Start or stop hole punching (a no-op when it is already so, or not running)."""
        if self._nursery is None or enabled == self.enabled:
            return
        if enabled:
            dcutr = compat.InboundDrivenDCUtR(self._host)
            self._dcutr, self._scope = dcutr, trio.CancelScope()
            self._nursery.start_soon(self._run_dcutr, dcutr, self._scope)
            log.info("hole punching on")
            return
        assert self._scope is not None
        self._scope.cancel()  # the service removes its protocol handler as it stops
        if getattr(self._host, "_dcutr_protocol", None) is self._dcutr:
            self._host._dcutr_protocol = None  # set by upstream's constructor
        self._dcutr = self._scope = self._punches = None
        log.info("hole punching off")

    async def _run_dcutr(self, dcutr: compat.InboundDrivenDCUtR, scope: trio.CancelScope) -> None:
        with scope:
            async with background_trio_service(dcutr), trio.open_nursery() as punches:
                if self._dcutr is dcutr:
                    self._punches = punches
                await trio.sleep_forever()

    def initiate_soon(self, peer: ID) -> None:
        """Start a hole punch with ``peer`` now (we accepted a relayed connection from it)."""
        if self._punches is not None and self._dcutr is not None:
            self._punches.start_soon(self._dcutr.initiate_hole_punch, peer)

    def allow_new_attempts(self, peer: ID) -> None:
        """Give ``peer`` a fresh hole-punch budget (see the compat class)."""
        if self._dcutr is not None:
            self._dcutr.allow_new_attempts(peer)

    def close_relayed_after_grace(self, peer: ID) -> None:
        """Close the relayed connections to ``peer`` after the grace period (a direct one won)."""
        if self._dcutr is not None:
            self._dcutr.close_relayed_after_grace(peer)


class PortMapping:
    """The router port mapping (:class:`~app.engine.portmap.PortMapper`) while switched on.

    Args:
        listen_port: Our TCP listen port (None while there is none).
        on_change: Called (synchronously) when the mapping appears, changes or goes.
        clock: The wall clock (for ``expires_at``).
    """

    def __init__(
        self,
        listen_port: Callable[[], int | None],
        on_change: Callable[[], None],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._listen_port = listen_port
        self._on_change = on_change
        self._clock = clock
        self._nursery: trio.Nursery | None = None
        self._mapper: PortMapper | None = None
        self._scope: trio.CancelScope | None = None
        self._stopped: trio.Event | None = None  # set once the last mapper removed its mapping

    @property
    def enabled(self) -> bool:
        """Whether a mapping is kept (or tried for)."""
        return self._mapper is not None

    @property
    def error(self) -> str | None:
        """Why the last attempt made no mapping (None when it did, or when off)."""
        return self._mapper.error if self._mapper is not None else None

    def current(self) -> PortMappingInfo | None:
        """The mapping in place, or None (always None once switched off)."""
        return self._mapper.current() if self._mapper is not None else None

    def external_ip(self) -> str | None:
        """The external IP the gateway reported, mapped or not (private or 100.64/10 when the
        router is behind another NAT: :mod:`app.core.reach.upstream`)."""
        return self._mapper.reported_external_ip() if self._mapper is not None else None

    def external_addresses(self) -> list[str]:
        """The mapping as a multiaddr (for the relay's dial-back and our announcements)."""
        return self._mapper.external_addresses() if self._mapper is not None else []

    def refresh_soon(self) -> None:
        """Renew or map again now (after a network change)."""
        if self._mapper is not None:
            self._mapper.refresh_soon()

    async def run(
        self, enabled: bool, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Own the mapper (on if ``enabled``) until cancelled; then the mapping is removed."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                self.set_enabled(enabled)
                task_status.started()
                await trio.sleep_forever()
        finally:
            self._nursery = self._mapper = self._scope = None

    def set_enabled(self, enabled: bool) -> None:
        """Map (``enabled``) or remove the mapping; a no-op when already so, or not running."""
        if self._nursery is None or enabled == self.enabled:
            return
        if enabled:
            mapper = PortMapper(self._listen_port, self._on_change, clock=self._clock)
            done = trio.Event()
            self._mapper, self._scope = mapper, trio.CancelScope()
            self._nursery.start_soon(self._run_mapper, mapper, self._scope, self._stopped, done)
            self._stopped = done
            log.info("port mapping on")
            return
        assert self._scope is not None
        had_mapping = self.current() is not None
        self._scope.cancel()  # the mapper removes its mapping from the router as it stops
        self._mapper = self._scope = None
        log.info("port mapping off")
        if had_mapping:
            self._on_change()  # no longer announced, from now on

    async def _run_mapper(
        self,
        mapper: PortMapper,
        scope: trio.CancelScope,
        previous: trio.Event | None,
        done: trio.Event,
    ) -> None:
        try:
            with scope:
                if previous is not None:
                    await previous.wait()  # the last mapper's mapping is gone from the router
                await mapper.run()
        finally:
            done.set()


class LanDiscovery:
    """py-libp2p's mDNS discovery of a host (``discovery.mdns``), switched on and off.

    ``new_host(enable_mDNS=…)`` makes the service the node starts with (the host starts it as it
    listens and stops it as it stops); this starts and stops it later, on the same attribute.

    Args:
        host: The libp2p host.
    """

    def __init__(self, host: Any) -> None:
        self._host = host

    @property
    def enabled(self) -> bool:
        """Whether the host announces itself and listens for peers on the LAN now."""
        return self._host.mDNS is not None

    def set_enabled(self, enabled: bool) -> None:
        """Start or stop mDNS (a failure to start is logged: the node goes on without it)."""
        host = self._host
        if enabled == self.enabled:
            return
        if not enabled:
            mdns, host.mDNS = host.mDNS, None
            try:
                mdns.stop()
            except Exception as exc:  # zeroconf may already be gone; nothing else to undo
                log.warning("stopping LAN discovery (mDNS): %s", exc)
            log.info("LAN discovery (mDNS) off")
            return
        try:
            mdns = create_mdns_discovery(host.get_network(), host=host)
            mdns.start()
        except Exception as exc:  # no multicast-capable interface, say
            log.warning("cannot start LAN discovery (mDNS): %s", exc)
            return
        host.mDNS = mdns
        log.info("LAN discovery (mDNS) on")
