"""Port mapping of our TCP listen port on the home router (``network.port_mapping``).

A home router that speaks UPnP IGD or NAT-PMP (RFC 6886) can forward a port on its public
address to our listener; with it, peers dial us directly and the relay's dial-back
(``/peerup/dialback/1.0.0``) can confirm it, which makes the grade A ("port-mapping-confirmed").
The mapped address is also announced to peers (identify, identify-push, DHT records).

Both protocols are tried at once: NAT-PMP (:mod:`app.engine.natpmp`, UDP to the default gateway,
at most 4 s) and UPnP discovery (miniupnpc's SSDP, :data:`DISCOVERY_TIMEOUT`). NAT-PMP wins when
it maps: it speaks to the router our traffic actually leaves through, in one round trip, while an
SSDP answer may come from any device on the LAN that claims to be a gateway. Otherwise the UPnP
gateway found maps the port. Only discovery runs in parallel, never two mappings: UPnP discovery
makes no state on the router, so abandoning it when NAT-PMP won leaves nothing behind.

miniupnpc is a blocking C library, so its calls run in a worker thread
(``trio.to_thread.run_sync``) under a deadline: control calls at most :data:`CALL_TIMEOUT`. A
mapping is made with a lease and renewed at half of it with the method that made it (a failed
renewal starts over with both); it is removed when the node stops (NAT-PMP: lifetime 0). A
failure (no gateway, refused) is retried every :data:`RETRY_INTERVAL` seconds and after each
network change (:meth:`PortMapper.refresh_soon`). PCP (RFC 6887) is not spoken.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import miniupnpc
import trio

from app.core.errors import NatPmpError
from app.core.ids.netaddr import format_host_port
from app.core.reach import natpmp
from app.core.status import PortMappingInfo
from app.engine.natpmp import REQUEST_BUDGET, NatPmpClient, NatPmpUnavailable, default_gateway

if TYPE_CHECKING:
    from trio_typing import TaskStatus

log = logging.getLogger("peerup.engine.portmap")

DISCOVERY_TIMEOUT = 2.0
CALL_TIMEOUT = 10.0
LEASE = 3600
RETRY_INTERVAL = 300.0
DESCRIPTION = "peer-up"
NATPMP_PORT = natpmp.PORT  # the gateway's port (tests point it at a gateway of their own)
UPNP = "upnp"
NAT_PMP = "nat-pmp"
_METHOD_NAMES = {UPNP: "UPnP", NAT_PMP: "NAT-PMP"}


class PortMappingFailed(Exception):
    """The gateway could not be found or refused the mapping (the message says which)."""


@dataclass(frozen=True, slots=True)
class _Mapping:
    method: str  # UPNP or NAT_PMP
    external_ip: str
    external_port: int
    internal_ip: str
    internal_port: int
    gateway: str
    lease: int


class PortMapper:
    """Keeps one TCP port mapping on the local gateway (UPnP IGD or NAT-PMP) while running.

    Args:
        listen_port: Our TCP listen port (None while there is none).
        on_change: Called (synchronously) when a mapping appears, changes or goes away.
        discovery_timeout: Seconds to wait for the gateway's answer to SSDP discovery.
        lease: Lease to ask for, seconds (0: permanent, for UPnP gateways that only do that;
            NAT-PMP then asks for :data:`LEASE`).
        clock: Wall clock (for ``expires_at``).
        gateway: Finds the default gateway for NAT-PMP (default: :func:`default_gateway`).
        natpmp_port: The gateway's NAT-PMP port (default: :data:`NATPMP_PORT`).
    """

    def __init__(
        self,
        listen_port: Callable[[], int | None],
        on_change: Callable[[], None],
        *,
        discovery_timeout: float = DISCOVERY_TIMEOUT,
        lease: int = LEASE,
        clock: Callable[[], float] = time.time,
        gateway: Callable[[], Awaitable[str | None]] | None = None,
        natpmp_port: int | None = None,
    ) -> None:
        self._listen_port = listen_port
        self._on_change = on_change
        self._discovery_timeout = discovery_timeout
        self._lease = lease
        self._clock = clock
        self._find_gateway = gateway or default_gateway
        self._natpmp_port = natpmp_port or NATPMP_PORT
        self._igd: Any = None  # miniupnpc.UPnP of a UPnP mapping (one thread at a time)
        self._natpmp: NatPmpClient | None = None  # the client of a NAT-PMP mapping
        self._mapping: _Mapping | None = None
        self._expires_at: float | None = None
        self._wake = trio.Event()
        self.error: str | None = None
        self._reported_external: str | None = None  # what the gateway last said, mapped or not

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
            method=m.method,
        )

    def reported_external_ip(self) -> str | None:
        """The external IP the gateway last reported, even when it refused to map.

        A router behind another NAT reports its own WAN address, a private or 100.64/10 one, and
        often refuses to map (miniupnpd does): what it reports still shows the NAT beyond it
        (:mod:`app.core.reach.upstream`). None before any gateway answered.
        """
        m = self._mapping
        return m.external_ip if m is not None and m.external_ip else self._reported_external

    def external_addresses(self) -> list[str]:
        """The mapping as a multiaddr (for the relay's dial-back and our announcements)."""
        m = self._mapping
        if m is None or not m.external_ip:
            return []
        return [f"/ip4/{m.external_ip}/tcp/{m.external_port}"]

    def refresh_soon(self) -> None:
        """Renew or map again now (after a network change: another router, another address)."""
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
        current = self._mapping
        if current is not None and current.internal_port != port:
            await self._unmap()  # our listener moved: the old mapping points nowhere
            current = None
        try:
            mapping = None
            if current is not None:
                mapping = await self._renew(current)
            if mapping is None:
                mapping = await self._map_new(port)
        except PortMappingFailed as exc:
            error = str(exc)
            if error != self.error:
                log.info("no port mapping: %s", error)
            self.error = error
            self._igd = self._natpmp = None
            self._set(None)
            return RETRY_INTERVAL
        self.error = None
        self._expires_at = self._clock() + mapping.lease if mapping.lease else None
        if mapping != self._mapping:
            log.info(
                "%s port mapping %s:%d → %s:%d (gateway %s)", _METHOD_NAMES[mapping.method],
                mapping.external_ip, mapping.external_port,
                mapping.internal_ip, mapping.internal_port, mapping.gateway,
            )  # fmt: skip
        self._set(mapping)
        return max(1.0, mapping.lease / 2) if mapping.lease else RETRY_INTERVAL

    def _set(self, mapping: _Mapping | None) -> None:
        changed = mapping != self._mapping
        self._mapping = mapping
        if mapping is None:
            self._expires_at = None
        if changed:
            self._on_change()

    async def _renew(self, current: _Mapping) -> _Mapping | None:
        """Renew with the method that mapped; None when that fails (then map anew)."""
        try:
            if current.method == NAT_PMP and self._natpmp is not None:
                client = self._natpmp
                if await self._find_gateway() != client.gateway:
                    return None  # another network: start over
                with trio.fail_after(3 * REQUEST_BUDGET):
                    mapping = await self._natpmp_map(
                        client, current.internal_port, current.external_port
                    )
                if client.restarted:
                    log.info("the NAT-PMP gateway lost its mappings (restarted); mapped again")
                    client.restarted = False
                return mapping
            if current.method == UPNP and self._igd is not None:
                with trio.fail_after(CALL_TIMEOUT):
                    return await trio.to_thread.run_sync(  # type: ignore[call-arg]
                        self._add_blocking, self._igd, current.gateway, current.internal_port,
                        abandon_on_cancel=True,
                    )  # fmt: skip
        except Exception as exc:  # any failure (TooSlowError too): discover again
            log.info(
                "could not renew the %s port mapping: %s",
                _METHOD_NAMES[current.method],
                str(exc) or "no answer in time",
            )
        return None

    async def _map_new(self, port: int) -> _Mapping:
        """Try NAT-PMP and UPnP discovery at once; map with NAT-PMP if it works, else UPnP."""
        self._reported_external = None  # maybe another network: only a fresh answer counts
        errors: dict[str, str] = {}
        by_natpmp: list[_Mapping] = []
        found_igd: list[tuple[Any, str]] = []

        async def try_natpmp(cancel_scope: trio.CancelScope) -> None:
            try:
                gateway = await self._find_gateway()
                if gateway is None:
                    raise NatPmpUnavailable("no default gateway found")
                client = NatPmpClient(gateway, port=self._natpmp_port)
                with trio.fail_after(3 * REQUEST_BUDGET):
                    by_natpmp.append(await self._natpmp_map(client, port, port))
            except (NatPmpUnavailable, NatPmpError, OSError, trio.TooSlowError) as exc:
                errors[NAT_PMP] = str(exc) or "no answer in time"
                return
            self._natpmp = client
            cancel_scope.cancel()  # no need to wait for UPnP discovery

        async def discover_upnp() -> None:
            try:
                with trio.fail_after(self._discovery_timeout + CALL_TIMEOUT):
                    # trio-typing's stubs predate ``abandon_on_cancel`` (see daemon/server.py).
                    found_igd.append(
                        await trio.to_thread.run_sync(  # type: ignore[call-arg]
                            self._discover_blocking, abandon_on_cancel=True
                        )
                    )
            except Exception as exc:  # PortMappingFailed, TooSlowError, miniupnpc's bare Exception
                errors[UPNP] = str(exc) or "no answer from the gateway in time"

        async with trio.open_nursery() as nursery:
            nursery.start_soon(try_natpmp, nursery.cancel_scope)
            nursery.start_soon(discover_upnp)
        if by_natpmp:
            self._igd = None
            return by_natpmp[0]
        self._natpmp = None
        if found_igd:
            igd, gateway = found_igd[0]
            try:
                with trio.fail_after(CALL_TIMEOUT):
                    mapping: _Mapping = await trio.to_thread.run_sync(  # type: ignore[call-arg]
                        self._add_blocking, igd, gateway, port, abandon_on_cancel=True
                    )
            except Exception as exc:  # PortMappingFailed, TooSlowError or miniupnpc's Exception
                errors[UPNP] = str(exc) or "no answer from the gateway in time"
            else:
                self._igd = igd
                return mapping

        raise PortMappingFailed(
            "; ".join(f"{_METHOD_NAMES[m]}: {errors[m]}" for m in (UPNP, NAT_PMP) if m in errors)
            or "no gateway answered"
        )

    async def _natpmp_map(self, client: NatPmpClient, port: int, external_port: int) -> _Mapping:
        external_ip = await client.external_address()
        self._reported_external = external_ip or None
        answer = await client.map_tcp(
            port, external_port=external_port, lifetime=self._lease or LEASE
        )
        return _Mapping(
            NAT_PMP, external_ip, answer.external_port, client.local_ip, port, client.gateway,
            answer.lifetime,
        )  # fmt: skip

    def _discover_blocking(self) -> tuple[Any, str]:
        """Find the UPnP gateway. Runs in a worker thread; makes no state on the router."""
        igd = miniupnpc.UPnP()
        igd.discoverdelay = max(1, int(self._discovery_timeout * 1000))
        if igd.discover() == 0:
            raise PortMappingFailed("no UPnP gateway answered on the local network")
        try:
            gateway = str(igd.selectigd())
        except Exception as exc:  # "No UPnP device discovered" and similar
            raise PortMappingFailed(f"no usable UPnP gateway: {exc}") from exc
        return igd, gateway

    def _add_blocking(self, igd: Any, gateway: str, port: int) -> _Mapping:
        """Add or renew the UPnP mapping. Runs in a worker thread."""
        lan = str(igd.lanaddr)
        external_ip = str(igd.externalipaddress() or "")
        # One str assignment (atomic); read on the trio thread by reported_external_ip().
        self._reported_external = external_ip or None
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
        return _Mapping(UPNP, external_ip, external_port, lan, port, gateway, lease)

    async def _unmap(self) -> None:
        mapping, igd, client = self._mapping, self._igd, self._natpmp
        if mapping is None:
            return
        try:
            if mapping.method == NAT_PMP and client is not None:
                with trio.fail_after(REQUEST_BUDGET + 1):
                    await client.unmap_tcp(mapping.internal_port)
            elif mapping.method == UPNP and igd is not None:
                with trio.fail_after(CALL_TIMEOUT):
                    await trio.to_thread.run_sync(  # type: ignore[call-arg]
                        igd.deleteportmapping, mapping.external_port, "TCP", abandon_on_cancel=True
                    )
            else:
                return
            log.info(
                "removed the %s port mapping of port %d",
                _METHOD_NAMES[mapping.method], mapping.external_port,
            )  # fmt: skip
        except Exception as exc:  # the gateway may be gone; the lease ends the mapping anyway
            log.info("could not remove the %s port mapping: %s", _METHOD_NAMES[mapping.method], exc)
        finally:
            self._mapping = None
