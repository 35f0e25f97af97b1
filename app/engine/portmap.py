"""UPnP IGD port mapping of our TCP listen port (``network.port_mapping``).

A home router that speaks UPnP IGD can forward a port on its public address to our listener;
with it, peers dial us directly and the relay's dial-back (``/peerup/dialback/1.0.0``) can
confirm it, which makes the grade A ("port-mapping-confirmed"). miniupnpc is a blocking C
library, so every call runs in a worker thread (``trio.to_thread.run_sync``) under a deadline:
discovery waits at most ``discovery_timeout`` for the router's SSDP answer, control calls at most
:data:`CALL_TIMEOUT`. A mapping is made with a lease and renewed at half of it; it is removed
when the node stops. A failure (no gateway, refused) is retried every :data:`RETRY_INTERVAL`
seconds and after each network change (:meth:`PortMapper.refresh_soon`).

Only UPnP IGD: miniupnpc does not speak NAT-PMP/PCP.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import miniupnpc
import trio

from app.core.netaddr import format_host_port
from app.core.status import PortMappingInfo

if TYPE_CHECKING:
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.portmap")

DISCOVERY_TIMEOUT = 2.0
CALL_TIMEOUT = 10.0
LEASE = 3600
RETRY_INTERVAL = 300.0
DESCRIPTION = "peer-up"


class PortMappingFailed(Exception):
    """The gateway could not be found or refused the mapping (the message says which)."""


@dataclass(frozen=True, slots=True)
class _Mapping:
    external_ip: str
    external_port: int
    internal_ip: str
    internal_port: int
    gateway: str
    lease: int


class PortMapper:
    """Keeps one TCP port mapping on the local UPnP gateway while running.

    Args:
        listen_port: Our TCP listen port (None while there is none).
        on_change: Called (synchronously) when a mapping appears, changes or goes away.
        discovery_timeout: Seconds to wait for the gateway's answer to SSDP discovery.
        lease: Lease to ask for, seconds (0: permanent, for gateways that only do that).
        clock: Wall clock (for ``expires_at``).
    """

    def __init__(
        self,
        listen_port: Callable[[], int | None],
        on_change: Callable[[], None],
        *,
        discovery_timeout: float = DISCOVERY_TIMEOUT,
        lease: int = LEASE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._listen_port = listen_port
        self._on_change = on_change
        self._discovery_timeout = discovery_timeout
        self._lease = lease
        self._clock = clock
        self._igd: Any = None  # miniupnpc.UPnP once a gateway was found (one thread at a time)
        self._gateway = ""
        self._mapping: _Mapping | None = None
        self._expires_at: float | None = None
        self._wake = trio.Event()
        self.error: str | None = None

    def current(self) -> PortMappingInfo | None:
        """The mapping in place, or None."""
        m = self._mapping
        if m is None:
            return None
        return PortMappingInfo(
            protocol="TCP",
            external_address=format_host_port(m.external_ip, m.external_port),
            internal_address=format_host_port(m.internal_ip, m.internal_port),
            gateway=m.gateway,
            expires_at=self._expires_at,
        )

    def external_addresses(self) -> list[str]:
        """The mapping as a multiaddr (for the relay's dial-back), or nothing."""
        m = self._mapping
        if m is None or not m.external_ip:
            return []
        return [f"/ip4/{m.external_ip}/tcp/{m.external_port}"]

    def refresh_soon(self) -> None:
        """Map again now (after a network change: another router, another address)."""
        self._igd = None
        self._wake.set()

    async def run(self, *, task_status: TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Map, renew and retry until cancelled; then remove the mapping (bounded)."""
        task_status.started()
        try:
            while True:
                delay = await self._map_once()
                self._wake = trio.Event()
                with trio.move_on_after(delay):
                    await self._wake.wait()
        finally:
            with trio.CancelScope(shield=True):
                await self._unmap()

    async def _map_once(self) -> float:
        port = self._listen_port()
        if port is None:
            return RETRY_INTERVAL
        try:
            with trio.fail_after(self._discovery_timeout + CALL_TIMEOUT):
                # trio-typing's stubs predate ``abandon_on_cancel`` (see daemon/server.py).
                mapping = await trio.to_thread.run_sync(  # type: ignore[call-arg]
                    self._map_blocking, port, abandon_on_cancel=True
                )
        except Exception as exc:  # PortMappingFailed, TooSlowError, or miniupnpc's bare Exception
            error = str(exc) or "no answer from the gateway in time"
            if error != self.error:
                log.info("no UPnP port mapping: %s", error)
            self.error = error
            self._igd = None
            self._set(None)
            return RETRY_INTERVAL
        self.error = None
        self._expires_at = self._clock() + mapping.lease if mapping.lease else None
        if mapping != self._mapping:
            log.info(
                "UPnP port mapping %s:%d → %s:%d (gateway %s)",
                mapping.external_ip, mapping.external_port,
                mapping.internal_ip, mapping.internal_port, mapping.gateway,
            )  # fmt: skip
        self._set(mapping)
        return mapping.lease / 2 if mapping.lease else RETRY_INTERVAL

    def _set(self, mapping: _Mapping | None) -> None:
        changed = mapping != self._mapping
        self._mapping = mapping
        if mapping is None:
            self._expires_at = None
        if changed:
            self._on_change()

    def _map_blocking(self, port: int) -> _Mapping:
        """Discover the gateway (once) and add or renew the mapping. Runs in a worker thread."""
        igd = self._igd
        if igd is None:
            igd = miniupnpc.UPnP()
            igd.discoverdelay = max(1, int(self._discovery_timeout * 1000))
            if igd.discover() == 0:
                raise PortMappingFailed("no UPnP gateway answered on the local network")
            try:
                self._gateway = str(igd.selectigd())
            except Exception as exc:  # "No UPnP device discovered" and similar
                raise PortMappingFailed(f"no usable UPnP gateway: {exc}") from exc
            self._igd = igd
        lan = str(igd.lanaddr)
        external_ip = str(igd.externalipaddress() or "")
        lease = self._lease
        try:
            igd.addportmapping(port, "TCP", lan, port, DESCRIPTION, "", lease)
            external_port = port
        except Exception as exc:  # miniupnpc reports the gateway's UPnP error text
            text = str(exc)
            if "OnlyPermanentLeasesSupported" in text and lease:
                lease = 0
                igd.addportmapping(port, "TCP", lan, port, DESCRIPTION, "", 0)
                external_port = port
            elif "Conflict" in text:
                external_port = int(
                    igd.addanyportmapping(port, "TCP", lan, port, DESCRIPTION, "", lease)
                )
            else:
                raise PortMappingFailed(f"the gateway refused to map port {port}: {text}") from exc
        return _Mapping(external_ip, external_port, lan, port, self._gateway, lease)

    async def _unmap(self) -> None:
        mapping, igd = self._mapping, self._igd
        if mapping is None or igd is None:
            return
        try:
            with trio.fail_after(CALL_TIMEOUT):
                await trio.to_thread.run_sync(  # type: ignore[call-arg]
                    igd.deleteportmapping, mapping.external_port, "TCP", abandon_on_cancel=True
                )
            log.info("removed the UPnP port mapping of port %d", mapping.external_port)
        except Exception as exc:  # the gateway may be gone; the lease ends the mapping anyway
            log.info("could not remove the UPnP port mapping: %s", exc)
        self._mapping = None
